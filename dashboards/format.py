"""Numbers, dates and small counts the way an official Chinese document writes them.

Pure functions, no Streamlit: thousands separators (1,234), shares with one decimal and a per
cent sign (12.3%), changes of shares in percentage points (个百分点), dates as 2026年11月30日.

Small counts of minors (the youth programme's students) are hidden the way every export hides
them (pipelines/exports/disclosure.py), and every page asks the helpers at the end of this module:
a count from 1 to 4 is shown as "<5", with a second cell hidden where the first could be worked
out from a total (`shown_counts`); a share is not shown when its numerator or its denominator is
hidden (`value_hidden`); a table of indicator values shows exactly what the export files hold
(`shown_values`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple

import polars as pl

from pipelines.exports.disclosure import (
    MINORS_PREFIX,
    SMALL_COUNT,  # noqa: F401 - the threshold, for the pages' notes
    SUPPRESSED,
    as_text,
    is_small,
    suppress_counts,
    suppressed_values,
)

MISSING = "—"
BEIJING = timezone(timedelta(hours=8), "北京时间")


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value) -> str:
    """1234.0 → '1,234'; None → '—'."""
    if _is_missing(value):
        return MISSING
    return f"{round(value):,}"


def fmt_number(value, decimals: int = 1) -> str:
    """A count, or a non-integer figure with `decimals` places; always with separators."""
    if _is_missing(value):
        return MISSING
    if float(value).is_integer():
        return fmt_int(value)
    return f"{value:,.{decimals}f}"


def fmt_pct(value, decimals: int = 1) -> str:
    """A share already in per cent (0–100): 12.345 → '12.3%'."""
    if _is_missing(value):
        return MISSING
    return f"{value:,.{decimals}f}%"


def fmt_value(value, unit: str) -> str:
    """A figure in its unit: shares as per cent, counts with separators."""
    return fmt_pct(value) if unit == "%" else fmt_number(value)


def fmt_change(value, unit: str, lang: str = "zh") -> str:
    """A change since last year: '+3', '−1.2个百分点' / '−1.2 pp'."""
    if _is_missing(value):
        return MISSING
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    magnitude = abs(value)
    if unit == "%":
        text = f"{magnitude:,.1f}"
        return f"{sign}{text}个百分点" if lang == "zh" else f"{sign}{text} pp"
    return f"{sign}{fmt_number(magnitude)}"


def fmt_ratio(value) -> str:
    """The progress ratio R of the linear method: two decimals."""
    if _is_missing(value):
        return MISSING
    return f"{value:.2f}"


def fmt_date(value, lang: str = "zh") -> str:
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def to_beijing(value: datetime) -> datetime:
    """The warehouse stores `*_at` timestamps in UTC without a zone; staff read Beijing time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING)


def fmt_datetime(value, lang: str = "zh") -> str:
    """A UTC timestamp of the warehouse, in Beijing time: '2026年11月30日 16:00'."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return fmt_date(value, lang)
    local = to_beijing(value)
    return f"{fmt_date(local, lang)} {local.hour:02d}:{local.minute:02d}"


def fmt_year(value, lang: str = "zh") -> str:
    if _is_missing(value):
        return MISSING
    return f"{int(value)}年" if lang == "zh" else str(int(value))


def fmt_count_suppressed(value, hidden: bool | None = None) -> str:
    """A count of students, '<5' when hidden (by default: when it is 1–4)."""
    if _is_missing(value):
        return MISSING
    if hidden is None:
        hidden = is_small(value)
    return SUPPRESSED if hidden else fmt_int(value)


# ---------------------------------------------------------------- small counts of minors

def counts_minors(indicator_id: str) -> bool:
    """Whether an indicator counts minors (the youth programme's students): its small counts are hidden."""
    return indicator_id.startswith(MINORS_PREFIX)


def value_hidden(row: Mapping) -> bool:
    """Whether one indicator value (a row of indicator_values: indicator_id, unit, value, numerator,
    denominator) must not be shown: of the minors' indicators, a count of 1 to 4 students, or a
    share whose numerator or denominator is 1 to 4."""
    if not counts_minors(row["indicator_id"]):
        return False
    if row["unit"] == "students":
        return is_small(row["value"])
    return row["unit"] == "%" and (is_small(row.get("numerator")) or is_small(row.get("denominator")))


class ShownCounts(NamedTuple):
    values: list  # for a chart: None where hidden
    texts: list[str]  # for a table or a bar's label: "<5" where hidden
    hidden: list[bool]


def shown_counts(counts: Sequence, has_total: bool = True) -> ShownCounts:
    """One set of counts of students (the bars of a chart, the rows of a table) as they may be
    shown: 1 to 4 hidden, and, when the set's total is shown too (`has_total`), a second cell
    beside a lone hidden one."""
    hidden = suppress_counts(counts, has_total)
    return ShownCounts([None if h else c for c, h in zip(counts, hidden, strict=True)],
                       [fmt_count_suppressed(c, h) for c, h in zip(counts, hidden, strict=True)], hidden)


def shown_values(values: pl.DataFrame) -> pl.DataFrame:
    """Indicator values as the export files write them: value, numerator and denominator as text,
    "<5" in every cell the exports hide (pipelines/exports/disclosure.py)."""
    flags = [f"{c}_suppressed" for c in ("value", "numerator", "denominator")]
    return as_text(suppressed_values(values)).drop(*flags, "is_suppressed")
