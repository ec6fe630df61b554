"""The senders' loop as an asset: obligations, error lists and supersessions, before publication."""


from datetime import date

import polars as pl
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from pipelines.metadata import code_version, markdown_table, table_metadata
from pipelines.resources import Warehouse
from pipelines.senders import obligations as obligations_module
from pipelines.senders.deadlines import today_in_tianjin
from pipelines.senders.obligations import ERROR_LISTS_TABLE, OBLIGATIONS_TABLE, SUPERSESSIONS_TABLE, rebuild
from pipelines.staging.tables import ASSET_NAMES
from warehouse import SQL_DIR

OBLIGATIONS = "obligations"


class JudgedOnConfig(Config):
    """`as_of`: the day obligations are judged as of (YYYY-MM-DD); empty means today in Tianjin."""

    as_of: str = ""

    def day(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else today_in_tianjin()


@asset(group_name="senders", kinds={"duckdb"},
       deps=["submissions", "reference_data", *(ASSET_NAMES[c] for c in ("R0", "R1", "R2", "R3", "R5"))],
       code_version=code_version(obligations_module, SQL_DIR / "senders"))
def obligations(context: AssetExecutionContext, config: JudgedOnConfig, warehouse: Warehouse) -> MaterializeResult:
    """Who owes which report for which period by which date (R5 each school yearly, R2 each base,
    R3 each host university per cohort) and its status: accepted, refused (with the latest reason),
    overdue since a date, or due — in senders.obligations. Also senders.error_lists (each refused
    file's error workbook, whom it is for, whether the refusal stands) and senders.supersessions
    (which accepted file replaced which). Rebuilt whole, in one transaction; published with the snapshot."""
    as_of = config.day()
    with warehouse.get_connection() as con:
        built = rebuild(con, as_of)
        table = table_metadata(con, OBLIGATIONS_TABLE)
    owed = built[OBLIGATIONS_TABLE]
    by_status = (owed.group_by("report_type", "period", "status").len().sort("report_type", "period", "status")
                 if owed.height else owed)
    context.log.info(f"obligations as of {as_of}: {owed.height}, overdue {owed['is_overdue'].sum()}")
    lists = built[ERROR_LISTS_TABLE]
    return MaterializeResult(metadata={
        "as_of": as_of.isoformat(),
        **table,
        "overdue": int(owed["is_overdue"].sum()),
        "by report, period and status": MetadataValue.md(markdown_table(by_status, 60)),
        "error lists": lists.height,
        "refusals standing": int(lists["is_standing"].sum()) if lists.height else 0,
        "supersessions": built[SUPERSESSIONS_TABLE].height,
        "overdue by district": MetadataValue.md(markdown_table(
            owed.filter(pl.col("is_overdue")).group_by("district_code").len().sort("len", descending=True), 20)),
    })
