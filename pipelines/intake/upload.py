"""报送 Upload: a file sent on the dashboard goes safely into the inbox, with who sent it.

1. `screen`: size limit, and the type judged by content (`readers.sniff_format`), never by name.
2. The verdict is `kejiao check`'s (pipelines/intake/checking.py), under the name the file will
   have in the inbox; `scope_refusals` then says which schools of the file the sender may not
   send for (a school only for itself, a district bureau for its district's schools; the
   registry R0 and the alliance roster R4 only the data team).
3. `deliver`: the file is written under a generated name — a timestamp, a random token and a
   sanitised short stem of the uploaded name, the extension from the content — first aside in a
   hidden folder of the inbox, then renamed into `inbox/uploads/<yyyy-mm>/`, so the inbox sensor
   never sees half a file. The uploaded name is never used as a path.
4. Beside it, written *before* it, a hidden sidecar `.<name>.sender.json` records the sender and
   the file's sha256. Intake (`inbox_senders`) passes these to `ingest(senders=...)`, which
   stores them in raw.submissions.sender; a sidecar whose hash does not match its file is ignored.
   Hidden files are skipped by intake and by the inbox sensor.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipelines.access.roles import Permission, Role, Scope
from pipelines.intake import schema
from pipelines.intake.judge import Verdict
from pipelines.intake.readers import sniff_format
from pipelines.intake.schema import REPORT_TYPES, SENDER_COLUMN
from pipelines.settings import upload_max_mb_text

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SPREADSHEET_FORMATS = ("xlsx", "xls", "ods", "csv")
UPLOAD_DIR = "uploads"
STAGING_DIR = ".uploading"
SIDECAR_SUFFIX = ".sender.json"
STEM_MAX_CHARS = 40

DATA_TEAM_ONLY = ("R0", "R4")  # the registry and the alliance roster come from the commission's side


class UploadRefused(Exception):
    def __init__(self, code: str, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en = code, zh, en


def max_upload_bytes() -> int:
    """`KEJIAO_UPLOAD_MAX_MB` (read when asked), else 20 MB."""
    value = upload_max_mb_text()
    try:
        return int(float(value) * 1024 * 1024) if value else DEFAULT_MAX_BYTES
    except ValueError:
        return DEFAULT_MAX_BYTES


def screen(data: bytes, max_bytes: int | None = None) -> str:
    """The file's format, judged by its content; refuses empty, oversized and non-spreadsheet files."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    if not data:
        raise UploadRefused("empty", "文件为空", "The file is empty")
    if len(data) > limit:
        raise UploadRefused("too_large", f"文件过大：{len(data) / 1048576:.1f} MB，上限 {limit / 1048576:.0f} MB",
                            f"File too large: {len(data) / 1048576:.1f} MB, limit {limit / 1048576:.0f} MB")
    fmt = sniff_format(data)
    if fmt not in SPREADSHEET_FORMATS:
        raise UploadRefused("wrong_type", "文件内容不是表格（仅接受 Excel .xlsx/.xls、WPS、.ods 或 CSV 文件；按内容判断，不看扩展名）",
                            f"The content is not a spreadsheet ({fmt}); only Excel, WPS, ODS or CSV files are taken, "
                            "judged by content, not by name")
    if fmt == "csv":
        try:
            data[:65536].decode("utf-8")
        except UnicodeDecodeError:
            try:
                data.decode("gb18030")
            except UnicodeDecodeError:
                raise UploadRefused("wrong_type", "文件不是可读的文本表格（CSV）", "Not a readable text (CSV) file") from None
    return fmt


def safe_stem(name: str) -> str:
    """A short, harmless stem from an uploaded name: no folders, no dots, no control characters."""
    base = re.split(r"[\\/]", name.replace("\x00", ""))[-1]
    base = unicodedata.normalize("NFKC", base)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = "".join(ch if (ch.isalnum() or ch in "-_()（）") else "_" for ch in stem)
    stem = re.sub(r"_+", "_", stem).strip("_-")
    return stem[:STEM_MAX_CHARS] or "report"


def generated_name(original_name: str, fmt: str, now: datetime | None = None, token: str | None = None) -> str:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    token = token or secrets.token_hex(4)
    return f"{now:%Y%m%dT%H%M%SZ}_{token}_{safe_stem(original_name)}.{fmt}"


# ---------------------------------------------------------------- whose file is it

def sending_schools(verdict: Verdict) -> dict[str, set[str]]:
    """Report type -> the school codes the file reports for (the sender side of each row)."""
    return schema.sending_schools(verdict.rows)


def scope_refusals(verdict: Verdict, scope: Scope, registry: pl.DataFrame) -> list[tuple[str, str]]:
    """Why this sender may not send this file (empty: it may). `registry` has school_code,
    school_name, district_code of the schools in force."""
    if not scope.may(Permission.UPLOAD):
        return [("您的角色不能报送文件", "Your role may not send files")]
    if scope.role is Role.DATA_TEAM:
        return []
    reasons: list[tuple[str, str]] = []
    names = dict(zip(registry["school_code"].to_list(), registry["school_name"].to_list()))
    district_of = dict(zip(registry["school_code"].to_list(), registry["district_code"].to_list()))
    for report_type, codes in sending_schools(verdict).items():
        if report_type in DATA_TEAM_ONLY:
            label = REPORT_TYPES[report_type]
            reasons.append((f"{label.zh}只能由市教委数据组报送", f"Only the data team may send the {label.en}"))
            continue
        if scope.role is Role.SCHOOL:
            outside = sorted(c for c in codes if c not in scope.schools)
            if outside:
                listed = "、".join(f"{names.get(c, c)}（{c}）" for c in outside)
                reasons.append((f"文件包含其他学校的报表：{listed}；学校只能报送本校的报表",
                                f"The file reports for other schools ({', '.join(outside)}); a school may send only its own"))
        else:
            outside = sorted(c for c in codes if district_of.get(c) not in scope.districts)
            if outside:
                listed = "、".join(f"{names.get(c, c)}（{c}）" for c in outside)
                reasons.append((f"文件包含不属于本区的学校：{listed}；区教育局只能报送本区学校的报表",
                                f"The file reports for schools outside your district ({', '.join(outside)})"))
    return reasons


# ---------------------------------------------------------------- into the inbox

@dataclass(frozen=True)
class Sender:
    identity: str
    role: str
    schools: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    mode: str = "oidc"

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class Delivered:
    path: Path
    relative: str
    sha256: str
    sidecar: Path
    manifest: dict = field(default_factory=dict)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _write_new(path: Path, data: bytes) -> None:
    """Create a file that must not exist yet, never following a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def deliver(data: bytes, name: str, inbox: Path, sender: Sender, original_name: str,
            now: datetime | None = None) -> Delivered:
    """Put a checked file into the inbox under `name` (from `generated_name`), its sender beside it."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if name != Path(name).name or name.startswith(".") or "\x00" in name or "/" in name or "\\" in name:
        raise ValueError(f"not a generated file name: {name!r}")
    inbox = inbox.resolve()
    folder = inbox / UPLOAD_DIR / f"{now:%Y-%m}"
    staging = inbox / STAGING_DIR
    folder.mkdir(parents=True, exist_ok=True)
    staging.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not _inside(target, inbox) or not _inside(staging, inbox):
        raise ValueError("upload target outside the inbox")
    if target.exists():
        raise FileExistsError(target)
    digest = hashlib.sha256(data).hexdigest()
    relative = target.relative_to(inbox).as_posix()
    manifest = {"inbox_path": relative, "sha256": digest, "size_bytes": len(data),
                "original_name": unicodedata.normalize("NFKC", original_name.replace("\x00", ""))[:200],
                "uploaded_at": now.replace(tzinfo=None).isoformat(timespec="seconds"),
                "sender": json.loads(sender.to_json())}
    token = secrets.token_hex(8)
    sidecar = folder / f".{name}{SIDECAR_SUFFIX}"
    tmp_sidecar = staging / f"{token}.sender.part"
    tmp_file = staging / f"{token}.part"
    try:
        _write_new(tmp_sidecar, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        os.replace(tmp_sidecar, sidecar)  # the sender first: intake never sees the file without it
        _write_new(tmp_file, data)
        stamp = now.timestamp()
        os.utime(tmp_file, (stamp, stamp))
        os.replace(tmp_file, target)
    finally:
        for leftover in (tmp_sidecar, tmp_file):
            leftover.unlink(missing_ok=True)
    return Delivered(target, relative, digest, sidecar, manifest)


def inbox_senders(inbox: Path) -> dict[str, str]:
    """{inbox path: sender (JSON)} of uploaded files whose sidecar matches their bytes."""
    inbox = Path(inbox)
    root = inbox / UPLOAD_DIR
    senders: dict[str, str] = {}
    if not root.is_dir():
        return senders
    for sidecar in root.rglob(f".*{SIDECAR_SUFFIX}"):
        target = sidecar.with_name(sidecar.name[1:-len(SIDECAR_SUFFIX)])
        try:
            manifest = json.loads(sidecar.read_text(encoding="utf-8"))
            if not target.is_file() or not _inside(target, inbox):
                continue
            if hashlib.sha256(target.read_bytes()).hexdigest() != manifest.get("sha256"):
                continue
            sender = Sender(**manifest["sender"])
        except (OSError, ValueError, TypeError, KeyError):
            continue
        senders[target.relative_to(inbox).as_posix()] = sender.to_json()
    return senders


# ---------------------------------------------------------------- the check a sender sees

@dataclass
class SenderCheck:
    verdict: Verdict  # what the sender may read of the verdict
    refusals: list[tuple[str, str]]  # why this sender may not send the file (empty: it may)


NOT_YOURS = ("该行的学校不是您的学校（不在您的报送范围内），不显示该校的任何检查信息",
             "This row's school is not yours (outside what you may send for): nothing about it is shown")


def scope_schools(scope: Scope, registry: pl.DataFrame) -> set[str] | None:
    """The school codes a sender answers for (None: every school, the data team)."""
    if scope.role is Role.DATA_TEAM:
        return None
    if scope.role is Role.SCHOOL:
        return set(scope.schools)
    if scope.role is Role.DISTRICT:
        return set(registry.filter(pl.col("district_code").is_in(list(scope.districts)))["school_code"].to_list())
    return set()


def _outside_rows(verdict: Verdict, mine: set[str]) -> pl.DataFrame:
    """(sheet_name, row_number) of the rows that report for a school outside `mine`."""
    frames = []
    for code, report in REPORT_TYPES.items():
        frame = verdict.rows.get(report.table)
        column = SENDER_COLUMN.get(code)
        if frame is None or frame.is_empty() or column not in frame.columns:
            continue
        frames.append(frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(list(mine)))
                      .select("sheet_name", pl.col("row_number").cast(pl.Int32)))
    if not frames:
        return pl.DataFrame(schema={"sheet_name": pl.String, "row_number": pl.Int32})
    return pl.concat(frames).unique()


def _masked(verdict: Verdict, mine: set[str], refusals: list[tuple[str, str]]) -> Verdict:
    """The verdict with nothing about other schools: the issues of a row outside the sender's
    schools become one line saying that the school is not theirs (sheet and row only); a file
    of a kind the sender may not send at all (R0, R4) shows no issue."""
    issues = verdict.issues
    if refusals and set(sending_schools(verdict)) & set(DATA_TEAM_ONLY):
        issues = issues.clear()
    elif issues.height:
        outside = _outside_rows(verdict, mine)
        if outside.height:
            keys = outside.with_columns(_outside=pl.lit(True))
            issues = issues.join(keys, on=["sheet_name", "row_number"], how="left", nulls_equal=True)
            hidden = issues.filter(pl.col("_outside").fill_null(False))
            kept = issues.filter(~pl.col("_outside").fill_null(False)).drop("_outside")
            zh, en = NOT_YOURS
            summary = (hidden.group_by("sheet_name", "row_number", maintain_order=True).agg()
                       .with_columns(severity=pl.lit("error"), rule_code=pl.lit("not_your_school"),
                                     message_zh=pl.lit(zh), message_en=pl.lit(en)))
            issues = pl.concat([kept, summary], how="diagonal_relaxed").select(verdict.issues.columns)
    return replace(verdict, issues=issues, counts=None)


def check_as_sender(data: bytes, name: str, ctx, scope: Scope) -> SenderCheck:
    """The check of an upload as its sender sees it: the sender's scope first. Validation compares
    with last year's figures of the sender's own schools only, the refusals are decided, and the
    messages about rows of other schools say only that the school is not theirs."""
    from pipelines.intake.checking import check_many

    mine = scope_schools(scope, ctx.schools)
    if mine is not None:
        ctx = copy.copy(ctx)
        ctx.previous_r5 = ctx.previous_r5.filter(pl.col("school_code").is_in(list(mine)))
    verdict = check_many([(name, data)], ctx)[0]
    refusals = scope_refusals(verdict, scope, ctx.schools)
    if mine is not None:
        verdict = _masked(verdict, mine, refusals)
    return SenderCheck(verdict, refusals)
