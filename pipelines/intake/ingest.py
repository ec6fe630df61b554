"""From files in the inbox to versioned submissions and staging rows, in one transaction.

`judge_batch` gives the verdicts on parsed files (used by `kejiao check`, the upload page and
intake alike); `ingest` walks the inbox, archives what is new, has it parsed in worker processes
(workers.py), judges it and writes the warehouse.
"""

from __future__ import annotations

import logging
import os
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

import duckdb
import polars as pl

from pipelines.intake import channels, files
from pipelines.intake.files import sha256_of
from pipelines.intake.in_force import in_force_sql
from pipelines.intake.limits import Limits, too_large
from pipelines.intake.messages import RULES
from pipelines.intake.parsing import Parsed, unreadable
from pipelines.intake.schema import REPORT_TYPES, sending_schools
from pipelines.intake.validate import ISSUE_SCHEMA, Context, SheetInput, validate_batch
from warehouse import transaction

log = logging.getLogger(__name__)

ISSUE_COLUMNS = [*ISSUE_SCHEMA, "message_zh", "message_en"]


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
    """Issues of a file that validation does not see: could not be read, not a report, sheets skipped."""
    if parsed.unreadable:
        return [{"_file": i, "severity": "error", "rule_code": parsed.unreadable[0], "sheet_name": None,
                 "row_number": None, "column_letter": None, "column_name": None, "column_header": None,
                 "value_seen": None, "detail": parsed.unreadable[1]}]
    if parsed.not_a_report:
        return [{"_file": i, "severity": "error", "rule_code": "not_a_report", "sheet_name": None, "row_number": None,
                 "column_letter": None, "column_name": None, "column_header": None, "value_seen": None,
                 "detail": parsed.not_a_report[0]}]
    return [{"_file": i, "severity": "info", "rule_code": "sheet_skipped", "sheet_name": s, "row_number": None,
             "column_letter": None, "column_name": None, "column_header": None, "value_seen": None, "detail": s}
            for s in parsed.skipped]


def _verdict(parsed: Parsed, rows: dict[str, pl.DataFrame], issues: pl.DataFrame, counts: dict[str, int]) -> Verdict:
    """`issues`: every issue of the file, with messages; `counts`: of them by severity (see judge_batch)."""
    if parsed.unreadable:
        _, zh, en = parsed.unreadable
        return Verdict(parsed.name, parsed.file_format, "rejected", None, {}, issues, [], parsed.skipped, zh, en, counts)
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


class Verdicts(list):
    """The verdicts on a batch, in order; with the batch's rows and issues whole, each row with
    `_file`, its file's place in the list (for writing them without gathering them again)."""

    def __init__(self, verdicts: list[Verdict], rows: dict[str, pl.DataFrame], issues: pl.DataFrame):
        super().__init__(verdicts)
        self.rows = rows  # staging table -> rows of every file
        self.issues = issues  # ISSUE_COLUMNS of every file


def judge_batch(parsed: list[Parsed], ctx: Context) -> Verdicts:
    """Verdicts on many files, validated together (see validate.py); the list is in arrival
    order, which decides which of two files of one batch is last year's. Messages are rendered
    once for the whole batch, then split by file."""
    sheets = [SheetInput(i, grid, idx, match) for i, p in enumerate(parsed) for grid, idx, match in p.sheets]
    result = validate_batch(sheets, ctx)
    rows_by_file: dict[int, dict[str, pl.DataFrame]] = {}
    tables = {REPORT_TYPES[code].table: frame for code, frame in result.rows.items()}
    for table, frame in tables.items():
        for (i,), part in frame.partition_by("_file", as_dict=True, include_key=False).items():
            rows_by_file.setdefault(i, {})[table] = part
    extra = pl.DataFrame([row for i, p in enumerate(parsed) for row in _file_issues(i, p)],
                         schema={"_file": pl.Int32, **ISSUE_SCHEMA})
    issues = with_messages(pl.concat([result.issues.cast({"_file": pl.Int32}), extra]))
    unread = [(i, p.unreadable[1], p.unreadable[2]) for i, p in enumerate(parsed) if p.unreadable]
    if unread:  # their reasons are whole sentences, in each language
        texts = pl.DataFrame(unread, schema={"_file": pl.Int32, "_zh": pl.String, "_en": pl.String}, orient="row")
        issues = issues.join(texts, on="_file", how="left").with_columns(
            message_zh=pl.coalesce("_zh", "message_zh"), message_en=pl.coalesce("_en", "message_en")).drop("_zh", "_en")
    by_file = {i: part for (i,), part in issues.partition_by("_file", as_dict=True, include_key=False).items()} \
        if issues.height else {}
    counts: dict[int, dict[str, int]] = {}
    for i, severity, n in issues.group_by("_file", "severity").len().iter_rows():
        counts.setdefault(i, {})[severity] = n
    empty = with_messages(pl.DataFrame(schema=ISSUE_SCHEMA))
    return Verdicts([_verdict(p, rows_by_file.get(i, {}), by_file.get(i, empty), counts.get(i, {}))
                     for i, p in enumerate(parsed)], tables, issues)


# --- context from the warehouse ---------------------------------------------------------

def _fold(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKC").str.strip_chars().str.to_lowercase()


def name_keys(schools: pl.DataFrame) -> pl.DataFrame:
    """(name_key, school_code) of every full name and alias (folded) of the schools, once each."""
    names = pl.concat([
        schools.select(name=pl.col("school_name"), school_code="school_code"),
        schools.select(name=pl.col("aliases"), school_code="school_code").explode("name"),
    ]).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    return names.select(name_key=_fold(pl.col("name")), school_code="school_code").unique(["name_key", "school_code"])


def names_index(schools: pl.DataFrame) -> pl.DataFrame:
    """Every full name and alias (folded) -> the school, with how many schools share it."""
    return name_keys(schools).group_by("name_key").agg(school_code=pl.col("school_code").min(), matches=pl.len())


class _Stream:
    """A frame as DuckDB scans it: through the Arrow C stream interface, without pyarrow (whose
    import alone costs more than a small intake run)."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema=None):
        return self.frame.__arrow_c_stream__(requested_schema)


def _frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """A query's result as a Polars frame, through the Arrow C stream interface."""
    return pl.DataFrame(relation)


def districts_index(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    d = _frame(con.sql("select district_code, district_name_zh, district_name_en from ref.districts"))
    keys = pl.concat([
        d.select(k="district_code", district_code="district_code"),
        d.select(k="district_name_zh", district_code="district_code"),
        d.select(k=pl.col("district_name_zh").str.replace("(新区|区)$", ""), district_code="district_code"),
        d.select(k="district_name_en", district_code="district_code"),
    ])
    return keys.select(district_key=_fold(pl.col("k")), district_code="district_code").unique("district_key")


SCHOOL_COLUMNS = ["school_code", "school_name", "school_type", "district_code", "aliases", "valid_from", "valid_to"]
PREVIOUS_SCHEMA = {"school_code": pl.String, "report_year": pl.Int64, "enrolled_students": pl.Int64,
                   "students_in_st_activities": pl.Int64}


def _accepted(verdicts: list[Verdict], code: str) -> list[pl.DataFrame]:
    table = REPORT_TYPES[code].table
    return [v.rows[table] for v in verdicts if v.rows.get(table) is not None and v.rows[table].height]


def _newest_schools(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Registry rows, a later frame's row of a school winning."""
    return pl.concat([f.select(SCHOOL_COLUMNS) for f in frames], how="diagonal_relaxed").unique(
        "school_code", keep="last", maintain_order=True)


def _newest_figures(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Annual figures, a later frame's row of a school and year winning."""
    return pl.concat([f.select(list(PREVIOUS_SCHEMA)) for f in frames], how="vertical_relaxed").unique(
        ["school_code", "report_year"], keep="last", maintain_order=True)


class RunContext(Context):
    """A Context that learns from files accepted before: the registry and last year's figures."""

    def accept(self, verdict: Verdict) -> None:
        self.accept_many([verdict])

    def accept_many(self, verdicts: list[Verdict]) -> None:
        """Learn from accepted files, in order (a later file's row of a school wins); the name
        index is rebuilt once, not once per file."""
        r0 = _accepted(verdicts, "R0")
        if r0:
            self.schools = _newest_schools([self.schools, *r0])
            self.names = names_index(self.schools)
        r5 = _accepted(verdicts, "R5")
        if r5:
            self.previous_r5 = _newest_figures([self.previous_r5, *r5])


# A name made only of these characters is its own folded key (NFKC, trimmed, lower case): CJK
# unified ideographs and printable ASCII but capitals have no compatibility form, no space to
# trim and no capital. Any other name may fold to another text; those few are folded by Polars.
NEEDS_FOLDING = r"[^\x{4E00}-\x{9FFF}\x{21}-\x{40}\x{5B}-\x{7E}]"


class WarehouseContext(RunContext):
    """The context of a warehouse, fetched as validation asks: only the schools and the last
    year's figures that a batch refers to, selected in DuckDB (the rows in force of those keys,
    never the whole history), with what this run has learnt from the files it accepted before
    (which wins over the warehouse). The cost follows the batch, not the warehouse.

    `schools`, `names` and `previous_r5` (all of them) are still there for callers that want
    the whole registry, fetched when asked; `materialise` makes a RunContext of them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, key: bytes, today: date):
        self.con, self.key, self.today = con, key, today
        self.districts = districts_index(con)
        self._learnt = pl.DataFrame(schema={"school_code": pl.String, "school_name": pl.String,
                                            "school_type": pl.String, "district_code": pl.String,
                                            "aliases": pl.List(pl.String), "valid_from": pl.Date,
                                            "valid_to": pl.Date})
        self._learnt_keys = name_keys(self._learnt)
        self._learnt_figures = pl.DataFrame(schema=PREVIOUS_SCHEMA)
        # an empty registry or annual table (a first run) needs no query at all (the warehouse
        # does not change under a context: ingest writes once it has judged everything)
        self._has_schools, self._has_figures = con.sql(
            f"select exists (select 1 from {REPORT_TYPES['R0'].table}), exists (select 1 from {REPORT_TYPES['R5'].table})"
        ).fetchall()[0]

    # --- learning ------------------------------------------------------------------------
    def accept_many(self, verdicts: list[Verdict]) -> None:
        r0 = _accepted(verdicts, "R0")
        if r0:
            self._learnt = _newest_schools([self._learnt, *r0])
            self._learnt_keys = name_keys(self._learnt)
        r5 = _accepted(verdicts, "R5")
        if r5:
            self._learnt_figures = _newest_figures([self._learnt_figures, *r5])

    # --- what a batch asks for -------------------------------------------------------------
    def _query(self, sql: str, **tables: pl.DataFrame) -> pl.DataFrame:
        """A query with frames as views: {name} in `sql` stands for the frame `name`."""
        views = {name: f"_kejiao_{name}_{id(self)}" for name in tables}
        for name, frame in tables.items():
            self.con.register(views[name], _Stream(frame))
            sql = sql.replace("{" + name + "}", views[name])
        try:
            return _frame(self.con.sql(sql))
        finally:
            for view in views.values():
                self.con.unregister(view)

    def _schools_in_force(self, where: str | None = None, **tables: pl.DataFrame) -> pl.DataFrame:
        sql = in_force_sql("R0", where)
        return self._query(f"select {', '.join(SCHOOL_COLUMNS)} from ({sql})", **tables)

    def registry_for(self, codes: pl.Series, name_keys_: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
        codes_f = pl.DataFrame({"v": codes.cast(pl.String)}).unique()
        keys_f = pl.DataFrame({"v": name_keys_.cast(pl.String)}).unique()
        if codes_f.is_empty() and keys_f.is_empty():
            return self._learnt.clear(), names_index(self._learnt.clear())
        found = self._schools_of(codes_f, keys_f) if self._has_schools else self._learnt.clear()
        # what this run learnt wins over the warehouse
        learnt_keys = self._learnt_keys.filter(pl.col("name_key").is_in(keys_f["v"].implode()))
        learnt = self._learnt.filter(pl.col("school_code").is_in(pl.concat([codes_f["v"], learnt_keys["school_code"]])
                                                                 .implode()))
        found = found.filter(~pl.col("school_code").is_in(self._learnt["school_code"].implode()))
        schools = pl.concat([found, learnt], how="diagonal_relaxed")
        # the name index of these schools (learnt names folded once, when learnt), for the keys
        keys = pl.concat([name_keys(found).filter(pl.col("name_key").is_in(keys_f["v"].implode())), learnt_keys])
        names = (keys.unique(["name_key", "school_code"])
                 .group_by("name_key").agg(school_code=pl.col("school_code").min(), matches=pl.len()))
        return schools, names

    def _schools_of(self, codes_f: pl.DataFrame, keys_f: pl.DataFrame) -> pl.DataFrame:
        """Schools in force in the warehouse with one of the codes, or going by one of the names."""
        # schools of the warehouse that go by one of the names, in any version (a superset of
        # those whose name in force does): a name that is its own key must equal one of the keys,
        # the others are folded here, as names_index folds them
        named = self._query(
            "with names as (select school_code, school_name as name from staging.r0_schools "
            "union all select school_code, unnest(aliases) as name from staging.r0_schools) "
            "select distinct school_code, name from names "
            f"where name in (select v from {{keys}}) or regexp_matches(name, '{NEEDS_FOLDING}')",  # {keys}: _query
            keys=keys_f,
        ).filter(_fold(pl.col("name")).is_in(keys_f["v"].implode()))
        candidates = pl.concat([codes_f["v"], named["school_code"]])
        return self._schools_in_force("school_code in (select v from {candidates})",
                                      candidates=pl.DataFrame({"v": candidates}).unique())

    def previous_for(self, codes: pl.Series) -> pl.DataFrame:
        codes_f = pl.DataFrame({"v": codes.cast(pl.String)}).unique()
        if codes_f.is_empty():
            return self._learnt_figures.clear()
        learnt = self._learnt_figures.filter(pl.col("school_code").is_in(codes_f["v"].implode()))
        if not self._has_figures:
            return learnt
        found = self._query(
            f"select school_code, report_year::bigint as report_year, enrolled_students, students_in_st_activities "
            f"from ({in_force_sql('R5', 'school_code in (select v from {codes})')})",
            codes=codes_f,
        )
        return _newest_figures([found.cast(PREVIOUS_SCHEMA), learnt])

    # --- the whole of it, for who wants it ---------------------------------------------------
    @property
    def schools(self) -> pl.DataFrame:  # type: ignore[override]
        return _newest_schools([self._schools_in_force(), self._learnt])

    @property
    def names(self) -> pl.DataFrame:  # type: ignore[override]
        return names_index(self.schools)

    @property
    def previous_r5(self) -> pl.DataFrame:  # type: ignore[override]
        found = _frame(self.con.sql(
            f"select school_code, report_year::bigint as report_year, enrolled_students, students_in_st_activities "
            f"from ({in_force_sql('R5')})"
        ))
        return _newest_figures([found.cast(PREVIOUS_SCHEMA), self._learnt_figures])

    def materialise(self) -> RunContext:
        """A RunContext holding all of it, that no longer needs the connection."""
        schools = self.schools
        return RunContext(schools=schools, names=names_index(schools), districts=self.districts,
                          previous_r5=self.previous_r5, key=self.key, today=self.today)


def load_context(con: duckdb.DuckDBPyConnection, key: bytes, today: date) -> WarehouseContext:
    """The validation context of a warehouse; it fetches what each batch refers to (see
    WarehouseContext), so it needs `con` open for as long as it is used."""
    return WarehouseContext(con, key, today)


# --- the inbox --------------------------------------------------------------------------

@dataclass
class InboxFile:
    folder: Path
    name: str
    relative: str
    size: int
    modified_at: datetime
    sha256: str
    too_large: bool = False  # over the file size limit: hashed, never copied nor read

    @cached_property
    def path(self) -> Path:  # made when asked: most files of a scan are known ones, never opened
        return self.folder / self.name


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
    not_regular: list[tuple[str, str]] = field(default_factory=list)  # path, kind: never opened
    vanished: list[str] = field(default_factory=list)  # listed, gone before it could be read

    def as_metadata(self) -> dict:
        return {
            "files_seen": self.files_seen, "new_submissions": self.new_submissions,
            "accepted": len(self.accepted), "rejected": len(self.rejected),
            "not_a_report": len(self.not_a_report), "duplicates": len(self.duplicates),
            "unchanged": self.unchanged, "rows": self.rows,
            "not_regular": [f"{path} ({kind})" for path, kind in self.not_regular], "vanished": self.vanished,
        }


Seen = dict[tuple[str, int, datetime], str]  # (inbox path, size, modified_at) -> sha256 observed


def scan_inbox(inbox: Path, seen: Seen | None = None,
               not_regular: list[tuple[str, str]] | None = None) -> list[InboxFile]:
    """Every regular file of the inbox with its content hash (pipelines/intake/files.py: links,
    FIFOs, sockets, devices and folders named like reports are never opened; they go to
    `not_regular` as (path, kind)). A file whose path, size and modification time are those of
    an earlier observation (`seen`) is not read again: its hash is the one observed. Any change
    of size or time means the file is read and hashed, so the same bytes under a new time are
    still recognised by content. A file gone between the listing and the read is left out."""
    seen = seen or {}
    out: list[InboxFile] = []
    for entry in files.walk(Path(inbox)):
        if entry.kind != "file":
            if not_regular is not None:
                not_regular.append((entry.relative, entry.kind))
            continue
        modified = datetime.fromtimestamp(entry.mtime, UTC).replace(tzinfo=None)
        try:
            sha = seen.get((entry.relative, entry.size, modified)) or sha256_of(entry.path)
        except files.NotRegular as exc:  # swapped for a link or a FIFO since listed
            if not_regular is not None:
                not_regular.append((entry.relative, exc.kind))
            continue
        except FileNotFoundError:
            continue
        out.append(InboxFile(entry.folder, entry.name, entry.relative, entry.size, modified, sha))
    return out


def observed_files(con: duckdb.DuckDBPyConnection) -> Seen:
    """(path, size, time) -> hash of the files observed before; ambiguous keys are left out."""
    rows = con.sql(
        "select inbox_path, size_bytes, modified_at, min(submission_id) from raw.file_observations "
        "group by all having count(distinct submission_id) = 1"
    ).fetchall()
    return {(path, size, modified): sha for path, size, modified, sha in rows}


# --- parsing many files: in worker processes (they may die; this one may not) -----------

PARALLEL_MIN_FILES = 500
PARALLEL_MIN_BYTES = 16 << 20


def intake_workers(n_files: int, n_bytes: int) -> int:
    """Worker processes to parse with: `KEJIAO_INTAKE_WORKERS` if set, else one per idle core
    when the batch is big enough for a second worker to start (about half a second) and still
    find work, else 1."""
    env = os.environ.get("KEJIAO_INTAKE_WORKERS")
    if env:
        return max(1, int(env))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if n_files < PARALLEL_MIN_FILES and n_bytes < PARALLEL_MIN_BYTES:
        return 1
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0  # this process counts as one
    idle = int(cores - max(busy, 1.0) + 0.5)
    return max(1, min(cores, 1 + idle, n_files))


def parse_all(files_: list[InboxFile], archive_dir: Path | None = None, limits: Limits | None = None) -> list[Parsed]:
    """Read and recognise files, in order, in worker processes (pipelines/intake/workers.py):
    no file's content can stop this process. With `archive_dir`, each file is read from its
    archive copy (the bytes hashed and kept), else from the inbox. A file over the size limit
    is refused without being read."""
    from pipelines.intake.workers import parse_many

    limits = limits or Limits.from_env()
    out: list[Parsed | None] = [None] * len(files_)
    items, sizes, where = [], [], []
    for i, f in enumerate(files_):
        if f.too_large or f.size > limits.max_file_bytes:
            big = too_large(f.size, limits)
            out[i] = unreadable(f.name, big.code, big.zh, big.en)
            continue
        source = archive_path(f, archive_dir) if archive_dir is not None else f.path
        items.append((str(source), f.name))
        sizes.append(f.size)
        where.append(i)
    workers = intake_workers(len(items), sum(sizes))
    for i, parsed in zip(where, parse_many(items, sizes, workers, limits), strict=True):
        out[i] = parsed
    return out  # type: ignore[return-value]


def archive_path(file: InboxFile, archive_dir: Path) -> Path:
    return archive_dir / file.sha256[:2] / f"{file.sha256}{file.path.suffix.lower()}"


def archive(file: InboxFile, archive_dir: Path, limits: Limits | None = None) -> Path | None:
    """Content-addressed copy of the original bytes; written once, never changed or deleted.
    The copy is hashed as it is made: should the file have changed since it was scanned, the
    bytes copied are what is kept and judged, under their own hash (`file.sha256` is updated).
    Over the size limit, nothing is copied (`file.too_large`); None then."""
    limits = limits or Limits.from_env()
    if file.size > limits.max_file_bytes:
        file.too_large = True
        return None
    target = archive_path(file, archive_dir)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        sha, size = files.copy_regular(file.path, tmp, limits.max_file_bytes)
    except files.TooLarge:
        file.too_large = True
        return None
    if sha != file.sha256:
        log.warning("%s changed while it was taken in; the bytes copied are judged", file.relative)
        file.sha256, file.size = sha, size
        target = archive_path(file, archive_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        tmp.unlink()
    else:
        os.replace(tmp, target)
    return target


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame to a table by column name (table is a schema constant)."""
    if frame.is_empty():
        return
    con.register("_batch", _Stream(frame))
    try:
        con.execute(f"insert into {table} by name select * from _batch")
    finally:
        con.unregister("_batch")


def ingest(con: duckdb.DuckDBPyConnection, inbox: Path, archive_dir: Path, key: bytes,
           now: datetime | None = None, today: date | None = None,
           senders: dict[str, str] | None = None, limits: Limits | None = None) -> IntakeSummary:
    """Take in what is new in the inbox. All warehouse writes happen in one transaction: a run
    that dies leaves the warehouse as it was; a second run over the same inbox changes nothing.
    `senders` maps inbox paths to who sent them (the upload page). No file's content can stop
    it (issue 11): a file that cannot be read is rejected as "could not be read" with the
    reason, and the others go on; it raises only when the pipeline itself fails."""
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    today = today or date.today()
    limits = limits or Limits.from_env()
    summary = IntakeSummary()
    files_ = scan_inbox(inbox, observed_files(con), summary.not_regular) if inbox.exists() else []
    summary.files_seen = len(files_)
    known = {r[0] for r in con.sql("select submission_id from raw.submissions").fetchall()}
    observed = set(con.sql("select inbox_path, submission_id from raw.file_observations").fetchall())

    # new bytes are copied into the archive first, hashed as copied: what is archived is what
    # is judged, whatever happens to the inbox file meanwhile
    for f in files_:
        if (f.relative, f.sha256) in observed or f.sha256 in known:
            continue
        try:
            archive(f, archive_dir, limits)
        except FileNotFoundError:
            summary.vanished.append(f.relative)
        except files.NotRegular as exc:
            summary.not_regular.append((f.relative, exc.kind))
    gone = set(summary.vanished) | {path for path, _ in summary.not_regular}
    files_ = [f for f in files_ if f.relative not in gone]

    observations, new_files = [], {}
    for f in sorted(files_, key=lambda f: (f.modified_at, f.relative)):
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

    parsed = dict(zip(new_files, parse_all(list(new_files.values()), archive_dir, limits)))
    arrival = sorted(new_files, key=lambda h: (min(new_files[h].modified_at, now), new_files[h].relative))
    # the registry first: the other reports resolve their schools through it
    registry = [h for h in arrival if "R0" in parsed[h].report_types]
    others = [h for h in arrival if "R0" not in parsed[h].report_types]
    ctx = load_context(con, key, today)
    judged_registry = judge_safely([parsed[h] for h in registry], ctx)
    # each channel's policy (pipelines/intake/channels.py), before anything is learnt from a file
    judged_registry = channels.enforce(judged_registry, [new_files[h].relative for h in registry], ctx, senders)
    verdicts = dict(zip(registry, judged_registry))
    ctx.accept_many([verdicts[h] for h in registry if verdicts[h].status == "accepted"])
    judged_others = judge_safely([parsed[h] for h in others], ctx)
    judged_others = channels.enforce(judged_others, [new_files[h].relative for h in others], ctx, senders)
    verdicts.update(zip(others, judged_others))
    del parsed  # the sheets as read (the largest thing held): judged, they are not needed again

    submissions = []
    for h in registry + others:
        f, verdict = new_files[h], verdicts[h]
        submissions.append(_submission_row(f, verdict, archive_dir, now, (senders or {}).get(f.relative)))
        _summarise(summary, f, verdict)

    issues, rows = _tagged([(registry, judged_registry), (others, judged_others)])
    del verdicts, judged_registry, judged_others  # their rows are in `rows` now
    _write(con, observations, submissions, issues.drop("detail") if issues is not None else None, rows)
    summary.new_submissions = len(new_files)
    for path, kind in summary.not_regular:
        log.warning("不是普通文件，未读取 / not a regular file, not read: %s (%s)", path, kind)
    return summary


_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit, duckdb.Error)


def judge_safely(parsed: list[Parsed], ctx: Context) -> Verdicts:
    """judge_batch, with a file's content costing only that file: should judging the batch
    fail (a rule that trips on some content), each file is judged alone, and a file whose
    judging fails is "could not be read" with the reason. The warehouse failing, or every file
    failing alone, is the pipeline failing: that is raised."""
    try:
        return judge_batch(parsed, ctx)
    except _FATAL:
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException is a BaseException
        log.warning("judging a batch of %d files failed (%s); judging each alone", len(parsed), type(exc).__name__)
        batch_error = exc
    out, failed = [], 0
    for p in parsed:
        try:
            out.append(judge_batch([p], ctx)[0])
        except _FATAL:
            raise
        except BaseException as exc:  # noqa: BLE001
            failed += 1
            log.warning("judging %s failed: %s", p.name, type(exc).__name__)
            out.append(judge_batch([unreadable(
                p.name, "judge_failed", f"检查文件内容时出错（{type(exc).__name__}），请联系数据组",
                f"checking the file's content failed ({type(exc).__name__}); please contact the data team")], ctx)[0])
    if failed == len(parsed):
        raise batch_error
    return _whole(out)  # one batch again, as judge_batch gives it


def _tagged(batches: list[tuple[list[str], list[Verdict]]]) -> tuple[pl.DataFrame | None, dict[str, pl.DataFrame]]:
    """Issues of every file, and rows of the accepted ones, each with its file's submission_id:
    from the batches' frames whole (Verdicts), else gathered from the verdicts."""
    issues, rows = [], {}
    for hashes, verdicts in batches:
        if not hashes:
            continue
        ids = pl.DataFrame({"_file": range(len(hashes)), "submission_id": hashes,
                            "_ok": [v.status == "accepted" for v in verdicts]},
                           schema={"_file": pl.Int32, "submission_id": pl.String, "_ok": pl.Boolean})
        if not isinstance(verdicts, Verdicts):
            verdicts = _whole(verdicts)
        issues.append(verdicts.issues.join(ids.drop("_ok"), on="_file", how="left").drop("_file"))
        accepted = ids.filter("_ok").drop("_ok")
        for table, frame in verdicts.rows.items():
            rows.setdefault(table, []).append(frame.join(accepted, on="_file", how="inner").drop("_file"))
    return (pl.concat(issues, how="diagonal_relaxed") if issues else None,
            {table: pl.concat(frames, how="diagonal_relaxed") for table, frames in rows.items()})


def _whole(verdicts: list[Verdict]) -> Verdicts:
    """Verdicts with their batch's frames gathered from each verdict's."""
    tables: dict[str, list[pl.DataFrame]] = {}
    for i, v in enumerate(verdicts):
        for table, frame in v.rows.items():
            tables.setdefault(table, []).append(frame.with_columns(_file=pl.lit(i, dtype=pl.Int32)))
    issues = pl.concat([v.issues.with_columns(_file=pl.lit(i, dtype=pl.Int32)) for i, v in enumerate(verdicts)],
                       how="diagonal_relaxed")
    return Verdicts(verdicts, {t: pl.concat(f, how="diagonal_relaxed") for t, f in tables.items()}, issues)


def _write(con: duckdb.DuckDBPyConnection, observations: list[dict], submissions: list[dict],
           issues: pl.DataFrame | None, rows: dict[str, pl.DataFrame]) -> None:
    """Everything a run learnt, in one transaction."""
    with transaction(con):
        _insert(con, "raw.file_observations", pl.DataFrame(observations, schema=OBSERVATION_SCHEMA))
        _insert(con, "raw.submissions", pl.DataFrame(submissions, schema=SUBMISSION_SCHEMA))
        if issues is not None:
            _insert(con, "raw.issues", issues)
        for table, frame in rows.items():
            _insert(con, table, frame)


OBSERVATION_SCHEMA = {"inbox_path": pl.String, "submission_id": pl.String, "size_bytes": pl.Int64,
                      "modified_at": pl.Datetime("us"), "seen_at": pl.Datetime("us"), "is_duplicate": pl.Boolean}
SUBMISSION_SCHEMA = {
    "submission_id": pl.String, "original_name": pl.String, "inbox_path": pl.String, "file_format": pl.String,
    "size_bytes": pl.Int64, "arrived_at": pl.Datetime("us"), "first_seen_at": pl.Datetime("us"),
    "archive_path": pl.String, "report_type": pl.String, "status": pl.String, "row_count": pl.Int32,
    "error_count": pl.Int32, "warning_count": pl.Int32, "sheets_read": pl.List(pl.String),
    "sheets_skipped": pl.List(pl.String), "message_zh": pl.String, "message_en": pl.String, "sender": pl.String,
    "ingested_at": pl.Datetime("us"), "schools_named": pl.List(pl.String),
}


def _submission_row(f: InboxFile, verdict: Verdict, archive_dir: Path, now: datetime, sender: str | None) -> dict:
    return {
        "submission_id": f.sha256, "original_name": f.path.name, "inbox_path": f.relative,
        "file_format": verdict.file_format, "size_bytes": f.size, "arrived_at": min(f.modified_at, now),
        "first_seen_at": now,  # a file over the size limit is not copied: its original stays in the inbox
        "archive_path": "" if f.too_large else archive_path(f, archive_dir).relative_to(archive_dir).as_posix(),
        "report_type": verdict.report_type, "status": verdict.status, "row_count": verdict.row_count,
        "error_count": verdict.count("error"), "warning_count": verdict.count("warning"),
        "sheets_read": verdict.sheets_read, "sheets_skipped": verdict.sheets_skipped,
        "message_zh": verdict.message_zh, "message_en": verdict.message_en, "sender": sender, "ingested_at": now,
        # whose file it is, refused or not: the schools its rows are sent for (scope reads it)
        "schools_named": sorted(set().union(*sending_schools(verdict.rows).values())) or None,
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
