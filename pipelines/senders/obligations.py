"""Who owes which report for which period by which date, and where it stands.

Who owes what (shared/spec/reports.md, seeds/deadlines.csv):
- R5: every registry school that is neither 高校 nor 其他, open in the year, owes the year's report;
- R2: a base not revoked in its previous year's report owes the year's report (its host school sends it);
- R3: a host university that sent the previous cohort's roster owes the next one;
and anyone who has sent a report for a period owed it. R0, R1 and R4 arrive "when it changes":
no deadline, no obligation (R1, a candidate school's stage events, has no date by which a stage
must be reported).

Status, judged as of a day in Tianjin: `accepted` (a file in force covers it), `refused` (not
accepted, and the newest file sent for it was refused: with that file's reason), `overdue` (not
accepted, nothing refused, the deadline passed: overdue since the day after), `due` (not yet due,
nothing accepted). `is_overdue` holds for every obligation not accepted past its deadline,
refused ones included.

Cost that follows the new data (issue 15 #3): `rebuild` fingerprints what each of the three
tables reads (the SQL, this module and recipients.py, the registry's accepted files, every verdict
of raw.submissions; for the obligations also the day, the deadlines and the periods judged).
Nothing changed: the table is left alone. Only files taken in since its last build (`ingested_at`
after that build's watermark, every earlier verdict as it was), all else the same: the rows of the
schools those files touch are replaced (`warehouse.replace_schools`, by school_code) and recorded
as such, so the published snapshot follows school by school too (the error lists, a row per
refused file, are rebuilt whole). Anything else: that table is rebuilt whole — the obligations on
the first run of each day, since every row says the day it was judged on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

import warehouse
from pipelines.intake.in_force import in_force_sql
from pipelines.intake.schema import REPORT_TYPES
from pipelines.senders import recipients
from pipelines.senders.deadlines import Deadline, load_deadlines
from pipelines.senders.recipients import recipient_of, workbook_name
from pipelines.staging.tables import in_force_source
from warehouse import Sql, bound, compose

# temp view name -> report type; the SQL of warehouse/sql/senders reads these views
IN_FORCE_VIEWS = {"in_force_r0": "R0", "in_force_r2": "R2", "in_force_r3": "R3", "in_force_r5": "R5"}
# report type -> (SQL file of who owes it, the in-force view and period column that say which years have data)
OWED_SQL = {
    "R2": ("senders/owed_r2", "in_force_r2", "report_year"),
    "R3": ("senders/owed_r3", "in_force_r3", "cohort_year"),
    "R5": ("senders/owed_r5", "in_force_r5", "report_year"),
}
LOOKBACK_YEARS = 5  # never judge more than this many past periods per report type
OBLIGATIONS_TABLE = "senders.obligations"
ERROR_LISTS_TABLE = "senders.error_lists"
SUPERSESSIONS_TABLE = "senders.supersessions"
OBLIGATIONS_ORDER = "report_type, period, district_code, school_code, entity_code"  # columns only
TABLES = (OBLIGATIONS_TABLE, ERROR_LISTS_TABLE, SUPERSESSIONS_TABLE)
OWED_SCHEMA = {"report_type": "varchar", "period": "integer", "school_code": "varchar", "school_name": "varchar",
               "district_code": "varchar", "entity_code": "varchar", "accepted_submission_id": "varchar"}
# what a file's verdict says that the senders' tables read (raw.submissions columns)
VERDICT_COLUMNS = ("submission_id", "status", "report_type", "schools_named", "arrived_at", "original_name",
                   "inbox_path", "sender", "message_zh", "message_en", "error_count", "warning_count")


def create_in_force_views(con: duckdb.DuckDBPyConnection) -> None:
    """The rows in force of each report type, as temp views: staging's table when it is current
    (after the staging step of a run), else ranked from all versions."""
    for view, code in IN_FORCE_VIEWS.items():
        con.execute(f"create or replace temp view {view} as {in_force_source(con, REPORT_TYPES[code])}")


def judged_periods(con: duckdb.DuckDBPyConnection, deadline: Deadline, view: str, column: str,
                   as_of: date) -> list[int]:
    """The periods judged: from the first with data (at most LOOKBACK_YEARS before the last one
    past due) to the current year, whose deadline may lie ahead."""
    last = deadline.last_period_due(as_of)
    first = con.sql(f"select min({column}) from {view}").fetchall()[0][0]
    first = max(int(first) if first is not None else last, last - LOOKBACK_YEARS + 1)
    return list(range(min(first, as_of.year), as_of.year + 1))


def prepare(con: duckdb.DuckDBPyConnection, as_of: date, deadlines: dict[str, Deadline]) -> list[tuple]:
    """The temp views and table the obligations SQL reads: the rows in force (in_force_*), each
    judged (report type, period, due date) (due_dates) and everything owed then (owed, a view:
    a SELECT of it filtered on school_code reads only those schools). Returns the due dates."""
    create_in_force_views(con)
    dues, parts = [], []
    for code, deadline in sorted(deadlines.items()):
        if code not in OWED_SQL:
            continue
        sql_name, view, column = OWED_SQL[code]
        dues.extend((code, y, deadline.due(y)) for y in judged_periods(con, deadline, view, column, as_of))
        columns = ", ".join(f"{name}::{kind} as {name}" for name, kind in OWED_SCHEMA.items())  # constants
        parts.append(f"select {columns} from (\n{warehouse.sql(sql_name)}\n)")
    con.execute("create or replace temp table due_dates (report_type varchar, period integer, due_date date)")
    if dues:
        con.execute("insert into due_dates select unnest($codes::varchar[]), unnest($periods::integer[]), "
                    "unnest($dates::date[])", {"codes": [d[0] for d in dues], "periods": [d[1] for d in dues],
                                               "dates": [d[2] for d in dues]})
    empty = "select " + ", ".join(f"null::{kind} as {name}" for name, kind in OWED_SCHEMA.items()) + " limit 0"
    con.execute("create or replace temp view owed as " + ("\nunion all\n".join(parts) if parts else empty))
    return dues


def obligations_sql() -> str:
    """The SELECT of senders.obligations over the temp objects `prepare` makes; binds $as_of."""
    return warehouse.sql("senders/obligations")


def obligations(con: duckdb.DuckDBPyConnection, as_of: date,
                deadlines: dict[str, Deadline] | None = None) -> pl.DataFrame:
    """Every owed (report, period, sender[, base]) with its deadline and status as of `as_of`."""
    prepare(con, as_of, deadlines if deadlines is not None else load_deadlines())
    return con.sql(f"select * from ({obligations_sql()}) order by {OBLIGATIONS_ORDER}", params={"as_of": as_of}).pl()


def error_lists(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each refused file with whom its error workbook is for, the workbook's name in the outbox and
    whether the refusal still stands."""
    found = con.sql(warehouse.sql("senders/error_lists")).pl()
    return found.with_columns(
        recipient=pl.struct("inbox_path", "sender").map_elements(
            lambda r: recipient_of(r["inbox_path"], r["sender"]), return_dtype=pl.String),
        recipient_schools=pl.col("schools_named"),
        workbook_name=pl.struct("submission_id", "original_name").map_elements(
            lambda r: workbook_name(r["submission_id"], r["original_name"]), return_dtype=pl.String),
    ).select(
        "submission_id", "original_name", "arrived_at", "report_type", "status", "message_zh", "message_en",
        "error_count", "warning_count", "recipient", "recipient_schools", "workbook_name", "is_standing",
        "superseded_by_submission_id",
    )


def supersessions_sql() -> Sql:
    """The SELECT of senders.supersessions (reads the temp view in_force_r0)."""
    return compose(warehouse.sql("senders/supersessions"),
                   **{code.lower(): REPORT_TYPES[code].table for code in ("R1", "R2", "R3", "R5")})


def supersessions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Which accepted file replaced which, per entity key of R1, R2, R3 and R5 (in_force_r0 must exist)."""
    return con.sql(supersessions_sql()).pl()


# ---------------------------------------------------------------- what the tables follow from

# what each table reads besides the verdicts, the registry and the code (the day, the deadlines and
# the periods judged: the obligations only)
READS = {
    OBLIGATIONS_TABLE: ("senders/obligations", "senders/owed_r2", "senders/owed_r3", "senders/owed_r5"),
    ERROR_LISTS_TABLE: ("senders/error_lists",),
    SUPERSESSIONS_TABLE: ("senders/supersessions",),
}


@dataclass(frozen=True)
class Inputs:
    """What the three tables read, as of one build: `fixed`, for each table everything but the
    verdicts (a school-by-school build needs it unchanged); `verdicts`, a digest of every verdict
    of raw.submissions; `watermark`, the newest `ingested_at` among them; `earlier`, for each table
    with a recipe, its recipe and the digest of the verdicts taken in by that build's watermark."""

    fixed: dict[str, str]
    verdicts: str
    watermark: datetime | None
    earlier: dict[str, tuple[dict, datetime, str]]

    def fingerprint(self, table: str) -> str:
        return hashlib.sha256(f"{self.fixed[table]}\0{self.verdicts}".encode()).hexdigest()

    def recipe(self, table: str) -> str:
        return json.dumps({"fixed": self.fixed[table], "verdicts": self.verdicts,
                           "watermark": self.watermark.isoformat() if self.watermark else None})

    def since(self, table: str) -> datetime | None:
        """The last build's watermark when only files taken in after it changed what `table`
        reads (everything else, every earlier verdict included, as it was); else None."""
        if table not in self.earlier:
            return None
        before, watermark, digest = self.earlier[table]
        return watermark if before.get("fixed") == self.fixed[table] and before.get("verdicts") == digest else None


def _last_recipe(con: duckdb.DuckDBPyConnection, table: str) -> tuple[dict, datetime] | None:
    """The recipe of the last build of `table` and its watermark, if it has them."""
    try:
        before = json.loads(warehouse.build_record(con, table)[0])
        return before, datetime.fromisoformat(before["watermark"])
    except (ValueError, TypeError, KeyError):
        return None


# each verdict's columns hashed (a file names up to thousands of schools: no text of them), in
# order: of all, and of those taken in by $until
_VERDICTS = """
with verdicts as (
    select submission_id, ingested_at, submission_id || ':' || hash({columns}) as verdict
    from raw.submissions
)
select
    md5(coalesce(string_agg(verdict, ',' order by submission_id), '')),
    md5(coalesce(string_agg(verdict, ',' order by submission_id) filter (where ingested_at <= $until), ''))
from verdicts
"""


def inputs(con: duckdb.DuckDBPyConnection, as_of: date, deadlines: dict[str, Deadline], dues: list[tuple]) -> Inputs:
    """What a build as of `as_of` reads (after `prepare`, whose due dates are `dues`)."""
    registry = warehouse.scalar(con, "select coalesce(string_agg(submission_id, ',' order by submission_id), '') "
                                     "from raw.submissions where status = 'accepted' "
                                     "and list_contains(string_split(report_type, ','), 'R0')")  # 'R0' or 'R0,R5'...
    common = {
        "in_force": [str(in_force_sql(code)) for code in ("R0", "R1", "R2", "R3", "R5")],
        "code": [hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in (__file__, recipients.__file__)],
        "registry": registry,
    }
    day = {"as_of": as_of.isoformat(), "deadlines": sorted(repr(d) for d in deadlines.values()),
           "dues": [(code, period, due.isoformat()) for code, period, due in dues]}
    fixed = {}
    for table, names in READS.items():
        parts = {**common, "table": table, "sql": [warehouse.sql(name) for name in names],
                 **(day if table == OBLIGATIONS_TABLE else {})}
        fixed[table] = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    watermark = warehouse.scalar(con, "select max(ingested_at) from raw.submissions")
    text = compose(_VERDICTS, columns=VERDICT_COLUMNS)
    lasts = {table: last for table in TABLES if (last := _last_recipe(con, table)) is not None}
    digests = {}  # the verdicts as of each watermark a table was last built at (one, as a rule)
    for until in sorted({last[1] for last in lasts.values()}) or [None]:
        every, digests[until] = con.execute(text, {"until": until}).fetchall()[0]
    earlier = {table: (before, until, digests[until]) for table, (before, until) in lasts.items()}
    return Inputs(fixed, every, watermark, earlier)


def _codes(con: duckdb.DuckDBPyConnection, template: str, since: datetime) -> list[str]:
    tables = {code.lower(): REPORT_TYPES[code].table for code in ("R1", "R2", "R3", "R5")
              if "{" + code.lower() + "}" in template}
    text = compose(template, **tables)
    return sorted(r[0] for r in con.execute(text, {"since": since}).fetchall() if r[0] is not None)


# the schools whose obligations files taken in since $since touch: those a file names (refused
# ones count against them), the senders of the accepted rows, and for a base report every host
# school any version of that base ever had (the base may have moved: its old host's rows go)
_OBLIGATION_SCHOOLS = """
with new as (select * from raw.submissions where ingested_at > $since),
accepted as (select submission_id from new where status = 'accepted')
select unnest(schools_named) from new
union select school_code from {r5} where submission_id in (select submission_id from accepted)
union select host_university_code from {r3} where submission_id in (select submission_id from accepted)
union select host_school_code from {r2}
    where base_code in (select base_code from {r2} where submission_id in (select submission_id from accepted))
"""
# the senders whose supersessions they touch: the senders of their accepted rows
_SUPERSESSION_SCHOOLS = """
with accepted as (select submission_id from raw.submissions where ingested_at > $since and status = 'accepted')
select school_code from {r1} where submission_id in (select submission_id from accepted)
union select host_school_code from {r2} where submission_id in (select submission_id from accepted)
union select host_university_code from {r3} where submission_id in (select submission_id from accepted)
union select school_code from {r5} where submission_id in (select submission_id from accepted)
"""


def affected_schools(con: duckdb.DuckDBPyConnection, table: str, since: datetime) -> list[str]:
    """The schools whose rows in `table` (obligations or supersessions) files taken in after
    `since` may have changed."""
    return _codes(con, _OBLIGATION_SCHOOLS if table == OBLIGATIONS_TABLE else _SUPERSESSION_SCHOOLS, since)


# ---------------------------------------------------------------- the build

@dataclass(frozen=True)
class Built:
    """What `rebuild` did to each table (`tables`): `skipped` (nothing it reads changed),
    `schools` (only the rows of `changed[table]` replaced) or `whole`; `how` and `schools` say it
    of the obligations."""

    tables: dict[str, str]
    changed: dict[str, tuple[str, ...]]

    @property
    def how(self) -> str:
        return self.tables[OBLIGATIONS_TABLE]

    @property
    def schools(self) -> tuple[str, ...]:
        return self.changed.get(OBLIGATIONS_TABLE, ())


def _write_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    with warehouse.registered(con, frame=warehouse.ArrowStream(frame)) as views:
        con.execute(compose("insert into {table} by name select * from {frame}", table=table, frame=views["frame"]))


def _select(table: str) -> str:
    """The SELECT of a table by school (obligations, supersessions), over `prepare`'s temp objects."""
    return obligations_sql() if table == OBLIGATIONS_TABLE else supersessions_sql()


def rebuild(con: duckdb.DuckDBPyConnection, as_of: date, deadlines: dict[str, Deadline] | None = None,
            force: bool = False) -> Built:
    """Bring the three senders tables up to date as of `as_of`, in one transaction, each on its
    own: not at all when nothing it reads changed, school by school when only files of a few
    schools were taken in since its last build (the error lists, a row per refused file: whole),
    else whole (always whole when `force`). A new day rebuilds the obligations whole, not the
    other two."""
    deadlines = deadlines if deadlines is not None else load_deadlines()
    how: dict[str, str] = {}
    changed: dict[str, tuple[str, ...]] = {}
    with warehouse.transaction(con):
        now = inputs(con, as_of, deadlines, prepare(con, as_of, deadlines))
        params = {"as_of": as_of}
        for table in TABLES:  # table names are this module's constants
            fingerprint = now.fingerprint(table)
            if not force and warehouse.is_built(con, table, fingerprint):
                how[table] = "skipped"
                continue
            since = None if force or table == ERROR_LISTS_TABLE else now.since(table)
            if since is not None and warehouse.is_built(con, table, warehouse.stored_fingerprint(con, table)):
                codes = affected_schools(con, table, since)
                if codes:
                    warehouse.replace_schools(con, table, _select(table), codes, bound(_select(table), params))
                how[table], changed[table] = "schools", tuple(codes)
                # school by school: the schools replaced (none: no row changed), for what follows
                # the table (the snapshot)
                warehouse.record_build(con, table, fingerprint, changed=codes, recipe=now.recipe(table))
                continue
            con.execute(f"delete from {table}")
            if table == ERROR_LISTS_TABLE:
                _write_frame(con, table, error_lists(con))
            else:
                con.execute(compose("insert into {table} by name ", table=table) + _select(table),
                            bound(_select(table), params))
            how[table] = "whole"
            warehouse.record_build(con, table, fingerprint, recipe=now.recipe(table))
    return Built(how, changed)
