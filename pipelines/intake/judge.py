"""Verdicts on parsed files: every issue of each file with its message (zh, en), the rows of
the accepted ones, and the file's status. `judge_batch` is what `kejiao check`, the upload page
and intake all use; `judge_safely` keeps one file's content from costing the others."""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass, replace

import duckdb
import polars as pl

from pipelines.intake.batch import ISSUE_SCHEMA, SheetInput
from pipelines.intake.messages import RULES
from pipelines.intake.parsing import Parsed, unreadable
from pipelines.intake.rules import last_year_issues
from pipelines.intake.schema import REPORT_TYPES
from pipelines.intake.validate import Context, validate_batch

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
    zh, en = _outcome(counts, sum(df.height for df in rows.values()))
    return Verdict(parsed.name, parsed.file_format, "rejected" if counts.get("error", 0) else "accepted",
                   ",".join(parsed.report_types) or None, rows, issues,
                   [g.name for g, _, _ in parsed.sheets], parsed.skipped, zh, en, counts)


def _outcome(counts: dict[str, int], n: int) -> tuple[str, str]:
    """The message of a file judged by the rules (zh, en): its issues by severity, its rows."""
    errors = counts.get("error", 0)
    warnings = counts.get("warning", 0)
    if errors:
        return (f"退回：发现 {errors} 处错误（另有 {warnings} 处提示），请按错误清单修改后重新报送整个文件",
                f"Rejected: {errors} errors ({warnings} warnings); fix them all and send the whole file again")
    return (f"已接收：{n} 行" + (f"，{warnings} 处提示请核对" if warnings else ""),
            f"Accepted: {n} rows" + (f", {warnings} warnings to check" if warnings else ""))


class Verdicts(list):
    """The verdicts on a batch, in order; with the batch's rows and issues whole, each row with
    `_file`, its file's place in the list (for writing them without gathering them again)."""

    def __init__(self, verdicts: list[Verdict], rows: dict[str, pl.DataFrame], issues: pl.DataFrame):
        super().__init__(verdicts)
        self.rows = rows  # staging table -> rows of every file
        self.issues = issues  # ISSUE_COLUMNS of every file


def judge_batch(parsed: list[Parsed], ctx: Context, later: list | None = None) -> Verdicts:
    """Verdicts on many files, validated together (see validate.py), in the order given, which
    is their arrival. Messages are rendered once for the whole batch, then split by file.

    A rule across files (rules.far_from_last_year: which file is last year's) sees every file
    of a run, whatever batch it is judged in: given `later` (a list), the batch appends to it
    what those rules need and its verdicts wait for `finish`, which evaluates them over every
    batch of the run at once; without, the batch is the run and is finished here."""
    sheets = [SheetInput(i, grid, idx, match) for i, p in enumerate(parsed) for grid, idx, match in p.sheets]
    result = validate_batch(sheets, ctx)
    del sheets
    rows_by_file: dict[int, dict[str, pl.DataFrame]] = {}
    tables = {REPORT_TYPES[code].table: frame for code, frame in result.rows.items()}
    for table, frame in tables.items():
        for i, part in _by_file(frame).items():
            rows_by_file.setdefault(i, {})[table] = part
    extra = pl.DataFrame([row for i, p in enumerate(parsed) for row in _file_issues(i, p)],
                         schema={"_file": pl.Int32, **ISSUE_SCHEMA})
    issues = with_messages(pl.concat([result.issues.cast({"_file": pl.Int32}), extra]))
    unread = [(i, p.unreadable[1], p.unreadable[2]) for i, p in enumerate(parsed) if p.unreadable]
    if unread:  # their reasons are whole sentences, in each language
        texts = pl.DataFrame(unread, schema={"_file": pl.Int32, "_zh": pl.String, "_en": pl.String}, orient="row")
        issues = issues.join(texts, on="_file", how="left", maintain_order="left").with_columns(
            message_zh=pl.coalesce("_zh", "message_zh"), message_en=pl.coalesce("_en", "message_en")).drop("_zh", "_en")
    by_file = {i: part for (i,), part in issues.partition_by("_file", as_dict=True, include_key=False).items()} \
        if issues.height else {}
    counts: dict[int, dict[str, int]] = {}
    for i, severity, n in issues.group_by("_file", "severity").len().iter_rows():
        counts.setdefault(i, {})[severity] = n
    empty = with_messages(pl.DataFrame(schema=ISSUE_SCHEMA))
    verdicts = Verdicts([_verdict(p, rows_by_file.get(i, {}), by_file.get(i, empty), counts.get(i, {}))
                         for i, p in enumerate(parsed)], tables, issues)
    if later is None:
        return finish([verdicts], [result.later], ctx)[0]
    later.extend(result.later)
    return verdicts


def _by_file(frame: pl.DataFrame) -> dict[int, pl.DataFrame]:
    """Each file's rows of a batch's frame (without `_file`): slices of it, not copies, where the
    frame is in file order (as Batch.rows leaves it); else gathered."""
    runs = frame.get_column("_file").rle()
    files, lengths = runs.struct.field("value").to_list(), runs.struct.field("len").to_list()
    if len(set(files)) != len(files):
        return {i: part for (i,), part in frame.partition_by("_file", as_dict=True, include_key=False).items()}
    body, out, start = frame.drop("_file"), {}, 0
    for i, n in zip(files, lengths):
        out[i] = body.slice(start, n)
        start += n
    return out


def finish(batches: list[Verdicts], later: list[list], ctx: Context,
           arrival: list[list[int]] | None = None) -> list[Verdicts]:
    """The verdicts of a run's batches (judged with `later`) with the rules across files
    evaluated over all of them at once: their issues added to each file's (after its others),
    its counts and message. `arrival[k][i]`: the place of file i of batch k in the order the
    run's files arrived; without, the batches and their files are in that order."""
    found = last_year_issues(later, ctx, arrival)
    out = []
    for verdicts, issues in zip(batches, found):
        if issues.is_empty():
            out.append(verdicts)
            continue
        issues = with_messages(issues).select(verdicts.issues.columns)
        by_file = {i: part for (i,), part in issues.partition_by("_file", as_dict=True, include_key=False).items()}
        judged = []
        for i, v in enumerate(verdicts):
            added = by_file.get(i)
            if added is None:
                judged.append(v)
                continue
            counts = dict(v.counts or {})
            for severity, n in added.group_by("severity").len().iter_rows():
                counts[severity] = counts.get(severity, 0) + n
            zh, en = _outcome(counts, v.row_count)
            judged.append(replace(v, issues=pl.concat([v.issues, added]), counts=counts, message_zh=zh,
                                  message_en=en))
        out.append(Verdicts(judged, verdicts.rows, pl.concat([verdicts.issues, issues])))
    return out


_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit, duckdb.Error)


def judge_safely(parsed: list[Parsed], ctx: Context, later: list | None = None,
                 failures: list[BaseException] | None = None) -> Verdicts:
    """judge_batch, with a file's content costing only that file: should judging the batch
    fail (a rule that trips on some content), each file is judged alone (what a file is
    judged with changes nothing of its verdict: the rules across files wait for `finish`),
    and a file whose judging fails is "could not be read" with the reason. The warehouse
    failing, or every file failing alone, is the pipeline failing: that is raised; given
    `failures` (a list kept over a run's batches), each failure is appended to it instead, for
    the caller to judge. `later`: as judge_batch's."""
    own: list = []
    try:
        verdicts = judge_batch(parsed, ctx, later=own)
    except _FATAL:
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException is a BaseException
        log.warning("judging a batch of %d files failed (%s); judging each alone", len(parsed), type(exc).__name__)
        own = []
        verdicts = _alone(parsed, ctx, own, exc, failures)
    if later is None:
        return finish([verdicts], [own], ctx)[0]
    later.extend(own)
    return verdicts


def _alone(parsed: list[Parsed], ctx: Context, later: list, batch_error: BaseException,
           failures: list[BaseException] | None) -> Verdicts:
    """Each file judged alone; one whose judging fails is "could not be read"."""
    out, failed = [], []
    for i, p in enumerate(parsed):
        mine: list = []
        try:
            out.append(judge_batch([p], ctx, later=mine)[0])
        except _FATAL:
            raise
        except BaseException as exc:  # noqa: BLE001
            failed.append(exc)
            log.warning("judging %s failed: %s", p.name, type(exc).__name__)
            mine = []
            out.append(judge_batch([unreadable(
                p.name, "judge_failed", f"检查文件内容时出错（{type(exc).__name__}），请联系数据组",
                f"checking the file's content failed ({type(exc).__name__}); please contact the data team")],
                ctx, later=mine)[0])
        later.extend(part.as_file(i) for part in mine)
    if failures is not None:
        failures.extend(failed)
    elif len(failed) == len(parsed):
        raise batch_error
    return gather(out)  # one batch again, as judge_batch gives it


def gather(verdicts: list[Verdict]) -> Verdicts:
    """Verdicts with their batch's frames gathered from each verdict's."""
    tables: dict[str, list[pl.DataFrame]] = {}
    for i, v in enumerate(verdicts):
        for table, frame in v.rows.items():
            tables.setdefault(table, []).append(frame.with_columns(_file=pl.lit(i, dtype=pl.Int32)))
    issues = pl.concat([v.issues.with_columns(_file=pl.lit(i, dtype=pl.Int32)) for i, v in enumerate(verdicts)],
                       how="diagonal_relaxed")
    return Verdicts(verdicts, {t: pl.concat(f, how="diagonal_relaxed") for t, f in tables.items()}, issues)
