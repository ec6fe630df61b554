"""Staging per report type: the rows in force (newest accepted version of each entity key)."""


from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue, asset

from pipelines.intake.in_force import in_force_sql
from pipelines.intake.schema import REPORT_TYPES, ReportType
from pipelines.metadata import markdown_table
from pipelines.resources import Warehouse

ASSET_NAMES = {
    "R0": "school_registry",
    "R1": "shs_stage_events",
    "R2": "flagship_base_reports",
    "R3": "yip_participants",
    "R4": "alliance_members",
    "R5": "school_annual_reports",
}


def in_force_table(report: ReportType) -> str:
    return f"{report.table}_in_force"


def _staging_asset(report: ReportType) -> AssetsDefinition:
    table = in_force_table(report)

    @asset(
        name=ASSET_NAMES[report.code],
        group_name="staging",
        kinds={"duckdb"},
        deps=["submissions"],
        description=f"{report.zh} ({report.code}, {report.en}): the rows in force in `{table}` — for each "
        f"entity key ({', '.join(report.key)}), the rows of the newest accepted submission.",
    )
    def _asset(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        with warehouse.get_connection() as con:
            con.execute("begin transaction")
            con.execute(f"create or replace table {table} as {in_force_sql(report)}")
            con.execute("commit")
            rows = con.sql(f"select count(*) from {table}").fetchall()[0][0]
            versions = con.sql(f"select count(*) from {report.table}").fetchall()[0][0]
            submissions = con.sql(f"select count(distinct submission_id) from {table}").fetchall()[0][0]
            preview = con.sql(f"select * exclude (submission_id) from {table} limit 10").pl()
        return MaterializeResult(metadata={
            "rows in force": rows,
            "rows, all versions": versions,
            "submissions in force": submissions,
            "preview": MetadataValue.md(markdown_table(preview)),
        })

    return _asset


staging_assets = [_staging_asset(r) for r in REPORT_TYPES.values()]
