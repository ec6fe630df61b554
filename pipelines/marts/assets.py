"""The marts as Dagster assets: one table each, rebuilt from the staging rows in force when what
it follows from changed (build.refresh_mart); all of them in one step, in the order of
build.MARTS, each in its own transaction, with their checks (pipelines/checks.py)."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from pipelines.checks import run_checks, specs
from pipelines.marts import build
from pipelines.marts.build import MARTS, Mart, refresh_mart
from pipelines.marts.checks import mart_checks, mart_key
from pipelines.metadata import code_version, markdown_table, table_metadata
from pipelines.resources import Warehouse
from warehouse import SQL_DIR, newest_arrival, scalar, transaction

__all__ = ["mart_assets", "mart_key", "marts"]


def _upstream_key(ref: str) -> AssetKey:
    return mart_key(ref.removeprefix("marts/")) if ref.startswith("marts/") else AssetKey(ref)


def _spec(mart: Mart) -> AssetSpec:
    return AssetSpec(
        mart_key(mart.name),
        group_name="marts",
        kinds={"duckdb", "sql"},
        deps=[_upstream_key(u) for u in mart.upstream],
        code_version=code_version(SQL_DIR / f"{mart.sql_name}.sql", build),
        description=f"`{mart.table}`: {mart.description} (warehouse/sql/{mart.sql_name}.sql)",
    )


def _refresh(con, mart: Mart, as_of) -> dict:
    """One mart in its own transaction; the metadata its materialization carries."""
    with transaction(con):
        rows, rebuilt = refresh_mart(con, mart, as_of)
    columns = [c for c in con.sql(f"select * from {mart.table} limit 0").columns if c not in mart.private_columns]
    metadata = {
        **table_metadata(con, mart.table),
        "rows": rows,
        "rebuilt": MetadataValue.bool(rebuilt),
        "as_of": MetadataValue.text(str(as_of)),
    }
    if not mart.private_columns:  # a mart of people (keyed hashes): counts only, no rows in the UI
        preview = con.sql(f"select {', '.join(columns)} from {mart.table} limit 10").pl()
        metadata["preview"] = MetadataValue.md(markdown_table(preview, 10))
    if "submission_id" in columns:
        metadata["submissions behind"] = scalar(con, "select count(distinct submission_id) from " + mart.table)
    return metadata


@multi_asset(name="marts", specs=[_spec(m) for m in MARTS], check_specs=specs(mart_checks), can_subset=True)
def marts(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator:
    """The selected marts, upstream first (build.MARTS is in dependency order)."""
    with warehouse.get_connection() as con:
        as_of = newest_arrival(con)
        for mart in MARTS:
            key = mart_key(mart.name)
            if key in context.selected_asset_keys:
                yield MaterializeResult(asset_key=key, metadata=_refresh(con, mart, as_of))
        yield from run_checks(context, con, mart_checks)


mart_assets = [marts]
