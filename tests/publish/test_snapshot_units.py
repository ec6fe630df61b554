"""The snapshot's unit tables (indicators.value_units, unit_sources) follow an indicator build that
went school by school: only those schools' units are replaced, and the snapshot equals one
written anew."""

from __future__ import annotations

import duckdb

from pipelines.publish.snapshot import publish_snapshot
from tests.indicators.test_indicator_values import r5
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse
from tests.publish.test_snapshot import snapshot_contents


def _warehouse(con):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报2024.xlsx", "2024-11-20T08:00:00", [r5("3412000001", 2024, 1000, 1, 500),
                                                           r5("3412000003", 2024, 600, 0, 100)])
    w.submit("R5", "年报2025.xlsx", "2025-11-20T08:00:00", [r5("3412000001", 2025, 1000, 1, 400),
                                                           r5("3412000002", 2025, 800, 0, 300)])
    w.refresh()
    return w


def test_units_of_the_schools_recomputed_are_replaced_and_equal_a_new_snapshot(con, tmp_path):
    w = _warehouse(con)
    assert set(publish_snapshot(con, tmp_path / "a").how.values()) == {"copied"}
    for n, rows in enumerate([[r5("3412000002", 2025, 800, 1, 350)],
                              [r5("3112000004", 2025, 700, 1, 70), r5("3412000003", 2024, 600, 1, 120)]]):
        w.submit("R5", f"年报更正{n}.xlsx", f"2025-11-2{n + 1}T18:00:00", rows)
        summary = w.refresh()
        assert summary.recomputed_schools == sorted(r["school_code"] for r in rows)
        published = publish_snapshot(con, tmp_path / "a")
        assert published.how["indicators.value_units"] == published.how["indicators.unit_sources"] == "updated"
        fresh = publish_snapshot(con, tmp_path / f"fresh{n}", incremental=False)
        assert snapshot_contents(published.path) == snapshot_contents(fresh.path)
        assert published.tables == fresh.tables


def test_units_are_copied_anew_when_the_snapshot_missed_a_build_by_school(con, tmp_path):
    w = _warehouse(con)
    publish_snapshot(con, tmp_path / "a")
    for n, active in ((1, 410), (2, 420)):  # two builds school by school, the first never published
        w.submit("R5", f"更正{n}.xlsx", f"2025-11-2{n}T08:00:00", [r5("3412000001", 2025, 1000, 1, active)])
        assert w.refresh().recomputed_schools == ["3412000001"]
    published = publish_snapshot(con, tmp_path / "a")
    assert published.how["indicators.value_units"] == "copied"
    assert snapshot_contents(published.path) == snapshot_contents(publish_snapshot(con, tmp_path / "b", incremental=False).path)


def test_only_the_recomputed_schools_units_are_written(con, tmp_path):
    w = _warehouse(con)
    publish_snapshot(con, tmp_path / "a")
    w.submit("R5", "二中年报2025_更正.xlsx", "2025-11-21T18:00:00", [r5("3412000002", 2025, 800, 1, 350)])
    assert w.refresh().recomputed_schools == ["3412000002"]
    # a unit of another school of the same year, altered behind the build's back: a snapshot that
    # replaced the whole year would copy it, one that follows the schools leaves it as published
    con.execute("update indicators.value_units set numerator = -1 "
                "where indicator_id = 'STE_PARTICIPATION' and period = 2025 and unit_key = '3412000001'")
    published = publish_snapshot(con, tmp_path / "a")
    snap = duckdb.connect(str(published.path), read_only=True)
    try:
        numerators = dict(snap.sql("select unit_key, numerator from indicators.value_units "
                                   "where indicator_id = 'STE_PARTICIPATION' and period = 2025").fetchall())
    finally:
        snap.close()
    assert numerators == {"3412000001": 400, "3412000002": 350}
