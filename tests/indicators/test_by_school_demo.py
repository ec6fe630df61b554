"""The demo city, then corrected and late annual reports saved into the inbox as schools send them:
the whole graph follows them school by school (rows in force, marts, indicators, snapshot), and
what it gives is what a whole rebuild gives."""

from __future__ import annotations

import os
from datetime import datetime

import duckdb
import pytest

from pipelines.cli import run_all
from pipelines.indicators.compute import compute_indicators
from pipelines.publish.snapshot import publish_snapshot
from pipelines.settings import DEMO_DIR, Settings
from tests.indicators.test_by_school import state
from tests.publish.test_snapshot import snapshot_contents

pytestmark = pytest.mark.slow


def _write_reports(path, rows):
    from pipelines.demo.writers import Sheet, write_workbook
    from pipelines.intake.schema import REPORT_TYPES

    columns = [c for c in REPORT_TYPES["R5"].columns if c.name in rows[0] and not c.school_name_for]
    write_workbook(path, [Sheet("年报", [[c.zh for c in columns], *[[r[c.name] for c in columns] for r in rows]])])
    arrived = datetime(2026, 11, 30, 9, 0).timestamp()  # after the demo's last file, the same year
    os.utime(path, (arrived, arrived))


@pytest.mark.skipif(not (DEMO_DIR / "inbox").exists(), reason="no demo data in seeds/demo")
def test_corrected_and_late_reports_of_the_demo_follow_school_by_school(tmp_path):
    from pipelines.demo.generator import stage

    inbox, data = tmp_path / "inbox", tmp_path / "data"
    stage(DEMO_DIR, inbox)
    settings, warehouse_file = Settings(data), data / "warehouse.duckdb"
    assert run_all(settings, inbox, warehouse_file, log_level="ERROR").success

    con = duckdb.connect(str(warehouse_file), read_only=True)
    try:
        reports = con.sql(
            """select * exclude (submission_id, sheet_name, row_number) from staging.r5_school_annual_reports_in_force
               where report_year >= (select max(report_year) - 1 from staging.r5_school_annual_reports_in_force)
               order by hash(school_code, report_year) limit 3""").pl().to_dicts()
        late = con.sql(
            """select school_code, report_year from marts.fct_annual_report_obligation where not has_report
               order by report_year desc, school_code limit 1""").fetchall()
    finally:
        con.close()
    assert len(reports) == 3 and late
    for r in reports:  # corrections: fewer students active, the science vice-principal the other way
        r["students_in_st_activities"] = max(0, (r["students_in_st_activities"] or 0) - 1)
        r["science_vice_principals"] = 0 if r["science_vice_principals"] else 1
    late_report = {**reports[0], "school_code": late[0][0], "report_year": late[0][1]}
    _write_reports(inbox / "年报更正-三校.xlsx", reports)
    _write_reports(inbox / f"{late[0][1]}年科技教育年报-{late[0][0]}（补报）.xlsx", [late_report])
    assert run_all(settings, inbox, warehouse_file, log_level="ERROR").success

    con = duckdb.connect(str(warehouse_file))
    try:
        schools, years = con.sql("select recomputed_schools, recomputed from meta.indicator_build").fetchall()[0]
        assert schools == sorted({r["school_code"] for r in reports} | {late[0][0]})  # the path was taken
        assert years and set(years) <= {r["report_year"] for r in reports} | {late[0][1]}
        followed = state(con)
        published = snapshot_contents(data / "published" / "current.duckdb")
        assert compute_indicators(con, incremental=False).recomputed_schools is None
        full = state(con)
        for part in full:
            assert followed[part] == full[part], part
        fresh = publish_snapshot(con, tmp_path / "fresh", incremental=False)
    finally:
        con.close()
    assert published == snapshot_contents(fresh.path)
