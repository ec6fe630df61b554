"""The published snapshot: a read-only DuckDB file that dashboards and exports read instead of
the warehouse.

DuckDB 2 lets no other process open a file a writer holds, and a reader holding a file blocks
writers. So the pipeline never writes the file readers open: it ATTACHes a new file under a
temporary name, copies the published tables into it (CREATE TABLE ... AS SELECT), DETACHes it,
and os.replace()s it onto `published/current.duckdb`. A reader that has the old file open keeps
reading the old file; the next open sees the new one. A copy per as-of is kept in
`published/history/<as-of>.duckdb` for exports "as of" a date (a hard link to the same file where the
file system allows: a published file is never written in place, so they cannot differ).

The new file starts as a copy of the current one (a file copy), and only what changed since is
written into it: tables whose inputs are unchanged (same fingerprint in meta.table_builds) are
kept; a table whose last build replaced only some schools' rows, starting from the fingerprint
the snapshot holds (warehouse.changed_keys), gets the same schools' rows replaced; the units
behind the indicators are brought up to date for the schools, or else the years, the indicator
build recomputed; the rest is copied anew. Row counts are checked against the warehouse either way.

What is published: ref.*, marts.*, indicators.*, senders.* (obligations, error lists,
supersessions), (tables, and views such as value_lineage over them), raw.submissions, raw.issues
(values of private columns are masked at intake) and the staging rows in force of R0, R1, R2, R4 and R5 — not R3:
of the youth programme only what marts.fct_yip_participants keeps (keyed hashes, no names).
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from pipelines.indicators.compute import ANNUAL_REPORT_INDICATORS
from pipelines.intake.schema import REPORT_TYPES
from warehouse import changed_keys, compose, newest_arrival

CURRENT = "current.duckdb"
HISTORY = "history"
PUBLISHED_SCHEMAS = ("ref", "marts", "indicators", "senders")
PUBLISHED_TABLES = ("raw.submissions", "raw.issues",
                    *(f"{REPORT_TYPES[c].table}_in_force" for c in ("R0", "R1", "R2", "R4", "R5")))
STAMP_FORMAT = "%Y-%m-%dT%H%M%S"


@dataclass
class Published:
    path: Path
    history_path: Path | None
    as_of: datetime | None
    published_at: datetime
    tables: dict[str, int] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)  # table -> kept | updated | copied


def history_name(as_of: datetime) -> str:
    return f"{as_of.strftime(STAMP_FORMAT)}.duckdb"


def tables_to_publish(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables of the warehouse that go into the snapshot (schema.table), in a stable order."""
    found = con.execute(
        """select schema_name || '.' || table_name from duckdb_tables()
           where database_name = current_database() and not temporary
             and (list_contains($schemas, schema_name) or list_contains($tables, schema_name || '.' || table_name))
           order by 1""",
        {"schemas": list(PUBLISHED_SCHEMAS), "tables": list(PUBLISHED_TABLES)},
    ).fetchall()
    return [r[0] for r in found]


# the units behind the indicator values and their staging rows: the largest published tables, and
# brought up to date for the schools or years the indicator build recomputed rather than copied
# (compute.plan_schools, plan_periods)
UNIT_TABLES = ("indicators.value_units", "indicators.unit_sources")


@dataclass(frozen=True)
class Previous:
    """What the snapshot being replaced holds: the fingerprint of each table (as meta.table_builds
    had it when it was written) and the indicator build whose units it holds."""
    fingerprints: dict[str, str | None]
    indicator_build_id: str | None


def read_previous(path: Path) -> Previous | None:
    """The previous snapshot's bookkeeping, or None (no snapshot, or one written before it was kept)."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        columns = {r[0] for r in con.sql(
            "select column_name from duckdb_columns() where schema_name = 'meta' and table_name = 'snapshot'"
        ).fetchall()}
        if "indicator_build_id" not in columns:
            return None
        fingerprints = dict(con.sql("select table_name, fingerprint from meta.snapshot_tables").fetchall())
        build = con.sql("select indicator_build_id from meta.snapshot").fetchall()
    finally:
        con.close()
    return Previous(fingerprints, build[0][0] if build else None)


def _write_snapshot(con: duckdb.DuckDBPyConnection, path: Path, as_of: datetime | None,
                    published_at: datetime, previous: Previous | None = None) -> tuple[dict[str, int], dict[str, str]]:
    """Write the published tables into `path`: a new file, or (with `previous`) a copy of the
    previous snapshot in which the tables whose fingerprint is unchanged are kept, the unit
    tables are brought up to date for the schools or years the indicator build recomputed, and every other
    table is copied anew. Returns the row counts and how each table got there."""
    tables = tables_to_publish(con)
    fingerprints = dict(con.sql("select table_name, fingerprint from meta.table_builds").fetchall())
    build = con.sql("select build_id, previous_build_id, recomputed from meta.indicator_build").fetchall()
    build_id, previous_build_id, recomputed = build[0] if build else (None, None, None)
    units_follow = (previous is not None and previous_build_id is not None and recomputed is not None
                    and previous.indicator_build_id == previous_build_id)
    counts: dict[str, int] = {}
    how: dict[str, str] = {}
    con.execute("attach $path as published_snapshot", {"path": str(path)})
    try:
        present = {r[0] for r in con.sql(
            "select schema_name || '.' || table_name from duckdb_tables() where database_name = 'published_snapshot'"
        ).fetchall()}
        for schema in sorted({t.split(".")[0] for t in tables} | {"meta"}):
            con.execute(f"create schema if not exists published_snapshot.{schema}")
        # a failure leaves a temporary file that publish_snapshot removes: no transaction needed
        for schema, view in con.sql("select schema_name, view_name from duckdb_views() "
                                    "where database_name = 'published_snapshot' and not internal").fetchall():
            con.execute(f'drop view published_snapshot."{schema}"."{view}"')
        for table in sorted(present - set(tables)):  # no longer published (meta is rewritten below)
            con.execute(f"drop table published_snapshot.{table}")
        # names come from the catalog of our own warehouse, filtered by constants
        for table in tables:
            fingerprint = fingerprints.get(table)
            followed = previous is not None and table in present and fingerprint is not None
            if followed and previous.fingerprints.get(table) == fingerprint:
                how[table] = "kept"
            elif followed and (delta := changed_keys(con, table, previous.fingerprints.get(table))) is not None:
                column, codes = delta  # its last build replaced these schools' rows, from what is here
                if codes:
                    con.execute(compose("delete from published_snapshot.{table} where list_contains($codes, {column})",
                                        table=table, column=column), {"codes": codes})
                    con.execute(compose("insert into published_snapshot.{table} by name "
                                        "select * from {table} where list_contains($codes, {column})",
                                        table=table, column=column), {"codes": codes})
                how[table] = "updated"
            elif units_follow and table in UNIT_TABLES and table in present:
                # the other indicators' units (few, stored together: a filter that skips the rest),
                # then the annual-report units of the schools, or else of the years, recomputed
                schools = con.sql("select recomputed_schools from meta.indicator_build").fetchall()[0][0]
                annual = {"annual": list(ANNUAL_REPORT_INDICATORS)}
                recomputed_annual = (
                    ("list_contains($schools, unit_key)", {**annual, "schools": list(schools)}) if schools is not None
                    else ("list_contains($periods, period)", {**annual, "periods": list(recomputed)}))
                for changed, params in (("not list_contains($annual, indicator_id)", annual),
                                        (f"list_contains($annual, indicator_id) and {recomputed_annual[0]}",
                                         recomputed_annual[1])):
                    con.execute(f"delete from published_snapshot.{table} where {changed}", params)
                    con.execute(f"insert into published_snapshot.{table} by name select * from {table} where {changed}",
                                params)
                how[table] = "updated"
            else:
                con.execute(f"drop table if exists published_snapshot.{table}")
                con.execute(f"create table published_snapshot.{table} as select * from {table}")
                how[table] = "copied"
            counts[table] = con.sql(f"select count(*) from published_snapshot.{table}").fetchall()[0][0]
            source_count = con.sql(f"select count(*) from {table}").fetchall()[0][0]
            if counts[table] != source_count:
                raise RuntimeError(f"{table}: {counts[table]} rows in the snapshot, {source_count} in the warehouse")
        _copy_views(con)
        con.execute("drop table if exists published_snapshot.meta.snapshot")
        con.execute("drop table if exists published_snapshot.meta.snapshot_tables")
        con.execute(
            "create table published_snapshot.meta.snapshot as "
            "select $as_of::timestamp as as_of, $published_at::timestamp as published_at, "
            "$tables::integer as table_count, $build::varchar as indicator_build_id",
            {"as_of": as_of, "published_at": published_at, "tables": len(tables), "build": build_id},
        )
        con.execute("create table published_snapshot.meta.snapshot_tables "
                    "(table_name varchar, row_count bigint, fingerprint varchar)")
        con.executemany("insert into published_snapshot.meta.snapshot_tables values (?, ?, ?)",
                        [(t, counts[t], fingerprints.get(t)) for t in tables])
        con.execute("checkpoint published_snapshot")
    finally:
        con.execute("detach published_snapshot")
    return counts, how


def views_to_publish(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema.view, CREATE VIEW statement) of the published schemas' views (indicators.value_lineage)."""
    return [(name, sql) for name, sql in con.execute(
        """select schema_name || '.' || view_name, sql from duckdb_views()
           where database_name = current_database() and not internal and not temporary
             and list_contains($schemas, schema_name)
           order by 1""", {"schemas": list(PUBLISHED_SCHEMAS)}).fetchall()]


def _copy_views(con: duckdb.DuckDBPyConnection) -> None:
    """Views go over as their own CREATE VIEW statements, run with the snapshot as the current
    database, so that they read the snapshot's tables (copied before)."""
    views = views_to_publish(con)
    if not views:
        return
    home = con.sql("select current_database()").fetchall()[0][0]
    con.execute("use published_snapshot")
    try:
        for _, statement in views:  # statements from our own catalog, for our own schemas
            con.execute(statement)
    finally:
        con.execute(f'use "{home.replace(chr(34), chr(34) * 2)}"')


def _verify(path: Path, as_of: datetime | None, counts: dict[str, int]) -> None:
    """The new file opens read-only and holds what was written, before anyone can see it."""
    check = duckdb.connect(str(path), read_only=True)
    try:
        stamped = check.sql("select as_of from meta.snapshot").fetchall()
        written = dict(check.sql("select table_name, row_count from meta.snapshot_tables").fetchall())
    finally:
        check.close()
    if stamped != [(as_of,)] or written != counts:
        raise RuntimeError(f"snapshot {path} does not hold what was written; not published")


def _replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)
    wal = Path(str(src) + ".wal")
    if wal.exists():  # detach checkpoints; a leftover WAL would be stale
        wal.unlink()


def _remove_leftovers(*folders: Path) -> None:
    """The temporary files of a publication killed before its own cleanup (SIGKILL, power cut):
    a publisher holds the warehouse read-write, which no other process can, so a temporary file
    found when publishing starts is a dead run's."""
    for folder in folders:
        for leftover in folder.glob(".*.tmp*"):
            leftover.unlink(missing_ok=True)


def publish_snapshot(con: duckdb.DuckDBPyConnection, published_dir: Path,
                     published_at: datetime | None = None, incremental: bool = True) -> Published:
    """Write the snapshot beside, check it, keep a copy per as-of, then swap it in atomically.

    With `incremental`, the new file starts as a copy of the current one and only what changed
    is written (`_write_snapshot`); the result is the same as writing it anew (tested)."""
    published_dir = Path(published_dir)
    history_dir = published_dir / HISTORY
    history_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(published_dir, history_dir)
    as_of = newest_arrival(con)
    published_at = published_at or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    token = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
    tmp = published_dir / f".{CURRENT}.{token}.tmp"
    try:
        previous = read_previous(published_dir / CURRENT) if incremental else None
        if previous is not None:  # start from the snapshot it replaces; readers keep the original
            shutil.copyfile(published_dir / CURRENT, tmp)
        counts, how = _write_snapshot(con, tmp, as_of, published_at, previous)
        _verify(tmp, as_of, counts)
        history_path = None
        if as_of is not None:
            history_path = history_dir / history_name(as_of)
            hist_tmp = history_dir / f".{history_path.name}.{token}.tmp"
            try:  # the same file: no one writes a published file in place (the next run copies it first)
                os.link(tmp, hist_tmp)
            except OSError:  # a file system without hard links
                shutil.copyfile(tmp, hist_tmp)
            os.replace(hist_tmp, history_path)
        _replace(tmp, published_dir / CURRENT)
    finally:
        for leftover in published_dir.glob(f".{CURRENT}.{token}.tmp*"):
            leftover.unlink()
    return Published(published_dir / CURRENT, history_path, as_of, published_at, counts, how)


def snapshot_for(published_dir: Path, as_of_date: date | None = None) -> Path:
    """The snapshot to read: the current one, or the newest whose as-of falls on or before a date."""
    published_dir = Path(published_dir)
    if as_of_date is None:
        path = published_dir / CURRENT
        if not path.exists():
            raise FileNotFoundError(f"no published snapshot at {path}: run `kejiao materialize` first")
        return path
    best: tuple[datetime, Path] | None = None
    for path in (published_dir / HISTORY).glob("*.duckdb"):
        try:
            stamp = datetime.strptime(path.stem, STAMP_FORMAT)
        except ValueError:
            continue
        if stamp.date() <= as_of_date and (best is None or stamp > best[0]):
            best = (stamp, path)
    if best is None:
        raise FileNotFoundError(f"no snapshot in {published_dir / HISTORY} with data as of {as_of_date} or earlier")
    return best[1]


def read_stamp(path: Path) -> tuple[datetime | None, datetime | None]:
    """(as_of, published_at) of a snapshot file, opened read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql("select as_of, published_at from meta.snapshot").fetchall()[0]
    finally:
        con.close()
