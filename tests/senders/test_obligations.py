"""Obligations, error lists and supersessions (issue 13 #2, #3) from a small inbox run through the
whole graph: who owes what by when, and where each stands on a given day."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import polars as pl
import pytest

import warehouse
from pipelines.senders.obligations import obligations, rebuild
from tests.small_inbox import put_heping_correction, put_nankai_correction, run_small_inbox


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    # 南开: its refused CSV corrected and accepted; 一中: its accepted report corrected once more
    settings = run_small_inbox(tmp_path_factory.mktemp("senders"),
                               lambda inbox: put_nankai_correction(inbox, "2025-11-28T08:00:00"),
                               put_heping_correction).settings
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    ids = dict(con.sql("select original_name, submission_id from raw.submissions").fetchall())
    con.close()
    return settings, ids


@pytest.fixture
def con(run, tmp_path):
    settings, _ = run
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(settings.warehouse_path, copy)
    c = warehouse.connect(copy)
    yield c
    c.close()


def by_sender(frame: pl.DataFrame, report_type: str, period: int) -> dict[str, dict]:
    rows = frame.filter((pl.col("report_type") == report_type) & (pl.col("period") == period))
    return {r["school_code"]: r for r in rows.iter_rows(named=True)}


def test_each_obligation_has_its_deadline_and_status(run, con):
    _, ids = run
    owed = obligations(con, date(2025, 12, 10))
    r5 = by_sender(owed, "R5", 2025)
    assert set(r5) == {"3412000001", "3412000002", "3112000003", "2112000004"}  # the registry's schools
    assert all(r["due_date"] == date(2025, 11, 30) for r in r5.values())
    # accepted: the newest accepted version is the one in force
    assert r5["3412000001"]["status"] == "accepted"
    assert r5["3412000001"]["accepted_submission_id"] == ids["2025年报_一中_更正.xlsx"]
    assert not r5["3412000001"]["is_overdue"] and r5["3412000001"]["overdue_since"] is None
    # refused, with the reason of its newest refused file, and overdue since the day after the deadline
    hexi = r5["3412000002"]
    assert hexi["status"] == "refused" and hexi["refused_submission_id"] == ids["2025年报_河西二中.xlsx"]
    assert hexi["refusal_reason_zh"] and hexi["refusal_reason_en"]
    assert hexi["is_overdue"] and hexi["overdue_since"] == date(2025, 12, 1)
    # refused, then corrected and accepted: accepted, no refusal left on it
    nankai = r5["3112000003"]
    assert nankai["status"] == "accepted" and nankai["refused_submission_id"] is None
    # nothing sent: overdue since 1 December
    assert r5["2112000004"]["status"] == "overdue" and r5["2112000004"]["overdue_since"] == date(2025, 12, 1)
    # R3: the host university's roster is accepted; its refused correction does not undo that
    assert by_sender(owed, "R3", 2025)["4112000005"]["status"] == "accepted"
    # R2: each base of the accepted report, by its host school
    r2 = owed.filter((pl.col("report_type") == "R2") & (pl.col("period") == 2025))
    assert r2.height >= 2 and set(r2["status"]) == {"accepted"} and r2["entity_code"].null_count() == 0
    assert set(owed["judged_on"]) == {date(2025, 12, 10)}


def test_before_the_deadline_nothing_is_overdue(con):
    owed = obligations(con, date(2025, 11, 29))
    r5 = by_sender(owed, "R5", 2025)
    assert r5["2112000004"]["status"] == "due" and not r5["2112000004"]["is_overdue"]
    assert r5["3412000002"]["status"] == "refused" and not r5["3412000002"]["is_overdue"]
    assert not owed.filter(pl.col("report_type") == "R5")["is_overdue"].any()
    # the deadline day itself is not late; the day after is
    assert not by_sender(obligations(con, date(2025, 11, 30)), "R5", 2025)["2112000004"]["is_overdue"]
    assert by_sender(obligations(con, date(2025, 12, 1)), "R5", 2025)["2112000004"]["is_overdue"]


def test_a_later_year_owes_again_and_a_refusal_counts_only_after_the_previous_deadline(con):
    owed = obligations(con, date(2026, 12, 20))
    r5 = by_sender(owed, "R5", 2026)
    # the 2025 refusal (November 2025) is before 2025's deadline: it is not held against 2026
    assert r5["3412000002"]["status"] == "overdue"
    assert "2112000004" not in r5  # closed before 2026 (registry's 停用日期)
    assert by_sender(owed, "R3", 2026)["4112000005"]["status"] == "overdue"  # hosted cohort 2025


def test_error_lists_say_whom_for_and_whether_the_refusal_stands(run, con):
    _, ids = run
    lists = {r["original_name"]: r for r in
             con.sql("select * from senders.error_lists").pl().iter_rows(named=True)}
    assert set(lists) == {"2025年报_河西二中.xlsx", "南开初中年报.csv", "2025届名册_补报.xlsx", "说明.txt"}
    hexi = lists["2025年报_河西二中.xlsx"]
    assert hexi["is_standing"] and hexi["superseded_by_submission_id"] is None
    assert hexi["recipient_schools"] == ["3412000002"]
    assert hexi["workbook_name"].startswith(ids["2025年报_河西二中.xlsx"][:8])
    nankai = lists["南开初中年报.csv"]
    assert not nankai["is_standing"] and nankai["superseded_by_submission_id"] == ids["南开初中年报_修改.xlsx"]
    assert lists["2025届名册_补报.xlsx"]["is_standing"]  # nothing accepted after it
    settings, _ = run
    # every workbook the table names is the data team's copy in the outbox
    assert all((settings.outbox_dir / r["workbook_name"]).is_file() for r in lists.values())


def test_supersessions_name_the_replaced_and_the_replacing_file(run, con):
    _, ids = run
    rows = con.sql("select * from senders.supersessions").pl()
    first = rows.filter((pl.col("report_type") == "R5") & (pl.col("school_code") == "3412000001"))
    assert first.height == 1
    row = first.row(0, named=True)
    assert row["superseded_submission_id"] == ids["2025年报_一中.xlsx"]
    assert row["submission_id"] == ids["2025年报_一中_更正.xlsx"] and row["period"] == 2025
    assert row["district_code"] == "120101"
    # a refused file is never part of a supersession
    refused = {ids["2025年报_河西二中.xlsx"], ids["南开初中年报.csv"]}
    assert not refused & (set(rows["submission_id"]) | set(rows["superseded_submission_id"]))


def test_rebuild_replaces_whole_and_the_snapshot_carries_it(run, con):
    settings, _ = run
    def table():
        return con.sql("select * from senders.obligations order by all").pl()

    assert rebuild(con, date(2025, 12, 10)).how == "whole"  # another day than the run's
    first = table()
    assert first.height == obligations(con, date(2025, 12, 10)).height
    assert rebuild(con, date(2025, 12, 10), force=True).how == "whole"
    assert first.equals(table())
    snap = duckdb.connect(str(settings.published_dir / "current.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in snap.sql("select schema_name || '.' || table_name from duckdb_tables() "
                                         "where schema_name = 'senders'").fetchall()}
        assert tables == {"senders.obligations", "senders.error_lists", "senders.supersessions"}
        assert snap.sql("select count(*) from senders.obligations").fetchall()[0][0] > 0
    finally:
        snap.close()


def test_a_refusal_is_superseded_by_a_later_workbook_holding_its_report_beside_another(run, con):
    """An accepted workbook holding an annual report and a roster is of report_type 'R5,R3': it
    takes the place of a refused annual report of one of its schools as an 'R5' file would."""
    _, ids = run
    con.execute("update raw.submissions set report_type = 'R5,R3' where submission_id = $s",
                {"s": ids["南开初中年报_修改.xlsx"]})
    rebuild(con, date(2026, 12, 1), force=True)
    nankai = con.sql("select * from senders.error_lists where original_name = '南开初中年报.csv'").pl().row(0, named=True)
    assert not nankai["is_standing"] and nankai["superseded_by_submission_id"] == ids["南开初中年报_修改.xlsx"]
