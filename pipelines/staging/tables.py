"""Staging per report type: the tables of rows in force (newest accepted version of each entity
key), and when they need rebuilding."""

import hashlib

import duckdb

from pipelines.intake.in_force import in_force_sql
from pipelines.intake.schema import ReportType
from warehouse import (
    Sql,
    build_record,
    compose,
    is_built,
    record_build,
    replace_schools,
    table_exists,
    transaction,
)

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


def _accepted(con: duckdb.DuckDBPyConnection, report: ReportType) -> list[str]:
    """The accepted submissions holding rows of a report type. A workbook holding two reports is
    one submission of both types ('R5,R3')."""
    return [r[0] for r in con.execute(
        "select submission_id from raw.submissions "
        "where status = 'accepted' and list_contains(string_split(report_type, ','), $code) order by 1",
        {"code": report.code}).fetchall()]


def _recipe(report: ReportType) -> str:
    return hashlib.sha256(str(in_force_sql(report)).encode()).hexdigest()


def _fingerprint(con: duckdb.DuckDBPyConnection, report: ReportType, accepted: list[str] | None = None) -> str:
    """What the rows in force of a report type follow from: its accepted submissions (staging rows
    are only ever added, by the submission they came in) and the SQL that picks the newest."""
    accepted = _accepted(con, report) if accepted is None else accepted
    return hashlib.sha256(f"{in_force_sql(report)}\0{','.join(accepted)}".encode()).hexdigest()


def _new_schools(con: duckdb.DuckDBPyConnection, report: ReportType, accepted: list[str]) -> list[str] | None:
    """The schools whose rows in force may differ from the table's, when only that can differ:
    the report type is kept per school (school_code is part of its key), the table was last built
    with the same SQL from submissions that are all still accepted, and some were added since —
    their schools. None otherwise: rebuild the table whole."""
    table = in_force_table(report)
    if "school_code" not in report.key or not table_exists(con, table):
        return None
    recipe, _ = build_record(con, table)
    if recipe != _recipe(report):
        return None
    before = {r[0] for r in con.execute("select submission_id from meta.table_build_inputs where table_name = $t",
                                        {"t": table}).fetchall()}
    if not before or not before <= set(accepted):
        return None
    new = sorted(set(accepted) - before)
    return [r[0] for r in con.execute(
        compose("select distinct school_code from {table} where list_contains($new, submission_id) "
                "and school_code is not null order by 1", table=report.table), {"new": new}).fetchall()]


def refresh_in_force(con: duckdb.DuckDBPyConnection, report: ReportType, force: bool = False) -> bool:
    """Bring `<table>_in_force` up to date unless nothing it follows from has changed since the
    last build (meta.table_builds): a run that brings one annual report leaves the other five
    alone. When all that changed is new accepted submissions of a report type kept per school,
    only their schools' rows are replaced, and the build says so (warehouse.record_build with
    `changed`) for the marts and the snapshot that follow; otherwise the table is rebuilt whole.
    Returns whether the table was refreshed."""
    table = in_force_table(report)
    accepted = _accepted(con, report)
    fingerprint = _fingerprint(con, report, accepted)
    if not force and is_built(con, table, fingerprint):
        return False
    schools = None if force else _new_schools(con, report, accepted)
    with transaction(con):
        if schools is None:
            con.execute(compose("create or replace table {table} as {rows}", table=table, rows=in_force_sql(report)))
        elif schools:  # versions ranked within those schools only (the key holds school_code)
            con.execute("create or replace temp table _in_force_schools as select unnest($codes::varchar[]) as v",
                        {"codes": schools})
            replace_schools(con, table, in_force_sql(report, schools_in="_in_force_schools"), schools)
            con.execute("drop table _in_force_schools")
        record_build(con, table, fingerprint, changed=schools, recipe=_recipe(report))
        con.execute("delete from meta.table_build_inputs where table_name = $t", {"t": table})
        con.execute("insert into meta.table_build_inputs select $t, unnest($ids::varchar[])",
                    {"t": table, "ids": accepted})
    return True


def in_force_source(con: duckdb.DuckDBPyConnection, report: ReportType) -> Sql:
    """A SELECT of the rows in force for readers outside staging: the table when it is up to date
    with the accepted submissions (same fingerprint as the staging asset would build), else the
    versioning rule over all versions (in_force_sql), which gives the same rows, slower."""
    table = in_force_table(report)
    if is_built(con, table, _fingerprint(con, report)):
        return compose("select * from {table}", table=table)
    return in_force_sql(report)

