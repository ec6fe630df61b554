"""Intake as Dagster assets: the inbox becomes versioned submissions and staging rows."""


from datetime import date
from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from pipelines.intake.ingest import ingest
from pipelines.intake.keys import pin_key
from pipelines.intake.messages import redacted
from pipelines.intake.progress import JUDGE, fan_out, throttled, to_listeners
from pipelines.intake.retention import private_report_codes, purge_expired
from pipelines.intake.upload import inbox_senders
from pipelines.metadata import code_version, markdown_table, table_metadata
from pipelines.resources import ProjectPaths, Warehouse
from pipelines.settings import pseudonym_key, roster_retention_days


@asset(group_name="intake", kinds={"duckdb", "polars"}, deps=["reference_data"],
       code_version=code_version(Path(__file__).parent))
def submissions(context: AssetExecutionContext, paths: ProjectPaths, warehouse: Warehouse) -> MaterializeResult:
    """Every new file in the inbox, archived by content hash, read, validated against the spec
    and recorded as a submission (accepted, rejected with per-cell errors, or not a report).
    Accepted rows go to staging; all of it in one transaction."""
    settings = paths.settings()
    with warehouse.get_connection() as con:
        inbox = paths.inbox()
        key = pseudonym_key(settings)
        pin_key(con, key)  # another key than the warehouse's stops here, before anything is read or written
        # files sent on the dashboard's upload page carry their sender in a sidecar (pipelines/intake/upload.py)
        summary = ingest(con, inbox, settings.archive_dir, key, today=date.today(),
                         senders=inbox_senders(inbox), progress=fan_out(_to_log(context), to_listeners))
        # originals of rosters (minors' names and IDs) leave the archive when their retention ends
        purged = purge_expired(con, settings.archive_dir, roster_retention_days())
        totals = con.sql(
            "select status, count(*) as files, sum(row_count) as data_rows from raw.submissions group by all order by 1"
        ).pl()
        # rules and places only: a message may embed a cell's value (a name typed into the wrong column)
        rejected = con.sql(
            """select s.original_name, s.report_type, s.error_count,
                      any_value(i.rule_code || ' (' || coalesce(i.column_header, '-') || ')') as example
               from raw.submissions s left join raw.issues i
                 on i.submission_id = s.submission_id and i.severity = 'error'
               where s.status <> 'accepted' group by all order by 1"""
        ).pl()
        newly_rejected = _first_errors(con, [path for path, _ in summary.rejected])
        table = table_metadata(con, "raw.submissions")
    context.log.info(f"intake: {summary.as_metadata()}")
    return MaterializeResult(metadata={
        **table,
        **{k: v for k, v in summary.as_metadata().items() if k != "rows"},
        "roster originals purged": len(purged),
        "new rows by table": MetadataValue.json(summary.rows),
        "all submissions by status": MetadataValue.md(markdown_table(totals)),
        "rejected and set-aside files": MetadataValue.md(markdown_table(rejected)),
        "newly rejected": MetadataValue.json(newly_rejected),
    })


def _to_log(context: AssetExecutionContext):
    """Intake's progress in the run's log (the Dagster UI), a line every few seconds per stage."""
    def emit(stage: str, done: int, total: int) -> None:
        what = "已判定 judged" if stage == JUDGE else "已读取 read"
        context.log.info(f"收件 intake: {what} {done}/{total} 个新文件 new files")
    return throttled(emit, every_s=5.0)


def _first_errors(con, paths: list[str]) -> list[dict]:
    """Each newly rejected file with its first error. For a file that may hold minors' data (a
    roster, or a file not recognised) only place and rule, the message rendered without cell
    values (messages.redacted): run metadata is read by everyone with the Dagster UI."""
    if not paths:
        return []
    rows = con.sql(
        """select s.inbox_path, s.report_type, i.sheet_name, i.row_number, i.column_header, i.rule_code, i.message_zh
           from raw.submissions s join raw.issues i on i.submission_id = s.submission_id and i.severity = 'error'
           where list_contains($paths::varchar[], s.inbox_path)
           qualify row_number() over (partition by s.inbox_path
                                      order by i.sheet_name nulls first, i.row_number nulls first) = 1""",
        params={"paths": paths},
    ).fetchall()
    private = set(private_report_codes())
    first = {}
    for path, report_type, sheet, row, column, rule, message in rows:
        codes = set((report_type or "").split(",")) - {""}
        if not codes or codes & private:
            message, _ = redacted(rule, column or "")
        where = f"{sheet or ''} 第{row}行 " if row else ""
        first[path] = f"{where}{message}".strip()
    return [{"file": path, "first_error": first.get(path, "")} for path in paths]
