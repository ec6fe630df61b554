"""A file's content can cost only that file (issue 11): workers that die, budgets, limits, files
that vanish, and the checks that read files outside intake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pipelines.intake.ingest as I
import pipelines.intake.judge as J
from pipelines.intake import files as F
from pipelines.intake.checking import check_many, reference_context
from pipelines.intake.limits import Limits
from pipelines.intake.workers import parse_many
from tests.conftest import KEY, TODAY, put, put_registry
from tests.hostile.corpus import _huge_dimension
from tests.intake.test_rules import R5_HEADER


def run(con, inbox: Path, tmp_path: Path, **kw) -> I.IntakeSummary:
    return I.ingest(con, inbox, tmp_path / "archive", KEY, today=TODAY, **kw)


def test_a_file_that_kills_its_reader_is_retried_alone_then_refused_and_its_neighbours_are_read(tmp_path):
    crash = tmp_path / "crash.xlsx"
    crash.write_bytes(_huge_dimension(declare=False))
    good = [put(tmp_path, f"年报{i}.csv", R5_HEADER, [["3412000001", "", 2020 + i, 1800, 1, 10, 2, 900]])
            for i in range(4)]
    items = [(str(p), p.name) for p in [good[0], good[1], crash, good[2], good[3]]]
    attempts = []
    parsed = parse_many(items, [1] * len(items), 1, Limits(), progress=attempts.append)
    assert [p.report_types for p in parsed] == [["R5"], ["R5"], [], ["R5"], ["R5"]]
    code, zh, en = parsed[2].unreadable
    assert code == "parse_crashed" and zh.startswith("无法读取：") and "SIGABRT" in zh and en.startswith("Could not be read")
    assert len(attempts) == len(items)  # each file answered once, the crashing one after its retry


def test_a_file_over_its_time_budget_is_refused_and_the_others_are_read(tmp_path):
    slow = put(tmp_path, "大.csv", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]] * 150_000)
    small = put(tmp_path, "小.csv", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    parsed = parse_many([(str(slow), slow.name), (str(small), small.name)], [slow.stat().st_size, 1], 1,
                        Limits(parse_seconds=0.05))
    assert parsed[0].unreadable[0] == "parse_timeout" and "0 秒" in parsed[0].unreadable[1]
    assert parsed[1].unreadable is None or parsed[1].unreadable[0] == "parse_timeout"  # a slow machine may time it out too


def test_the_upload_check_survives_a_file_that_kills_the_reader(tmp_path):
    """The dashboard's server process calls this: it must live, and the school read why."""
    ctx = reference_context(tmp_path / "none.duckdb")
    verdict = check_many([("年报.xlsx", _huge_dimension(declare=False))], ctx)[0]
    assert verdict.status == "rejected" and verdict.message_zh.startswith("无法读取")
    assert os.getpid() > 0  # still here


def test_limits_come_from_settings_and_a_file_over_the_size_limit_is_not_copied(con, inbox, tmp_path, monkeypatch):
    put_registry(inbox)
    big = put(inbox, "年报.csv", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]] * 200)
    monkeypatch.setenv("KEJIAO_MAX_FILE_MB", str(big.stat().st_size / 1048576 * 0.9))
    summary = run(con, inbox, tmp_path)
    assert summary.accepted == ["学校名录.xlsx"]
    status, archive_path, message = con.sql(
        "select status, archive_path, message_zh from raw.submissions where original_name = '年报.csv'").fetchall()[0]
    assert status == "rejected" and archive_path == "" and "文件过大" in message
    assert big.exists()  # the original stays where it arrived
    assert len([p for p in (tmp_path / "archive").rglob("*") if p.is_file()]) == 1


def test_a_setting_that_is_no_number_says_how_to_fix_it(monkeypatch):
    monkeypatch.setenv("KEJIAO_PARSE_SECONDS", "soon")
    with pytest.raises(ValueError, match="KEJIAO_PARSE_SECONDS"):
        Limits.from_env()


def test_a_file_deleted_between_scan_and_read_is_left_out_and_the_run_goes_on(con, inbox, tmp_path, monkeypatch):
    put_registry(inbox)
    doomed = put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    original = F.copy_regular

    def copy(path, target, max_bytes):
        if path == doomed:
            path.unlink()  # the school's office took it back
        return original(path, target, max_bytes)

    monkeypatch.setattr(F, "copy_regular", copy)
    summary = run(con, inbox, tmp_path)
    assert summary.vanished == ["年报.xlsx"] and summary.accepted == ["学校名录.xlsx"]
    assert con.sql("select count(*) from raw.file_observations where inbox_path = '年报.xlsx'").fetchall()[0][0] == 0


def test_a_file_changed_between_scan_and_copy_is_judged_as_copied(con, inbox, tmp_path, monkeypatch):
    put_registry(inbox)
    path = put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    original = F.copy_regular

    def copy(p, target, max_bytes):
        if p == path:
            put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 1000]])
        return original(p, target, max_bytes)

    monkeypatch.setattr(F, "copy_regular", copy)
    run(con, inbox, tmp_path)
    sha, archived = con.sql("select submission_id, archive_path from raw.submissions "
                            "where original_name = '年报.xlsx'").fetchall()[0]
    assert F.sha256_of(path) == sha and (tmp_path / "archive" / archived).read_bytes() == path.read_bytes()
    assert con.sql("select students_in_st_activities from staging.r5_school_annual_reports").fetchall()[0][0] == 1000


def test_a_symlink_swapped_in_after_the_listing_is_not_followed(tmp_path):
    target = tmp_path / "secret.txt"
    target.write_text("secret")
    link = tmp_path / "link.csv"
    os.symlink(target, link)
    with pytest.raises(F.NotRegular):
        F.read_regular(link, 1 << 20)
    os.mkfifo(tmp_path / "fifo.csv")
    with pytest.raises(F.NotRegular):  # and a FIFO neither blocks nor is read
        F.read_regular(tmp_path / "fifo.csv", 1 << 20)


def test_a_file_whose_judging_fails_costs_only_itself(con, inbox, tmp_path, monkeypatch):
    """A rule that trips on some content (here: any batch holding 坏.xlsx) fails that file alone."""
    put_registry(inbox)
    put(inbox, "好.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]], arrived="2026-03-02T08:00:00")
    put(inbox, "坏.xlsx", R5_HEADER, [["3412000002", "", 2025, 2100, 1, 10, 2, 900]], arrived="2026-03-03T08:00:00")
    real_judge = J.judge_batch

    def judge(parsed, ctx, **kw):
        if any(p.name == "坏.xlsx" and p.sheets for p in parsed):  # trips on the file's content
            raise ZeroDivisionError("a rule's bug")
        return real_judge(parsed, ctx, **kw)

    monkeypatch.setattr(J, "judge_batch", judge)
    summary = run(con, inbox, tmp_path)
    names = dict(con.sql("select original_name, status from raw.submissions").fetchall())
    assert names["好.xlsx"] == "accepted" and names["学校名录.xlsx"] == "accepted"
    assert names["坏.xlsx"] == "rejected" and summary.rejected[0][0] == "坏.xlsx"
    message = con.sql("select message_zh from raw.submissions where original_name = '坏.xlsx'").fetchall()[0][0]
    assert "ZeroDivisionError" in message and "请联系数据组" in message


def test_the_warehouse_failing_while_judging_fails_the_run(con, inbox, tmp_path, monkeypatch):
    import duckdb

    put_registry(inbox)

    def judge(parsed, ctx, **kw):
        raise duckdb.IOException("disk gone")

    monkeypatch.setattr(J, "judge_batch", judge)
    with pytest.raises(duckdb.IOException):
        run(con, inbox, tmp_path)
    assert con.sql("select count(*) from raw.submissions").fetchall()[0][0] == 0


def test_a_sheet_declaring_a_huge_range_is_refused_by_its_own_name_before_it_is_read():
    import io

    import openpyxl

    from pipelines.intake.parsing import parse

    wb = openpyxl.Workbook()
    wb.active.title = "填报说明"
    ws = wb.create_sheet("数据&汇总")
    ws["A1"], ws["ZZZ300000"] = "学校标识码", "x"
    buf = io.BytesIO()
    wb.save(buf)
    code, zh, en = parse(buf.getvalue(), "年报.xlsx").unreadable
    assert code == "sheet_too_large"
    assert "工作表「数据&汇总」声明的范围有 300000 行 × 18278 列" in zh and "Sheet '数据&汇总' declares" in en
