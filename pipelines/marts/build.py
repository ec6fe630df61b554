"""The marts: facts and dimensions over the staging rows in force, one SQL file each.

Each mart is `warehouse/sql/marts/<name>.sql`, a SELECT rebuilt into `marts.<name>`. Values the SQL
needs are bound parameters (`mart_params`): the city's geo code `$city`, and parts of the as-of, the
newest arrival of accepted data (never the wall clock), so that a second run over the same inbox
changes nothing: `$as_of_date` or `$as_of_year`; a mart is rebuilt when the part it reads changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import duckdb

import warehouse
from pipelines.intake.schema import REPORT_TYPES
from pipelines.reference.codes import CITY
from pipelines.staging.tables import ASSET_NAMES, in_force_table
from warehouse import (
    bound,
    build_record,
    changed_schools,
    compose,
    is_built,
    newest_arrival,
    record_build,
    reference_fingerprint,
    replace_schools,
    run_select_into,
    scalar,
    stored_fingerprint,
    table_exists,
    transaction,
)


@dataclass(frozen=True)
class Mart:
    name: str  # table in the marts schema
    description: str
    upstream: tuple[str, ...]  # staging asset names (plain) or other marts ("marts/<name>")
    private_columns: tuple[str, ...] = ()  # kept out of previews and metadata
    # kept school by school: each of its rows belongs to one school (school_code) and follows only
    # from that school's rows upstream, apart from what `guard` reads (a SELECT of the values over
    # all schools that its SQL also reads, e.g. the range of years): see refresh_mart
    by_school: bool = False
    guard: str | None = None

    @property
    def table(self) -> str:
        return f"marts.{self.name}"

    @property
    def sql_name(self) -> str:
        return f"marts/{self.name}"


# in dependency order
MARTS: tuple[Mart, ...] = (
    Mart("dim_school", "学校维度 Schools of the registry in force (R0): district, type, category from the code, "
         "validity, whether an annual report is owed, predecessor by name, and how many versions were received "
         "(nothing that depends on the as-of date).", ("school_registry",)),
    Mart("dim_school_active", "学校在办状态 Whether each school of the registry in force is open on the as-of date "
         "(the only school table that a new day rebuilds).", ("marts/dim_school",)),
    Mart("dim_school_history", "学校名录历史 Every accepted version of every registry entry, in arrival order, with "
         "when it was superseded and what changed.", ("school_registry",)),
    Mart("fct_shs_stage_events", "科学高中阶段事件 The stage history in force of every science-high-school candidate "
         "(R1), ordered, with the step from the previous event.", ("shs_stage_events", "marts/dim_school")),
    Mart("fct_shs_school_year", "科学高中年度状态 Where each candidate stood at the end of each year: named (from "
         "验收命名 until a later 退出), pipeline stage, furthest stage since any withdrawal.",
         ("marts/fct_shs_stage_events",)),
    Mart("fct_base_year", "领航学科基地年度状态 Every base for every year from its first report to the as-of year, "
         "with the status of its newest report for a year up to that one (carried forward).",
         ("flagship_base_reports", "marts/dim_school")),
    Mart("fct_yip_participants", "青少年科创计划学员 Rosters in force (R3) by cohort: keyed hashes only, mentors as "
         "booleans, term end (whether it has ended by the as-of: indicators/units_yip.sql); one counted row per "
         "student and cohort.",
         ("yip_participants", "marts/dim_school"), private_columns=("student_key",)),
    Mart("agg_yip_district_equity", "青少年科创计划区域代表性 Per cohort year, each district's and the whole city's "
         "(120000) counted participants beside the pupils of secondary schools open that year: the city's own row, "
         "for viewers who see one district.", ("marts/fct_yip_participants", "marts/dim_school")),
    Mart("fct_alliance_membership", "联盟成员 The alliance register in force (R4), one row per member.",
         ("alliance_members",)),
    Mart("fct_alliance_member_current", "联盟现有成员 Whether each member of the register in force is a member on "
         "the as-of date (the only alliance table that a new day rebuilds).", ("marts/fct_alliance_membership",)),
    Mart("fct_alliance_member_year", "联盟成员年度 Members at the end of each year (joined by 31 December, not left "
         "by then).", ("marts/fct_alliance_membership",)),
    Mart("fct_school_annual_report", "学校科技教育年报 Annual reports in force (R5), one per school and year, with "
         "the school's district and type.", ("school_annual_reports", "marts/dim_school"), by_school=True),
    Mart("fct_annual_report_obligation", "年报应报 Which schools owe an annual report for which year, and whether "
         "an accepted one is in force.", ("marts/dim_school", "marts/fct_school_annual_report"), by_school=True,
         guard="select min(report_year), max(report_year) from marts.fct_school_annual_report"),
)
MARTS_BY_NAME = {m.name: m for m in MARTS}


def mart_params(as_of: datetime | None) -> dict:
    """Every value a mart's SQL may bind: the parts of the as-of (None: no data yet) and the city's
    geo code."""
    return {"as_of": as_of, "as_of_date": as_of.date() if as_of else None, "as_of_year": as_of.year if as_of else None,
            "city": CITY}


def build_mart(con: duckdb.DuckDBPyConnection, mart: Mart, as_of: datetime | None) -> int:
    run_select_into(con, mart.table, mart.sql_name, mart_params(as_of))
    return scalar(con, compose("select count(*) from {table}", table=mart.table))


def _values_read(sql_text: str, as_of: datetime | None) -> str:
    """The values a mart's SQL binds (the parts of the as-of it reads, the city), with their values."""
    return repr(sorted(bound(sql_text, mart_params(as_of)).items()))


def _upstream_tables(mart: Mart) -> list[str]:
    report_of_asset = {name: REPORT_TYPES[code] for code, name in ASSET_NAMES.items()}
    return [f"marts.{u.removeprefix('marts/')}" if u.startswith("marts/") else in_force_table(report_of_asset[u])
            for u in mart.upstream]


def mart_fingerprint(con: duckdb.DuckDBPyConnection, mart: Mart, as_of: datetime | None) -> str | None:
    """What a mart follows from: its SQL, the part of the as-of it reads, the reference tables and
    the fingerprints its upstream tables were built with (None when one is unknown: rebuild)."""
    text = warehouse.sql(mart.sql_name)
    parts = [text, _values_read(text, as_of), reference_fingerprint(con)]
    for table in _upstream_tables(mart):
        stored = stored_fingerprint(con, table)
        if stored is None:
            return None
        parts.append(f"{table}={stored}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _recipe(con: duckdb.DuckDBPyConnection, mart: Mart, as_of: datetime | None) -> str:
    """What a mart follows from besides its upstream rows: its SQL, the values it binds, the
    reference tables and, for a mart kept school by school, what its guard reads over all schools."""
    text = warehouse.sql(mart.sql_name)
    parts = [text, _values_read(text, as_of), reference_fingerprint(con)]
    if mart.guard is not None:
        parts.append(repr(con.sql(mart.guard).fetchall()))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _changed_schools(con: duckdb.DuckDBPyConnection, mart: Mart, recipe: str,
                     upstream: dict[str, str | None]) -> list[str] | None:
    """The schools whose rows may differ, when only they can: the mart is kept school by school, it
    was last built with the same recipe, and each upstream table is as it was then or was brought
    up to date school by school since (warehouse.changed_schools). None: rebuild it whole."""
    if not mart.by_school or not table_exists(con, mart.table):
        return None
    last_recipe, last_upstream = build_record(con, mart.table)
    if last_recipe != recipe or last_upstream is None:
        return None
    schools: set[str] = set()
    for table, fingerprint in upstream.items():
        if fingerprint is None or table not in last_upstream:
            return None
        if fingerprint == last_upstream[table]:
            continue
        changed = changed_schools(con, table, last_upstream[table])
        if changed is None:
            return None
        schools.update(changed)
    return sorted(schools)


def refresh_mart(con: duckdb.DuckDBPyConnection, mart: Mart, as_of: datetime | None,
                 force: bool = False) -> tuple[int, bool]:
    """Rebuild a mart unless what it follows from is what it was last built from (within the
    caller's transaction). A mart kept school by school whose upstream changed only for some
    schools gets only their rows replaced, and the build says so for what reads it next.
    Returns (rows, refreshed)."""
    fingerprint = mart_fingerprint(con, mart, as_of)
    if not force and is_built(con, mart.table, fingerprint):
        return scalar(con, compose("select count(*) from {table}", table=mart.table)), False
    recipe = _recipe(con, mart, as_of)
    upstream = {table: stored_fingerprint(con, table) for table in _upstream_tables(mart)}
    schools = None if force else _changed_schools(con, mart, recipe, upstream)
    if schools is None:
        rows = build_mart(con, mart, as_of)
    else:
        if schools:
            text = warehouse.sql(mart.sql_name)
            replace_schools(con, mart.table, text, schools, bound(text, mart_params(as_of)))
        rows = scalar(con, compose("select count(*) from {table}", table=mart.table))
    record_build(con, mart.table, fingerprint, changed=schools, recipe=recipe,
                 upstream=upstream if mart.by_school else None)
    return rows, True


def build_marts(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> dict[str, int]:
    """Refresh every mart in one transaction (tests and scripts; the Dagster assets do one each)."""
    as_of = as_of or newest_arrival(con)
    with transaction(con):
        return {m.name: refresh_mart(con, m, as_of)[0] for m in MARTS}


