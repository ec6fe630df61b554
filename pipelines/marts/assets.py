"""The marts as Dagster assets: one table each, rebuilt from the staging rows in force when what
it follows from changed (build.refresh_mart)."""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from pipelines.marts.build import MARTS, Mart, newest_arrival, refresh_mart, scalar
from pipelines.metadata import markdown_table
from pipelines.resources import Warehouse


def mart_key(name: str) -> AssetKey:
    return AssetKey(["marts", name])


def _upstream_key(ref: str) -> AssetKey:
    return mart_key(ref.removeprefix("marts/")) if ref.startswith("marts/") else AssetKey(ref)


def _mart_asset(mart: Mart) -> AssetsDefinition:
    @asset(
        key=mart_key(mart.name),
        group_name="marts",
        kinds={"duckdb", "sql"},
        deps=[_upstream_key(u) for u in mart.upstream],
        description=f"`{mart.table}`: {mart.description} (warehouse/sql/{mart.sql_name}.sql)",
    )
    def _asset(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        with warehouse.get_connection() as con:
            as_of = newest_arrival(con)
            con.execute("begin transaction")
            try:
                rows, rebuilt = refresh_mart(con, mart, as_of)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            columns = [c for c in con.sql(f"select * from {mart.table} limit 0").columns
                       if c not in mart.private_columns]
            preview = con.sql(f"select {', '.join(columns)} from {mart.table} limit 10").pl()
            versions = scalar(con, "select count(distinct submission_id) from " + mart.table) \
                if "submission_id" in columns else None
        metadata = {
            "rows": rows,
            "rebuilt": MetadataValue.bool(rebuilt),
            "as_of": MetadataValue.text(str(as_of)),
            "preview": MetadataValue.md(markdown_table(preview, 10)),
        }
        if versions is not None:
            metadata["submissions behind"] = versions
        return MaterializeResult(metadata=metadata)

    return _asset


mart_assets = [_mart_asset(m) for m in MARTS]
