"""The asset checks on indicator values pass on sound data and fail on what they guard against."""

from __future__ import annotations

import pytest

import warehouse
from pipelines.indicators.checks import (
    city_equals_sum_of_districts,
    reporting_completeness_gaps,
    shares_within_0_100,
    targets_have_status,
)
from tests.indicators.test_indicator_values import r5, shs_events
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse


@pytest.fixture
def built(con, tmp_path):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R1", "一中.xlsx", "2025-03-01T08:00:00", shs_events("3412000001", ("applied", "2024-03-01"),
                                                                    ("named", "2025-01-10")))
    w.submit("R5", "年报2025.xlsx", "2025-11-20T08:00:00", [
        r5("3412000001", 2025, 1000, 1, 500), r5("3412000003", 2025, 500, 0, 100)])
    w.refresh()
    con.close()
    return tmp_path / "warehouse.duckdb"


def evaluate(path, check):
    with warehouse.connect(path) as con:
        return check(con)


def test_checks_pass_on_sound_values(built):
    for check in (city_equals_sum_of_districts, shares_within_0_100, targets_have_status):
        assert evaluate(built, check).passed, check


def test_city_must_equal_the_sum_of_its_districts(built):
    with warehouse.connect(built) as con:
        con.execute("update indicators.indicator_values set value = value + 1 "
                    "where indicator_id = 'SHS_NAMED' and geo_code = '120000' and period = 2025")
        con.execute("update indicators.indicator_values set numerator = 0 "
                    "where indicator_id = 'STE_VICE_PRINCIPAL' and geo_code = '120101' and breakdown = ''")
    result = evaluate(built, city_equals_sum_of_districts)
    assert not result.passed
    assert result.metadata["mismatches"].value == 2


def test_shares_out_of_range_and_missing_status_fail(built):
    with warehouse.connect(built) as con:
        con.execute("update indicators.indicator_values set value = 120 "
                    "where indicator_id = 'STE_PARTICIPATION' and geo_code = '120000' and breakdown = ''")
        con.execute("update indicators.indicator_values set status = null "
                    "where indicator_id = 'SHS_NAMED' and geo_code = '120000'")
    assert not evaluate(built, shares_within_0_100).passed
    assert not evaluate(built, targets_have_status).passed


def test_incomplete_reporting_lists_who_is_missing(built):
    result = evaluate(built, reporting_completeness_gaps)
    assert not result.passed
    assert result.metadata["years below 100%"].value == 1
    missing = result.metadata["missing 2025"].value
    # owed in 2025: 一中 二中 三中 初中 小学 特教; reported: 一中 三中
    for code in ("3412000002", "3112000004", "2112000005", "5112000007"):
        assert code in missing
    assert "3412000001" not in missing and "4112000006" not in missing
