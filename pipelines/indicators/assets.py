"""The indicators, the science-high-school forecast and the districts' own targets as Dagster assets."""

from collections.abc import Iterator

import polars as pl
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.checks import run_checks, specs
from pipelines.indicators import catalog, compute, district_targets, forecast, lineage, progress
from pipelines.indicators.checks import INDICATOR_VALUES, indicator_checks
from pipelines.indicators.compute import compute_indicators, headline
from pipelines.indicators.district_targets import rebuild_district_progress
from pipelines.indicators.forecast import compute_forecast
from pipelines.marts.assets import mart_key
from pipelines.marts.build import MARTS
from pipelines.metadata import code_version, markdown_table, table_metadata
from pipelines.reference.codes import CITY
from pipelines.resources import Warehouse
from warehouse import SQL_DIR

SHS_FORECAST = AssetKey(["indicators", "shs_forecast"])


@asset(
    key=INDICATOR_VALUES,
    group_name="indicators",
    kinds={"duckdb", "sql"},
    deps=["reference_data", *[mart_key(m.name) for m in MARTS]],
    check_specs=specs(indicator_checks),
    code_version=code_version(SQL_DIR / "indicators", compute, catalog, progress, lineage),
)
def indicator_values(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator:
    """Every canonical indicator (shared/spec/indicators.md) for every calendar year with data, for
    the city (120000) and each district where it makes sense, totals and breakdowns, with numerator
    and denominator of shares, target and progress status (ref.targets), as-of (the newest arrival
    of accepted data, not the clock) and the submissions behind each value; the staging rows
    behind each value: indicators.value_lineage (`kejiao explain`). The annual-report indicators
    are recomputed only for the years new annual reports touch (compute.plan_periods), and only
    for the schools whose rows the marts replaced when they followed the reports school by school
    (compute.plan_schools). Its checks
    (indicators/checks.py) run after it, in the same step."""
    with warehouse.get_connection() as con:
        summary = compute_indicators(con)
        heads = headline(con)
        sample = con.sql(
            """select indicator_id, period, geo_code, breakdown, value, numerator, denominator, status,
                      submission_count
               from indicators.indicator_values where geo_code = $city and breakdown = ''
               order by indicator_id, period""", params={"city": CITY}
        ).pl()
        yield MaterializeResult(metadata={
            **table_metadata(con, "indicators.indicator_values"),
            "as_of": MetadataValue.text(str(summary.as_of)),
            "rows": summary.values,
            "units": summary.units,
            "staging rows behind the units": summary.lineage_rows,
            "years recomputed": MetadataValue.text(
                "all" if summary.recomputed_periods is None
                else f"annual reports {summary.recomputed_periods or 'none'}; other indicators all"),
            "schools recomputed": MetadataValue.text(
                "all" if summary.recomputed_schools is None else str(len(summary.recomputed_schools))),
            "rows by indicator": MetadataValue.json(summary.by_indicator),
            "headline (latest year, city)": MetadataValue.md(markdown_table(heads.drop("as_of"), 20)),
            "city totals": MetadataValue.md(markdown_table(sample, 60)),
        })
        yield from run_checks(context, con, indicator_checks)


@asset(
    key=SHS_FORECAST,
    group_name="indicators",
    kinds={"duckdb", "python"},
    deps=[INDICATOR_VALUES, mart_key("fct_shs_stage_events"), mart_key("fct_shs_school_year")],
    code_version=code_version(forecast),
)
def shs_forecast(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """SHS_NAMED looking forward: candidates now in each stage × the observed stage-to-stage rates
    and times → schools expected to be named by the deadline, beside the linear extrapolation; the
    method is written out in the table (method_zh, method_en)."""
    with warehouse.get_connection() as con:
        frame = compute_forecast(con)
        table = table_metadata(con, "indicators.shs_forecast")
    if frame.is_empty():
        return MaterializeResult(metadata={**table, "rows": 0})
    total = frame.filter(frame["stage"] == "").row(0, named=True)
    shown = frame.select("stage", "candidates", "transitions_observed", "withdrawals_observed", "transition_rate",
                         "median_days_to_next", "probability_named", "expected_named_by_deadline")
    return MaterializeResult(metadata={
        **table,
        "rows": frame.height,
        "named now": total["named_now"],
        "expected named by deadline": MetadataValue.float(total["projected_named_by_deadline"])
        if total["projected_named_by_deadline"] is not None else MetadataValue.text("n/a (no stage moves observed)"),
        "linear projection": MetadataValue.float(total["linear_projection_by_deadline"])
        if total["linear_projection_by_deadline"] is not None else MetadataValue.text("n/a"),
        "by stage": MetadataValue.md(markdown_table(shown)),
        "method": MetadataValue.text(total["method_en"]),
    })


DISTRICT_PROGRESS = AssetKey(["indicators", "district_progress"])


@asset(key=DISTRICT_PROGRESS, group_name="indicators", kinds={"duckdb", "python"}, deps=[INDICATOR_VALUES],
       code_version=code_version(district_targets, progress))
def district_progress(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """目标分解: each district's latest value of each city count target against the share the
    commission assigned it (seeds/district_targets.csv), with its status and progress ratio; a
    district without a share is listed as such (no_share), never given a made-up one."""
    with warehouse.get_connection() as con:
        frame = rebuild_district_progress(con)
        table = table_metadata(con, "indicators.district_progress")
    shared = frame.filter(pl.col("has_share"))
    return MaterializeResult(metadata={
        **table,
        "districts with a share": shared.height,
        "without a share": frame.height - shared.height,
        "by status": MetadataValue.md(markdown_table(shared.group_by("indicator_id", "status").len()
                                                     .sort("indicator_id", "status"))),
    })
