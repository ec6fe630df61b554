"""Every indicator on small hand-made warehouses with known answers: rows go straight into
raw.submissions and the staging tables, then the rows in force, marts and indicators are rebuilt
exactly as the pipeline does (tests/indicators/warehouse_builder.py)."""

from __future__ import annotations

import hashlib

import pytest

from pipelines.indicators.catalog import INDICATORS
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse

UNI2 = {"school_code": "4212000008", "school_name": "海河演示大学", "district_code": "120111",
        "school_type": "higher_education"}


def key(name: str) -> str:
    return hashlib.md5(name.encode()).hexdigest()


@pytest.fixture
def w(con) -> Warehouse:
    wh = Warehouse(con)
    wh.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", [*SCHOOLS, UNI2])
    return wh


def shs_events(school: str, *events: tuple[str, str]) -> list[dict]:
    return [{"school_code": school, "stage": s, "event_date": d} for s, d in events]


# --- science high schools ------------------------------------------------------------------

@pytest.fixture
def shs(w):
    ids = {}
    ids["old1"] = w.submit("R1", "一中_旧.xlsx", "2025-01-05T08:00:00", shs_events(
        "3412000001", ("applied", "2024-03-01"), ("city_approved", "2024-09-01")))
    ids["new1"] = w.submit("R1", "一中.xlsx", "2026-12-20T08:00:00", shs_events(
        "3412000001", ("applied", "2024-03-01"), ("city_approved", "2024-09-01"), ("named", "2025-06-01"),
        ("withdrawn", "2026-05-01")))
    ids["two"] = w.submit("R1", "二中.xlsx", "2025-07-01T08:00:00", shs_events(
        "3412000002", ("applied", "2024-04-01"), ("midterm_reviewed", "2025-03-01"), ("rectification", "2025-05-01")))
    ids["old3"] = w.submit("R1", "三中_旧.xlsx", "2025-01-01T08:00:00", shs_events(
        "3412000003", ("applied", "2024-05-01"), ("withdrawn", "2024-12-01")))
    ids["three"] = w.submit("R1", "三中.xlsx", "2026-09-01T08:00:00", shs_events(
        "3412000003", ("applied", "2024-05-01"), ("named", "2025-12-31"), ("rectification", "2026-03-01")))
    w.refresh()
    return ids


def test_shs_named_counts_from_naming_until_a_later_withdrawal(w, shs):
    assert w.values("SHS_NAMED") == {2024: 0, 2025: 2, 2026: 1}
    # 一中 withdrew in 2026; 三中 is named and stays so under 整改; an older version saying 三中
    # withdrew is superseded by its newest report
    assert w.values("SHS_NAMED", "120101") == {2024: 0, 2025: 1, 2026: 0}
    assert w.values("SHS_NAMED", "120103") == {2024: 0, 2025: 1, 2026: 1}
    assert w.values("SHS_NAMED", "120119") == {2024: 0, 2025: 0, 2026: 0}


def test_shs_named_status_and_lineage(w, shs):
    r2025 = w.row("SHS_NAMED", 2025)
    assert r2025["target"] == 25 and r2025["target_year"] == 2030
    assert r2025["status"] == "limited_progress" and r2025["progress_ratio"] == pytest.approx(2 * 6 / 25)
    assert sorted(r2025["submission_ids"]) == sorted([shs["new1"], shs["three"]])
    assert r2025["submission_count"] == 2
    assert w.row("SHS_NAMED", 2026)["progress_ratio"] == pytest.approx(1 * 6 / (25 * 2))
    assert w.row("SHS_NAMED", 2024)["status"] == "insufficient_data"
    assert w.row("SHS_NAMED", 2026)["as_of"].isoformat() == "2026-12-20T08:00:00"
    assert w.row("SHS_NAMED", 2026, "120101")["target"] is None  # a count target is city-wide
    rows = w.con.sql(
        "select entity_key, sheet_name, row_number from indicators.value_lineage "
        "where indicator_id = 'SHS_NAMED' and period = 2026 and geo_code = '120103' order by row_number"
    ).fetchall()
    assert rows == [
        ("school_code=3412000003 stage=applied event_date=2024-05-01", "数据", 2),
        ("school_code=3412000003 stage=named event_date=2025-12-31", "数据", 3),
        ("school_code=3412000003 stage=rectification event_date=2026-03-01", "数据", 4),
    ]


def test_shs_pipeline_by_stage(w, shs):
    assert w.values("SHS_PIPELINE") == {2024: 3, 2025: 1, 2026: 1}  # candidates: neither named nor withdrawn
    assert w.values("SHS_PIPELINE", breakdown="stage=applied") == {2024: 2, 2025: 0, 2026: 0}
    assert w.values("SHS_PIPELINE", breakdown="stage=rectification") == {2024: 0, 2025: 1, 2026: 1}
    assert w.values("SHS_PIPELINE", breakdown="stage=named") == {2024: 0, 2025: 2, 2026: 1}
    assert w.values("SHS_PIPELINE", breakdown="stage=withdrawn") == {2024: 0, 2025: 0, 2026: 1}
    row = w.row("SHS_PIPELINE", 2026, breakdown="stage=named")
    assert (row["breakdown_dimension"], row["breakdown_value"]) == ("stage", "named")
    total = w.row("SHS_PIPELINE", 2026)
    assert total["breakdown_dimension"] is None and total["breakdown_value"] is None


def test_same_day_withdrawal_cancels_and_renaming_counts_again(w):
    w.submit("R1", "一中.xlsx", "2026-03-01T08:00:00", shs_events(
        "3412000001", ("applied", "2024-03-01"), ("named", "2024-06-01"), ("withdrawn", "2024-06-01")))
    w.submit("R1", "二中.xlsx", "2026-03-01T09:00:00", shs_events(
        "3412000002", ("applied", "2024-03-01"), ("named", "2024-09-01"), ("withdrawn", "2025-02-01"),
        ("applied", "2025-03-01"), ("named", "2026-01-15")))
    w.refresh()
    assert w.values("SHS_NAMED") == {2024: 1, 2025: 0, 2026: 1}


# --- flagship bases --------------------------------------------------------------------------

def base(code, host, discipline, status, year):
    return {"base_code": code, "host_school_code": host, "discipline": discipline, "status": status,
            "report_year": year}


@pytest.fixture
def flb(w):
    ids = {}
    ids["y2024"] = w.submit("R2", "基地2024.xlsx", "2024-12-01T08:00:00", [
        base("FLB-1", "3412000001", "mathematics", "established", 2024),
        base("FLB-2", "3412000003", "physics", "applied", 2024)])
    ids["y2025"] = w.submit("R2", "基地2025.xlsx", "2025-12-01T08:00:00", [
        base("FLB-1", "3412000001", "mathematics", "midterm_reviewed", 2025),
        base("FLB-2", "3412000003", "physics", "established", 2025),
        base("FLB-3", "3412000002", "biology", "established", 2025)])
    ids["y2026"] = w.submit("R2", "基地2026.xlsx", "2026-11-01T08:00:00", [
        base("FLB-3", "3412000002", "biology", "revoked", 2026)])
    ids["fix"] = w.submit("R2", "基地2025_更正.xlsx", "2026-11-20T08:00:00", [
        base("FLB-2", "3412000003", "chemistry", "established", 2025)])
    ids["bad"] = w.submit("R2", "基地2026_错误.xlsx", "2026-11-25T08:00:00", [
        base("FLB-1", "3412000001", "mathematics", "revoked", 2026)], status="rejected")
    w.refresh()
    return ids


def test_flb_active_carries_status_forward_and_drops_revoked(w, flb):
    assert w.values("FLB_ACTIVE") == {2024: 1, 2025: 3, 2026: 2}
    assert w.values("FLB_ACTIVE", "120101") == {2024: 1, 2025: 2, 2026: 1}
    assert w.values("FLB_ACTIVE", "120103") == {2024: 0, 2025: 1, 2026: 1}
    carried = w.con.sql(
        "select base_code, status_report_year, is_carried_forward, base_status from marts.fct_base_year "
        "where period = 2026 order by base_code"
    ).fetchall()
    assert carried == [("FLB-1", 2025, True, "midterm_reviewed"), ("FLB-2", 2025, True, "established"),
                       ("FLB-3", 2026, False, "revoked")]


def test_flb_correction_supersedes_and_rejected_file_is_ignored(w, flb):
    # the correction moved FLB-2 (2025) from physics to chemistry; the rejected file changes nothing
    assert w.values("FLB_ACTIVE", breakdown="discipline=chemistry") == {2024: 0, 2025: 1, 2026: 1}
    assert w.values("FLB_ACTIVE", breakdown="discipline=physics") == {2024: 0, 2025: 0, 2026: 0}
    row = w.row("FLB_ACTIVE", 2026)
    assert sorted(row["submission_ids"]) == sorted([flb["y2025"], flb["fix"]])
    assert flb["bad"] not in row["submission_ids"]
    # the as-of is the newest arrival of accepted data: the later rejected file does not move it
    assert row["as_of"].isoformat() == "2026-11-20T08:00:00"
    assert row["status"] == "limited_progress"
    assert row["progress_ratio"] == pytest.approx((2 - 1) * (2030 - 2024) / ((32 - 1) * (2026 - 2024)))


# --- youth programme --------------------------------------------------------------------------

def student(name, school, status, *, gender=None, start="2024-09-01", end=None, cohort=2024, host="4112000006",
            school_mentor="sm", university_mentor="um"):
    return {"cohort_year": cohort, "student_key": key(name), "gender": gender, "school_code": school,
            "host_university_code": host, "school_mentor_key": school_mentor, "university_mentor_key": university_mentor,
            "start_date": start, "end_date": end, "status": status}


@pytest.fixture
def yip(w):
    ids = {}
    ids["first"] = w.submit("R3", "名册2024.xlsx", "2024-10-01T08:00:00", [
        student("s1", "3412000001", "enrolled", gender="male"),
        student("s2", "3412000002", "enrolled", gender="female", school_mentor=None),
        student("s3", "3412000003", "enrolled", gender="female")])
    ids["fix"] = w.submit("R3", "名册2024_更正.xlsx", "2025-10-01T08:00:00", [
        student("s1", "3412000001", "completed", gender="male", end="2025-07-01"),
        student("s2", "3412000002", "withdrawn", gender="female", school_mentor=None, end="2024-12-01"),
        student("s3", "3412000003", "completed", gender="female", end="2025-07-01"),
        student("s4", "3112000004", "completed", end="2025-07-01")])
    ids["c2025"] = w.submit("R3", "名册2025.xlsx", "2025-11-01T08:00:00", [
        student("s5", "3412000001", "withdrawn", gender="male", cohort=2025, start="2025-09-01", end="2025-10-15"),
        student("s6", "3412000001", "enrolled", gender="female", cohort=2025, start="2025-09-01")])
    ids["uni2"] = w.submit("R3", "海河名册2025.xlsx", "2025-11-05T08:00:00", [
        student("s6", "3412000001", "enrolled", gender="female", cohort=2025, start="2025-09-01", host="4212000008")])
    w.refresh()
    return ids


def test_yip_enrolled_counts_the_corrected_roster_and_each_student_once(w, yip):
    assert w.values("YIP_ENROLLED") == {2024: 4, 2025: 2}
    assert w.values("YIP_ENROLLED", breakdown="gender=female") == {2024: 2, 2025: 1}
    assert w.values("YIP_ENROLLED", breakdown="gender=unknown") == {2024: 1}
    assert w.values("YIP_ENROLLED", "120101") == {2024: 2, 2025: 2}
    assert w.values("YIP_ENROLLED", "120103") == {2024: 2, 2025: 0}
    # s6 is on two rosters of 2025: counted once, with the newest (海河)
    assert w.values("YIP_ENROLLED", breakdown="host_university=4112000006") == {2024: 4, 2025: 1}
    assert w.values("YIP_ENROLLED", breakdown="host_university=4212000008") == {2025: 1}
    assert w.row("YIP_ENROLLED", 2024)["submission_ids"] == [yip["fix"]]
    assert (w.row("YIP_ENROLLED", 2024)["status"], w.row("YIP_ENROLLED", 2025)["status"]) == ("not_met", "in_progress")


def test_yip_dual_mentor_share(w, yip):
    r = w.row("YIP_DUAL_MENTOR", 2024)
    assert (r["value"], r["numerator"], r["denominator"], r["unit"]) == (75.0, 3, 4, "%")
    assert r["status"] == "not_met"
    r = w.row("YIP_DUAL_MENTOR", 2025)
    assert (r["value"], r["status"]) == (100.0, "met")
    assert w.row("YIP_DUAL_MENTOR", 2024, "120101")["value"] == 50.0  # rates apply to districts too
    assert w.row("YIP_DUAL_MENTOR", 2024, "120101")["target"] == 100


def test_yip_completion_counts_only_ended_terms(w, yip):
    # 2024 cohort: term over (start + 1 year <= as-of 2025-11-05): 3 completed, 1 withdrawn
    r = w.row("YIP_COMPLETION", 2024)
    assert (r["value"], r["numerator"], r["denominator"]) == (75.0, 3, 4)
    # 2025 cohort: its term runs until 2026-09-01; s5's early withdrawal is not judged yet
    r = w.row("YIP_COMPLETION", 2025)
    assert (r["value"], r["numerator"], r["denominator"]) == (None, 0, 0)


def test_no_student_key_reaches_lineage_or_values(w, yip):
    keys = [key(f"s{i}") for i in range(1, 7)]
    lineage = w.con.sql("select string_agg(entity_key, ' ') from indicators.value_lineage").fetchall()[0][0]
    assert not any(k in lineage for k in keys)
    values = w.con.sql("select string_agg(breakdown, ' ') from indicators.indicator_values").fetchall()[0][0]
    assert not any(k in values for k in keys)


# --- alliance ---------------------------------------------------------------------------------

def member(code, member_type, district, joined, left=None):
    return {"member_code": code, "member_name": f"成员{code[-4:]}", "member_type": member_type,
            "district_code": district, "joined_date": joined, "left_date": left}


def test_alliance_members_and_districts(w):
    w.submit("R4", "联盟成员.xlsx", "2026-02-10T08:00:00", [
        member("3412000001", "senior", "120101", "2026-02-03"),
        member("4112000006", "university", "120104", "2026-02-03"),
        member("91120116MA05XXXX1X", "enterprise", "120116", "2026-02-03", "2026-06-30")])
    w.submit("R4", "联盟成员_更新.xlsx", "2027-01-10T08:00:00", [
        member("4112000006", "university", "120104", "2026-02-03", "2026-12-31"),
        member("12120000MB1234567Y", "research_institute", "120104", "2027-01-05")])
    w.refresh()
    # at the end of 2026: the enterprise left in June, the university on 31 December
    assert w.values("ALLIANCE_MEMBERS") == {2026: 1, 2027: 2}
    assert w.values("ALLIANCE_MEMBERS", breakdown="member_type=enterprise") == {2026: 0, 2027: 0}
    assert w.values("ALLIANCE_MEMBERS", breakdown="member_type=research_institute") == {2026: 0, 2027: 1}
    assert w.values("ALLIANCE_MEMBERS", "120104") == {2026: 0, 2027: 1}
    assert w.values("ALLIANCE_DISTRICTS") == {2026: 1, 2027: 2}
    r = w.row("ALLIANCE_DISTRICTS", 2027)
    assert (r["numerator"], r["denominator"]) == (2, 16)
    assert w.con.sql("select count(*) from indicators.indicator_values where indicator_id = 'ALLIANCE_DISTRICTS' "
                     "and geo_code <> '120000'").fetchall()[0][0] == 0


# --- annual reports ---------------------------------------------------------------------------

def r5(school, year, enrolled, vp, active):
    return {"school_code": school, "report_year": year, "enrolled_students": enrolled,
            "science_vice_principals": vp, "students_in_st_activities": active}


@pytest.fixture
def annual(w):
    ids = {}
    ids["y2024"] = w.submit("R5", "年报2024.xlsx", "2024-11-20T08:00:00", [
        r5("3412000001", 2024, 1000, 1, 500), r5("3412000002", 2024, 800, 0, 400), r5("2112000005", 2024, 600, 2, 300)])
    ids["fix"] = w.submit("R5", "二中年报2024_更正.xlsx", "2024-11-25T08:00:00", [r5("3412000002", 2024, 800, 1, 200)])
    ids["y2025"] = w.submit("R5", "年报2025.xlsx", "2025-11-20T08:00:00", [
        r5("3412000001", 2025, 1000, 0, 100), r5("3412000003", 2025, 500, 1, 500), r5("5112000007", 2025, 100, 1, 50)])
    ids["bad"] = w.submit("R5", "初中年报2025.xlsx", "2025-11-28T08:00:00", [r5("3112000004", 2025, 700, 1, 10)],
                          status="rejected")
    ids["y2026"] = w.submit("R5", "年报2026.xlsx", "2026-11-20T08:00:00", [r5("3412000001", 2026, 1000, 1, 600)])
    w.refresh()
    return ids


def test_ste_vice_principal_and_participation_over_reports_in_force(w, annual):
    assert w.values("STE_VICE_PRINCIPAL") == pytest.approx({2024: 100.0, 2025: 200 / 3, 2026: 100.0})
    assert [w.row("STE_VICE_PRINCIPAL", y)["status"] for y in (2024, 2025, 2026)] == ["met", "not_met", "met"]
    assert w.values("STE_PARTICIPATION") == pytest.approx({2024: 1000 / 2400 * 100, 2025: 650 / 1600 * 100,
                                                           2026: 60.0})
    r = w.row("STE_PARTICIPATION", 2024)
    assert (r["numerator"], r["denominator"], r["target"], r["status"]) == (1000, 2400, None, None)
    assert sorted(r["submission_ids"]) == sorted([annual["y2024"], annual["fix"]])  # the correction supersedes
    assert w.values("STE_VICE_PRINCIPAL", "120104") == {2024: 100.0, 2025: 100.0}


def test_reporting_completeness_follows_openings_and_closures(w, annual):
    # 2024 owes: 一中 二中 三中 初中 小学 (特教 opens 2025-09, the university owes nothing): 3 of 5
    # 2025 owes: the same and 特教 (小学 closes 2025-08-31: still owes 2025): 3 of 6 (the rejected file is no report)
    # 2026 owes: 一中 二中 三中 初中 特教: 1 of 5
    assert w.values("REPORTING_COMPLETENESS") == {2024: 60.0, 2025: 50.0, 2026: 20.0}
    r = w.row("REPORTING_COMPLETENESS", 2025)
    assert (r["numerator"], r["denominator"]) == (3, 6)
    assert w.row("REPORTING_COMPLETENESS", 2025, "120103")["value"] == 50.0
    assert w.row("REPORTING_COMPLETENESS", 2025, breakdown="school_type=junior_secondary")["value"] == 0.0
    assert w.row("REPORTING_COMPLETENESS", 2025, breakdown="school_type=special_education")["value"] == 100.0
    lineage = w.con.sql(
        """select staging_table, contribution, count(*) from indicators.value_lineage
           where indicator_id = 'REPORTING_COMPLETENESS' and period = 2025 and geo_code = '120000' and breakdown = ''
           group by all order by all"""
    ).fetchall()
    assert lineage == [("staging.r0_schools", "denominator", 3), ("staging.r0_schools", "numerator", 3),
                       ("staging.r5_school_annual_reports", "numerator", 3)]
    assert annual["bad"] not in r["submission_ids"]


# --- all together -----------------------------------------------------------------------------

def test_every_indicator_is_computed_and_a_rerun_changes_nothing(w, shs, flb, yip, annual):
    w.submit("R4", "联盟成员.xlsx", "2026-02-10T08:00:00", [member("3412000001", "senior", "120101", "2026-02-03")])
    w.refresh()
    ids = {r[0] for r in w.con.sql("select distinct indicator_id from indicators.indicator_values").fetchall()}
    assert ids == {i.id for i in INDICATORS}
    periods = w.con.sql("select distinct period from indicators.indicator_values order by 1").fetchall()
    assert [p for (p,) in periods] == [2024, 2025, 2026]
    before = w.con.sql("select * from indicators.indicator_values order by all").fetchall()
    lineage = w.con.sql("select count(*), sum(hash(l::varchar)) from indicators.value_lineage l").fetchall()
    w.refresh()
    assert w.con.sql("select * from indicators.indicator_values order by all").fetchall() == before
    assert w.con.sql("select count(*), sum(hash(l::varchar)) from indicators.value_lineage l").fetchall() == lineage
