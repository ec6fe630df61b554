"""Publication: the last asset, a read-only snapshot that dashboards and exports read."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from pipelines.indicators.assets import DISTRICT_PROGRESS, INDICATOR_VALUES, SHS_FORECAST
from pipelines.marts.assets import mart_key
from pipelines.marts.build import MARTS
from pipelines.metadata import code_version
from pipelines.publish import snapshot
from pipelines.publish.snapshot import publish_snapshot
from pipelines.resources import ProjectPaths, Warehouse
from pipelines.staging.tables import ASSET_NAMES


@asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=[INDICATOR_VALUES, SHS_FORECAST, DISTRICT_PROGRESS, "reference_data", "submissions", "obligations",
          *[mart_key(m.name) for m in MARTS], *[ASSET_NAMES[c] for c in ("R0", "R1", "R2", "R4", "R5")]],
    code_version=code_version(snapshot),
)
def published_snapshot(context: AssetExecutionContext, paths: ProjectPaths, warehouse: Warehouse) -> MaterializeResult:
    """A read-only DuckDB file with ref.*, marts.*, indicators.*, raw.submissions, raw.issues and the
    rows in force of R0/R1/R2/R4/R5 (not R3), stamped in meta.snapshot (as_of, published_at). Written
    under a temporary name, checked, then os.replace()d onto DATA_DIR/published/current.duckdb, so
    that a reader holding the old file never blocks a run and never sees half a file; a copy per
    as-of goes to DATA_DIR/published/history/<as-of>.duckdb."""
    published_dir = paths.settings().published_dir
    with warehouse.get_connection() as con:
        result = publish_snapshot(con, published_dir)
    rows = "\n".join(f"| {t} | {n} | {result.how.get(t, '')} |" for t, n in result.tables.items())
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(result.path)),
        "history copy": MetadataValue.path(str(result.history_path)) if result.history_path else MetadataValue.text("-"),
        "as_of": MetadataValue.text(str(result.as_of)),
        "published_at": MetadataValue.text(str(result.published_at)),
        "tables": len(result.tables),
        "tables kept / updated / copied": MetadataValue.text(" / ".join(
            str(sum(1 for h in result.how.values() if h == kind)) for kind in ("kept", "updated", "copied"))),
        "rows by table": MetadataValue.md("| table | rows | written |\n|---|---|---|\n" + rows),
    })
