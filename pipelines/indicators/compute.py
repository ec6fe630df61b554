"""From the marts to indicators.indicator_values, with the rows behind each value.

The indicators are computed in three steps, all SQL over the marts (warehouse/sql/indicators/):

1. units: one row per thing counted (a school, a base, a student, a member, a report) and year,
   with its district, its breakdown values, its numerator and denominator contributions and the
   staging rows behind it (`units_*.sql`);
2. cells: each unit placed in the cells it counts toward (city and district, total and each
   breakdown) (`cells.sql`);
3. values: cells summed (`rollup.sql`), and lineage: cells unnested to their staging rows
   (`lineage.sql`).

Targets (ref.targets) and progress status (progress.py) are then added in Python. Everything is
stamped with `as_of`, the newest arrival in the warehouse, so that the same submissions always
give the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

import warehouse
from pipelines.indicators.catalog import CITY, INDICATORS_BY_ID, definitions_rows
from pipelines.indicators.progress import quota_progress, stock_progress
from pipelines.marts.build import bound, newest_arrival, scalar

UNIT_QUERIES = ("indicators/units_shs", "indicators/units_flb", "indicators/units_yip", "indicators/units_alliance",
                "indicators/units_annual_report")

UNITS_DDL = """
create or replace temp table indicator_units (
    indicator_id varchar not null,
    period integer not null,
    district_code varchar,
    unit_key varchar not null,
    numerator double,
    denominator double,
    is_in_total boolean not null,
    breakdowns struct(dimension varchar, value varchar)[] not null,
    source_rows struct(staging_table varchar, submission_id varchar, sheet_name varchar, row_number integer,
                       entity_key varchar)[] not null
)
"""

VALUE_COLUMNS = ["indicator_id", "period", "geo_code", "breakdown", "breakdown_dimension", "breakdown_value",
                 "value", "numerator", "denominator", "unit", "target", "target_year", "status", "progress_ratio",
                 "as_of", "submission_count", "submission_ids"]


@dataclass
class ComputeSummary:
    as_of: datetime | None
    values: int = 0
    lineage_rows: int = 0
    by_indicator: dict[str, int] = field(default_factory=dict)


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame to a table by column name (the table is a constant)."""
    if frame.is_empty():
        return
    con.register("_indicator_batch", frame.to_arrow())
    try:
        con.execute(f"insert into {table} by name select * from _indicator_batch")
    finally:
        con.unregister("_indicator_batch")


def _temp_table(con: duckdb.DuckDBPyConnection, table: str, sql_name: str, params: dict) -> None:
    text = warehouse.sql(sql_name)
    con.execute(f"create or replace temp table {table} as {text}", bound(text, params))


def with_targets(values: pl.DataFrame, targets: pl.DataFrame, as_of_year: int,
                 first_reported: dict[str, int] | None = None) -> pl.DataFrame:
    """Add target, target year, status and progress ratio to the rows a target applies to.

    A target applies to the total (breakdown '') of its indicator: for the city only when it is a
    count (25 schools, 100 students are city-wide), for the city and every district when it is a
    rate (100% of schools). Stock targets are judged on the series of the same place from the
    indicator's first reported year (`first_reported`, the baseline t0) up to the row's year;
    annual quotas on the row's year alone."""
    first_reported = first_reported or {}
    out = values.with_columns(
        target=pl.lit(None, pl.Float64), target_year=pl.lit(None, pl.Int32),
        status=pl.lit(None, pl.String), progress_ratio=pl.lit(None, pl.Float64),
    )
    if out.is_empty() or targets.is_empty():
        return out
    by_id = {t["indicator_id"]: t for t in targets.iter_rows(named=True)}
    rows = out.to_dicts()
    series: dict[tuple[str, str], list[tuple[int, float | None]]] = {}
    for r in rows:
        if r["breakdown"] == "":
            series.setdefault((r["indicator_id"], r["geo_code"]), []).append((r["period"], r["value"]))
    for r in rows:
        t = by_id.get(r["indicator_id"])
        if t is None or r["breakdown"] != "" or (r["geo_code"] != CITY and r["unit"] != "%"):
            continue
        r["target"], r["target_year"] = t["target_value"], t["target_year"]
        if t["kind"] == "stock":
            if t["target_year"] is None:
                raise ValueError(f"stock target {t['indicator_id']} needs a target year in seeds/targets.csv")
            start = first_reported.get(r["indicator_id"], -1)
            history = [(y, v) for y, v in series[(r["indicator_id"], r["geo_code"])] if start <= y <= r["period"]]
            p = stock_progress(history, t["target_value"], t["target_year"], t["direction"])
        else:
            p = quota_progress(r["value"], t["target_value"], r["period"], as_of_year, t["direction"])
        r["status"], r["progress_ratio"] = p.status, p.ratio
    return pl.DataFrame(rows, schema=out.schema)


def compute_indicators(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> ComputeSummary:
    """Rebuild indicator_definitions, indicator_values and value_lineage in one transaction."""
    as_of = as_of or newest_arrival(con)
    summary = ComputeSummary(as_of=as_of)
    params = {"as_of": as_of}
    con.execute("begin transaction")
    try:
        for table in ("indicators.indicator_values", "indicators.value_lineage", "indicators.indicator_definitions"):
            con.execute(f"delete from {table}")
        _insert_frame(con, "indicators.indicator_definitions", pl.DataFrame(definitions_rows()))
        if as_of is not None:
            _temp_table(con, "indicator_periods", "indicators/periods", params)
            con.execute(UNITS_DDL)
            for name in UNIT_QUERIES:
                text = warehouse.sql(name)
                con.execute(f"insert into indicator_units by name {text}", bound(text, params))
            _temp_table(con, "indicator_cells", "indicators/cells", params)
            values = con.sql(warehouse.sql("indicators/rollup")).pl()
            targets = con.sql("select * from ref.targets").pl()
            first_reported = dict(con.sql(
                "select indicator_id, min(period) from indicator_periods where is_reported group by all"
            ).fetchall())
            values = with_targets(values, targets, as_of.year, first_reported).with_columns(
                as_of=pl.lit(as_of, pl.Datetime("us")),
                submission_count=pl.col("submission_ids").list.len().cast(pl.Int32),
            ).select(VALUE_COLUMNS)
            _insert_frame(con, "indicators.indicator_values", values)
            con.execute(f"insert into indicators.value_lineage by name {warehouse.sql('indicators/lineage')}")
            for table in ("indicator_cells", "indicator_units", "indicator_periods"):
                con.execute(f"drop table if exists {table}")
            summary.values = values.height
            summary.by_indicator = dict(values.group_by("indicator_id").len().sort("indicator_id").iter_rows())
            summary.lineage_rows = scalar(con, "select count(*) from indicators.value_lineage")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return summary


def headline(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The latest city value of every indicator with a target, with its target and status."""
    return con.sql(
        """
        select v.indicator_id, d.name_zh, v.period, v.value, v.unit, v.target, v.target_year, v.status,
            v.progress_ratio, v.as_of
        from indicators.indicator_values as v
        inner join indicators.indicator_definitions as d using (indicator_id)
        where v.geo_code = '120000' and v.breakdown = '' and v.target is not null
        qualify row_number() over (partition by v.indicator_id order by v.period desc) = 1
        order by d.sort_order
        """
    ).pl()


__all__ = ["INDICATORS_BY_ID", "ComputeSummary", "compute_indicators", "headline", "with_targets"]
