"""Annual-report indicators recomputed school by school: when all that arrived since the last
indicator build are annual reports (R5) and the marts the annual-report units read were brought up
to date school by school (the pipeline does so when only annual reports arrived), only those
schools' units are recomputed, and the values of the years their units changed; the result is the
same as a full rebuild (values, units, lineage). Anything the build cannot follow school by school
falls back to the year-by-year or the whole path."""

from __future__ import annotations

import re

import pytest

import warehouse
from pipelines.indicators.compute import ANNUAL_REPORT_MARTS, ANNUAL_REPORT_QUERY, compute_indicators
from pipelines.intake.schema import REPORT_TYPES
from pipelines.marts.build import MARTS, refresh_mart
from pipelines.staging.tables import refresh_in_force
from tests.indicators.test_incremental import city_lineage
from tests.indicators.test_indicator_values import base, member, r5, shs_events
from warehouse import newest_arrival, transaction

VALUES = "select * exclude (as_of) from indicators.indicator_values order by indicator_id, period, geo_code, breakdown"


def state(con):
    return {
        "values": con.sql(VALUES).fetchall(),
        "units": con.sql("select * from indicators.value_units order by all").fetchall(),
        "sources": con.sql("select * from indicators.unit_sources order by all").fetchall(),
        "lineage": con.sql("select * from indicators.value_lineage order by all").fetchall(),
    }


def same_as_full_rebuild(con):
    followed = state(con)
    assert compute_indicators(con, incremental=False).recomputed_schools is None
    full = state(con)
    for part in full:
        assert followed[part] == full[part], part


def refresh_staging_and_marts(con, force=()):
    """The rows in force and the marts brought up to date as the pipeline does (school by school
    when only annual reports arrived), those named in `force` rebuilt whole."""
    for report in REPORT_TYPES.values():
        refresh_in_force(con, report)
    as_of = newest_arrival(con)
    with transaction(con):
        for mart in MARTS:
            refresh_mart(con, mart, as_of, force=mart.table in force)


def recorded(con):
    return con.sql("select recomputed_schools, recomputed from meta.indicator_build").fetchall()[0]


def test_the_marts_the_annual_units_read_are_found_in_their_sql():
    assert ANNUAL_REPORT_MARTS == ("marts.fct_annual_report_obligation", "marts.fct_school_annual_report")
    read = set(re.findall(r"\b(?:from|join)\s+([a-z_]+\.[a-z_]+)", warehouse.sql(ANNUAL_REPORT_QUERY)))
    assert read == set(ANNUAL_REPORT_MARTS)


def test_corrected_and_late_reports_recompute_their_schools_only(w, shs, flb, yip, annual):
    before = w.values("STE_PARTICIPATION"), w.values("REPORTING_COMPLETENESS")
    w.submit("R5", "三中年报2025_更正.xlsx", "2026-12-21T08:00:00", [r5("3412000003", 2025, 500, 1, 250)])
    w.submit("R5", "初中年报2025_补报.xlsx", "2026-12-21T09:00:00", [r5("3112000004", 2025, 700, 0, 70)])
    w.submit("R5", "二中年报2026.xlsx", "2026-12-21T10:00:00", [r5("3412000002", 2026, 800, 1, 80)])
    summary = w.refresh()
    assert summary.recomputed_schools == ["3112000004", "3412000002", "3412000003"]
    assert summary.recomputed_periods == [2025, 2026]
    assert recorded(w.con) == (["3112000004", "3412000002", "3412000003"], [2025, 2026])
    after = w.values("STE_PARTICIPATION"), w.values("REPORTING_COMPLETENESS")
    assert after[0][2025] == pytest.approx((100 + 250 + 50 + 70) / (1000 + 500 + 100 + 700) * 100)
    assert after[0][2024] == before[0][2024] and after[0][2025] != before[0][2025]
    assert after[1][2025] == pytest.approx(4 / 6 * 100) != before[1][2025]  # 初中 reported late
    assert after[1][2024] == before[1][2024]
    assert len(city_lineage(w.con, 2025, "3412000003")) == 1  # the correction, not the report it supersedes
    same_as_full_rebuild(w.con)


def test_builds_school_by_school_follow_one_another(w, shs, flb, yip, annual):
    for n, (school, year, active) in enumerate([("3412000001", 2026, 700), ("3412000003", 2025, 300),
                                                ("3412000001", 2026, 650)]):
        w.submit("R5", f"更正{n}.xlsx", f"2026-12-2{n + 1}T08:00:00", [r5(school, year, 1000, 1, active)])
        summary = w.refresh()
        assert summary.recomputed_schools == [school]
        assert summary.recomputed_periods == [year]
        same_as_full_rebuild(w.con)  # a whole build records the marts too: the next one follows on from there


def test_a_report_that_changes_nothing_recomputes_no_year(w, shs, flb, yip, annual):
    w.submit("R5", "一中年报2026_重报.xlsx", "2026-12-21T08:00:00", [r5("3412000001", 2026, 1000, 1, 600)])
    summary = w.refresh()
    assert summary.recomputed_schools == ["3412000001"]
    # the school's units are recomputed; only the submission behind them changed, so its year too
    assert summary.recomputed_periods == [2026]
    same_as_full_rebuild(w.con)


def test_nothing_new_recomputes_nothing(w, shs, flb, yip, annual):
    summary = compute_indicators(w.con)
    assert (summary.recomputed_schools, summary.recomputed_periods) == ([], [])
    same_as_full_rebuild(w.con)


def test_marts_rebuilt_whole_fall_back_to_the_years(w, shs, flb, yip, annual):
    w.submit("R5", "三中年报2025_更正.xlsx", "2026-12-21T08:00:00", [r5("3412000003", 2025, 500, 1, 250)])
    refresh_staging_and_marts(w.con, force=ANNUAL_REPORT_MARTS)  # nothing says which schools changed
    summary = compute_indicators(w.con)
    assert (summary.recomputed_schools, summary.recomputed_periods) == (None, [2025])
    assert recorded(w.con) == (None, [2025])
    same_as_full_rebuild(w.con)


def test_marts_built_twice_since_fall_back_to_the_years(w, shs, flb, yip, annual):
    w.submit("R5", "三中年报2025_更正.xlsx", "2026-12-21T08:00:00", [r5("3412000003", 2025, 500, 1, 250)])
    refresh_staging_and_marts(w.con)
    w.submit("R5", "一中年报2026_更正.xlsx", "2026-12-22T08:00:00", [r5("3412000001", 2026, 1000, 1, 700)])
    # the marts brought up to date school by school twice since the last indicator build: the
    # second delta starts from a fingerprint that build never saw
    summary = w.refresh()
    assert (summary.recomputed_schools, summary.recomputed_periods) == (None, [2025, 2026])
    same_as_full_rebuild(w.con)


@pytest.mark.parametrize("case", ["registry", "roster", "shs", "base", "new_year", "as_of_year"])
def test_anything_else_falls_back_to_the_whole_build(w, shs, flb, yip, annual, case):
    if case == "registry":  # a school moves district: every year of every indicator may change
        w.submit("R0", "名录_更新.xlsx", "2026-12-23T08:00:00",
                 [{"school_code": "3412000003", "school_name": "演示三中", "district_code": "120101",
                   "school_type": "senior_secondary"}])
    elif case == "roster":
        w.submit("R4", "联盟成员.xlsx", "2026-12-23T08:00:00", [member("3412000001", "senior", "120101", "2026-02-03")])
    elif case == "shs":
        w.submit("R1", "科学高中_补.xlsx", "2026-12-23T08:00:00",
                 shs_events("3412000002", ("applied", "2024-04-01"), ("named", "2026-12-01")))
    elif case == "base":
        w.submit("R2", "基地_补.xlsx", "2026-12-23T08:00:00", [base("FLB-4", "3412000002", "physics", "established", 2026)])
    elif case == "new_year":  # the first report of a later year adds a year to every annual indicator
        w.submit("R5", "年报2027.xlsx", "2026-12-23T08:00:00", [r5("3412000001", 2027, 1000, 1, 600)])
    else:  # a new calendar year of arrivals moves the as-of year (quota status, stock carry-forward)
        w.submit("R5", "年报2026_补.xlsx", "2027-01-05T08:00:00", [r5("3412000002", 2026, 800, 1, 100)])
    w.submit("R5", "三中年报2025_更正.xlsx", "2026-12-23T09:00:00", [r5("3412000003", 2025, 500, 1, 250)])
    summary = w.refresh()
    assert (summary.recomputed_schools, summary.recomputed_periods) == (None, None)
    assert recorded(w.con) == (None, None)
    same_as_full_rebuild(w.con)


def test_changed_recipe_falls_back_to_the_whole_build(w, shs, flb, yip, annual):
    w.submit("R5", "三中年报2025_更正.xlsx", "2026-12-21T08:00:00", [r5("3412000003", 2025, 500, 1, 250)])
    w.con.execute("update meta.indicator_build set recipe = 'an older recipe'")
    summary = w.refresh()
    assert (summary.recomputed_schools, summary.recomputed_periods) == (None, None)
    same_as_full_rebuild(w.con)


def test_only_the_changed_schools_units_and_groups_are_recomputed(w, shs, flb, yip, annual):
    # a unit of another school of the same year, altered behind the build's back: a build that
    # recomputed the whole year would put it right; one that follows the schools keeps it as it is,
    # and the group it is summed in (another district) as it was
    unit = "indicator_id = 'STE_PARTICIPATION' and period = 2025 and unit_key = '3412000001'"
    w.con.execute(f"update indicators.value_units set numerator = 0 where {unit}")
    w.submit("R5", "三中年报2025_更正.xlsx", "2026-12-21T08:00:00", [r5("3412000003", 2025, 500, 1, 250)])
    assert w.refresh().recomputed_schools == ["3412000003"]
    assert w.con.sql(f"select numerator from indicators.value_units where {unit}").fetchall() == [(0,)]
    assert w.values("STE_PARTICIPATION")[2025] == pytest.approx((100 + 250 + 50) / 1600 * 100)
    # a school of the same group as the altered unit (和平区, senior secondary): the group is summed anew
    w.submit("R5", "一中年报2025_更正.xlsx", "2026-12-22T08:00:00", [r5("3412000001", 2025, 1000, 0, 90)])
    assert w.refresh().recomputed_schools == ["3412000001"]
    assert w.values("STE_PARTICIPATION")[2025] == pytest.approx((90 + 250 + 50) / 1600 * 100)
    same_as_full_rebuild(w.con)


def test_reports_of_schools_outside_the_registry_are_followed_too(w, shs, flb, yip, annual):
    # a school the registry does not know has no district: its units are grouped under none
    unregistered = w.submit("R5", "未登记学校年报2025.xlsx", "2026-12-20T08:00:00",
                            [r5("9912000098", 2025, 300, 1, 30), r5("9912000099", 2025, 200, 0, 20)])
    w.refresh()
    assert unregistered in w.row("STE_PARTICIPATION", 2025)["submission_ids"]  # counted, so it is behind the value
    w.submit("R5", "未登记学校年报2025_更正.xlsx", "2026-12-21T08:00:00", [r5("9912000099", 2025, 200, 1, 40)])
    summary = w.refresh()
    assert (summary.recomputed_schools, summary.recomputed_periods) == (["9912000099"], [2025])
    assert w.row("STE_PARTICIPATION", 2025)["numerator"] == 100 + 500 + 50 + 30 + 40  # 一中, 三中, 特教 and the two
    same_as_full_rebuild(w.con)


def test_a_report_withdrawn_falls_back_to_the_whole_build(w, shs, flb, yip, annual):
    # the data team withdraws an accepted report: its rows leave the rows in force, and nothing
    # new arrived that would say which year
    w.con.execute("update raw.submissions set status = 'rejected' where submission_id = $s", {"s": annual["y2025"]})
    summary = w.refresh()
    assert (summary.recomputed_schools, summary.recomputed_periods) == (None, None)
    assert 2025 not in w.values("STE_PARTICIPATION") or w.values("STE_PARTICIPATION")[2025] is None
    same_as_full_rebuild(w.con)
