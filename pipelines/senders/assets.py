"""The senders' loop as an asset: obligations, error lists and supersessions, before publication."""


from datetime import date

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
    (which accepted file replaced which). In one transaction: left alone when nothing they read
    changed, school by school when only a few schools' files came in, else rebuilt whole
    (pipelines/senders/obligations.py); published with the snapshot."""
    as_of = config.day()
    with warehouse.get_connection() as con:
        built = rebuild(con, as_of)
        table = table_metadata(con, OBLIGATIONS_TABLE)
        by_status = con.sql(f"select report_type, period, status, count(*) as len from {OBLIGATIONS_TABLE} "
                            "group by all order by all").pl()
        by_district = con.sql(f"select district_code, count(*) as len from {OBLIGATIONS_TABLE} where is_overdue "
                              "group by all order by len desc, district_code").pl()
        lists = con.sql(f"select count(*), count(*) filter (is_standing) from {ERROR_LISTS_TABLE}").fetchall()[0]
        supersessions = con.sql(f"select count(*) from {SUPERSESSIONS_TABLE}").fetchall()[0][0]
    overdue = int(by_district["len"].sum())
    words = {"skipped": "nothing it reads changed: left as it was", "whole": "rebuilt whole"}
    how = {t: words.get(h) or f"{len(built.changed[t])} schools' rows replaced" for t, h in built.tables.items()}
    context.log.info(f"obligations as of {as_of}: {table['dagster/row_count'].value}, overdue {overdue} "
                     f"({how[OBLIGATIONS_TABLE]})")
    return MaterializeResult(metadata={
        "as_of": as_of.isoformat(),
        **table,
        "build": MetadataValue.md("\n".join(f"- {t}: {h}" for t, h in how.items())),
        "overdue": overdue,
        "by report, period and status": MetadataValue.md(markdown_table(by_status, 60)),
        "error lists": lists[0],
        "refusals standing": lists[1],
        "supersessions": supersessions,
        "overdue by district": MetadataValue.md(markdown_table(by_district, 20)),
    })
