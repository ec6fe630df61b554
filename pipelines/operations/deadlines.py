"""Report deadlines (seeds/deadlines.csv) and who still owes a report once one has passed.

Who owes what (shared/spec/reports.md):
- R5: every registry school that is neither 高校 nor 其他, active in the year, owes the year's report;
- R3: a host university that sent the previous cohort's roster owes the next one;
- R2: a base not revoked in its previous year's report owes the year's report (its host school sends it).
R0, R1 and R4 arrive "when it changes" and have no deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

import warehouse
from pipelines.intake.schema import REPORT_TYPES
from pipelines.reference.load import read_deadlines
from pipelines.staging.tables import in_force_source

TIMEZONE = ZoneInfo("Asia/Shanghai")
# temp view name -> report type; the overdue SQL reads these views
IN_FORCE_VIEWS = {"in_force_r0": "R0", "in_force_r2": "R2", "in_force_r3": "R3", "in_force_r5": "R5"}
# report type -> (SQL file, the in-force view and period column that says which years have data)
OVERDUE_SQL = {
    "R2": ("operations/overdue_r2", "in_force_r2", "report_year"),
    "R3": ("operations/overdue_r3", "in_force_r3", "cohort_year"),
    "R5": ("operations/overdue_r5", "in_force_r5", "report_year"),
}
OVERDUE_SCHEMA = {
    "report_type": pl.String,
    "report_zh": pl.String,
    "period": pl.Int32,
    "due_date": pl.Date,
    "days_overdue": pl.Int32,
    "sender_code": pl.String,
    "sender_name": pl.String,
    "district_code": pl.String,
    "district_name_zh": pl.String,
    "entity_code": pl.String,
}
REPORT_ZH = {"R2": "领航学科基地年度报告", "R3": "青少年科创计划学员名册", "R5": "学校科技教育年报"}
LOOKBACK_YEARS = 5  # never list more than this many past periods per report type


def today_in_tianjin() -> date:
    return datetime.now(TIMEZONE).date()


@dataclass(frozen=True)
class Deadline:
    report_type: str
    due_month: int
    due_day: int
    label_zh: str
    label_en: str

    def due(self, period: int) -> date:
        return date(period, self.due_month, self.due_day)

    def last_period_due(self, as_of: date) -> int:
        """The newest period whose deadline lies before `as_of` (a report is late the day after)."""
        return as_of.year if as_of > self.due(as_of.year) else as_of.year - 1


def load_deadlines() -> dict[str, Deadline]:
    frame = read_deadlines()
    return {
        r["report_type"]: Deadline(r["report_type"], int(r["due_month"]), int(r["due_day"]), r["label_zh"], r["label_en"])
        for r in frame.iter_rows(named=True)
    }


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    """The rows in force of each report type, as temp views: staging's table when it is current
    (after the staging step of a run), else ranked from all versions."""
    for view, code in IN_FORCE_VIEWS.items():
        con.execute(f"create or replace temp view {view} as {in_force_source(con, REPORT_TYPES[code])}")


def overdue_reports(con: duckdb.DuckDBPyConnection, as_of: date,
                    deadlines: dict[str, Deadline] | None = None) -> pl.DataFrame:
    """Every (report, period, sender) still missing after its deadline, as of `as_of`."""
    deadlines = deadlines if deadlines is not None else load_deadlines()
    _create_views(con)
    frames = []
    for code, deadline in sorted(deadlines.items()):
        if code not in OVERDUE_SQL:
            continue
        sql_name, view, period_column = OVERDUE_SQL[code]
        last = deadline.last_period_due(as_of)
        first = con.sql(f"select min({period_column}) from {view}").fetchall()[0][0]
        first = max(int(first) if first is not None else last, last - LOOKBACK_YEARS + 1)
        years = list(range(first, last + 1))
        if not years:
            continue
        found = con.sql(warehouse.sql(sql_name), params={"years": years}).pl()
        if found.is_empty():
            continue
        frames.append(found.with_columns(
            report_zh=pl.lit(REPORT_ZH[code]),
            due_date=pl.col("period").replace_strict({y: deadline.due(y) for y in years}, return_dtype=pl.Date),
        ))
    districts = con.sql("select district_code, district_name_zh from ref.districts").pl()
    if not frames:
        return pl.DataFrame(schema=OVERDUE_SCHEMA)
    result = (
        pl.concat(frames, how="diagonal_relaxed")
        .join(districts, on="district_code", how="left")
        .with_columns(
            period=pl.col("period").cast(pl.Int32),
            days_overdue=(pl.lit(as_of) - pl.col("due_date")).dt.total_days().cast(pl.Int32),
        )
    )
    return (
        result.select(list(OVERDUE_SCHEMA))
        .cast(OVERDUE_SCHEMA)
        .sort(["report_type", "period", "district_code", "sender_code", "entity_code"], nulls_last=True)
    )
