"""The as-of of everything published is the newest arrival of accepted data (issue 11, item 5):
a notice, a corrupt workbook or a rejected return that arrives later changes no figure, so it
must not move the as-of either."""

from __future__ import annotations

import os
import time

import duckdb
import pytest

from pipelines.cli import run_all
from pipelines.settings import DEMO_DIR, Settings
from tests.conftest import put
from tests.intake.test_rules import R5_HEADER

pytestmark = pytest.mark.slow


def published(data) -> tuple:
    """(as_of of the snapshot, its indicator values in a stable order, the forecast's as_of)."""
    con = duckdb.connect(str(data / "published" / "current.duckdb"), read_only=True)
    try:
        as_of = con.sql("select as_of from meta.snapshot").fetchall()
        values = con.sql("select * exclude (submission_ids), list_sort(submission_ids) "
                         "from indicators.indicator_values order by all").fetchall()
        forecast = con.sql("select distinct as_of from indicators.shs_forecast").fetchall()
    finally:
        con.close()
    return as_of, values, forecast


def arrive_now(path):
    now = time.time()
    os.utime(path, (now, now))
    return path


@pytest.mark.skipif(not (DEMO_DIR / "expected.json").exists(), reason="no demo data in seeds/demo")
def test_files_that_bring_no_data_do_not_move_the_as_of(tmp_path):
    from pipelines.demo.generator import stage

    inbox = tmp_path / "inbox"
    stage(DEMO_DIR, inbox)
    data = tmp_path / "data"
    assert run_all(Settings(data), inbox, data / "warehouse.duckdb").success
    before = published(data)
    assert before[0][0][0] is not None and before[1]

    # today: a notice, a corrupt workbook and a return rejected for its errors
    (inbox / "关于报送2026年科技教育年报的通知.txt").write_text("各学校：请于12月底前报送。", encoding="utf-8")
    (inbox / "损坏的年报.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    arrive_now(inbox / "损坏的年报.xlsx")
    arrive_now(put(inbox, "年报_有错.xlsx", R5_HEADER, [["3412000001", "", 2025, 100, -1, 10, 2, 900]]))
    result = run_all(Settings(data), inbox, data / "warehouse.duckdb")
    assert result.success
    meta = {k: v.value for k, v in result.asset_materializations_for_node("submissions")[0].metadata.items()}
    assert (meta["new_submissions"], meta["accepted"]) == (3, 0)

    after = published(data)
    assert after[0] == before[0]  # the snapshot's as-of
    assert after[2] == before[2]  # the forecast's
    assert after[1] == before[1]  # every figure, its as-of included
