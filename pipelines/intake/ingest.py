"""From files in the inbox to versioned submissions and staging rows, in one transaction.

`check_file` is the verdict on one file (used by `kejiao check`, the upload page and intake
alike); `ingest` walks the inbox, archives what is new, judges it and writes the warehouse.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.intake import headers
from pipelines.intake.in_force import in_force_sql
from pipelines.intake.messages import render
from pipelines.intake.readers import Grid, NotAReport, read_file
from pipelines.intake.schema import REPORT_TYPES
from pipelines.intake.validate import ISSUE_SCHEMA, Context, SheetResult, validate_sheet

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

    def count(self, severity: str) -> int:
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


def with_messages(issues: pl.DataFrame) -> pl.DataFrame:
    if issues.is_empty():
        return pl.DataFrame(schema={**ISSUE_SCHEMA, "message_zh": pl.String, "message_en": pl.String})
    rendered = [
        render(r["rule_code"], r["column_header"] or "", r["value_seen"] or "", r["detail"] or "")
        for r in issues.select("rule_code", "column_header", "value_seen", "detail").iter_rows(named=True)
    ]
    return issues.with_columns(
        message_zh=pl.Series([z for z, _ in rendered], dtype=pl.String),
        message_en=pl.Series([e for _, e in rendered], dtype=pl.String),
    )


def _cross_sheet_duplicates(results: list[SheetResult]) -> pl.DataFrame:
    """A key repeated on two sheets of one workbook (one sheet per school) is a duplicate too."""
    found = []
    by_type: dict[str, list[SheetResult]] = {}
    for r in results:
        if r.rows.height:
            by_type.setdefault(r.report.code, []).append(r)
    for code, group in by_type.items():
        if len(group) < 2:
            continue
        report = REPORT_TYPES[code]
        key = [c if c != "student_id" else "student_key" for c in report.row_key]
        rows = pl.concat([g.rows.select("sheet_name", "row_number", *key) for g in group])
        first = rows.with_columns(
            _first_sheet=pl.col("sheet_name").first().over(key), _first_row=pl.col("row_number").first().over(key)
        ).filter(pl.col("_first_sheet") != pl.col("sheet_name"))
        if first.height:
            found.append(first.select(
                severity=pl.lit("error"), rule_code=pl.lit("duplicate_key"), sheet_name="sheet_name",
                row_number="row_number", column_letter=pl.lit(None, pl.String), column_name=pl.lit(report.row_key[-1]),
                column_header=pl.lit("/".join(report.column(k).zh for k in report.row_key)),
                value_seen=pl.lit(None, pl.String),
                detail=pl.lit("“") + pl.col("_first_sheet") + pl.lit("”表 ") + pl.col("_first_row").cast(pl.String),
            ))
    return pl.concat(found) if found else pl.DataFrame(schema=ISSUE_SCHEMA)


def judge(parsed: Parsed, ctx: Context) -> Verdict:
    if parsed.not_a_report:
        zh, en = parsed.not_a_report
        issues = with_messages(pl.DataFrame([{
            "severity": "error", "rule_code": "not_a_report", "sheet_name": None, "row_number": None,
            "column_letter": None, "column_name": None, "column_header": None, "value_seen": None, "detail": zh,
        }], schema=ISSUE_SCHEMA))
        return Verdict(parsed.name, parsed.file_format, "not_a_report", None, {}, issues, [],
                       parsed.skipped, zh, en)
    results = [validate_sheet(grid, idx, match, ctx) for grid, idx, match in parsed.sheets]
    skipped = [pl.DataFrame([{
        "severity": "info", "rule_code": "sheet_skipped", "sheet_name": s, "row_number": None, "column_letter": None,
        "column_name": None, "column_header": None, "value_seen": None, "detail": s}], schema=ISSUE_SCHEMA)
        for s in parsed.skipped]
    issues = pl.concat([r.issues for r in results] + [_cross_sheet_duplicates(results)] + skipped)
    issues = with_messages(issues)
    rows: dict[str, list[pl.DataFrame]] = {}
    for r in results:
        if r.rows.height:
            rows.setdefault(r.report.table, []).append(r.rows)
    errors = int((issues["severity"] == "error").sum())
    warnings = int((issues["severity"] == "warning").sum())
    status = "rejected" if errors else "accepted"
    n = sum(df.height for dfs in rows.values() for df in dfs)
    if errors:
        zh = f"退回：发现 {errors} 处错误（另有 {warnings} 处提示），请按错误清单修改后重新报送整个文件"
        en = f"Rejected: {errors} errors ({warnings} warnings); fix them all and send the whole file again"
    else:
        zh = f"已接收：{n} 行" + (f"，{warnings} 处提示请核对" if warnings else "")
        en = f"Accepted: {n} rows" + (f", {warnings} warnings to check" if warnings else "")
    types = sorted({r.report.code for r in results})
    return Verdict(
        parsed.name, parsed.file_format, status, ",".join(types) or None,
        {t: pl.concat(dfs, how="diagonal_relaxed") for t, dfs in rows.items()}, issues,
        [r.sheet_name for r in results], parsed.skipped, zh, en,
    )


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
    """A Context that learns from the files accepted earlier in the same run."""

    _pending_r0: list[pl.DataFrame]
    _pending_r5: list[pl.DataFrame]

    def accept(self, verdict: Verdict) -> None:
        r0 = verdict.rows.get(REPORT_TYPES["R0"].table)
        if r0 is not None and r0.height:
            cols = ["school_code", "school_name", "school_type", "district_code", "aliases"]
            self.schools = pl.concat([self.schools, r0.select(cols)], how="diagonal_relaxed").unique(
                "school_code", keep="last", maintain_order=True)
            self.names = names_index(self.schools)
        r5 = verdict.rows.get(REPORT_TYPES["R5"].table)
        if r5 is not None and r5.height:
            self._pending_r5.append(r5.select(self.previous_r5.columns))

    def refresh_previous(self) -> None:
        if self._pending_r5:
            self.previous_r5 = pl.concat([self.previous_r5, *self._pending_r5], how="vertical_relaxed").unique(
                ["school_code", "report_year"], keep="last", maintain_order=True)
            self._pending_r5 = []


def load_context(con: duckdb.DuckDBPyConnection, key: bytes, today: date) -> RunContext:
    schools = con.sql(
        f"select school_code, school_name, school_type, district_code, aliases from ({in_force_sql('R0')})"
    ).pl()
    previous = con.sql(
        f"select school_code, report_year::bigint as report_year, enrolled_students, students_in_st_activities "
        f"from ({in_force_sql('R5')})"
    ).pl()
    ctx = RunContext(schools=schools, names=names_index(schools), districts=districts_index(con),
                     previous_r5=previous, key=key, today=today)
    ctx._pending_r0, ctx._pending_r5 = [], []
    return ctx


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


def scan_inbox(inbox: Path) -> list[InboxFile]:
    files = []
    for path in sorted(inbox.rglob("*")):
        rel = path.relative_to(inbox)
        if not path.is_file() or any(part.startswith(SKIP_PREFIXES) for part in rel.parts):
            continue
        st = path.stat()
        files.append(InboxFile(path, rel.as_posix(), st.st_size,
                               datetime.fromtimestamp(st.st_mtime, UTC).replace(tzinfo=None), sha256_of(path)))
    return files


def archive(file: InboxFile, archive_dir: Path) -> Path:
    """Content-addressed copy of the original bytes; written once, never changed or deleted."""
    target = archive_dir / file.sha256[:2] / f"{file.sha256}{file.path.suffix.lower()}"
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
           now: datetime | None = None, today: date | None = None, senders: dict[str, str] | None = None,
           fail_after: int | None = None) -> IntakeSummary:
    """Take in what is new in the inbox. All warehouse writes happen in one transaction: a run
    that dies leaves the warehouse as it was; a second run over the same inbox changes nothing.
    `fail_after` (tests only) raises after that many submissions were written."""
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    today = today or date.today()
    summary = IntakeSummary()
    files = scan_inbox(inbox) if inbox.exists() else []
    summary.files_seen = len(files)
    known = {r[0]: r[1] for r in con.sql("select submission_id, original_name from raw.submissions").fetchall()}
    observed = set(con.sql("select inbox_path, submission_id from raw.file_observations").fetchall())

    new_obs, new_files = [], {}
    for f in sorted(files, key=lambda f: (f.modified_at, f.relative)):
        if (f.relative, f.sha256) in observed:
            summary.unchanged += 1
            continue
        duplicate = f.sha256 in known or f.sha256 in new_files
        new_obs.append({"inbox_path": f.relative, "submission_id": f.sha256, "size_bytes": f.size,
                        "modified_at": f.modified_at, "seen_at": now, "is_duplicate": duplicate})
        if duplicate:
            summary.duplicates.append(f.relative)
        else:
            new_files[f.sha256] = f

    parsed = {h: parse(f.path.read_bytes(), f.path.name) for h, f in new_files.items()}
    for f in new_files.values():
        archive(f, archive_dir)
    # the registry first: other reports resolve their schools through it
    order = sorted(new_files, key=lambda h: ("R0" not in parsed[h].report_types,
                                             min(new_files[h].modified_at, now), new_files[h].relative))
    ctx = load_context(con, key, today)

    con.execute("begin transaction")
    try:
        _insert(con, "raw.file_observations", pl.DataFrame(new_obs, schema={
            "inbox_path": pl.String, "submission_id": pl.String, "size_bytes": pl.Int64,
            "modified_at": pl.Datetime("us"), "seen_at": pl.Datetime("us"), "is_duplicate": pl.Boolean}))
        for n, h in enumerate(order):
            f = new_files[h]
            ctx.refresh_previous()
            verdict = judge(parsed[h], ctx)
            if verdict.status == "accepted":
                ctx.accept(verdict)
            _write_verdict(con, f, verdict, archive_dir, now, (senders or {}).get(f.relative))
            _summarise(summary, f, verdict)
            if fail_after is not None and n + 1 >= fail_after:
                raise RuntimeError(f"simulated failure after {fail_after} submissions")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    summary.new_submissions = len(new_files)
    return summary


def _write_verdict(con, f: InboxFile, verdict: Verdict, archive_dir: Path, now: datetime, sender: str | None) -> None:
    con.execute(
        """insert into raw.submissions values ($id, $name, $path, $fmt, $size, $arrived, $seen, $archive, $type,
           $status, $rows, $errors, $warnings, $read, $skipped, $zh, $en, $sender, $now)""",
        {"id": f.sha256, "name": f.path.name, "path": f.relative, "fmt": verdict.file_format, "size": f.size,
         "arrived": min(f.modified_at, now), "seen": now,
         "archive": str((archive_dir / f.sha256[:2] / f"{f.sha256}{f.path.suffix.lower()}").relative_to(archive_dir)),
         "type": verdict.report_type, "status": verdict.status, "rows": verdict.row_count,
         "errors": verdict.count("error"), "warnings": verdict.count("warning"),
         "read": verdict.sheets_read, "skipped": verdict.sheets_skipped,
         "zh": verdict.message_zh, "en": verdict.message_en, "sender": sender, "now": now},
    )
    _insert(con, "raw.issues", verdict.issues.with_columns(submission_id=pl.lit(f.sha256)).drop("detail"))
    if verdict.status == "accepted":
        for table, rows in verdict.rows.items():
            _insert(con, table, rows.with_columns(submission_id=pl.lit(f.sha256)))


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
