
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from pipelines.metadata import code_version
from pipelines.reference import load
from pipelines.reference.load import load_reference
from pipelines.resources import Warehouse


@asset(group_name="reference", kinds={"duckdb", "csv"}, code_version=code_version(load))
def reference_data(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Districts (GB/T 2260), targets with the source's words, and code labels, from seeds/."""
    with warehouse.get_connection() as con:
        counts = load_reference(con)
        targets = con.sql("select indicator_id, target_value, target_year, kind from ref.targets").pl()
    return MaterializeResult(metadata={
        **{f"rows {t}": n for t, n in counts.items()},
        "targets": MetadataValue.text(str(targets)),
    })
