"""The forward-looking SHS estimate: observed moves, rates, chains and the expected count."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines.indicators.forecast import (
    Candidate,
    Event,
    chain,
    expected_named,
    forecast_frame,
    observe_moves,
    stage_rates,
)


def ev(school, stage, day):
    return Event(school, stage, date.fromisoformat(day))


HISTORY = [
    # A: applied -> city_approved (100 d) -> midterm (200 d) -> named (300 d)
    ev("A", "applied", "2024-01-01"), ev("A", "city_approved", "2024-04-10"), ev("A", "midterm_reviewed", "2024-10-27"),
    ev("A", "named", "2025-08-23"),
    # B: applied -> withdrawn
    ev("B", "applied", "2024-02-01"), ev("B", "withdrawn", "2024-06-01"),
    # C: applied -> city_approved (50 d), 整改 on the way, -> midterm (100 d), still there
    ev("C", "applied", "2024-03-01"), ev("C", "city_approved", "2024-04-20"), ev("C", "rectification", "2024-06-01"),
    ev("C", "midterm_reviewed", "2024-07-29"),
    # D: applied, still there
    ev("D", "applied", "2025-05-01"),
]


def test_observed_moves_and_rates():
    moves = observe_moves(HISTORY)
    assert (moves["applied"].transitions, moves["applied"].withdrawals, moves["applied"].censored) == (2, 1, 1)
    assert moves["applied"].days == (50, 100)
    assert (moves["city_approved"].transitions, moves["city_approved"].days) == (2, (100, 200))
    assert (moves["midterm_reviewed"].transitions, moves["midterm_reviewed"].censored) == (1, 1)
    assert moves["district_recommended"].transitions + moves["district_recommended"].censored == 0
    rates = stage_rates(moves)
    assert rates["applied"].rate == pytest.approx(2 / 3) and rates["applied"].median_days == 75
    assert rates["district_recommended"].rate == 1.0 and rates["district_recommended"].median_days == 0
    p, d = chain(rates, "applied")
    assert p == pytest.approx(2 / 3) and d == 75 + 150 + 300


def test_a_stage_entered_without_moves_borrows_the_pooled_rate():
    moves = observe_moves([ev("A", "applied", "2024-01-01"), ev("A", "city_approved", "2024-03-01"),
                           ev("B", "applied", "2024-01-01"), ev("B", "withdrawn", "2024-02-01"),
                           ev("C", "city_approved", "2024-05-01")])
    rates = stage_rates(moves)
    assert rates["city_approved"].is_pooled and rates["city_approved"].rate == pytest.approx(1 / 2)
    assert rates["city_approved"].median_days == 60


def test_expected_named_respects_the_deadline():
    rates = stage_rates(observe_moves(HISTORY))
    candidates = [Candidate("C", "midterm_reviewed", date(2024, 7, 29)), Candidate("D", "applied", date(2025, 5, 1)),
                  Candidate("E", "applied", date(2030, 6, 1))]
    got = expected_named(candidates, rates, date(2030, 12, 31))
    # C: midterm -> named in 300 d, certain; D: 525 d, 2/3; E would be named in 2031: not counted
    assert got["midterm_reviewed"] == pytest.approx(1.0)
    assert got["applied"] == pytest.approx(2 / 3)


def test_forecast_frame_total_row():
    frame = forecast_frame(HISTORY, [Candidate("C", "midterm_reviewed", date(2024, 7, 29)),
                                     Candidate("D", "applied", date(2025, 5, 1))],
                           named_now=1, as_of=datetime(2026, 1, 1), deadline_year=2030, target=25,
                           named_series=[(2024, 0), (2025, 1)])
    total = frame.filter(frame["stage"] == "").row(0, named=True)
    assert total["candidates"] == 2 and total["named_now"] == 1
    assert total["projected_named_by_deadline"] == pytest.approx(1 + 1 + 2 / 3)
    assert total["linear_projection_by_deadline"] == pytest.approx(6)
    assert "验收命名" in total["method_zh"] and "median" in total["method_en"]
    assert frame.height == 5


def test_no_moves_at_all_gives_no_estimate():
    frame = forecast_frame([ev("A", "applied", "2025-01-01")], [Candidate("A", "applied", date(2025, 1, 1))],
                           named_now=0, as_of=datetime(2025, 2, 1), deadline_year=2030, target=25,
                           named_series=[(2025, 0)])
    total = frame.filter(frame["stage"] == "").row(0, named=True)
    assert total["projected_named_by_deadline"] is None and total["linear_projection_by_deadline"] is None


# ---------------------------------------------------------------- one outlook with a range (issue 16)

def test_the_outlook_counts_candidates_still_waiting_and_gives_a_range():
    from pipelines.indicators.forecast import simulate_outlook

    # ten schools moved from applied to named in 100 + 100 days; none withdrew
    history = []
    for i in range(10):
        history += [ev(f"S{i}", "applied", "2024-01-01"), ev(f"S{i}", "midterm_reviewed", "2024-04-10"),
                    ev(f"S{i}", "named", "2024-07-19")]
    fresh = [Candidate(f"N{i}", "applied", date(2026, 10, 1)) for i in range(4)]
    stuck = [Candidate(f"W{i}", "applied", date(2024, 1, 1)) for i in range(4)]  # waited 1,000 days, moves took 99
    as_of, deadline = date(2026, 10, 1), date(2030, 12, 31)
    without_stuck = simulate_outlook(history + [ev(c.school_code, "applied", "2026-10-01") for c in fresh],
                                     fresh, 10, as_of, deadline)
    assert without_stuck.stuck == 0
    assert without_stuck.low <= without_stuck.central <= without_stuck.high
    assert 12 <= without_stuck.central <= 14  # fresh candidates with an all-pass record: nearly all named
    events = history + [ev(c.school_code, "applied", c.entered_date.isoformat()) for c in fresh + stuck]
    with_stuck = simulate_outlook(events, fresh + stuck, 10, as_of, deadline)
    assert with_stuck.stuck == 4
    # the waiting schools weigh on the rate: the outlook is not "every candidate passes every stage"
    assert with_stuck.central < 10 + len(fresh + stuck)
    assert with_stuck.high - with_stuck.low > 0
    # reproducible: the same inputs give the same outlook
    assert simulate_outlook(events, fresh + stuck, 10, as_of, deadline) == with_stuck
