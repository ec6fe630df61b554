"""Indicators recomputed year by year: after new annual reports only their years are recomputed,
and the result is always the same as a full rebuild (values and lineage); anything else that
arrives recomputes everything."""

from __future__ import annotations

import pytest

from pipelines.indicators.compute import compute_indicators
from tests.indicators.test_indicator_values import member, r5

VALUES = "select * exclude (as_of) from indicators.indicator_values order by indicator_id, period, geo_code, breakdown"
LINEAGE = "select count(*), sum(hash(l::varchar)) from indicators.value_lineage l"


def state(con):
    return con.sql(VALUES).fetchall(), con.sql(LINEAGE).fetchall(), con.sql(
        "select count(*), sum(hash(u::varchar)) from indicators.value_units u").fetchall()


def city_lineage(con, period: int, school: str) -> list[tuple]:
    """The staging rows behind a school's unit in the city's STE_PARTICIPATION of a year."""
    return con.execute(
        "select submission_id from indicators.value_lineage where indicator_id = 'STE_PARTICIPATION' "
        "and period = $p and geo_code = '120000' and breakdown = '' and entity_key like '%' || $s || '%'",
        {"p": period, "s": school}).fetchall()


def same_as_full_rebuild(con):
    incremental = state(con)
    summary = compute_indicators(con, incremental=False)
    assert summary.recomputed_periods is None
    full = state(con)
    assert incremental[0] == full[0]
    assert incremental[1:] == full[1:]


def test_a_corrected_annual_report_recomputes_its_year_only(w, shs, flb, yip, annual):
    before = w.values("STE_PARTICIPATION")
    w.submit("R5", "三中年报2025_更正.xlsx", "2026-12-21T08:00:00", [r5("3412000003", 2025, 500, 1, 250)])
    summary = w.refresh()
    assert summary.recomputed_periods == [2025]
    after = w.values("STE_PARTICIPATION")
    assert after[2025] == pytest.approx(400 / 1600 * 100) != before[2025]
    assert after[2024] == before[2024] and after[2026] == before[2026]
    assert len(city_lineage(w.con, 2025, "3412000003")) == 1  # the correction, not the report it supersedes
    same_as_full_rebuild(w.con)


def test_nothing_new_recomputes_no_annual_year(w, shs, flb, yip, annual):
    summary = w.refresh()
    assert summary.recomputed_periods == []
    same_as_full_rebuild(w.con)


def test_a_rejected_file_changes_nothing(w, shs, flb, yip, annual):
    w.submit("R5", "坏年报.xlsx", "2026-12-22T08:00:00", [r5("3412000001", 2024, 1, 1, 1)], status="rejected")
    assert w.refresh().recomputed_periods == []
    same_as_full_rebuild(w.con)


@pytest.mark.parametrize("case", ["registry", "roster", "new_year", "as_of_year"])
def test_anything_else_recomputes_everything(w, shs, flb, yip, annual, case):
    if case == "registry":  # a school moves district: every year of every indicator may change
        w.submit("R0", "名录_更新.xlsx", "2026-12-23T08:00:00",
                 [{"school_code": "3412000003", "school_name": "演示三中", "district_code": "120101",
                   "school_type": "senior_secondary"}])
    elif case == "roster":
        w.submit("R4", "联盟成员.xlsx", "2026-12-23T08:00:00", [member("3412000001", "senior", "120101", "2026-02-03")])
    elif case == "new_year":  # the first report of a later year adds a year to every annual indicator
        w.submit("R5", "年报2027.xlsx", "2026-12-23T08:00:00", [r5("3412000001", 2027, 1000, 1, 600)])
    else:  # a new calendar year of arrivals moves the as-of year (quota status, stock carry-forward)
        w.submit("R5", "年报2026_补.xlsx", "2027-01-05T08:00:00", [r5("3412000002", 2026, 800, 1, 100)])
    assert w.refresh().recomputed_periods is None
    same_as_full_rebuild(w.con)


def test_changed_sql_recomputes_everything(w, shs, flb, yip, annual):
    w.con.execute("update meta.indicator_build set recipe = 'an older recipe'")
    assert compute_indicators(w.con).recomputed_periods is None
