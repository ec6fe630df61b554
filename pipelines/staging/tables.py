"""Staging per report type: the tables of rows in force (newest accepted version of each entity
key), and when they need rebuilding."""

import hashlib

import duckdb

from pipelines.intake.in_force import in_force_sql
from pipelines.intake.schema import ReportType
from warehouse import Sql, compose, is_built, record_build, transaction

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


def _fingerprint(con: duckdb.DuckDBPyConnection, report: ReportType) -> str:
    """What the rows in force of a report type follow from: its accepted submissions (staging rows
    are only ever added, by the submission they came in) and the SQL that picks the newest. A
    workbook holding two reports is one submission of both types ('R5,R3')."""
    accepted = con.execute(
        "select coalesce(string_agg(submission_id, ',' order by submission_id), '') from raw.submissions "
        "where status = 'accepted' and list_contains(string_split(report_type, ','), $code)",
        {"code": report.code}).fetchall()[0][0]
    return hashlib.sha256(f"{in_force_sql(report)}\0{accepted}".encode()).hexdigest()


def refresh_in_force(con: duckdb.DuckDBPyConnection, report: ReportType, force: bool = False) -> bool:
    """Rebuild `<table>_in_force` unless nothing it follows from has changed since the last build
    (meta.table_builds): a run that brings one annual report leaves the other five alone.
    Returns whether the table was rebuilt."""
    table = in_force_table(report)
    fingerprint = _fingerprint(con, report)
    if not force and is_built(con, table, fingerprint):
        return False
    with transaction(con):
        con.execute(compose("create or replace table {table} as {rows}", table=table, rows=in_force_sql(report)))
        record_build(con, table, fingerprint)
    return True


def in_force_source(con: duckdb.DuckDBPyConnection, report: ReportType) -> Sql:
    """A SELECT of the rows in force for readers outside staging: the table when it is up to date
    with the accepted submissions (same fingerprint as the staging asset would build), else the
    versioning rule over all versions (in_force_sql), which gives the same rows, slower."""
    table = in_force_table(report)
    if is_built(con, table, _fingerprint(con, report)):
        return compose("select * from {table}", table=table)
    return in_force_sql(report)

