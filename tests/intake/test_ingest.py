"""Intake into the warehouse: versions, rejections, duplicates, files that are no report,
privacy, and runs that die halfway."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.intake.in_force import in_force_sql
from pipelines.intake.ingest import ingest
from tests.conftest import KEY, TODAY, put, put_registry
from tests.intake.test_formats import REPORTS
from tests.intake.test_rules import R5_HEADER


def run(con, inbox, tmp_path):
    return ingest(con, inbox, tmp_path / "archive", KEY, today=TODAY)


def in_force(con, code):
    return con.sql(in_force_sql(code)).pl()


def fingerprint(con) -> dict:
    """Row count and content hash of every table: equal fingerprints mean nothing changed."""
    out = {}
    for schema, table in con.sql(
        "select table_schema, table_name from information_schema.tables where table_schema <> 'meta'"
    ).fetchall():
        out[f"{schema}.{table}"] = con.sql(
            f"select count(*), coalesce(sum(hash(t::varchar)), 0) from {schema}.{table} t"
        ).fetchall()[0]
    return out


def test_versions_corrections_and_rejections(con, inbox, tmp_path):
    put_registry(inbox)
    put(inbox, "2025年报_一中.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]],
        arrived="2025-11-20T08:00:00")
    first = run(con, inbox, tmp_path)
    assert len(first.accepted) == 2 and not first.rejected
    # a correction arrives later: it supersedes
    put(inbox, "2025年报_一中_更正.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 1000]],
        arrived="2025-11-25T08:00:00")
    run(con, inbox, tmp_path)
    assert in_force(con, "R5")["students_in_st_activities"].to_list() == [1000]
    # a still later file with an error is rejected whole; the correction stays in force
    put(inbox, "2025年报_一中_再更正.csv", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 5000]],
        arrived="2025-11-28T08:00:00")
    third = run(con, inbox, tmp_path)
    assert [name for name, _ in third.rejected] == ["2025年报_一中_再更正.csv"]
    assert in_force(con, "R5")["students_in_st_activities"].to_list() == [1000]
    # every version is kept for audit
    assert con.sql("select count(*) from staging.r5_school_annual_reports").fetchall()[0][0] == 2
    assert con.sql("select count(*) from raw.submissions").fetchall()[0][0] == 4
    issue = con.sql("select row_number, column_letter, rule_code from raw.issues where severity = 'error'").fetchall()
    assert issue == [(2, "H", "part_exceeds_whole")]


def test_arrival_order_not_file_order_decides(con, inbox, tmp_path):
    put_registry(inbox)
    put(inbox, "a_newer.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 700]], arrived="2025-12-01T00:00:00")
    put(inbox, "b_older.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 600]], arrived="2025-11-01T00:00:00")
    run(con, inbox, tmp_path)
    assert in_force(con, "R5")["students_in_st_activities"].to_list() == [700]


def test_roster_versions_replace_the_whole_roster(con, inbox, tmp_path):
    header, rows, *_ = REPORTS["R3"]
    put_registry(inbox)
    put(inbox, "roster_v1.xlsx", header, rows, arrived="2025-09-10T00:00:00")
    run(con, inbox, tmp_path)
    assert in_force(con, "R3").height == 2
    put(inbox, "roster_v2.xlsx", header, rows[:1], arrived="2025-10-10T00:00:00")  # one student left the list
    run(con, inbox, tmp_path)
    assert in_force(con, "R3").height == 1


def test_same_bytes_twice_are_one_submission(con, inbox, tmp_path):
    put_registry(inbox)
    path = put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    copy = inbox / "年报(1).xlsx"
    shutil.copy(path, copy)  # sent again a day later
    later = path.stat().st_mtime + 86400
    os.utime(copy, (later, later))
    summary = run(con, inbox, tmp_path)
    assert summary.duplicates == ["年报(1).xlsx"] and len(summary.accepted) == 2
    assert con.sql("select count(*) from raw.submissions").fetchall()[0][0] == 2
    assert con.sql("select count(*) from raw.file_observations where is_duplicate").fetchall()[0][0] == 1
    assert in_force(con, "R5").height == 1


def test_files_that_are_no_report_are_set_aside(con, inbox, tmp_path):
    put_registry(inbox)
    (inbox / "通知.txt").write_text("关于报送2025年科技教育年报的通知\n请各校于11月30日前报送。", encoding="utf-8")
    (inbox / "损坏.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(300))
    (inbox / "random.xls").write_bytes(os.urandom(500))
    from pipelines.demo.writers import Sheet, write_workbook

    write_workbook(inbox / "空白.xlsx", [Sheet("Sheet1", [])])
    (inbox / "~$年报.xlsx").write_bytes(b"lock file of an open workbook")
    summary = run(con, inbox, tmp_path)
    assert sorted(n for n, _ in summary.not_a_report) == ["random.xls", "损坏.xlsx", "空白.xlsx", "通知.txt"]
    assert summary.accepted == ["学校名录.xlsx"]
    messages = dict(con.sql("select original_name, message_zh from raw.submissions where status = 'not_a_report'").fetchall())
    assert all(messages.values())


def test_second_run_changes_nothing(con, inbox, tmp_path):
    put_registry(inbox)
    put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    run(con, inbox, tmp_path)
    before = fingerprint(con)
    again = run(con, inbox, tmp_path)
    assert again.new_submissions == 0 and again.unchanged == 2
    assert fingerprint(con) == before


def test_archive_keeps_the_original_bytes(con, inbox, tmp_path):
    path = put_registry(inbox)
    run(con, inbox, tmp_path)
    archived = con.sql("select archive_path from raw.submissions").fetchall()[0][0]
    assert (tmp_path / "archive" / archived).read_bytes() == path.read_bytes()
    path.unlink()  # the school's file share forgets it; we do not
    run(con, inbox, tmp_path)
    assert con.sql("select count(*) from raw.submissions").fetchall()[0][0] == 1


def test_no_name_or_identifier_reaches_the_warehouse(con, inbox, tmp_path):
    header, rows, *_ = REPORTS["R3"]
    put_registry(inbox)
    put(inbox, "roster.xlsx", header, rows)
    put(inbox, "roster_bad.csv", header, [[*rows[0][:14], "否"]], arrived="2026-04-01T00:00:00")
    run(con, inbox, tmp_path)
    assert in_force(con, "R3").height == 2
    con.execute("checkpoint")
    secrets = ["李演示", "张演示", "王导师", "赵老师", "G120101200901011234", "G120101200902022345"]
    for schema, table in con.sql("select table_schema, table_name from information_schema.tables").fetchall():
        dump = str(con.sql(f"select * from {schema}.{table}").fetchall())
        for s in secrets:
            assert s not in dump, (s, table)
    raw = (tmp_path / "warehouse.duckdb").read_bytes()
    for s in secrets:
        assert s.encode() not in raw and s.encode("utf-16-le") not in raw
    keys = con.sql("select student_key from staging.r3_yip_participants").fetchall()
    assert all(len(k[0]) == 32 for k in keys)


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import warehouse
    from pipelines.intake import ingest as I
    from pipelines.intake import store
    calls = {"n": 0}
    original = store.insert
    def dying(*args, **kwargs):
        original(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 3:  # observations, submissions and issues written; staging not yet
            os.kill(os.getpid(), signal.SIGKILL)  # no rollback, no cleanup: as a power cut
    store.insert = dying
    con = warehouse.connect(sys.argv[1])
    I.ingest(con, Path(sys.argv[2]), Path(sys.argv[3]), b"k")
""")


def test_killed_run_leaves_the_warehouse_as_it_was(con, inbox, tmp_path):
    put_registry(inbox)
    run(con, inbox, tmp_path)
    before = fingerprint(con)
    con.close()
    put(inbox, "a.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]], arrived="2026-01-01T00:00:00")
    put(inbox, "b.xlsx", R5_HEADER, [["3412000002", "", 2025, 2100, 1, 10, 2, 900]], arrived="2026-01-02T00:00:00")
    put(inbox, "c.xlsx", R5_HEADER, [["3112000003", "", 2025, 900, 1, 10, 2, 900]], arrived="2026-01-03T00:00:00")
    db = tmp_path / "warehouse.duckdb"
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(db), str(inbox), str(tmp_path / "archive")],
                          check=False, capture_output=True, cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == -9, proc.stderr.decode()
    reopened = duckdb.connect(str(db))
    assert fingerprint(reopened) == before
    # and the next run takes the files in as if nothing had happened
    summary = run(reopened, inbox, tmp_path)
    assert len(summary.accepted) == 3
    reopened.close()


def test_an_exception_midway_rolls_back(con, inbox, tmp_path, monkeypatch):
    from pipelines.intake import store

    put_registry(inbox)
    put(inbox, "a.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]], arrived="2026-01-01T00:00:00")
    before = fingerprint(con)
    original = store.insert
    calls = []

    def failing(*args, **kwargs):
        original(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")

    monkeypatch.setattr(store, "insert", failing)
    with pytest.raises(OSError):
        run(con, inbox, tmp_path)
    assert fingerprint(con) == before
