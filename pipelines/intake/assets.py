"""Intake as Dagster assets: the inbox becomes versioned submissions and staging rows."""


from datetime import date

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from pipelines.intake.ingest import ingest
from pipelines.intake.keys import pin_key
from pipelines.metadata import markdown_table
from pipelines.resources import ProjectPaths, Warehouse
from pipelines.settings import pseudonym_key
from pipelines.upload import inbox_senders


@asset(group_name="intake", kinds={"duckdb", "polars"}, deps=["reference_data"])
def submissions(context: AssetExecutionContext, paths: ProjectPaths, warehouse: Warehouse) -> MaterializeResult:
    """Every new file in the inbox, archived by content hash, read, validated against the spec
    and recorded as a submission (accepted, rejected with per-cell errors, or not a report).
    Accepted rows go to staging; all of it in one transaction."""
    settings = paths.settings()
    with warehouse.get_connection() as con:
        inbox = paths.inbox()
        key = pseudonym_key(settings)
        pin_key(con, key)  # another key than the warehouse's stops here, before anything is read or written
        # files sent on the dashboard's upload page carry their sender in a sidecar (pipelines/upload.py)
        summary = ingest(con, inbox, settings.archive_dir, key, today=date.today(),
                         senders=inbox_senders(inbox))
        totals = con.sql(
            "select status, count(*) as files, sum(row_count) as data_rows from raw.submissions group by all order by 1"
        ).pl()
        rejected = con.sql(
            """select s.original_name, s.report_type, s.error_count, any_value(i.message_zh) as example
               from raw.submissions s left join raw.issues i
                 on i.submission_id = s.submission_id and i.severity = 'error'
               where s.status <> 'accepted' group by all order by 1"""
        ).pl()
    context.log.info(f"intake: {summary.as_metadata()}")
    return MaterializeResult(metadata={
        **{k: v for k, v in summary.as_metadata().items() if k != "rows"},
        "new rows by table": MetadataValue.json(summary.rows),
        "all submissions by status": MetadataValue.md(markdown_table(totals)),
        "rejected and set-aside files": MetadataValue.md(markdown_table(rejected)),
        "newly rejected": MetadataValue.json([{"file": f, "first_error": e} for f, e in summary.rejected]),
    })
