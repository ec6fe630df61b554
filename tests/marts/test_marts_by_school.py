"""The annual-report marts follow a new annual report school by school (issue 15 #3): only the
rows of the schools it touches are replaced, the result is what a whole rebuild gives, and
anything that cannot be followed so (the registry, the range of report years, changed SQL)
rebuilds them whole."""

from __future__ import annotations

import warehouse
from pipelines.intake.schema import REPORT_TYPES
from pipelines.marts.build import MARTS_BY_NAME, build_marts, mart_params
from pipelines.staging.tables import refresh_in_force
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse
from tests.marts.test_in_force_refresh import report

ANNUAL, OWED = MARTS_BY_NAME["fct_school_annual_report"], MARTS_BY_NAME["fct_annual_report_obligation"]
A, B = SCHOOLS[0]["school_code"], SCHOOLS[1]["school_code"]


def refresh(con) -> dict[str, str | None]:
    """One run's staging and marts; returns the fingerprints the two marts had before it."""
    before = {m.table: warehouse.stored_fingerprint(con, m.table) for m in (ANNUAL, OWED)}
    for r in REPORT_TYPES.values():
        refresh_in_force(con, r)
    build_marts(con)
    return before


def assert_as_rebuilt(con) -> None:
    as_of = warehouse.newest_arrival(con)
    for mart in (ANNUAL, OWED):
        text = warehouse.sql(mart.sql_name)
        whole = con.execute(f"select * from ({text}) order by all", warehouse.bound(text, mart_params(as_of))).fetchall()
        assert con.sql(f"select * from {mart.table} order by all").fetchall() == whole, mart.name


def test_a_corrected_annual_report_replaces_only_its_schools_rows(con):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报.xlsx", "2025-11-20T08:00:00",
             [report(A, 2024, 400), report(A, 2025, 500), report(B, 2025, 300)])
    refresh(con)
    assert_as_rebuilt(con)

    w.submit("R5", "年报_更正.xlsx", "2025-11-25T08:00:00", [report(A, 2025, 600)])
    before = refresh(con)
    for mart in (ANNUAL, OWED):
        assert warehouse.changed_keys(con, mart.table, before[mart.table]) == ("school_code", [A]), mart.name
    assert_as_rebuilt(con)
    assert con.sql(f"select students_in_st_activities from {ANNUAL.table} where school_code = $a "
                   "and report_year = 2025", params={"a": A}).fetchall() == [(600,)]

    # a school's first report of a year already reported by others: still school by school
    w.submit("R5", "年报_新.xlsx", "2025-11-26T08:00:00", [report(B, 2024, 100)])
    before = refresh(con)
    assert warehouse.changed_keys(con, OWED.table, before[OWED.table]) == ("school_code", [B])
    assert_as_rebuilt(con)


def test_what_reads_all_schools_rebuilds_the_marts_whole(con):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报.xlsx", "2025-11-20T08:00:00", [report(A, 2025, 500), report(B, 2025, 300)])
    refresh(con)

    # a new report year: every school owes it, so the obligations are rebuilt whole (the guard);
    # the annual reports still follow the one school
    w.submit("R5", "年报2026.xlsx", "2025-11-25T08:00:00", [report(A, 2026, 10)])
    before = refresh(con)
    assert warehouse.changed_keys(con, ANNUAL.table, before[ANNUAL.table]) == ("school_code", [A])
    assert warehouse.changed_keys(con, OWED.table, before[OWED.table]) is None
    assert_as_rebuilt(con)

    # a new registry: every school's district and type may have moved
    w.submit("R0", "名录_新.xlsx", "2025-11-26T08:00:00", SCHOOLS)
    before = refresh(con)
    for mart in (ANNUAL, OWED):
        assert warehouse.changed_keys(con, mart.table, before[mart.table]) is None, mart.name
    assert_as_rebuilt(con)

    # changed SQL since the last build
    con.execute("update meta.table_builds set recipe = 'older SQL' where table_name = $t", {"t": ANNUAL.table})
    w.submit("R5", "年报_更正.xlsx", "2025-11-27T08:00:00", [report(B, 2025, 301)])
    before = refresh(con)
    assert warehouse.changed_keys(con, ANNUAL.table, before[ANNUAL.table]) is None
    assert_as_rebuilt(con)
