"""The rows in force of a report type are rebuilt only when that type received an accepted
submission since the last build (or the SQL changed); otherwise the run leaves them alone."""

from __future__ import annotations

from pipelines.intake.in_force import in_force_sql
from pipelines.intake.schema import REPORT_TYPES
from pipelines.staging.tables import in_force_table, refresh_in_force
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse

R0, R5 = REPORT_TYPES["R0"], REPORT_TYPES["R5"]


def rows(con, report):
    return con.sql(f"select * from {in_force_table(report)} order by all").fetchall()


def report(school, year, active):
    return {"school_code": school, "report_year": year, "enrolled_students": 1000, "science_vice_principals": 1,
            "students_in_st_activities": active}


def test_only_the_report_types_that_received_files_are_rebuilt(con):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报.xlsx", "2025-11-20T08:00:00", [report("3412000001", 2025, 500)])
    assert [refresh_in_force(con, r) for r in (R0, R5)] == [True, True]
    assert [refresh_in_force(con, r) for r in (R0, R5)] == [False, False]

    w.submit("R5", "年报_更正.xlsx", "2025-11-25T08:00:00", [report("3412000001", 2025, 600)])
    w.submit("R0", "坏名录.xlsx", "2025-11-26T08:00:00", SCHOOLS[:1], status="rejected")
    assert [refresh_in_force(con, r) for r in (R0, R5)] == [False, True]
    assert [r[-1] for r in con.sql(f"select students_in_st_activities from {in_force_table(R5)}").fetchall()] == [600]
    for r in (R0, R5):  # what is kept is what a rebuild gives
        assert rows(con, r) == con.sql(f"{in_force_sql(r)} order by all").fetchall()


def test_a_dropped_table_or_a_forced_refresh_rebuilds(con):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    assert refresh_in_force(con, R0)
    con.execute(f"drop table {in_force_table(R0)}")
    assert refresh_in_force(con, R0)
    assert refresh_in_force(con, R0, force=True)
    con.execute("update meta.table_builds set fingerprint = 'older SQL'")
    assert refresh_in_force(con, R0)
    assert len(rows(con, R0)) == len(SCHOOLS)


def test_marts_are_rebuilt_when_what_they_follow_from_changed(con):
    from pipelines.marts.build import MARTS_BY_NAME, build_marts, refresh_mart

    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报.xlsx", "2025-11-20T08:00:00", [report("3412000001", 2025, 500)])
    w.refresh()
    as_of = con.sql("select max(arrived_at) from raw.submissions").fetchall()[0][0]
    dim, annual = MARTS_BY_NAME["dim_school"], MARTS_BY_NAME["fct_school_annual_report"]
    assert refresh_mart(con, dim, as_of)[1] is False and refresh_mart(con, annual, as_of)[1] is False

    # a correction later the same day: the annual reports change, the registry does not
    w.submit("R5", "年报_更正.xlsx", "2025-11-20T18:00:00", [report("3412000001", 2025, 600)])
    for r in (R0, R5):
        refresh_in_force(con, r)
    later = con.sql("select max(arrived_at) from raw.submissions").fetchall()[0][0]
    assert refresh_mart(con, dim, later)[1] is False  # dim_school sees the as-of's date only
    assert refresh_mart(con, annual, later)[1] is True
    assert con.sql(f"select students_in_st_activities from {annual.table}").fetchall() == [(600,)]
    # the next day only whether a school is open may differ: dim_school_active is rebuilt, dim_school
    # and what reads it are not (issue 15 #3: a new day no longer cascades)
    w.submit("R5", "年报_再更正.xlsx", "2025-11-21T09:00:00", [report("3412000001", 2025, 650)])
    refresh_in_force(con, R5)
    next_day = con.sql("select max(arrived_at) from raw.submissions").fetchall()[0][0]
    assert refresh_mart(con, dim, next_day)[1] is False
    assert refresh_mart(con, MARTS_BY_NAME["dim_school_active"], next_day)[1] is True
    assert refresh_mart(con, annual, next_day)[1] is True  # its own rows changed
    assert refresh_mart(con, MARTS_BY_NAME["fct_annual_report_obligation"], next_day)[1] is True  # reads annual
    assert refresh_mart(con, MARTS_BY_NAME["fct_shs_stage_events"], next_day)[1] is False
    for name in ("fct_yip_participants", "fct_alliance_membership", "fct_alliance_member_year"):
        assert refresh_mart(con, MARTS_BY_NAME[name], next_day)[1] is False, name
    assert refresh_mart(con, MARTS_BY_NAME["fct_alliance_member_current"], next_day)[1] is True

    # what a refresh keeps is what a full rebuild gives
    build_marts(con)
    kept = {m.name: con.sql(f"select * from {m.table} order by all").fetchall() for m in MARTS_BY_NAME.values()}
    con.execute("delete from meta.table_builds")
    build_marts(con)
    assert kept == {m.name: con.sql(f"select * from {m.table} order by all").fetchall() for m in MARTS_BY_NAME.values()}


def test_only_two_small_marts_read_the_day_and_nothing_reads_them():
    """A new day (a new as-of date) rebuilds dim_school_active and fct_alliance_member_current,
    one row per school or member, and nothing downstream (issue 15 #3)."""
    from datetime import datetime

    from pipelines.marts.build import MARTS, mart_params
    from warehouse import bound, sql

    day = mart_params(datetime(2026, 11, 30, 8, 0))
    reads_the_day = {m.name for m in MARTS if {"as_of", "as_of_date"} & bound(sql(m.sql_name), day).keys()}
    assert reads_the_day == {"dim_school_active", "fct_alliance_member_current"}
    assert not [m.name for m in MARTS if {f"marts/{n}" for n in reads_the_day} & set(m.upstream)]


def test_a_workbook_holding_two_reports_brings_its_rows_into_force(con):
    """A workbook with an annual report and a roster is one submission of report_type 'R5,R3':
    its annual-report rows are in force as soon as it is accepted, not when the next R5 comes."""
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报.xlsx", "2025-11-20T08:00:00", [report("3412000001", 2025, 500)])
    assert [refresh_in_force(con, r) for r in (R0, R5)] == [True, True]
    both = w.submit("R5", "年报和名册.xlsx", "2025-11-25T08:00:00", [report("3412000001", 2025, 600)])
    con.execute("update raw.submissions set report_type = 'R5,R3' where submission_id = $id", {"id": both})
    assert refresh_in_force(con, R5)
    assert con.sql(f"select students_in_st_activities from {in_force_table(R5)}").fetchall() == [(600,)]
    assert rows(con, R5) == con.sql(f"{in_force_sql(R5)} order by all").fetchall()


def test_new_annual_reports_replace_only_their_schools_rows_and_say_so(con):
    from warehouse import changed_keys, stored_fingerprint

    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    a, b = SCHOOLS[0]["school_code"], SCHOOLS[1]["school_code"]
    w.submit("R5", "年报.xlsx", "2025-11-20T08:00:00", [report(a, 2025, 500), report(b, 2025, 300),
                                                        report(a, 2024, 400)])
    refresh_in_force(con, R5)
    table = in_force_table(R5)
    assert changed_keys(con, table, stored_fingerprint(con, table)) is None  # the first build is whole
    before = stored_fingerprint(con, table)
    untouched = con.sql(f"select rowid from {table} where school_code = $b", params={"b": b}).fetchall()

    w.submit("R5", "年报_更正.xlsx", "2025-11-25T08:00:00", [report(a, 2025, 600)])
    # a late copy of an older version, arriving with an older arrival time: not in force
    w.submit("R5", "年报_旧.xlsx", "2025-11-01T08:00:00", [report(a, 2025, 1)])
    assert refresh_in_force(con, R5)
    assert changed_keys(con, table, before) == ("school_code", [a])
    assert rows(con, R5) == con.sql(f"{in_force_sql(R5)} order by all").fetchall()
    assert con.sql(f"select report_year, students_in_st_activities from {table} where school_code = $a order by 1",
                   params={"a": a}).fetchall() == [(2024, 400), (2025, 600)]
    assert con.sql(f"select rowid from {table} where school_code = $b", params={"b": b}).fetchall() == untouched


def test_what_cannot_be_followed_school_by_school_is_rebuilt_whole(con):
    from warehouse import changed_keys, stored_fingerprint

    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    a = SCHOOLS[0]["school_code"]
    first = w.submit("R5", "年报.xlsx", "2025-11-20T08:00:00", [report(a, 2025, 500)])
    w.submit("R5", "年报_更正.xlsx", "2025-11-21T08:00:00", [report(a, 2025, 600)])
    refresh_in_force(con, R5)
    table = in_force_table(R5)

    def rebuilt_whole(change) -> None:
        before = stored_fingerprint(con, table)
        change()
        assert refresh_in_force(con, R5)
        assert changed_keys(con, table, before) is None
        assert rows(con, R5) == con.sql(f"{in_force_sql(R5)} order by all").fetchall()

    # a submission no longer accepted (withdrawn by the data team): its rows leave, whoever's they are
    rebuilt_whole(lambda: con.execute("update raw.submissions set status = 'rejected' where submission_id = $s",
                                      {"s": first}))
    # the SQL that picks the rows in force changed since the last build
    rebuilt_whole(lambda: (con.execute("update meta.table_builds set recipe = 'older SQL' where table_name = $t",
                                       {"t": table}),
                           w.submit("R5", "年报_再更正.xlsx", "2025-11-22T08:00:00", [report(a, 2025, 700)])))
    # a report type not kept per school (a base's key is the base)
    from tests.indicators.test_indicator_values import base

    w.submit("R2", "基地.xlsx", "2025-11-20T08:00:00", [base("FLB-1", a, "physics", "established", 2025)])
    refresh_in_force(con, REPORT_TYPES["R2"])
    w.submit("R2", "基地_更正.xlsx", "2025-11-21T08:00:00", [base("FLB-1", a, "chemistry", "established", 2025)])
    r2 = in_force_table(REPORT_TYPES["R2"])
    before = stored_fingerprint(con, r2)
    assert refresh_in_force(con, REPORT_TYPES["R2"])
    assert changed_keys(con, r2, before) is None
