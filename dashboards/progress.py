"""Arithmetic the pages show beside a target: the straight path to it, the pace so far carried
forward, what each remaining year must add, and the two shares the progress ratio compares.

Pure functions (the status itself comes from the pipeline, indicators.indicator_values).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.indicators.progress import linear_projection


def straight_path(baseline: float, baseline_year: int, target: float, deadline_year: int) -> list[tuple[int, float]]:
    """The straight line from the baseline to the target, one point per year."""
    if deadline_year <= baseline_year:
        return [(deadline_year, target)]
    step = (target - baseline) / (deadline_year - baseline_year)
    return [(y, baseline + step * (y - baseline_year)) for y in range(baseline_year, deadline_year + 1)]


def projection_path(baseline: float, baseline_year: int, value: float, year: int,
                    deadline_year: int) -> list[tuple[int, float]]:
    """The pace from the baseline to the latest value, carried on to the deadline: one point per
    year of the pipeline's linear projection (the snapshot's `linear_projection_by_deadline` is
    its last)."""
    if year <= baseline_year or deadline_year <= year:
        return []
    return [(y, linear_projection(baseline, baseline_year, value, year, y)) for y in range(year, deadline_year + 1)]


def required_per_year(value: float, year: int, target: float, deadline_year: int) -> float | None:
    """How much each year left must add to reach the target by the deadline (None when reached or
    when no year is left)."""
    if value >= target or deadline_year <= year:
        return None
    return (target - value) / (deadline_year - year)


@dataclass(frozen=True)
class Shares:
    distance_covered: float  # (v - b) / (T - b)
    time_elapsed: float  # (t - t0) / (D - t0)


def ratio_shares(baseline: float, baseline_year: int, value: float, year: int, target: float,
                 deadline_year: int) -> Shares | None:
    """The two shares whose quotient is the progress ratio R (for saying *why* a status)."""
    if target == baseline or deadline_year <= baseline_year or year <= baseline_year:
        return None
    return Shares((value - baseline) / (target - baseline), (year - baseline_year) / (deadline_year - baseline_year))
