"""The DuckDB warehouse: connections, versioned migrations, the project's SQL files, and the
plumbing every layer shares (transactions, bound SQL, build records).

SQL lives in `.sql` files beside this module (`migrations/` for the schema, `sql/<layer>/` for
the queries of each layer) and takes values as bound parameters (`$name`), never interpolated.

This module sits below every package of `pipelines` and `dashboards` and imports neither
(the import-linter layers contract in pyproject.toml keeps it so).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
MIGRATIONS_DIR = HERE / "migrations"
SQL_DIR = HERE / "sql"

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_NAME_PART = re.compile(r"[a-z_][a-z0-9_]*")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_view_numbers = itertools.count()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """`begin transaction` ... `commit`; `rollback` when anything (even an interrupt) escapes."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


@cache
def sql(name: str) -> str:
    """The text of `sql/<name>.sql`, e.g. ``sql("staging/in_force_r5")``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise ValueError(f"migration file name must be NNNN_name.sql: {path.name}")
        found.append((int(m.group(1)), path))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet applied, each in its own transaction. Returns those applied."""
    con.execute(
        "create schema if not exists meta;"
        "create table if not exists meta.schema_migrations (version integer primary key, name varchar not null)"
    )
    done = {row[0] for row in con.sql("select version from meta.schema_migrations").fetchall()}
    applied = []
    for version, path in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "insert into meta.schema_migrations (version, name) values ($version, $name)",
                {"version": version, "name": path.name},
            )
        applied.append(version)
    return applied


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writer also brings the schema up to date."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("set enable_progress_bar = false")  # it writes to stderr, i.e. into Dagster's logs
    if not read_only:
        migrate(con)
    return con


# ---------------------------------------------------------------- names in SQL text
# The one way SQL is templated: values are bound parameters (`$name`); table, view and column
# names, which cannot be bound, go into the text only through `identifier`/`compose`.

@cache
def _reserved_words() -> frozenset[str]:
    return frozenset(row[0] for row in duckdb.sql(
        "select keyword_name from duckdb_keywords() where keyword_category = 'reserved'").fetchall())


def identifier(name: str) -> str:
    """A table, view or column name checked for SQL text, returned as it is: `name` or
    `schema.name`, each part lower-case ASCII letters, digits and `_`, not starting with a digit,
    not a reserved word of DuckDB. Anything else (a quote, a space, a semicolon, a comment, a
    capital, a third part) raises ValueError: names come from the code's constants, never from
    input; values are bound parameters instead."""
    parts = name.split(".") if isinstance(name, str) else []
    if not 1 <= len(parts) <= 2 or not all(_NAME_PART.fullmatch(p) and p not in _reserved_words() for p in parts):
        raise ValueError(f"SQL 标识符不合规 / not a plain SQL identifier (schema.name, lower case a-z 0-9 _): {name!r}")
    return name


class Sql(str):
    """SQL text made by `compose`: may itself fill a placeholder of another template."""


def compose(template: str, **names: str | Sequence[str] | Sql) -> Sql:
    """`template` with each `{name}` placeholder filled: a str by that identifier (checked, see
    `identifier`), a list or tuple by its identifiers comma-separated, an `Sql` (composed before)
    as it is. Every placeholder must be given and every name given must be used."""
    wanted = set(_PLACEHOLDER.findall(template))
    if wanted != names.keys():
        raise KeyError(f"SQL placeholders {sorted(wanted)} given {sorted(names)}")

    def text(value: str | Sequence[str] | Sql) -> str:
        if isinstance(value, Sql):
            return value
        if isinstance(value, str):
            return identifier(value)
        if not value:
            raise ValueError("an empty list of SQL identifiers")
        return ", ".join(identifier(v) for v in value)

    filled = {name: text(value) for name, value in names.items()}
    return Sql(_PLACEHOLDER.sub(lambda m: filled[m.group(1)], template))


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames) -> Iterator[dict[str, str]]:
    """Frames (anything with `__arrow_c_stream__`, a Polars frame in `ArrowStream`) as views of
    `con` for the duration: yields each name's view name, unique to this call, for `compose`."""
    number = next(_view_numbers)
    views = {name: identifier(f"_frame_{name}_{number}") for name in frames}
    try:
        for name, frame in frames.items():
            con.register(views[name], frame)
        yield views
    finally:
        for view in views.values():
            con.unregister(view)


class ArrowStream:
    """A frame as DuckDB scans it: through the Arrow C stream interface, without pyarrow (whose
    import alone costs more than a small intake run)."""

    def __init__(self, frame):
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema=None):
        return self.frame.__arrow_c_stream__(requested_schema)


# ---------------------------------------------------------------- bound SQL

def scalar(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None):
    """The single value of a query (DuckDB 2 relations have no fetchone())."""
    rows = con.execute(query, params).fetchall() if params else con.sql(query).fetchall()
    return rows[0][0] if rows else None


def bound(sql_text: str, params: dict) -> dict:
    """The parameters a statement refers to (DuckDB rejects unused ones)."""
    used = set(_PARAM.findall(sql_text))
    missing = used - params.keys()
    if missing:
        raise KeyError(f"SQL needs parameters {sorted(missing)}")
    return {k: v for k, v in params.items() if k in used}


def run_select_into(con: duckdb.DuckDBPyConnection, table: str, sql_name: str, params: dict) -> None:
    """`create or replace table <table> as <sql/<sql_name>.sql>`; the table name is a constant."""
    text = sql(sql_name)
    con.execute(compose("create or replace table {table} as ", table=table) + text, bound(text, params))


def newest_arrival(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The as-of of everything derived: the newest arrival of accepted data. A rejected file or
    one that is no report (a notice, a corrupt workbook) changes no figure, so it does not move
    the as-of either."""
    return scalar(con, "select max(arrived_at) from raw.submissions where status = 'accepted'")


# ---------------------------------------------------------------- build records (meta.table_builds)

def stored_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The fingerprint `table` was last built with (meta.table_builds), or None."""
    found = con.execute("select fingerprint from meta.table_builds where table_name = $t", {"t": table}).fetchall()
    return found[0][0] if found else None


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether `schema.table` is a table of the current database."""
    return scalar(con, "select count(*) from duckdb_tables() where database_name = current_database() "
                       "and schema_name || '.' || table_name = $t", {"t": table}) > 0


def is_built(con: duckdb.DuckDBPyConnection, table: str, fingerprint: str | None) -> bool:
    """Whether `table` exists and was last built with this (known) fingerprint."""
    return fingerprint is not None and table_exists(con, table) and stored_fingerprint(con, table) == fingerprint


def record_build(con: duckdb.DuckDBPyConnection, table: str, fingerprint: str | None, *,
                 changed: Sequence[str] | None = None, column: str = "school_code", recipe: str | None = None,
                 upstream: dict[str, str] | None = None) -> None:
    """Remember what `table` was built with (an unknown fingerprint is forgotten: rebuild next time).

    `changed`: the build replaced only the rows of these schools (`replace_schools`; or of other
    entities named by `column`), starting from the table as it was last built; what reads the
    table next may follow it school by school (`changed_schools`, `changed_keys`). Without it the
    build was whole. `recipe` and `upstream` (each upstream
    table's fingerprint at this build) let the next build of the table decide whether it may go
    school by school too."""
    before = stored_fingerprint(con, table)
    con.execute("delete from meta.table_delta_schools where table_name = $t", {"t": table})
    if fingerprint is None:
        con.execute("delete from meta.table_builds where table_name = $t", {"t": table})
        return
    delta_from = before if changed is not None and before is not None else None
    con.execute(
        """insert or replace into meta.table_builds
               (table_name, fingerprint, built_at, delta_from, delta_column, recipe, upstream)
           values ($t, $f, now()::timestamp, $from, $column, $recipe, $upstream)""",
        {"t": table, "f": fingerprint, "from": delta_from, "column": identifier(column) if delta_from else None,
         "recipe": recipe,
         "upstream": json.dumps(upstream, sort_keys=True) if upstream is not None else None})
    if delta_from is not None and changed:
        con.execute("insert into meta.table_delta_schools select $t, unnest($codes::varchar[])",
                    {"t": table, "codes": sorted(set(changed))})


def build_record(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str | None, dict[str, str] | None]:
    """(recipe, upstream fingerprints) of the last build of `table`, as `record_build` kept them."""
    found = con.execute("select recipe, upstream from meta.table_builds where table_name = $t", {"t": table}).fetchall()
    if not found:
        return None, None
    recipe, upstream = found[0]
    return recipe, json.loads(upstream) if upstream is not None else None


def changed_keys(con: duckdb.DuckDBPyConnection, table: str, since: str | None) -> tuple[str, list[str]] | None:
    """(column, values): the entities (schools, by default) whose rows in `table` are all that
    changed since it had fingerprint `since`: its last build went entity by entity from exactly
    that fingerprint. None when that is not known (a whole build, another starting point, two
    builds since): read the table whole."""
    if since is None:
        return None
    found = con.execute("select delta_from, delta_column from meta.table_builds where table_name = $t",
                        {"t": table}).fetchall()
    if not found or found[0][0] != since:
        return None
    return found[0][1], [r[0] for r in con.execute(
        "select school_code from meta.table_delta_schools where table_name = $t order by 1", {"t": table}).fetchall()]


def changed_schools(con: duckdb.DuckDBPyConnection, table: str, since: str | None) -> list[str] | None:
    """The schools whose rows in `table` are all that changed since fingerprint `since`
    (`changed_keys` of a table followed by school_code), or None."""
    delta = changed_keys(con, table, since)
    return delta[1] if delta is not None and delta[0] == "school_code" else None


def replace_schools(con: duckdb.DuckDBPyConnection, table: str, select: str, codes: Sequence[str],
                    params: dict | None = None, column: str = "school_code") -> None:
    """Replace the rows of these schools in `table` (or of other entities, named by `column`) by
    those `select` gives for them: the same SELECT that builds the whole table, its filter on the
    column pushed down to its scans. Rows with no value in the column are left alone."""
    codes = sorted(set(codes))
    con.execute(compose("delete from {table} where list_contains($codes, {column})", table=table, column=column),
                {"codes": codes})
    con.execute(compose("insert into {table} by name select * from ({rows}) where list_contains($codes, {column})",
                        table=table, rows=Sql(select), column=column), {**(params or {}), "codes": codes})


def reference_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The reference codes every derived table reads (districts, code lists), as one string."""
    return "\0".join(str(con.sql(f"select * from {table} order by all").fetchall())
                     for table in ("ref.districts", "ref.code_labels"))
