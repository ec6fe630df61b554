"""Who still owes a report once its deadline has passed: the overdue obligations
(pipelines/senders/obligations.py), in the shape of the data team's overdue CSV.

Deadlines themselves live in pipelines/senders/deadlines.py (seeds/deadlines.csv).
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.senders.deadlines import REPORT_ZH, TIMEZONE, Deadline, load_deadlines, today_in_tianjin
from pipelines.senders.obligations import IN_FORCE_VIEWS, obligations

__all__ = ["IN_FORCE_VIEWS", "OVERDUE_SCHEMA", "TIMEZONE", "Deadline", "load_deadlines", "overdue_from_obligations",
           "overdue_reports", "today_in_tianjin"]

OVERDUE_SCHEMA = {
    "report_type": pl.String,
    "report_zh": pl.String,
    "period": pl.Int32,
    "due_date": pl.Date,
    "days_overdue": pl.Int32,
    "status": pl.String,
    "sender_code": pl.String,
    "sender_name": pl.String,
    "district_code": pl.String,
    "district_name_zh": pl.String,
    "entity_code": pl.String,
    "refusal_reason_zh": pl.String,
}


def overdue_from_obligations(owed: pl.DataFrame, districts: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The overdue rows of senders.obligations (as a frame) as the overdue export lists them."""
    late = owed.filter(pl.col("is_overdue"))
    if late.is_empty():
        return pl.DataFrame(schema=OVERDUE_SCHEMA)
    return (
        late.join(districts, on="district_code", how="left")
        .with_columns(
            report_zh=pl.col("report_type").replace_strict(REPORT_ZH, default=None),
            days_overdue=(pl.lit(as_of) - pl.col("due_date")).dt.total_days(),
            sender_code=pl.col("school_code"),
            sender_name=pl.col("school_name"),
        )
        .select(list(OVERDUE_SCHEMA))
        .cast(OVERDUE_SCHEMA)
        .sort(["report_type", "period", "district_code", "sender_code", "entity_code"], nulls_last=True)
    )


def overdue_reports(con: duckdb.DuckDBPyConnection, as_of: date,
                    deadlines: dict[str, Deadline] | None = None) -> pl.DataFrame:
    """Every (report, period, sender) still not accepted after its deadline, as of `as_of`."""
    districts = con.sql("select district_code, district_name_zh from ref.districts").pl()
    return overdue_from_obligations(obligations(con, as_of, deadlines), districts, as_of)
