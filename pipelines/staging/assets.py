"""Staging per report type as Dagster assets: the rows in force (newest accepted version of each
entity key), one asset per report type, refreshed in one step with their checks (pipelines/checks.py)."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from pipelines.checks import run_checks, specs
from pipelines.intake import schema
from pipelines.intake.schema import REPORT_TYPES, ReportType
from pipelines.metadata import code_version, markdown_table, table_metadata
from pipelines.resources import Warehouse
from pipelines.staging import tables
from pipelines.staging.checks import staging_checks
from pipelines.staging.tables import ASSET_NAMES, in_force_table, refresh_in_force
from warehouse import SQL_DIR


def is_private(report: ReportType) -> bool:
    """A report about people (minors): a column that is private or pseudonymised (R3)."""
    return any(col.private or col.pseudonymise for col in report.columns)


def _spec(report: ReportType) -> AssetSpec:
    return AssetSpec(
        ASSET_NAMES[report.code],
        group_name="staging",
        kinds={"duckdb"},
        deps=["submissions"],
        code_version=code_version(SQL_DIR / "staging", tables, schema),
        description=f"{report.zh} ({report.code}, {report.en}): the rows in force in `{in_force_table(report)}` "
        f"— for each entity key ({', '.join(report.key)}), the rows of the newest accepted submission.",
    )


@multi_asset(
    name="staging_in_force",
    specs=[_spec(r) for r in REPORT_TYPES.values()],
    check_specs=specs(staging_checks),
    can_subset=True,
)
def staging_in_force(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator:
    """Each selected report type's rows in force, rebuilt only when its accepted submissions changed
    (tables.refresh_in_force); the registry (R0) first, as the other types' checks read it."""
    with warehouse.get_connection() as con:
        for report in REPORT_TYPES.values():
            key = AssetKey(ASSET_NAMES[report.code])
            if key not in context.selected_asset_keys:
                continue
            table = in_force_table(report)
            rebuilt = refresh_in_force(con, report)
            rows = con.sql(f"select count(*) from {table}").fetchall()[0][0]
            versions = con.sql(f"select count(*) from {report.table}").fetchall()[0][0]
            submissions = con.sql(f"select count(distinct submission_id) from {table}").fetchall()[0][0]
            metadata = {
                **table_metadata(con, table),
                "rebuilt": MetadataValue.bool(rebuilt),
                "rows in force": rows,
                "rows, all versions": versions,
                "submissions in force": submissions,
            }
            if not is_private(report):  # a roster's rows (keyed hashes, free text) never reach the UI: counts only
                preview = con.sql(f"select * exclude (submission_id) from {table} limit 10").pl()
                metadata["preview"] = MetadataValue.md(markdown_table(preview))
            yield MaterializeResult(asset_key=key, metadata=metadata)
        yield from run_checks(context, con, staging_checks)


staging_assets = [staging_in_force]
