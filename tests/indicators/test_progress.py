"""The progress method of shared/spec/indicators.md, on its worked example and around its edges."""

from __future__ import annotations

import pytest

from pipelines.indicators.progress import (
    classify_ratio,
    linear_projection,
    progress_ratio,
    quota_progress,
    stock_progress,
)


def test_worked_example_acceleration_needed():
    p = stock_progress([(2025, 0), (2027, 6)], target=25, deadline_year=2030)
    assert p.ratio == pytest.approx(0.6)
    assert p.status == "acceleration_needed"


def test_worked_example_on_track():
    p = stock_progress([(2025, 0), (2026, 3), (2027, 10)], target=25, deadline_year=2030)
    assert p.ratio == pytest.approx(1.0)
    assert p.status == "on_track"


def test_zero_baseline_and_no_progress_is_limited_not_an_error():
    # the growth-rate method would divide by the baseline 0; the linear one does not
    p = stock_progress([(2024, 0), (2026, 0)], target=32, deadline_year=2030)
    assert p.ratio == 0
    assert p.status == "limited_progress"


@pytest.mark.parametrize(
    ("value", "status"),
    [(25, "achieved"), (30, "achieved"), (9.5, "on_track"), (9.4, "acceleration_needed"),
     (5.9, "limited_progress"), (-1, "deterioration")],
)
def test_thresholds(value, status):
    # b = 0 in 2025, T = 25 in 2030, t = 2027: R = v / 10
    assert stock_progress([(2025, 0), (2027, value)], 25, 2030).status == status


def test_fall_below_the_baseline_is_deterioration():
    p = stock_progress([(2024, 12), (2026, 10)], target=32, deadline_year=2030)
    assert p.ratio < 0
    assert p.status == "deterioration"


def test_one_time_point_is_insufficient_unless_already_achieved():
    assert stock_progress([(2026, 7)], 25, 2030).status == "insufficient_data"
    assert stock_progress([], 25, 2030).status == "insufficient_data"
    assert stock_progress([(2026, None)], 25, 2030).status == "insufficient_data"
    assert stock_progress([(2026, 26)], 25, 2030).status == "achieved"


def test_only_first_and_last_points_matter_and_order_is_irrelevant():
    a = stock_progress([(2027, 6), (2025, 0), (2026, 20)], 25, 2030)
    assert a.ratio == pytest.approx(0.6)


def test_ratio_edge_cases():
    assert progress_ratio(0, 2025, 6, 2025, 25, 2030) is None  # no time elapsed
    assert progress_ratio(25, 2025, 20, 2027, 25, 2030) is None  # nothing left to cover at baseline
    assert stock_progress([(2025, 25), (2027, 20)], 25, 2030).status == "deterioration"
    # past the deadline the whole time has elapsed and more
    assert progress_ratio(0, 2025, 20, 2031, 25, 2030) == pytest.approx(20 / 25 / (6 / 5))
    assert classify_ratio(0.95) == "on_track" and classify_ratio(0.6) == "acceleration_needed"
    assert classify_ratio(0.0) == "limited_progress" and classify_ratio(-0.01) == "deterioration"


def test_annual_quota():
    assert quota_progress(104, 100, 2026, 2026).status == "met"
    assert quota_progress(100, 100, 2024, 2026).status == "met"
    assert quota_progress(90, 100, 2024, 2026).status == "not_met"
    assert quota_progress(90, 100, 2026, 2026).status == "in_progress"
    assert quota_progress(None, 100, 2026, 2026).status == "insufficient_data"
    assert quota_progress(99.9, 100, 2025, 2026).status == "not_met"


def test_linear_projection():
    assert linear_projection(0, 2024, 7, 2026, 2030) == pytest.approx(21)
    assert linear_projection(3, 2025, 3, 2025, 2030) is None
