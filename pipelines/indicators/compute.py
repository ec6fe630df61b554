"""From the marts to indicators.indicator_values, with the rows behind each value.

The indicators are computed in three steps, all SQL over the marts (warehouse/sql/indicators/):

1. units: one row per thing counted (a school, a base, a student, a member, a report) and year,
   with its district, its breakdown values, its numerator and denominator contributions and the
   staging rows behind it (`units_*.sql`);
2. groups and cells: units placed alike summed in groups (`groups.sql`, kept in
   meta.indicator_unit_groups), each group placed in the cells it counts toward (city and
   district, total and each breakdown) (`cells.sql`);
3. values: cells summed (`rollup.sql`). The units and the staging rows behind them are kept
   (indicators.value_units, indicators.unit_sources); lineage is the view indicators.value_lineage
   that places units in cells by the same rule as `cells.sql`.

Targets (ref.targets) and progress status (progress.py) are then added in Python. Everything is
stamped with `as_of`, the newest arrival of accepted data, so that the same submissions always
give the same table.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

import warehouse
from pipelines.indicators.catalog import INDICATORS_BY_ID, definitions_rows
from pipelines.indicators.progress import quota_progress, stock_progress
from pipelines.marts.build import MARTS
from pipelines.reference.codes import CITY
from warehouse import bound, newest_arrival, reference_fingerprint, scalar, stored_fingerprint, transaction

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
    lineage_rows: int = 0  # staging rows behind the units (indicators.unit_sources)
    units: int = 0
    recomputed_periods: list[int] | None = None  # annual-report years recomputed; None: everything
    recomputed_schools: list[str] | None = None  # schools whose annual-report units were; None: not by school
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
    judged = {"target": pl.Float64, "target_year": pl.Int32, "status": pl.String, "progress_ratio": pl.Float64}
    out = values.with_columns(**{name: pl.lit(None, dtype) for name, dtype in judged.items()})
    if out.is_empty() or targets.is_empty():
        return out
    by_id = {t["indicator_id"]: t for t in targets.iter_rows(named=True)}
    # only the totals carry a target and make the series it is judged on: a few hundred rows of thousands
    rows = out.filter(pl.col("breakdown") == "").select("indicator_id", "period", "geo_code", "value", "unit").to_dicts()
    series: dict[tuple[str, str], list[tuple[int, float | None]]] = {}
    for r in rows:
        series.setdefault((r["indicator_id"], r["geo_code"]), []).append((r["period"], r["value"]))
    judgements = []
    for r in rows:
        t = by_id.get(r["indicator_id"])
        if t is None or (r["geo_code"] != CITY and r["unit"] != "%"):
            continue
        if t["kind"] == "stock":
            if t["target_year"] is None:
                raise ValueError(f"stock target {t['indicator_id']} needs a target year in seeds/targets.csv")
            start = first_reported.get(r["indicator_id"], -1)
            history = [(y, v) for y, v in series[(r["indicator_id"], r["geo_code"])] if start <= y <= r["period"]]
            p = stock_progress(history, t["target_value"], t["target_year"], t["direction"])
        else:
            p = quota_progress(r["value"], t["target_value"], r["period"], as_of_year, t["direction"])
        judgements.append({"indicator_id": r["indicator_id"], "period": r["period"], "geo_code": r["geo_code"],
                           "breakdown": "", "target": t["target_value"], "target_year": t["target_year"],
                           "status": p.status, "progress_ratio": p.ratio})
    if not judgements:
        return out
    keys = {"indicator_id": out.schema["indicator_id"], "period": out.schema["period"],
            "geo_code": out.schema["geo_code"], "breakdown": out.schema["breakdown"]}
    found = pl.DataFrame(judgements, schema={**keys, **judged})
    return out.drop(*judged).join(found, on=list(keys), how="left", maintain_order="left").select(out.columns)


# the indicators computed from the annual reports (R5, units_annual_report.sql): the only family
# large enough (one unit per school and year) to be worth recomputing year by year
ANNUAL_REPORT_QUERY = "indicators/units_annual_report"
ANNUAL_REPORT_INDICATORS = ("STE_VICE_PRINCIPAL", "STE_PARTICIPATION", "REPORTING_COMPLETENESS")
# the marts the annual-report units read (one unit per school: unit_key is the school code)
ANNUAL_REPORT_MARTS = tuple(sorted(set(re.findall(r"\b(?:from|join)\s+(marts\.[a-z_]+)",
                                                  warehouse.sql(ANNUAL_REPORT_QUERY)))))
RECIPE_SQL = ("indicators/periods", "indicators/groups", "indicators/cells", "indicators/rollup", *UNIT_QUERIES)


def recipe(con: duckdb.DuckDBPyConnection) -> str:
    """A fingerprint of everything the values are computed with beside the submissions: the SQL
    of the marts and indicators, the definitions, districts and code lists. When it changes, the
    next build recomputes every year."""
    digest = hashlib.sha256()
    for name in (*(m.sql_name for m in MARTS), *RECIPE_SQL):
        digest.update(name.encode() + b"\0" + warehouse.sql(name).encode() + b"\0")
    digest.update(json.dumps(definitions_rows(), sort_keys=True, default=str).encode())
    digest.update(reference_fingerprint(con).encode())  # constants, not input
    return digest.hexdigest()


def plan_periods(con: duckdb.DuckDBPyConnection, as_of: datetime, annual_periods: list[int],
                 fingerprint: str) -> list[int] | None:
    """The years of the annual-report indicators to recompute, or None for all of everything.

    Only the years are recomputed when all that arrived since the last build are accepted annual
    reports (R5), none it counted was withdrawn, the build recipe is the same, the as-of is in
    the same calendar year and the annual-report years are the same: an R5 row counts toward its
    own report year only. Anything else — a registry (R0) that moves a school to another
    district, a new year, a withdrawn report, changed SQL — recomputes everything. The other indicator families are small and are always recomputed."""
    state = con.sql("select recipe, as_of, periods from meta.indicator_build").fetchall()
    if len(state) != 1:
        return None
    last_recipe, last_as_of, last_periods = state[0]
    if last_recipe != fingerprint or last_as_of is None or last_as_of.year != as_of.year:
        return None
    if sorted(last_periods) != sorted(annual_periods):
        return None
    new = con.sql(
        """select submission_id, report_type from raw.submissions
           anti join meta.indicator_build_inputs using (submission_id)
           where status = 'accepted'"""
    ).fetchall()
    if any(report_type != "R5" for _, report_type in new):
        return None
    withdrawn = scalar(con, """select count(*) from meta.indicator_build_inputs
                               anti join (select submission_id from raw.submissions where status = 'accepted')
                               using (submission_id)""")
    if withdrawn:  # a submission the last build counted is no longer accepted: nothing says which year
        return None
    if not new:
        return []
    con.register("_new_submissions", pl.DataFrame({"submission_id": [s for s, _ in new]}).to_arrow())
    try:
        years = con.sql(
            """select distinct report_year from staging.r5_school_annual_reports
               semi join _new_submissions using (submission_id) order by 1"""
        ).fetchall()
    finally:
        con.unregister("_new_submissions")
    return [y for (y,) in years]


def plan_schools(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """The schools whose annual-report units to recompute, or None to recompute whole years.

    Asked only when `plan_periods` found nothing new but annual reports under the same recipe,
    as-of year and annual-report years. Each mart the annual-report units read
    (ANNUAL_REPORT_MARTS) must then be as the last indicator build saw it, or have been brought
    up to date school by school from exactly there (warehouse.changed_schools): the schools are
    those the marts replaced. A unit of these indicators is one school's (unit_key is its code)
    and reads only that school's rows of the marts."""
    state = con.sql("select marts from meta.indicator_build").fetchall()
    if len(state) != 1 or state[0][0] is None:
        return None
    then = json.loads(state[0][0])
    schools: set[str] = set()
    for table in ANNUAL_REPORT_MARTS:
        since, now = then.get(table), stored_fingerprint(con, table)
        if since is None or now is None:
            return None
        if now != since:
            changed = warehouse.changed_schools(con, table, since)
            if changed is None:
                return None
            schools.update(changed)
    return sorted(schools)


UNIT_COLUMNS = "indicator_id, period, unit_key, district_code, numerator, denominator, is_in_total, breakdowns"
SOURCE_COLUMNS = "indicator_id, period, unit_key, staging_table, submission_id, sheet_name, row_number, entity_key"


def _changed_periods(con: duckdb.DuckDBPyConnection, schools: list[str]) -> list[int]:
    """The years in which the annual-report units of these schools just computed (indicator_units)
    differ from those kept (indicators.value_units, unit_sources): a unit, its numbers, its
    breakdowns or a staging row behind it new, changed or gone. Only those years' cells change."""
    params = {"ids": list(ANNUAL_REPORT_INDICATORS), "schools": schools}
    kept = "list_contains($ids, indicator_id) and list_contains($schools, unit_key)"
    return [p for (p,) in con.execute(
        f"""with old_units as (select {UNIT_COLUMNS} from indicators.value_units where {kept}),
            new_units as (select {UNIT_COLUMNS} from indicator_units where list_contains($ids, indicator_id)),
            old_sources as (select {SOURCE_COLUMNS} from indicators.unit_sources where {kept}),
            new_sources as (
                select {SOURCE_COLUMNS} from (
                    select indicator_id, period, unit_key, unnest(source_rows, recursive := true)
                    from indicator_units where list_contains($ids, indicator_id))),
            differ as (
                (select period from (from old_units except all from new_units))
                union all (select period from (from new_units except all from old_units))
                union all (select period from (from old_sources except all from new_sources))
                union all (select period from (from new_sources except all from old_sources)))
            select distinct period from differ order by 1""", params).fetchall()]


# the groups regrouped when a few schools' units change: every group of their district and year
# (a coarser key than the group's own, compared fast; district_code may be null)
_SAME_DISTRICT_YEAR = ("g.indicator_id = t.indicator_id and g.period = t.period "
                       "and g.district_code is not distinct from t.district_code")


def _touch_groups(con: duckdb.DuckDBPyConnection, schools: list[str], periods: list[int]) -> None:
    """Before these schools' units are replaced: forget the groups (meta.indicator_unit_groups) of
    the indicators recomputed whole, and of each annual-report indicator, year (of those whose
    units changed) and district these schools' units were or are now in; make
    indicator_group_units the units those groups are to be summed anew from."""
    params = {"ids": list(ANNUAL_REPORT_INDICATORS), "schools": schools, "periods": periods}
    con.execute(
        """create or replace temp table indicator_touched_groups as
           select distinct indicator_id, period, district_code from indicators.value_units
           where list_contains($ids, indicator_id) and list_contains($schools, unit_key)
             and list_contains($periods, period)
           union
           select distinct indicator_id, period, district_code from indicator_units
           where list_contains($ids, indicator_id) and list_contains($periods, period)""", params)
    con.execute(f"""delete from meta.indicator_unit_groups as g
                    where not list_contains($ids, g.indicator_id)
                       or exists (select 1 from indicator_touched_groups as t where {_SAME_DISTRICT_YEAR})""",
                {"ids": list(ANNUAL_REPORT_INDICATORS)})
    con.execute(f"""create or replace temp view indicator_group_units as
                    select * from indicators.value_units
                    where not list_contains({_sql_list(ANNUAL_REPORT_INDICATORS)}, indicator_id)
                    union all
                    select g.* from indicators.value_units as g
                    semi join indicator_touched_groups as t on {_SAME_DISTRICT_YEAR}""")


def _sql_list(values: tuple[str, ...]) -> str:
    """A list of constants of the code (not input) as SQL text: views take no parameters."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _record_build(con: duckdb.DuckDBPyConnection, fingerprint: str, as_of: datetime | None,
                  annual_periods: list[int], recomputed: list[int] | None,
                  schools: list[str] | None = None) -> None:
    previous = con.sql("select build_id from meta.indicator_build").fetchall()
    marts = {table: stored_fingerprint(con, table) for table in ANNUAL_REPORT_MARTS}
    con.execute("delete from meta.indicator_build")
    con.execute(
        """insert into meta.indicator_build (recipe, as_of, periods, built_at, build_id, previous_build_id, recomputed,
                                             marts, recomputed_schools)
           values ($r, $a, $p, now()::timestamp, $id, $previous, $recomputed, $marts, $schools)""",
        {"r": fingerprint, "a": as_of, "p": annual_periods, "id": uuid.uuid4().hex,
         "previous": previous[0][0] if previous else None, "recomputed": recomputed,
         "marts": json.dumps(marts, sort_keys=True), "schools": schools})
    con.execute("delete from meta.indicator_build_inputs")
    con.execute("insert into meta.indicator_build_inputs "
                "select submission_id from raw.submissions where status = 'accepted'")


def compute_indicators(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None,
                       incremental: bool = True) -> ComputeSummary:
    """Rebuild indicator_definitions and indicator_values, and the units and their staging rows
    (indicators.value_units, indicators.unit_sources; lineage is the view value_lineage over them),
    in one transaction.

    With `incremental`, the annual-report indicators are recomputed only for the years that new
    submissions touch (`plan_periods`), and within them only for the schools whose rows of the
    marts changed when the marts followed the new reports school by school (`plan_schools`):
    then only the cells and values of the years whose units changed are recomputed. The result
    is the same as a full rebuild (tested)."""
    as_of = as_of or newest_arrival(con)
    summary = ComputeSummary(as_of=as_of)
    params = {"as_of": as_of, "city": CITY}
    with transaction(con):
        con.execute("delete from indicators.indicator_definitions")
        _insert_frame(con, "indicators.indicator_definitions", pl.DataFrame(definitions_rows()))
        fingerprint = recipe(con)
        if as_of is None:
            for table in ("indicators.indicator_values", "indicators.value_units", "indicators.unit_sources",
                          "meta.indicator_unit_groups"):
                con.execute(f"delete from {table}")
            _record_build(con, fingerprint, None, [], None)
        else:
            _temp_table(con, "indicator_periods", "indicators/periods", params)
            first_reported = dict(con.sql(
                "select indicator_id, min(period) from indicator_periods where is_reported group by all"
            ).fetchall())
            annual_ids = list(ANNUAL_REPORT_INDICATORS)
            annual_periods = [p for (p,) in con.execute(
                "select distinct period from indicator_periods where list_contains($ids, indicator_id) order by 1",
                {"ids": annual_ids}).fetchall()]
            periods = plan_periods(con, as_of, annual_periods, fingerprint) if incremental else None
            schools = plan_schools(con) if periods is not None else None
            if periods is None:
                for table in ("indicators.value_units", "indicators.unit_sources", "meta.indicator_unit_groups"):
                    con.execute(f"delete from {table}")
            elif schools is None:  # keep the annual-report years nobody touched; recompute the rest
                con.execute("delete from indicator_periods where list_contains($ids, indicator_id) "
                            "and not list_contains($periods, period)", {"ids": annual_ids, "periods": periods})
                for table in ("indicators.value_units", "indicators.unit_sources", "meta.indicator_unit_groups"):
                    con.execute(f"delete from {table} as t using indicator_periods as p "
                                "where t.indicator_id = p.indicator_id and t.period = p.period")
                    con.execute(f"delete from {table} where not list_contains($ids, indicator_id)",
                                {"ids": annual_ids})
            con.execute(UNITS_DDL)
            for name in UNIT_QUERIES:
                text = warehouse.sql(name)
                query_params = bound(text, params)
                if schools is not None and name == ANNUAL_REPORT_QUERY:  # the marts' filter pushed down
                    text = f"select * from ({text}) where list_contains($schools, unit_key)"
                    query_params["schools"] = schools
                elif periods is not None and name == ANNUAL_REPORT_QUERY:
                    text = f"select * from ({text}) where list_contains($periods, period)"
                    query_params["periods"] = periods
                con.execute(f"insert into indicator_units by name {text}", query_params)
            if schools is not None:  # replace those schools' units; the cells of the years they changed
                periods = _changed_periods(con, schools)
                con.execute("delete from indicator_periods where list_contains($ids, indicator_id) "
                            "and not list_contains($periods, period)", {"ids": annual_ids, "periods": periods})
                _touch_groups(con, schools, periods)
                for table in ("indicators.value_units", "indicators.unit_sources"):  # two filters that scan fast
                    con.execute(f"delete from {table} where not list_contains($ids, indicator_id)", {"ids": annual_ids})
                    con.execute(f"delete from {table} where list_contains($schools, unit_key)", {"schools": schools})
            else:
                con.execute("create or replace temp view indicator_group_units as select * from indicators.value_units "
                            "semi join indicator_periods using (indicator_id, period)")
            summary.recomputed_periods, summary.recomputed_schools = periods, schools
            con.execute(
                """insert into indicators.value_units by name
                   select indicator_id, period, unit_key, district_code, numerator, denominator, is_in_total, breakdowns
                   from indicator_units""")
            con.execute(
                """insert into indicators.unit_sources by name
                   select indicator_id, period, unit_key, unnest(source_rows, recursive := true)
                   from indicator_units""")
            con.execute(f"insert into meta.indicator_unit_groups by name {warehouse.sql('indicators/groups')}")
            _temp_table(con, "indicator_cells", "indicators/cells", params)
            rollup = warehouse.sql("indicators/rollup")
            values = con.sql(rollup, params=bound(rollup, params)).pl()
            if periods is not None:  # the values of the years kept, as they were
                kept = con.sql(
                    f"""select {', '.join(values.columns)} from indicators.indicator_values
                        anti join indicator_periods using (indicator_id, period)"""
                ).pl()
                values = pl.concat([kept, values.cast(kept.schema)]).sort(
                    "indicator_id", "period", "geo_code", "breakdown")
            targets = con.sql("select * from ref.targets").pl()
            values = with_targets(values, targets, as_of.year, first_reported).with_columns(
                as_of=pl.lit(as_of, pl.Datetime("us")),
                submission_count=pl.col("submission_ids").list.len().cast(pl.Int32),
            ).select(VALUE_COLUMNS)
            con.execute("delete from indicators.indicator_values")
            _insert_frame(con, "indicators.indicator_values", values)
            con.execute("drop view if exists indicator_group_units")
            for table in ("indicator_cells", "indicator_units", "indicator_periods", "indicator_touched_groups"):
                con.execute(f"drop table if exists {table}")
            _record_build(con, fingerprint, as_of, annual_periods, periods, schools)
            summary.values = values.height
            summary.by_indicator = dict(values.group_by("indicator_id").len().sort("indicator_id").iter_rows())
        summary.units = scalar(con, "select count(*) from indicators.value_units")
        summary.lineage_rows = scalar(con, "select count(*) from indicators.unit_sources")
    return summary


def headline(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The latest city value of every indicator with a target, with its target and status."""
    return con.sql(
        """
        select v.indicator_id, d.name_zh, v.period, v.value, v.unit, v.target, v.target_year, v.status,
            v.progress_ratio, v.as_of
        from indicators.indicator_values as v
        inner join indicators.indicator_definitions as d using (indicator_id)
        where v.geo_code = $city and v.breakdown = '' and v.target is not null
        qualify row_number() over (partition by v.indicator_id order by v.period desc) = 1
        order by d.sort_order
        """, params={"city": CITY}
    ).pl()


__all__ = ["INDICATORS_BY_ID", "ComputeSummary", "compute_indicators", "headline", "with_targets"]
