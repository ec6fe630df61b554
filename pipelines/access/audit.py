"""The audit log: who signed in, sent, downloaded or changed access, what, and when.

A small SQLite file of its own, `$KEJIAO_DATA_DIR/audit/audit.sqlite`, not the warehouse:
the warehouse has a single writer (the Dagster run) that readers must never block, and the
published snapshot is read-only and replaced whole on every run, while audit events are written
by the dashboard's many sessions (threads) and may be written by more than one process at once.
SQLite's file locking takes several writers, WAL lets the data team's page read while others
write, it needs nothing beyond the standard library, and rows are only ever appended.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipelines.settings import Settings, get_settings

SCHEMA = """
create table if not exists audit_events (
    event_id integer primary key autoincrement,
    occurred_at text not null,          -- UTC, ISO 8601
    event text not null,                -- sign_in | sign_in_denied | sign_out | upload_sent | upload_refused
                                        -- | download | assignments_changed | access_denied
    actor text,                         -- email, else OIDC subject
    role text,
    scope text,                         -- e.g. district:120103
    mode text,                          -- oidc | demo
    subject text,                       -- what: a file, a page, an export
    outcome text,                       -- ok | refused | denied
    detail text                         -- JSON
);
create index if not exists audit_events_occurred_at on audit_events (occurred_at);
"""

INSERT = """
insert into audit_events (occurred_at, event, actor, role, scope, mode, subject, outcome, detail)
values (:occurred_at, :event, :actor, :role, :scope, :mode, :subject, :outcome, :detail)
"""

RECENT = """
select event_id, occurred_at, event, actor, role, scope, mode, subject, outcome, detail
from audit_events
where (:event is null or event = :event)
  and (:actor is null or actor = :actor)
order by event_id desc
limit :limit
"""

COLUMNS = ("event_id", "occurred_at", "event", "actor", "role", "scope", "mode", "subject", "outcome", "detail")


@dataclass(frozen=True)
class Actor:
    identity: str | None
    role: str | None = None
    scope: str | None = None
    mode: str | None = None


def audit_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / "audit" / "audit.sqlite"


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as con:
        con.execute("pragma journal_mode=wal")
        con.execute("pragma busy_timeout=30000")
        con.executescript(SCHEMA)
        yield con


def record(event: str, actor: Actor, *, subject: str | None = None, outcome: str = "ok",
           detail: dict | None = None, path: Path | None = None, now: datetime | None = None) -> None:
    """Append one event (one short transaction; safe from any thread or process)."""
    occurred = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    row = {"occurred_at": occurred, "event": event, "actor": actor.identity, "role": actor.role,
           "scope": actor.scope, "mode": actor.mode, "subject": subject, "outcome": outcome,
           "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None}
    with _connect(path or audit_path()) as con:
        con.execute(INSERT, row)


def recent(limit: int = 500, *, event: str | None = None, actor: str | None = None,
           path: Path | None = None) -> pl.DataFrame:
    """The newest events first."""
    path = path or audit_path()
    schema = {c: pl.String for c in COLUMNS} | {"event_id": pl.Int64}
    if not path.exists():
        return pl.DataFrame(schema=schema)
    with _connect(path) as con:
        rows = con.execute(RECENT, {"event": event, "actor": actor, "limit": limit}).fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")
