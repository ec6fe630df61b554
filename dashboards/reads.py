"""How the dashboard reads: one scoped connection per (snapshot, viewer's scope), one cursor per
read, and the SQL of `dashboards/sql/` (one file per query, values bound, never interpolated).
`dashboards/data.py` and `dashboards/senders_data.py` both read through here.

The one way SQL text is put together: a query may read other files of sql/ as named relations
(`sql("obligation_counts", owed="owed_r5")` puts owed_r5.sql before it as `with owed as (...)`),
chosen by a report type. A file in a folder of sql/ is named with it (`sql("senders/my_obligations")`).
"""

from __future__ import annotations

import re
import time
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from dashboards.scope import ScopedSnapshot, open_scoped

# every read runs in the connection's own catalog: the viewer's scoped views (dashboards/scope.py),
# never the attached snapshot file itself
USE = "use memory"
SQL_DIR = Path(__file__).resolve().with_name("sql")
_RELATION = re.compile(r"^[a-z][a-z0-9_]*$")
_FILE = re.compile(r"^([a-z][a-z0-9_]*/)?[a-z][a-z0-9_]*$")
_STARTS_WITH_CTE = re.compile(r"^(\s*--[^\n]*\n)*\s*with\b", re.IGNORECASE)


class SnapshotUnavailable(RuntimeError):
    """The snapshot could not be opened (e.g. replaced at that very moment); try again."""


@st.cache_resource(max_entries=32, show_spinner=False)
def connection(snap: ScopedSnapshot) -> duckdb.DuckDBPyConnection:
    """A connection to one snapshot file as one viewer's scope may see it: a fresh in-memory
    database that ATTACHes the file read-only (never `duckdb.connect(path)`, which would hand back
    the old file after a rename) and offers its tables as views holding only the scope's rows
    (dashboards/scope.py). A few attempts ride over a rename in flight."""
    if not isinstance(snap, ScopedSnapshot):
        raise TypeError("every query takes the viewer's scope: pass a ScopedSnapshot (dashboards.scope.scoped)")
    last_error: Exception | None = None
    for attempt in range(5):
        try:
            return open_scoped(snap.path, snap.scope)
        except duckdb.Error as exc:  # e.g. the file is being replaced right now
            last_error = exc
            time.sleep(0.2 * (attempt + 1))
    raise SnapshotUnavailable(str(last_error))


def query(snap: ScopedSnapshot, text: str, params: dict | None = None) -> pl.DataFrame:
    """Run one read on its own cursor (DuckDB connections are not shared between threads)."""
    cursor = connection(snap).cursor()
    try:
        cursor.execute(USE)
        return cursor.sql(text, params=params or None).pl()
    finally:
        cursor.close()


@cache
def sql(name: str, **relations: str) -> str:
    """The query of `sql/<name>.sql`. `relations` (relation name -> file name) puts other files of
    sql/ before it, in that order, as the named relations it reads: `sql("obligation_counts",
    owed="owed_r5")` is `with owed as (<owed_r5.sql>) <obligation_counts.sql>`."""
    text = _sql_file(name)
    if not relations:
        return text
    if _STARTS_WITH_CTE.match(text):
        raise ValueError(f"sql/{name}.sql 读取关系 {sorted(relations)}，应以 select 开头而非自带 with；"
                         f"请把它的 CTE 移入所读的文件 / sql/{name}.sql reads relations {sorted(relations)}: "
                         "it must be a plain select, not begin with its own `with`")
    for relation in relations:
        if not _RELATION.match(relation):
            raise ValueError(f"关系名 {relation!r} 只能含小写字母、数字和下划线 / relation name {relation!r}: "
                             "lowercase letters, digits and _ only")
    ctes = ",\n\n".join(f"{relation} as (\n{_sql_file(file).rstrip()}\n)" for relation, file in relations.items())
    return f"with {ctes}\n\n{text}"


def _sql_file(name: str) -> str:
    if not _FILE.match(name):
        raise ValueError(f"SQL 文件名 {name!r} 只能含小写字母、数字和下划线（dashboards/sql/ 下的文件名，不带 .sql）"
                         f" / SQL file name {name!r}: lowercase letters, digits and _ only (a file of dashboards/sql)")
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
