"""`kejiao check` and the upload page: the verdict intake would give, with nothing stored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

import warehouse
from pipelines.intake.context import RunContext, districts_index, load_context, names_index
from pipelines.intake.judge import Verdict, judge_safely
from pipelines.intake.limits import Limits
from pipelines.intake.schema import REPORT_TYPES
from pipelines.intake.workers import parse_many
from pipelines.reference.load import load_reference
from pipelines.settings import pseudonym_key

SEVERITY_ZH = {"error": "错误 error", "warning": "提示 warning", "info": "说明 info"}
# report types whose rows name schools: judged against the school registry (R0)
NEEDS_REGISTRY = frozenset(r.code for r in REPORT_TYPES.values() if any(c.kind == "school" for c in r.columns))


class NoRegistry(Exception):
    """No school registry to judge against: neither the warehouse nor a published snapshot holds
    one (a first install), and no registry file came with the files checked."""

    def __init__(self, warehouse_file: Path | None):
        where = f"（已查看 looked in: {warehouse_file} 及其 and published/current.duckdb）" if warehouse_file else ""
        super().__init__(
            f"尚无学校名录：仓库和发布快照中都还没有学校(机构)名录（R0），无法核对报表中的学校{where}。"
            "请先运行 `kejiao materialize` 将名录入库，或用 `--warehouse` 指定已有的仓库，"
            "也可把名录文件与报表一起检查。\n"
            "no school registry yet: run `kejiao materialize` first, or pass `--warehouse` "
            "(or check the registry file together with the reports)."
        )


def reference_context(warehouse_file: Path | None, key: bytes | None = None) -> RunContext:
    """Registry and last year's figures from the warehouse (read-only) when it can be opened,
    else from the newest published snapshot, else only the reference seeds."""
    key = key or pseudonym_key()
    candidates: list[Path] = []
    if warehouse_file is not None:
        candidates.append(warehouse_file)
        candidates.append(warehouse_file.parent / "published" / "current.duckdb")
    for path in candidates:
        if not path.exists():
            continue
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue  # held by a writer: try the next
        try:
            if path.parent.name == "published" or _is_snapshot(con):
                return snapshot_context(con, key, date.today())
            return load_context(con, key, date.today()).materialise()
        except duckdb.Error:
            continue
        finally:
            con.close()
    con = warehouse.connect(":memory:")
    load_reference(con)
    return load_context(con, key, date.today()).materialise()


def _is_snapshot(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.sql("select 1 from duckdb_tables() where schema_name = 'meta' and table_name = 'snapshot'")
                .fetchall())


def snapshot_context(con: duckdb.DuckDBPyConnection, key: bytes, today: date) -> RunContext:
    """The same context from a published snapshot (read-only), which keeps the rows in force
    (`staging.*_in_force`) rather than every version: the upload page reads this, never the
    live warehouse."""
    schools = con.sql(
        "select school_code, school_name, school_type, district_code, aliases, valid_from, valid_to "
        "from staging.r0_schools_in_force"
    ).pl()
    previous = con.sql(
        "select school_code, report_year::bigint as report_year, enrolled_students, students_in_st_activities "
        "from staging.r5_school_annual_reports_in_force"
    ).pl()
    return RunContext(schools=schools, names=names_index(schools), districts=districts_index(con),
                      previous_r5=previous, key=key, today=today)


def check_many(items: list[tuple[str, bytes | Path]], ctx: RunContext, limits: Limits | None = None) -> list[Verdict]:
    """Judge files in the order ingest would: registry files first, each teaching the next.
    Each item is (name, its bytes or its path); the files are read in a worker process under
    the same limits as intake (never in this one: this may be the dashboard's server)."""
    limits = limits or Limits.from_env()
    sources = [(data if isinstance(data, bytes) else str(data), name) for name, data in items]
    sizes = [len(src) if isinstance(src, bytes) else 1 for src, _ in sources]
    parsed = parse_many(sources, sizes, 1, limits)
    registry = [i for i, p in enumerate(parsed) if "R0" in p.report_types]
    others = [i for i, p in enumerate(parsed) if "R0" not in p.report_types]
    verdicts = dict(zip(registry, judge_safely([parsed[i] for i in registry], ctx)))
    ctx.accept_many([verdicts[i] for i in registry if verdicts[i].status == "accepted"])
    verdicts.update(zip(others, judge_safely([parsed[i] for i in others], ctx)))
    return [verdicts[i] for i in range(len(parsed))]


def check_paths(paths: list[Path], warehouse_file: Path | None) -> list[tuple[Path, Verdict]]:
    """`kejiao check`: each path is read as intake reads the inbox (a regular file only, not
    through a link, within the limits), in a worker process."""
    ctx = reference_context(warehouse_file)
    verdicts = check_many([(p.name, p) for p in paths], ctx)
    # judged against no registry at all, every school would be "unknown": say what is missing
    # instead (what the files checked taught, registry files among them, is in ctx by now)
    if ctx.schools.is_empty() and any(NEEDS_REGISTRY & set((v.report_type or "").split(",")) for v in verdicts):
        raise NoRegistry(warehouse_file)
    return list(zip(paths, verdicts))


def format_verdict(path: Path | str, verdict: Verdict) -> str:
    status = {"accepted": "通过 PASS", "rejected": "退回 REJECTED", "not_a_report": "非报表 NOT A REPORT"}
    lines = [f"{path}: {status[verdict.status]} — {verdict.report_type or '-'} · {verdict.message_zh} / {verdict.message_en}"]
    shown = verdict.issues.filter(pl.col("severity") != "info") if verdict.issues.height else verdict.issues
    for r in shown.iter_rows(named=True):
        where = []
        if r["sheet_name"]:
            where.append(f"工作表 sheet「{r['sheet_name']}」")
        if r["row_number"] is not None:
            where.append(f"第 {r['row_number']} 行 row")
        if r["column_letter"] or r["column_header"]:
            where.append(f"{r['column_letter'] or ''} 列 column「{r['column_header'] or ''}」")
        lines.append(f"  [{SEVERITY_ZH[r['severity']]}] {' '.join(where)}: {r['message_zh']} / {r['message_en']}")
    skipped = verdict.sheets_skipped
    if skipped:
        lines.append(f"  跳过的工作表 skipped sheets: {', '.join(skipped)}")
    return "\n".join(lines)
