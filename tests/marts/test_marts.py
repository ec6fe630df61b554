"""The marts over hand-made staging rows: the registry with its history, the youth programme
without personal identifiers, and the checks on them."""

from __future__ import annotations

import pytest

from pipelines.marts.checks import mart_checks, mart_key, yip_no_personal_identifiers
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse


@pytest.fixture
def w(con) -> Warehouse:
    return Warehouse(con)


def test_dim_school_and_its_history(w):
    w.submit("R0", "名录2024.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    moved = {**SCHOOLS[2], "district_code": "120104"}
    closed = {**SCHOOLS[3], "valid_to": "2025-07-31"}
    successor = {"school_code": "3412000009", "school_name": "演示初中", "district_code": "120103",
                 "school_type": "senior_secondary", "valid_from": "2025-08-01"}
    w.submit("R0", "名录2025.xlsx", "2025-09-01T08:00:00", [moved, closed, successor])
    w.refresh()
    dim = {r["school_code"]: r for r in w.con.sql("select * from marts.dim_school").pl().iter_rows(named=True)}
    assert len(dim) == 8
    assert dim["3412000003"]["district_code"] == "120104" and dim["3412000003"]["version_count"] == 2
    assert dim["3412000003"]["district_name_zh"] == "南开区"
    assert dim["3412000001"]["category"] == "senior_secondary" and dim["3412000001"]["school_type_zh"] == "高级中学"
    assert dim["4112000006"]["is_annual_report_required"] is False
    assert dim["5112000007"]["category"] == "special_education" and dim["5112000007"]["is_annual_report_required"]
    # judged on the as-of (2025-09-01), not on the clock, apart from dim_school (issue 15 #3)
    assert "is_active" not in dim["3112000004"]
    active = dict(w.con.sql("select school_code, is_active from marts.dim_school_active").fetchall())
    assert active.keys() == dim.keys()
    assert active["3112000004"] is False and active["2112000005"] is False
    assert active["5112000007"] is True
    assert w.con.sql("select distinct as_of_date::varchar from marts.dim_school_active").fetchall() == [("2025-09-01",)]
    # the category change: same name, new code, opened the day after the old one closed
    assert dim["3412000009"]["predecessor_school_code"] == "3112000004"
    history = w.con.sql(
        "select version_number, district_code, has_changed_district, is_in_force, superseded_at is null "
        "from marts.dim_school_history where school_code = '3412000003' order by version_number"
    ).fetchall()
    assert history == [(1, "120103", False, False, False), (2, "120104", True, True, True)]


def test_yip_mart_has_keyed_hashes_only(w):
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R3", "名册.xlsx", "2024-10-01T08:00:00", [{
        "cohort_year": 2024, "student_key": "0123456789abcdef0123456789abcdef", "school_code": "3412000001",
        "host_university_code": "4112000006", "start_date": "2024-09-01", "status": "enrolled",
        "outputs": "论文：张三等"}])
    w.refresh()
    columns = w.con.sql("select * from marts.fct_yip_participants").columns
    assert "student_key" in columns and "has_outputs" in columns
    assert not {"name", "student_id", "outputs", "university_mentor_key", "school_mentor_key"} & set(columns)
    assert yip_no_personal_identifiers(w.con).passed
    # a raw identifier where a keyed hash belongs fails the check
    w.con.execute("update marts.fct_yip_participants set student_key = 'G120101200801010011'")
    result = yip_no_personal_identifiers(w.con)
    assert not result.passed and result.metadata["student keys not a keyed hash"].value == 1
    assert result.asset_key == mart_key("fct_yip_participants") and result.check_name == "no_personal_identifiers"


def test_unique_key_checks_pass_and_fail(w):
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R2", "基地.xlsx", "2024-12-01T08:00:00", [
        {"base_code": "FLB-1", "host_school_code": "3412000001", "discipline": "physics", "status": "established",
         "report_year": 2024}])
    w.refresh()
    base_check = next(c for c in mart_checks if c.asset == mart_key("fct_base_year"))
    assert base_check.name == "unique_key" and base_check.blocking
    assert base_check(w.con).passed
    w.con.execute("insert into marts.fct_base_year select * from marts.fct_base_year")
    result = base_check(w.con)
    assert not result.passed and result.metadata["duplicate keys"].value == 1
