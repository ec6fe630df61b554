"""From files in the inbox to versioned submissions and staging rows, in one transaction.

`check_file` is the verdict on one file (used by `kejiao check`, the upload page and intake
alike); `ingest` walks the inbox, archives what is new, judges it and writes the warehouse.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.intake import headers
from pipelines.intake.in_force import in_force_sql
from pipelines.intake.messages import RULES
from pipelines.intake.readers import Grid, NotAReport, read_file
from pipelines.intake.schema import REPORT_TYPES
from pipelines.intake.validate import ISSUE_SCHEMA, Context, SheetInput, validate_batch

log = logging.getLogger(__name__)

ISSUE_COLUMNS = [*ISSUE_SCHEMA, "message_zh", "message_en"]
SKIP_PREFIXES = (".", "~$", "~")


@dataclass
class Parsed:
    """A file read and recognised, not yet judged against the registry."""

    name: str
    file_format: str
    sheets: list[tuple[Grid, int, headers.HeaderMatch]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_a_report: tuple[str, str] | None = None

    @property
    def report_types(self) -> list[str]:
        return sorted({m.report.code for _, _, m in self.sheets})


@dataclass
class Verdict:
    name: str
    file_format: str
    status: str  # accepted | rejected | not_a_report
    report_type: str | None
    rows: dict[str, pl.DataFrame]  # staging table -> rows (sheet_name, row_number, columns)
    issues: pl.DataFrame  # ISSUE_COLUMNS
    sheets_read: list[str]
    sheets_skipped: list[str]
    message_zh: str
    message_en: str

    @property
    def row_count(self) -> int:
        return sum(df.height for df in self.rows.values())

    counts: dict[str, int] | None = None  # issues by severity, when known

    def count(self, severity: str) -> int:
        if self.counts is not None:
            return self.counts.get(severity, 0)
        return int((self.issues["severity"] == severity).sum()) if self.issues.height else 0


def parse(data: bytes, name: str) -> Parsed:
    try:
        fmt, grids = read_file(data)
    except NotAReport as exc:
        return Parsed(name, "unknown", not_a_report=(exc.zh, exc.en))
    parsed = Parsed(name, fmt)
    for grid in grids:
        if grid.frame.is_empty():
            parsed.skipped.append(grid.name)
            continue
        head = grid.head_rows(headers.HEADER_SCAN_ROWS)
        idx = headers.find_header_row(head)
        match = headers.recognise(head[idx], name) if idx is not None else None
        if match is None:
            parsed.skipped.append(grid.name)
        else:
            parsed.sheets.append((grid, idx, match))
    if not parsed.sheets:
        parsed.not_a_report = (
            "文件中没有可识别的报表（未找到表头）；请使用规定模板的表头",
            "No report found in the file (no recognisable header); use the template's headers",
        )
    return parsed


def _template(text: str) -> pl.Expr:
    """A message template ({column}, {value}, {detail}) as one string expression over the
    issue columns, rendered as `str.format` would (placeholders filled once, never re-read)."""
    fields = {"column": "column_header", "value": "value_seen", "detail": "detail"}
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(text):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            parts.append(pl.col(fields[name]).fill_null(""))
    return pl.concat_str(parts) if parts else pl.lit("")


def _messages(lang: str) -> pl.Expr:
    expr = None
    for code, rule in RULES.items():
        text = getattr(rule, lang)
        expr = (pl.when(pl.col("rule_code") == code) if expr is None
                else expr.when(pl.col("rule_code") == code)).then(_template(text))
    return expr.otherwise(None)


def with_messages(issues: pl.DataFrame) -> pl.DataFrame:
    """The issues with the message of each (zh, en), rendered in one vectorised pass."""
    if issues.is_empty():
        return issues.with_columns(message_zh=pl.lit(None, dtype=pl.String), message_en=pl.lit(None, dtype=pl.String))
    unknown = set(issues["rule_code"].unique().to_list()) - RULES.keys()
    if unknown:
        raise KeyError(min(unknown))
    return issues.with_columns(message_zh=_messages("zh"), message_en=_messages("en"))


def _file_issues(i: int, parsed: Parsed) -> list[dict]:
    """Issues of a file that validation does not see: not a report, sheets skipped."""
    if parsed.not_a_report:
        return [{"_file": i, "severity": "error", "rule_code": "not_a_report", "sheet_name": None, "row_number": None,
                 "column_letter": None, "column_name": None, "column_header": None, "value_seen": None,
                 "detail": parsed.not_a_report[0]}]
    return [{"_file": i, "severity": "info", "rule_code": "sheet_skipped", "sheet_name": s, "row_number": None,
             "column_letter": None, "column_name": None, "column_header": None, "value_seen": None, "detail": s}
            for s in parsed.skipped]


def _verdict(parsed: Parsed, rows: dict[str, pl.DataFrame], issues: pl.DataFrame, counts: dict[str, int]) -> Verdict:
    """`issues`: every issue of the file, with messages; `counts`: of them by severity (see judge_batch)."""
    if parsed.not_a_report:
        zh, en = parsed.not_a_report
        return Verdict(parsed.name, parsed.file_format, "not_a_report", None, {}, issues, [],
                       parsed.skipped, zh, en, counts)
    errors = counts.get("error", 0)
    warnings = counts.get("warning", 0)
    n = sum(df.height for df in rows.values())
    if errors:
        zh = f"退回：发现 {errors} 处错误（另有 {warnings} 处提示），请按错误清单修改后重新报送整个文件"
        en = f"Rejected: {errors} errors ({warnings} warnings); fix them all and send the whole file again"
    else:
        zh = f"已接收：{n} 行" + (f"，{warnings} 处提示请核对" if warnings else "")
        en = f"Accepted: {n} rows" + (f", {warnings} warnings to check" if warnings else "")
    return Verdict(parsed.name, parsed.file_format, "rejected" if errors else "accepted",
                   ",".join(parsed.report_types) or None, rows, issues,
                   [g.name for g, _, _ in parsed.sheets], parsed.skipped, zh, en, counts)


def judge_batch(parsed: list[Parsed], ctx: Context) -> list[Verdict]:
    """Verdicts on many files, validated together (see validate.py); the list is in arrival
    order, which decides which of two files of one batch is last year's. Messages are rendered
    once for the whole batch, then split by file."""
    sheets = [SheetInput(i, grid, idx, match) for i, p in enumerate(parsed) for grid, idx, match in p.sheets]
    result = validate_batch(sheets, ctx)
    rows_by_file: dict[int, dict[str, pl.DataFrame]] = {}
    for code, frame in result.rows.items():
        table = REPORT_TYPES[code].table
        for (i,), part in frame.partition_by("_file", as_dict=True, include_key=False).items():
            rows_by_file.setdefault(i, {})[table] = part
    extra = pl.DataFrame([row for i, p in enumerate(parsed) for row in _file_issues(i, p)],
                         schema={"_file": pl.Int32, **ISSUE_SCHEMA})
    issues = with_messages(pl.concat([result.issues.cast({"_file": pl.Int32}), extra]))
    by_file = {i: part for (i,), part in issues.partition_by("_file", as_dict=True, include_key=False).items()} \
        if issues.height else {}
    counts: dict[int, dict[str, int]] = {}
    for i, severity, n in issues.group_by("_file", "severity").len().iter_rows():
        counts.setdefault(i, {})[severity] = n
    empty = with_messages(pl.DataFrame(schema=ISSUE_SCHEMA))
    return [_verdict(p, rows_by_file.get(i, {}), by_file.get(i, empty), counts.get(i, {}))
            for i, p in enumerate(parsed)]


def judge(parsed: Parsed, ctx: Context) -> Verdict:
    return judge_batch([parsed], ctx)[0]


def check_file(data: bytes, name: str, ctx: Context) -> Verdict:
    """The verdict ingest would give, storing nothing."""
    return judge(parse(data, name), ctx)


# --- context from the warehouse ---------------------------------------------------------

def _fold(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKC").str.strip_chars().str.to_lowercase()


def names_index(schools: pl.DataFrame) -> pl.DataFrame:
    """Every full name and alias (folded) -> the school, with how many schools share it."""
    names = pl.concat([
        schools.select(name=pl.col("school_name"), school_code="school_code"),
        schools.select(name=pl.col("aliases"), school_code="school_code").explode("name"),
    ]).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    return (
        names.with_columns(name_key=_fold(pl.col("name"))).unique(["name_key", "school_code"])
        .group_by("name_key").agg(school_code=pl.col("school_code").min(), matches=pl.len())
    )


def districts_index(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    d = con.sql("select district_code, district_name_zh, district_name_en from ref.districts").pl()
    keys = pl.concat([
        d.select(k="district_code", district_code="district_code"),
        d.select(k="district_name_zh", district_code="district_code"),
        d.select(k=pl.col("district_name_zh").str.replace("(新区|区)$", ""), district_code="district_code"),
        d.select(k="district_name_en", district_code="district_code"),
    ])
    return keys.select(district_key=_fold(pl.col("k")), district_code="district_code").unique("district_key")


class RunContext(Context):
    """A Context that learns from files accepted before: the registry and last year's figures."""

    def accept(self, verdict: Verdict) -> None:
        self.accept_many([verdict])

    def accept_many(self, verdicts: list[Verdict]) -> None:
        """Learn from accepted files, in order (a later file's row of a school wins); the name
        index is rebuilt once, not once per file."""
        r0 = [v.rows[REPORT_TYPES["R0"].table] for v in verdicts
              if v.rows.get(REPORT_TYPES["R0"].table) is not None and v.rows[REPORT_TYPES["R0"].table].height]
        if r0:
            cols = ["school_code", "school_name", "school_type", "district_code", "aliases"]
            self.schools = pl.concat([self.schools, *(f.select(cols) for f in r0)], how="diagonal_relaxed").unique(
                "school_code", keep="last", maintain_order=True)
            self.names = names_index(self.schools)
        r5 = [v.rows[REPORT_TYPES["R5"].table] for v in verdicts
              if v.rows.get(REPORT_TYPES["R5"].table) is not None and v.rows[REPORT_TYPES["R5"].table].height]
        if r5:
            self.previous_r5 = pl.concat([self.previous_r5, *(f.select(self.previous_r5.columns) for f in r5)],
                                         how="vertical_relaxed").unique(["school_code", "report_year"], keep="last",
                                                                        maintain_order=True)


def load_context(con: duckdb.DuckDBPyConnection, key: bytes, today: date) -> RunContext:
    schools = con.sql(
        f"select school_code, school_name, school_type, district_code, aliases from ({in_force_sql('R0')})"
    ).pl()
    previous = con.sql(
        f"select school_code, report_year::bigint as report_year, enrolled_students, students_in_st_activities "
        f"from ({in_force_sql('R5')})"
    ).pl()
    return RunContext(schools=schools, names=names_index(schools), districts=districts_index(con),
                      previous_r5=previous, key=key, today=today)


# --- the inbox --------------------------------------------------------------------------

@dataclass
class InboxFile:
    path: Path
    relative: str
    size: int
    modified_at: datetime
    sha256: str


@dataclass
class IntakeSummary:
    files_seen: int = 0
    new_submissions: int = 0
    duplicates: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # name, first error
    not_a_report: list[tuple[str, str]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0

    def as_metadata(self) -> dict:
        return {
            "files_seen": self.files_seen, "new_submissions": self.new_submissions,
            "accepted": len(self.accepted), "rejected": len(self.rejected),
            "not_a_report": len(self.not_a_report), "duplicates": len(self.duplicates),
            "unchanged": self.unchanged, "rows": self.rows,
        }


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


Seen = dict[tuple[str, int, datetime], str]  # (inbox path, size, modified_at) -> sha256 observed


def scan_inbox(inbox: Path, seen: Seen | None = None) -> list[InboxFile]:
    """Every file of the inbox with its content hash. A file whose path, size and modification
    time are those of an earlier observation (`seen`) is not read again: its hash is the one
    observed. Any change of size or time (a file rewritten, touched, copied in again) means the
    file is read and hashed, so the same bytes under a new time are still recognised by content."""
    seen = seen or {}
    files = []
    for folder, dirs, names in os.walk(inbox):  # os.walk: sorting Path objects costs more than the walk
        dirs[:] = sorted(d for d in dirs if not d.startswith(SKIP_PREFIXES))
        base = Path(folder)
        prefix = base.relative_to(inbox).as_posix()
        for name in sorted(names):
            if name.startswith(SKIP_PREFIXES):
                continue
            path = base / name
            try:
                st = path.stat()
            except OSError:  # gone since listed, or a dangling link
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            rel_text = name if prefix == "." else f"{prefix}/{name}"
            modified = datetime.fromtimestamp(st.st_mtime, UTC).replace(tzinfo=None)
            sha = seen.get((rel_text, st.st_size, modified)) or sha256_of(path)
            files.append(InboxFile(path, rel_text, st.st_size, modified, sha))
    return files


def observed_files(con: duckdb.DuckDBPyConnection) -> Seen:
    """(path, size, time) -> hash of the files observed before; ambiguous keys are left out."""
    rows = con.sql(
        "select inbox_path, size_bytes, modified_at, min(submission_id) from raw.file_observations "
        "group by all having count(distinct submission_id) = 1"
    ).fetchall()
    return {(path, size, modified): sha for path, size, modified, sha in rows}


# --- parsing many files: in worker processes when it pays ------------------------------

PARALLEL_MIN_FILES = 500
PARALLEL_MIN_BYTES = 32 << 20


def intake_workers(n_files: int, n_bytes: int) -> int:
    """Processes to parse with: `KEJIAO_INTAKE_WORKERS` if set, else one per usable core when
    the batch is big enough to repay starting them (~0.5 s each), else 1 (in this process)."""
    env = os.environ.get("KEJIAO_INTAKE_WORKERS")
    if env:
        return max(1, int(env))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if n_files < PARALLEL_MIN_FILES and n_bytes < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(cores, n_files))


def parse_all(files: list[InboxFile]) -> list[Parsed]:
    """Read and recognise files (the costliest step of intake, and independent per file), in
    order. Many files are dealt to worker processes (pipelines/intake/workers.py); should a
    worker fail, the files are parsed here instead."""
    workers = intake_workers(len(files), sum(f.size for f in files))
    if workers > 1:
        from pipelines.intake.workers import parse_in_workers

        try:
            return parse_in_workers([(str(f.path), f.path.name) for f in files], [f.size for f in files], workers)
        except (OSError, RuntimeError) as exc:
            log.warning("parsing in worker processes failed, parsing here: %s", exc)
    return [parse(f.path.read_bytes(), f.path.name) for f in files]


def archive_path(file: InboxFile, archive_dir: Path) -> Path:
    return archive_dir / file.sha256[:2] / f"{file.sha256}{file.path.suffix.lower()}"


def archive(file: InboxFile, archive_dir: Path) -> Path:
    """Content-addressed copy of the original bytes; written once, never changed or deleted."""
    target = archive_path(file, archive_dir)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        shutil.copyfile(file.path, tmp)
        os.replace(tmp, target)
    return target


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame to a table by column name (table is a schema constant)."""
    if frame.is_empty():
        return
    con.register("_batch", frame.to_arrow())
    try:
        con.execute(f"insert into {table} by name select * from _batch")
    finally:
        con.unregister("_batch")


def ingest(con: duckdb.DuckDBPyConnection, inbox: Path, archive_dir: Path, key: bytes,
           now: datetime | None = None, today: date | None = None,
           senders: dict[str, str] | None = None) -> IntakeSummary:
    """Take in what is new in the inbox. All warehouse writes happen in one transaction: a run
    that dies leaves the warehouse as it was; a second run over the same inbox changes nothing.
    `senders` maps inbox paths to who sent them (the upload page)."""
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    today = today or date.today()
    summary = IntakeSummary()
    files = scan_inbox(inbox, observed_files(con)) if inbox.exists() else []
    summary.files_seen = len(files)
    known = {r[0] for r in con.sql("select submission_id from raw.submissions").fetchall()}
    observed = set(con.sql("select inbox_path, submission_id from raw.file_observations").fetchall())

    observations, new_files = [], {}
    for f in sorted(files, key=lambda f: (f.modified_at, f.relative)):
        if (f.relative, f.sha256) in observed:
            summary.unchanged += 1
            continue
        duplicate = f.sha256 in known or f.sha256 in new_files
        observations.append({"inbox_path": f.relative, "submission_id": f.sha256, "size_bytes": f.size,
                             "modified_at": f.modified_at, "seen_at": now, "is_duplicate": duplicate})
        if duplicate:
            summary.duplicates.append(f.relative)
        else:
            new_files[f.sha256] = f

    parsed = dict(zip(new_files, parse_all(list(new_files.values()))))
    for f in new_files.values():
        archive(f, archive_dir)
    arrival = sorted(new_files, key=lambda h: (min(new_files[h].modified_at, now), new_files[h].relative))
    # the registry first: the other reports resolve their schools through it
    registry = [h for h in arrival if "R0" in parsed[h].report_types]
    others = [h for h in arrival if "R0" not in parsed[h].report_types]
    ctx = load_context(con, key, today)
    verdicts = dict(zip(registry, judge_batch([parsed[h] for h in registry], ctx)))
    ctx.accept_many([verdicts[h] for h in registry if verdicts[h].status == "accepted"])
    verdicts.update(zip(others, judge_batch([parsed[h] for h in others], ctx)))

    submissions, issues, rows = [], [], {}
    for h in registry + others:
        f, verdict = new_files[h], verdicts[h]
        submissions.append(_submission_row(f, verdict, archive_dir, now, (senders or {}).get(f.relative)))
        issues.append((h, verdict.issues))
        if verdict.status == "accepted":
            for table, frame in verdict.rows.items():
                rows.setdefault(table, []).append((h, frame))
        _summarise(summary, f, verdict)

    _write(con, observations, submissions,
           _tagged(issues).drop("detail") if issues else None,
           {table: _tagged(frames) for table, frames in rows.items()})
    summary.new_submissions = len(new_files)
    return summary


def _tagged(frames: list[tuple[str, pl.DataFrame]]) -> pl.DataFrame:
    """The frames of many files as one, each row with its file's submission_id."""
    ids = pl.DataFrame({"submission_id": [h for h, _ in frames], "_n": [f.height for _, f in frames]},
                       schema={"submission_id": pl.String, "_n": pl.Int64})
    tags = ids.select(pl.col("submission_id").repeat_by("_n").explode(empty_as_null=False)).to_series()
    return pl.concat([f for _, f in frames], how="diagonal_relaxed").hstack([tags])


def _write(con: duckdb.DuckDBPyConnection, observations: list[dict], submissions: list[dict],
           issues: pl.DataFrame | None, rows: dict[str, pl.DataFrame]) -> None:
    """Everything a run learnt, in one transaction."""
    con.execute("begin transaction")
    try:
        _insert(con, "raw.file_observations", pl.DataFrame(observations, schema=OBSERVATION_SCHEMA))
        _insert(con, "raw.submissions", pl.DataFrame(submissions, schema=SUBMISSION_SCHEMA))
        if issues is not None:
            _insert(con, "raw.issues", issues)
        for table, frame in rows.items():
            _insert(con, table, frame)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


OBSERVATION_SCHEMA = {"inbox_path": pl.String, "submission_id": pl.String, "size_bytes": pl.Int64,
                      "modified_at": pl.Datetime("us"), "seen_at": pl.Datetime("us"), "is_duplicate": pl.Boolean}
SUBMISSION_SCHEMA = {
    "submission_id": pl.String, "original_name": pl.String, "inbox_path": pl.String, "file_format": pl.String,
    "size_bytes": pl.Int64, "arrived_at": pl.Datetime("us"), "first_seen_at": pl.Datetime("us"),
    "archive_path": pl.String, "report_type": pl.String, "status": pl.String, "row_count": pl.Int32,
    "error_count": pl.Int32, "warning_count": pl.Int32, "sheets_read": pl.List(pl.String),
    "sheets_skipped": pl.List(pl.String), "message_zh": pl.String, "message_en": pl.String, "sender": pl.String,
    "ingested_at": pl.Datetime("us"),
}


def _submission_row(f: InboxFile, verdict: Verdict, archive_dir: Path, now: datetime, sender: str | None) -> dict:
    return {
        "submission_id": f.sha256, "original_name": f.path.name, "inbox_path": f.relative,
        "file_format": verdict.file_format, "size_bytes": f.size, "arrived_at": min(f.modified_at, now),
        "first_seen_at": now, "archive_path": archive_path(f, archive_dir).relative_to(archive_dir).as_posix(),
        "report_type": verdict.report_type, "status": verdict.status, "row_count": verdict.row_count,
        "error_count": verdict.count("error"), "warning_count": verdict.count("warning"),
        "sheets_read": verdict.sheets_read, "sheets_skipped": verdict.sheets_skipped,
        "message_zh": verdict.message_zh, "message_en": verdict.message_en, "sender": sender, "ingested_at": now,
    }


def _summarise(summary: IntakeSummary, f: InboxFile, verdict: Verdict) -> None:
    if verdict.status == "accepted":
        summary.accepted.append(f.relative)
        for table, rows in verdict.rows.items():
            summary.rows[table] = summary.rows.get(table, 0) + rows.height
    elif verdict.status == "rejected":
        first = verdict.issues.filter(pl.col("severity") == "error").row(0, named=True)
        where = f"{first['sheet_name'] or ''} 第{first['row_number']}行" if first["row_number"] else ""
        summary.rejected.append((f.relative, f"{where} {first['message_zh']}".strip()))
    else:
        summary.not_a_report.append((f.relative, verdict.message_zh))
