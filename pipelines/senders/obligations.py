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
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

import warehouse
from pipelines.intake.schema import REPORT_TYPES
from pipelines.senders.deadlines import Deadline, load_deadlines
from pipelines.senders.recipients import recipient_of, workbook_name
from pipelines.staging.tables import in_force_source

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
# report type -> staging table, sender column, period column, entity column (constants only):
# together they are the entity key of the report type's versions
VERSIONED = {
    "R1": (REPORT_TYPES["R1"].table, "school_code", "null", "null"),
    "R2": (REPORT_TYPES["R2"].table, "host_school_code", "report_year", "base_code"),
    "R3": (REPORT_TYPES["R3"].table, "host_university_code", "cohort_year", "null"),
    "R5": (REPORT_TYPES["R5"].table, "school_code", "report_year", "null"),
}


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


def obligations(con: duckdb.DuckDBPyConnection, as_of: date,
                deadlines: dict[str, Deadline] | None = None) -> pl.DataFrame:
    """Every owed (report, period, sender[, base]) with its deadline and status as of `as_of`."""
    deadlines = deadlines if deadlines is not None else load_deadlines()
    create_in_force_views(con)
    frames, dues = [], []
    for code, deadline in sorted(deadlines.items()):
        if code not in OWED_SQL:
            continue
        sql_name, view, column = OWED_SQL[code]
        years = judged_periods(con, deadline, view, column, as_of)
        frames.append(con.sql(warehouse.sql(sql_name), params={"years": years}).pl())
        dues.extend({"report_type": code, "period": y, "due_date": deadline.due(y)} for y in years)
    schema = {"report_type": pl.String, "period": pl.Int32, "school_code": pl.String, "school_name": pl.String,
              "district_code": pl.String, "entity_code": pl.String, "accepted_submission_id": pl.String}
    owed = pl.concat([f.cast(schema) for f in frames]) if frames else pl.DataFrame(schema=schema)
    due_dates = pl.DataFrame(dues, schema={"report_type": pl.String, "period": pl.Int32, "due_date": pl.Date})
    con.register("owed", owed)
    con.register("due_dates", due_dates)
    try:
        return con.sql(warehouse.sql("senders/obligations"), params={"as_of": as_of}).pl()
    finally:
        con.unregister("owed")
        con.unregister("due_dates")


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


def supersessions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Which accepted file replaced which, per entity key of R1, R2, R3 and R5 (in_force_r0 must exist)."""
    frames = []
    template = warehouse.sql("senders/supersessions")
    for code, (table, sender, period, entity) in VERSIONED.items():
        text = template.format(table=table, sender=sender, period=period, entity=entity)  # constants only
        frames.append(con.sql(text, params={"report_type": code}).pl())
    return pl.concat(frames, how="vertical_relaxed").sort("report_type", "school_code", "period", "arrived_at",
                                                           nulls_last=True)


def rebuild(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, pl.DataFrame]:
    """Replace the three senders tables, in one transaction. Returns what was written."""
    built = {OBLIGATIONS_TABLE: obligations(con, as_of), ERROR_LISTS_TABLE: error_lists(con),
             SUPERSESSIONS_TABLE: supersessions(con)}
    with warehouse.transaction(con):
        for table, frame in built.items():  # table names are this module's constants
            con.execute(f"delete from {table}")
            con.register("senders_frame", frame)
            try:
                con.execute(f"insert into {table} by name select * from senders_frame")
            finally:
                con.unregister("senders_frame")
    return built
