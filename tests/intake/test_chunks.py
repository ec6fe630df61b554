"""Intake judges the new files in bounded chunks (issue 15 #3: memory), and a chunked run takes
in exactly what one batch of every file would: the same verdicts, issues and rows, whatever the
chunk size, however the cross-file cases straddle the chunks' boundaries."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

import pipelines.intake.ingest as I
import pipelines.intake.judge as J
import warehouse
from pipelines.demo.generator import stage
from pipelines.demo.writers import Sheet
from pipelines.intake.limits import Limits
from pipelines.settings import DEMO_DIR
from tests.conftest import KEY, TODAY, put, put_registry
from tests.intake.test_rules import R5_HEADER

NOW = datetime(2026, 11, 29, 8, 0, 0)
ONE_BATCH = None  # every file in one batch
R1_HEADER = ["学校标识码", "学校名称", "阶段", "日期", "批准文号", "合作高校", "科学班学生数", "专用实验室数"]

# what a run wrote, in an order of its own (a chunked run may write the rows of different
# files in another order; what is written is what matters)
DUMPS = {
    "submissions": "select * exclude (sheets_read, sheets_skipped, schools_named), sheets_read::varchar, "
                   "sheets_skipped::varchar, schools_named::varchar from raw.submissions",
    "verdicts": "select inbox_path, status, message_zh, submission_id from raw.submissions",
    "observations": "select * from raw.file_observations",
    "issues": "select * from raw.issues",
    **{table: f"select * from staging.{table}" for table in (
        "r0_schools", "r1_shs_stage_events", "r2_flagship_base_reports", "r3_yip_participants",
        "r4_alliance_members", "r5_school_annual_reports")},
}


def dump(con) -> dict[str, list[tuple]]:
    return {name: sorted(con.sql(sql).fetchall(), key=repr) for name, sql in DUMPS.items()}


def run(reference: Path, inbox: Path, work: Path, chunk_rows: int | None) -> tuple[I.IntakeSummary, dict]:
    """Intake of `inbox` into a fresh copy of the reference warehouse, judging at most
    `chunk_rows` rows at a time; None: every file but the registry in one batch, in arrival
    order (as intake judged them before it judged in chunks)."""
    work.mkdir(parents=True)
    shutil.copyfile(reference, work / "warehouse.duckdb")
    con = warehouse.connect(work / "warehouse.duckdb")
    try:
        with pytest.MonkeyPatch.context() as mp:
            if chunk_rows is None:
                mp.setattr(I, "chunks", lambda hashes, parsed, max_rows: [hashes] if hashes else [])
            summary = I.ingest(con, inbox, work / "archive", KEY, now=NOW, today=TODAY,
                               limits=Limits(judge_chunk_rows=chunk_rows or 1))
        return summary, dump(con)
    finally:
        con.close()


def assert_same(one: tuple[I.IntakeSummary, dict], chunked: tuple[I.IntakeSummary, dict]) -> None:
    (s1, d1), (s2, d2) = one, chunked
    for name in d1:
        assert d2[name] == d1[name], name
    assert s2 == s1


def row(code: str, year: int, enrolled: int, active: int) -> list:
    return [code, "", year, enrolled, 1, 10, 2, active]


def tricky_inbox(inbox: Path) -> dict[str, Path]:
    """Files whose verdicts depend on other files of the same run, in arrival order; judged one
    file per chunk, each such pair straddles a boundary."""
    inbox.mkdir()
    put_registry(inbox)
    files = {}

    def at(day: int, name: str, rows, **kw) -> None:
        files[name] = put(inbox, name, kw.pop("header", R5_HEADER), rows, arrived=f"2026-03-{day:02d}T08:00:00", **kw)

    # a year's report arrives before last year's: judged against the later file
    at(1, "一中2025.xlsx", [row("3412000001", 2025, 1800, 900)])
    at(2, "二中2024.xlsx", [row("3412000002", 2024, 2100, 1000)])
    at(3, "一中2024.xlsx", [row("3412000001", 2024, 1800, 100)])
    # a correction of last year arriving after this year's report: the correction wins
    at(4, "二中2025.xlsx", [row("3412000002", 2025, 2100, 1000)])
    at(5, "二中2024更正.xlsx", [row("3412000002", 2024, 2100, 300)])
    # last year's figures in a file with an error count for nothing
    at(6, "初中2024有误.xlsx", [row("3112000003", 2024, 900, 5000)])
    at(7, "初中2025.xlsx", [row("3112000003", 2025, 900, 400)])
    # ... but a file rejected for another report's sheet still gives last year's figures
    r1_error = Sheet("阶段", [R1_HEADER, ["9999999999", "", "申报", "2025-03-05", "", "", "", ""]])
    at(8, "初中2024与阶段.xlsx", [row("3112000003", 2024, 900, 40)], extra_sheets=[r1_error])
    # ... and so does a file its channel refuses (a district folder, another district's school)
    (inbox / "120101").mkdir()
    at(9, "120101/二中2023.xlsx", [row("3412000002", 2023, 2100, 100)])
    # two years of one school in one file, and a report of another type between them
    at(10, "阶段.xlsx", [["3412000001", "", "申报", "2025-03-05", "", "津沽演示大学", "40", 2]], header=R1_HEADER)
    at(11, "一中2026与2023.xlsx", [row("3412000001", 2026, 1800, 2000), row("3412000001", 2023, 1800, 100)])
    # last year's figures twice, the later file (of two report types) judged in another chunk
    # than the earlier: the later file wins, whichever chunk is judged first
    at(12, "小学2023.xlsx", [row("2112000004", 2023, 600, 30)])
    r1_fine = Sheet("阶段", [R1_HEADER, ["3412000002", "", "申报", "2025-04-01", "", "", "", ""]])
    at(13, "小学2023更正与阶段.xlsx", [row("2112000004", 2023, 600, 300)], extra_sheets=[r1_fine])
    at(14, "小学2024.xlsx", [row("2112000004", 2024, 600, 290)])
    # the same bytes again, and a file that is no report
    shutil.copyfile(files["一中2025.xlsx"], inbox / "一中2025副本.xlsx")
    (inbox / "说明.csv").write_text("这不是报表\n只是说明\n", encoding="utf-8")
    return files


@pytest.fixture
def reference(_reference_warehouse) -> Path:
    return _reference_warehouse


def test_the_tricky_inbox_is_what_it_claims(tmp_path, reference):
    """The cross-file cases are there: judged as one batch, these warnings come from other files."""
    tricky_inbox(tmp_path / "inbox")
    summary, d = run(reference, tmp_path / "inbox", tmp_path / "one", ONE_BATCH)
    con = warehouse.connect(tmp_path / "one" / "warehouse.duckdb")
    warned = {n for (n,) in con.sql(
        "select distinct s.inbox_path from raw.issues i join raw.submissions s using (submission_id) "
        "where i.rule_code = 'far_from_last_year'").fetchall()}
    con.close()
    status = {path: s for path, s, _, _ in d["verdicts"]}
    assert warned == {"一中2025.xlsx", "二中2024.xlsx", "二中2025.xlsx", "二中2024更正.xlsx", "初中2025.xlsx",
                      "一中2026与2023.xlsx"}
    assert status["初中2024有误.xlsx"] == status["初中2024与阶段.xlsx"] == status["120101/二中2023.xlsx"] == "rejected"
    assert status["小学2023更正与阶段.xlsx"] == status["小学2024.xlsx"] == "accepted"
    assert summary.duplicates == ["一中2025副本.xlsx"] and [n for n, _ in summary.not_a_report] == ["说明.csv"]


@pytest.mark.parametrize("chunk_rows", [1, 4, 12, 10**9])
def test_a_chunked_intake_takes_in_what_one_batch_does_on_the_tricky_inbox(tmp_path, reference, chunk_rows):
    tricky_inbox(tmp_path / "inbox")
    one = run(reference, tmp_path / "inbox", tmp_path / "one", ONE_BATCH)
    assert_same(one, run(reference, tmp_path / "inbox", tmp_path / "chunked", chunk_rows))


def test_a_chunked_intake_takes_in_what_one_batch_does_on_the_demo_inbox(tmp_path, reference):
    stage(DEMO_DIR, tmp_path / "inbox")
    one = run(reference, tmp_path / "inbox", tmp_path / "one", ONE_BATCH)
    assert_same(one, run(reference, tmp_path / "inbox", tmp_path / "chunked", 2_000))


def test_judging_moves_in_chunks(tmp_path, reference):
    """Small chunks: judging reports its progress after each (the files of the registry, then
    every chunk), never more than the bound of rows at once unless one file is larger."""
    tricky_inbox(tmp_path / "inbox")
    seen = []
    real = J.judge_batch

    def judge(parsed, ctx, **kw):
        seen.append([p.name for p in parsed])
        return real(parsed, ctx, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(J, "judge_batch", judge)
        run(reference, tmp_path / "inbox", tmp_path / "chunked", 4)
    assert seen[0] == ["学校名录.xlsx"]
    assert len(seen) > 4 and all(len(names) <= 2 for names in seen[1:]), seen
    judged = [n for names in seen[1:] for n in names]
    assert sorted(judged) == sorted(["一中2025.xlsx", "二中2024.xlsx", "一中2024.xlsx", "二中2025.xlsx",
                                     "二中2024更正.xlsx", "初中2024有误.xlsx", "初中2025.xlsx", "初中2024与阶段.xlsx",
                                     "二中2023.xlsx", "阶段.xlsx", "一中2026与2023.xlsx", "小学2023.xlsx",
                                     "小学2023更正与阶段.xlsx", "小学2024.xlsx", "说明.csv"])


@pytest.mark.parametrize("chunk_rows", [1, 6])
def test_a_hostile_file_in_one_chunk_costs_only_that_file(tmp_path, reference, monkeypatch, chunk_rows):
    """A rule that trips on one file's content (here: any batch holding 坏.xlsx) fails that file
    alone; the others of its chunk, and of every chunk, are judged as without it."""
    tricky_inbox(tmp_path / "inbox")
    clean = tmp_path / "clean"
    shutil.copytree(tmp_path / "inbox", clean, copy_function=shutil.copy2)
    # between 一中2025 and 一中2024, with last year's figures of 一中: were it judged, 一中2025's
    # warning would change
    put(tmp_path / "inbox", "坏.xlsx", R5_HEADER, [row("3412000001", 2024, 1800, 900)], arrived="2026-03-02T09:00:00")
    real = J.judge_batch

    def judge(parsed, ctx, **kw):
        if any(p.name == "坏.xlsx" and p.sheets for p in parsed):
            raise ZeroDivisionError("a rule's bug")
        return real(parsed, ctx, **kw)

    monkeypatch.setattr(J, "judge_batch", judge)
    summary, d = run(reference, tmp_path / "inbox", tmp_path / "hostile", chunk_rows)
    monkeypatch.setattr(J, "judge_batch", real)
    clean_summary, clean_d = run(reference, clean, tmp_path / "clean-run", ONE_BATCH)
    [(_, status, message, bad_id)] = [v for v in d["verdicts"] if v[0] == "坏.xlsx"]
    assert status == "rejected" and "ZeroDivisionError" in message and "请联系数据组" in message
    for name in d:
        assert [r for r in d[name] if bad_id not in r] == clean_d[name], name
    assert [r for r in summary.rejected if r[0] != "坏.xlsx"] == clean_summary.rejected
    assert summary.accepted == clean_summary.accepted and summary.rows == clean_summary.rows


def test_a_rule_failing_on_every_file_fails_the_run_whatever_the_chunks(tmp_path, reference, monkeypatch):
    """Every file of every chunk failing alone is the pipeline failing, not their content: the run
    raises and writes nothing (a chunk of one file failing costs only that file, above)."""
    tricky_inbox(tmp_path / "inbox")
    real = J.judge_batch

    def judge(parsed, ctx, **kw):
        if any(p.sheets and "R0" not in p.report_types for p in parsed):
            raise ZeroDivisionError("a rule's bug")
        return real(parsed, ctx, **kw)

    monkeypatch.setattr(J, "judge_batch", judge)
    # the non-report (说明.csv) is judged: remove it, so that every file of the run fails
    (tmp_path / "inbox" / "说明.csv").unlink()
    with pytest.raises(ZeroDivisionError):
        run(reference, tmp_path / "inbox", tmp_path / "chunked", 4)
    con = warehouse.connect(tmp_path / "chunked" / "warehouse.duckdb")
    assert con.sql("select count(*) from raw.submissions").fetchall()[0][0] == 0
    con.close()
