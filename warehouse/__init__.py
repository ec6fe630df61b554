"""The DuckDB warehouse: connections, versioned migrations and the project's SQL files.

SQL lives in `.sql` files beside this module (`migrations/` for the schema, `sql/<layer>/` for
the queries of each layer) and takes values as bound parameters (`$name`), never interpolated.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
MIGRATIONS_DIR = HERE / "migrations"
SQL_DIR = HERE / "sql"

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


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
        con.execute("begin transaction")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "insert into meta.schema_migrations (version, name) values ($version, $name)",
                {"version": version, "name": path.name},
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
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
