"""The dashboard's queries of issue 13: the senders' loop (what each sender owes and where it
stands, its refused files with their error lists, which accepted file replaced which) and the
districts' own targets (目标分解).

Like dashboards/data.py, every query reads the published snapshot through the viewer's scoped
connection (dashboards/scope.py: senders.* views hold the scope's rows only), takes the scoped
snapshot first and widget values after, and returns a Polars frame; the SQL lives in
dashboards/sql/senders/*.sql with bound values. A snapshot published before these tables existed
gives empty frames. The error workbooks themselves are the data team's files in DATA_DIR/outbox,
read only by the name the snapshot records for a file the viewer may see.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from dashboards.reads import connection, query, sql
from dashboards.scope import ScopedSnapshot
from pipelines.settings import get_settings

TTL = "10m"
PAGE_ROWS = 500


def _query(snap: ScopedSnapshot, name: str, params: dict | None = None) -> pl.DataFrame:
    """A file of sql/senders by its bare name, or another folder's as `folder/name`."""
    return query(snap, sql(name if "/" in name else f"senders/{name}"), params)


@st.cache_data(ttl=TTL, show_spinner=False)
def available(snap: ScopedSnapshot) -> bool:
    """Whether the snapshot carries the senders tables (published since issue 13)."""
    cursor = connection(snap).cursor()
    try:
        found = cursor.execute("select count(*) from duckdb_views() where database_name = 'memory' "
                               "and schema_name = 'senders'").fetchall()[0][0]
    finally:
        cursor.close()
    return found >= 3


def _or_empty(snap: ScopedSnapshot, name: str, params: dict | None = None) -> pl.DataFrame:
    return _query(snap, name, params) if available(snap) else pl.DataFrame()


@st.cache_data(ttl=TTL, show_spinner=False)
def standing_refusals(snap: ScopedSnapshot) -> pl.DataFrame:
    """The scope's refused files whose refusal stands, newest first."""
    return _or_empty(snap, "standing_refusals")


@st.cache_data(ttl=TTL, show_spinner=False)
def refusal_problems(snap: ScopedSnapshot, submission_ids: tuple[str, ...]) -> pl.DataFrame:
    """Every error and warning of the given refused files (of the scope: others give nothing)."""
    if not submission_ids:
        return pl.DataFrame()
    return query(snap, sql("senders/refusal_problems", problems="file_problems"),
                 {"submission_ids": list(submission_ids)})


@st.cache_data(ttl=TTL, show_spinner=False)
def my_obligations(snap: ScopedSnapshot) -> pl.DataFrame:
    """What the viewer's own schools owe, and where each stands."""
    return _or_empty(snap, "my_obligations")


@st.cache_data(ttl=TTL, show_spinner=False)
def supersessions(snap: ScopedSnapshot) -> pl.DataFrame:
    """Which accepted file replaced which, in the scope."""
    return _or_empty(snap, "supersessions")


@st.cache_data(ttl=TTL, show_spinner=False)
def obligation_status(snap: ScopedSnapshot, report_type: str, period: int, district: str | None) -> pl.DataFrame:
    """Obligations of one report and period counted by district and status."""
    return _or_empty(snap, "obligation_status", {"report_type": report_type, "period": period, "district": district})


@st.cache_data(ttl=TTL, show_spinner=False)
def obligations_open(snap: ScopedSnapshot, report_type: str, period: int, district: str | None,
                     limit: int | None = PAGE_ROWS, offset: int = 0) -> pl.DataFrame:
    """One page of the obligations of a report and period not yet accepted (limit None: all)."""
    return _or_empty(snap, "obligations_open", {"report_type": report_type, "period": period, "district": district,
                                                "limit": limit, "offset": offset})


def overdue_export(snap: ScopedSnapshot, district: str | None) -> pl.DataFrame:
    """Every overdue obligation of the scope (read when its CSV is asked for, not cached)."""
    return _or_empty(snap, "overdue_export", {"district": district})


def error_workbook(snap: ScopedSnapshot, submission_id: str) -> tuple[str, bytes] | None:
    """The error workbook of one refused file the viewer may see: (file name, bytes), or None when
    the file is not the viewer's or its workbook is not (yet) in the outbox."""
    refusals = standing_refusals(snap)
    if refusals.is_empty():
        return None
    row = refusals.filter(pl.col("submission_id") == submission_id)
    if row.is_empty():
        return None
    name = row.item(0, "workbook_name")
    outbox = get_settings().outbox_dir
    path = outbox / name
    if Path(name).name != name or not path.is_file() or path.is_symlink():
        return None
    return name, path.read_bytes()


@st.cache_data(ttl=TTL, show_spinner=False)
def district_progress(snap: ScopedSnapshot) -> pl.DataFrame:
    """Each district in scope against its own share of each count target (empty for an older snapshot)."""
    cursor = connection(snap).cursor()
    try:
        found = cursor.execute("select count(*) from duckdb_views() where database_name = 'memory' "
                               "and schema_name = 'indicators' and view_name = 'district_progress'").fetchall()[0][0]
    finally:
        cursor.close()
    return _query(snap, "district_targets/district_progress") if found else pl.DataFrame()
