"""Report deadlines (seeds/deadlines.csv), in Tianjin time.

R0, R1 and R4 arrive "when it changes" (shared/spec/reports.md) and have no deadline: the file
lists R2, R3 and R5 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pipelines.reference.load import read_deadlines

TIMEZONE = ZoneInfo("Asia/Shanghai")
REPORT_ZH = {"R2": "领航学科基地年度报告", "R3": "青少年科创计划学员名册", "R5": "学校科技教育年报"}


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
