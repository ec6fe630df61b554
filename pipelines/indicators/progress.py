"""Progress status, exactly as shared/spec/indicators.md defines it. Pure functions, no I/O.

Stock targets with a deadline (SHS_NAMED, FLB_ACTIVE): with `b` the value at the first reported
year `t0`, `v` the value at year `t`, `T` the target at deadline year `D`,

    R = ((v - b) / (T - b)) / ((t - t0) / (D - t0))

the share of the distance covered over the share of the time elapsed (linear, so a baseline of 0
works). `v >= T` achieved; `R >= 0.95` on track; `0.6 <= R < 0.95` acceleration needed;
`0 <= R < 0.6` limited progress; `R < 0` deterioration; fewer than two time points insufficient
data. The thresholds are Statistics Canada's, as used by Open SDG (sdg-build `ProgressMeasure.py`).

Annual quotas (a target every year, e.g. 100 students per cohort): met when the year's value
reaches the target; otherwise in progress while the year is the as-of year (or later), not met
once it is past.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ON_TRACK = 0.95
ACCELERATION_NEEDED = 0.6
LIMITED_PROGRESS = 0.0
THRESHOLDS_SOURCE = "Statistics Canada, as used by Open SDG (sdg-build ProgressMeasure.py)"

STOCK_STATUSES = ("achieved", "on_track", "acceleration_needed", "limited_progress", "deterioration",
                  "insufficient_data")
QUOTA_STATUSES = ("met", "not_met", "in_progress", "insufficient_data")


@dataclass(frozen=True)
class Progress:
    status: str
    ratio: float | None = None  # R, where the linear method defines it


def _reached(value: float, target: float, direction: str) -> bool:
    return value <= target if direction == "decrease" else value >= target


def progress_ratio(baseline: float, baseline_year: int, value: float, year: int,
                   target: float, deadline_year: int) -> float | None:
    """R of the linear method, or None where it is undefined (no time elapsed, no distance to go).

    Computed as one division of exact products, so the spec's worked example gives exactly 0.6."""
    if year == baseline_year or target == baseline:
        return None
    time_span = deadline_year - baseline_year
    if time_span <= 0:  # the deadline is the baseline year or before it: all the time has elapsed
        return round((value - baseline) / (target - baseline), 12)
    return round(((value - baseline) * time_span) / ((target - baseline) * (year - baseline_year)), 12)


def classify_ratio(ratio: float) -> str:
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= ACCELERATION_NEEDED:
        return "acceleration_needed"
    if ratio >= LIMITED_PROGRESS:
        return "limited_progress"
    return "deterioration"


def stock_progress(series: Iterable[tuple[int, float | None]], target: float, deadline_year: int,
                   direction: str = "increase") -> Progress:
    """Status of the last point of `series` ((year, value) pairs up to the year judged).

    The baseline is the first year with a value; years without a value are ignored."""
    points = sorted((int(y), float(v)) for y, v in series if v is not None)
    if not points:
        return Progress("insufficient_data")
    t0, b = points[0]
    t, v = points[-1]
    ratio = progress_ratio(b, t0, v, t, target, deadline_year)
    if _reached(v, target, direction):
        return Progress("achieved", ratio)
    if len(points) < 2 or t == t0:
        return Progress("insufficient_data")
    if ratio is None:  # baseline already at the target and the value has fallen below it
        return Progress("deterioration")
    return Progress(classify_ratio(ratio), ratio)


def quota_progress(value: float | None, target: float, period: int, as_of_year: int,
                   direction: str = "increase") -> Progress:
    """Status of one year's value against a yearly quota."""
    if value is None:
        return Progress("insufficient_data")
    if _reached(float(value), target, direction):
        return Progress("met")
    if period >= as_of_year:
        return Progress("in_progress")
    return Progress("not_met")


def linear_projection(baseline: float, baseline_year: int, value: float, year: int, deadline_year: int) -> float | None:
    """The straight line through (t0, b) and (t, v), read at the deadline year (or any year: the
    dashboard's projected path reads it at each year up to the deadline)."""
    if year == baseline_year:
        return None
    return baseline + (value - baseline) * (deadline_year - baseline_year) / (year - baseline_year)
