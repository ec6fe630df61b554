"""The rows in force of a report type are rebuilt only when that type received an accepted
submission since the last build (or the SQL changed); otherwise the run leaves them alone."""

from __future__ import annotations

from pipelines.intake.in_force import in_force_sql
from pipelines.intake.schema import REPORT_TYPES
from pipelines.staging.assets import in_force_table, refresh_in_force
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
    con.execute("update meta.staging_builds set fingerprint = 'older SQL'")
    assert refresh_in_force(con, R0)
    assert len(rows(con, R0)) == len(SCHOOLS)
