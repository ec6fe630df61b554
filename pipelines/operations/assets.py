"""Operations assets: who is late with a report, the error workbooks that go back to senders,
and the monthly briefing."""


import logging
from datetime import date
from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset

from pipelines.exports import files
from pipelines.metadata import code_version, markdown_table
from pipelines.operations import briefing, deadlines, outbox
from pipelines.operations.briefing import BriefingError, briefing_path, make_briefing, snapshot_path
from pipelines.operations.deadlines import load_deadlines, overdue_from_obligations, today_in_tianjin
from pipelines.operations.deadlines import overdue_reports as find_overdue
from pipelines.operations.notify import ops_dir
from pipelines.operations.outbox import Submission, build_error_workbook
from pipelines.resources import ProjectPaths, Warehouse
from pipelines.senders.assets import OBLIGATIONS
from pipelines.senders.obligations import OBLIGATIONS_TABLE
from pipelines.senders.recipients import recipient_of, workbook_name
from pipelines.settings import Settings

log = logging.getLogger(__name__)
OVERDUE_FILE = "overdue_reports.csv"
PREVIEW_ROWS = 50


class AsOfConfig(Config):
    """`as_of`: the day to judge as of (YYYY-MM-DD); empty means today in Tianjin."""

    as_of: str = ""

    def day(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else today_in_tianjin()


def overdue_file(settings: Settings) -> Path:
    return ops_dir(settings) / OVERDUE_FILE




@asset(group_name="operations", kinds={"duckdb", "csv"}, deps=[OBLIGATIONS, "reference_data"],
       code_version=code_version(deadlines))
def overdue_reports(context: AssetExecutionContext, config: AsOfConfig, paths: ProjectPaths,
                    warehouse: Warehouse) -> MaterializeResult:
    """The overdue obligations (senders.obligations: R5 by every registry school that is neither
    高校 nor 其他, R3 by last cohort's host universities, R2 by bases not revoked; refused ones
    included) exported to DATA_DIR/ops/overdue_reports.csv (UTF-8 with BOM, opens in Excel). Asked
    for another day than the table was judged on, it judges that day by the same rule."""
    settings = paths.settings()
    as_of = config.day()
    deadlines = load_deadlines()
    with warehouse.get_connection() as con:
        # the table name is a constant of pipelines/senders
        judged = con.sql(f"select max(judged_on), count(*) from {OBLIGATIONS_TABLE}").fetchall()[0]
        if judged[0] == as_of:
            owed = con.sql(f"select * from {OBLIGATIONS_TABLE} where is_overdue").pl()  # not 750k rows at 150k
            districts = con.sql("select district_code, district_name_zh from ref.districts").pl()
            overdue = overdue_from_obligations(owed, districts, as_of)
        else:
            overdue = find_overdue(con, as_of, deadlines)
    out = overdue_file(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    files.write_csv(overdue, out)  # names of schools reach it: formulas neutralised
    by_type = overdue.group_by("report_type", "period").len().sort("report_type", "period")
    by_district = (overdue.group_by("district_name_zh").len().sort("len", descending=True)
                   if overdue.height else overdue)
    context.log.info(f"overdue reports as of {as_of}: {overdue.height}")
    return MaterializeResult(metadata={
        "as_of": as_of.isoformat(),
        "overdue": overdue.height,
        "deadlines": MetadataValue.md(markdown_table(pl.DataFrame(
            [{"report_type": d.report_type, "due": f"{d.due_month:02d}-{d.due_day:02d}", "rule": d.label_zh}
             for d in deadlines.values()]))),
        "by report and period": MetadataValue.md(markdown_table(by_type, PREVIEW_ROWS)),
        "by district": MetadataValue.md(markdown_table(by_district, PREVIEW_ROWS)),
        "who (first 50)": MetadataValue.md(markdown_table(overdue.select(
            "report_type", "period", "due_date", "days_overdue", "sender_code", "sender_name", "district_name_zh",
            "entity_code"))),
        "file": MetadataValue.path(str(out)),
    })


@asset(group_name="operations", kinds={"duckdb", "excel"}, deps=["submissions"], code_version=code_version(outbox))
def error_workbooks(context: AssetExecutionContext, paths: ProjectPaths, warehouse: Warehouse) -> MaterializeResult:
    """One error workbook per rejected (or unreadable) submission, in DATA_DIR/outbox: the
    sender's own sheets reproduced from the archived original, each offending cell marked with a
    comment (what is wrong, how to fix it; Chinese then English), and a summary sheet 汇总.
    A workbook already in the outbox is never rewritten."""
    settings = paths.settings()
    outbox = settings.outbox_dir
    with warehouse.get_connection() as con:
        subs = con.sql(
            """select submission_id, original_name, arrived_at, report_type, status, message_zh, message_en,
                      error_count, warning_count, archive_path, sheets_read, inbox_path, sender
               from raw.submissions where status in ('rejected', 'not_a_report')
               order by arrived_at, submission_id"""
        ).pl()
        pending = [
            r for r in subs.iter_rows(named=True)
            if not (outbox / workbook_name(r["submission_id"], r["original_name"])).exists()
        ]
        issues = con.sql(
            """select submission_id, severity, rule_code, sheet_name, row_number, column_letter, column_header,
                      value_seen, message_zh, message_en
               from raw.issues where list_contains($ids::varchar[], submission_id)""",
            params={"ids": [r["submission_id"] for r in pending]},
        ).pl() if pending else None
    written = []
    for r in pending:
        submission = Submission(
            submission_id=r["submission_id"], original_name=r["original_name"], arrived_at=r["arrived_at"],
            report_type=r["report_type"], status=r["status"], message_zh=r["message_zh"],
            message_en=r["message_en"], error_count=r["error_count"], warning_count=r["warning_count"],
            archive_file=settings.archive_dir / r["archive_path"], sheets_read=tuple(r["sheets_read"] or ()),
            recipient=recipient_of(r["inbox_path"], r["sender"]),
        )
        own = issues.filter(pl.col("submission_id") == r["submission_id"]).drop("submission_id")
        out = outbox / workbook_name(r["submission_id"], r["original_name"])
        build_error_workbook(submission, own, out)
        written.append(out.name)
    # ids and file names only: cell values never reach a log
    context.log.info(f"error workbooks: {len(written)} written, {subs.height - len(pending)} already in the outbox")
    return MaterializeResult(metadata={
        "rejected submissions": subs.height,
        "written": len(written),
        "already present": subs.height - len(pending),
        "new workbooks": MetadataValue.json(written[:PREVIEW_ROWS]),
        "outbox": MetadataValue.path(str(outbox)),
    })


@asset(group_name="briefing", kinds={"pdf", "plotly"}, code_version=code_version(Path(briefing.__file__).parent))
def monthly_briefing(context: AssetExecutionContext, config: AsOfConfig, paths: ProjectPaths) -> MaterializeResult:
    """《天津市科技教育2030目标进展简报》: a printable A4 PDF in Chinese from the published snapshot
    (headline figures per target, each target against its path, districts that need attention,
    data completeness, as-of time, method note), in DATA_DIR/briefings/."""
    settings = paths.settings()
    as_of = config.day()
    out = briefing_path(settings, as_of)
    try:
        data = make_briefing(snapshot_path(settings), out, as_of)
    except BriefingError as exc:
        raise Failure(description=str(exc), allow_retries=False) from exc
    context.log.info(f"briefing written: {out}")
    return MaterializeResult(metadata={
        "file": MetadataValue.path(str(out)),
        "as_of": as_of.isoformat(),
        "data as of": data.data_as_of_label,
        "targets": MetadataValue.json({t.indicator_id: t.status for t in data.targets}),
        "districts needing attention": data.attention.height,
        "bytes": out.stat().st_size,
    })
