"""Re-runs do not re-read what was observed; parsing in worker processes gives what parsing in
this process gives."""

from __future__ import annotations

import os
import shutil

import polars as pl

from pipelines.intake import ingest as I
from pipelines.intake import judge, read, scan
from tests.conftest import KEY, TODAY, put, put_registry
from tests.intake.test_rules import R5_HEADER


def run(con, inbox, tmp_path):
    return I.ingest(con, inbox, tmp_path / "archive", KEY, today=TODAY)


def counting_hash(monkeypatch) -> list[str]:
    hashed: list[str] = []
    original = scan.sha256_of

    def sha(path):
        hashed.append(path.name)
        return original(path)

    monkeypatch.setattr(scan, "sha256_of", sha)
    return hashed


def test_rerun_reads_no_file_it_has_observed(con, inbox, tmp_path, monkeypatch):
    put_registry(inbox)
    put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    run(con, inbox, tmp_path)
    hashed = counting_hash(monkeypatch)
    again = run(con, inbox, tmp_path)
    assert hashed == [] and again.unchanged == 2 and again.new_submissions == 0


def test_same_bytes_with_a_new_time_are_recognised(con, inbox, tmp_path, monkeypatch):
    put_registry(inbox)
    path = put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    run(con, inbox, tmp_path)
    later = path.stat().st_mtime + 3600
    os.utime(path, (later, later))  # touched, or copied in again over itself: same bytes
    shutil.copy2(path, inbox / "年报(1).xlsx")  # and the same bytes under another name
    hashed = counting_hash(monkeypatch)
    again = run(con, inbox, tmp_path)
    assert sorted(hashed) == ["年报(1).xlsx", "年报.xlsx"]  # both read, since their time is new
    assert again.new_submissions == 0 and again.unchanged == 2 and again.duplicates == ["年报(1).xlsx"]
    assert con.sql("select count(*) from raw.submissions").fetchall()[0][0] == 2


def test_new_bytes_under_an_old_name_are_a_new_submission(con, inbox, tmp_path):
    put_registry(inbox)
    path = put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]],
               arrived="2025-11-20T08:00:00")
    run(con, inbox, tmp_path)
    put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 1000]],
        arrived="2025-11-21T08:00:00")  # overwritten on the share with a correction
    assert path.exists()
    again = run(con, inbox, tmp_path)
    assert again.new_submissions == 1 and again.accepted == ["年报.xlsx"]


def test_parsing_in_workers_equals_parsing_here(inbox, monkeypatch):
    put_registry(inbox)
    put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]], title_rows=[["标题"]])
    put(inbox, "年报.csv", R5_HEADER, [["3412000002", "", 2025, 2100, 1, 10, 2, 900]], encoding="gb18030")
    (inbox / "通知.txt").write_text("不是报表", encoding="utf-8")
    files = scan.scan_inbox(inbox)
    monkeypatch.setenv("KEJIAO_INTAKE_WORKERS", "1")
    here = read.parse_all(files)
    monkeypatch.setenv("KEJIAO_INTAKE_WORKERS", "2")
    there = read.parse_all(files)
    assert [p.name for p in there] == [p.name for p in here]
    for a, b in zip(here, there):
        assert (a.file_format, a.report_types, a.skipped, a.not_a_report) == \
            (b.file_format, b.report_types, b.skipped, b.not_a_report)
        for (ga, ia, ma), (gb, ib, mb) in zip(a.sheets, b.sheets):
            assert ia == ib and ma == mb and ga.letters == gb.letters
            assert ga.frame.equals(gb.frame)


def test_workers_only_when_it_pays(monkeypatch):
    monkeypatch.delenv("KEJIAO_INTAKE_WORKERS", raising=False)
    assert read.intake_workers(3, 50_000) == 1
    assert read.intake_workers(5000, 100 << 20) >= 1
    monkeypatch.setenv("KEJIAO_INTAKE_WORKERS", "3")
    assert read.intake_workers(3, 50_000) == 3


def test_a_run_with_workers_gives_the_same_warehouse(con, inbox, tmp_path, monkeypatch):
    put_registry(inbox)
    for i in range(3):
        put(inbox, f"年报{i}.xlsx", R5_HEADER, [["3412000001", "", 2023 + i, 1800, 1, 10, 2, 900 + i]],
            arrived=f"2025-11-2{i}T08:00:00")
    monkeypatch.setenv("KEJIAO_INTAKE_WORKERS", "2")
    summary = run(con, inbox, tmp_path)
    assert len(summary.accepted) == 4
    frame = con.sql("select report_year, students_in_st_activities from staging.r5_school_annual_reports "
                    "order by 1").pl()
    assert frame.equals(pl.DataFrame({"report_year": [2023, 2024, 2025], "students_in_st_activities": [900, 901, 902]},
                                     schema=frame.schema))


def test_vectorised_messages_equal_str_format():
    from pipelines.intake.batch import ISSUE_SCHEMA
    from pipelines.intake.messages import RULES, render

    values = [(None, None, None), ("在校生数", "{detail}", "x{column}y"), ("a", "b", "c")]
    rows = [{"severity": "error", "rule_code": code, "sheet_name": None, "row_number": i, "column_letter": None,
             "column_name": None, "column_header": col, "value_seen": val, "detail": det}
            for i, code in enumerate(RULES) for col, val, det in values]
    rendered = judge.with_messages(pl.DataFrame(rows, schema=ISSUE_SCHEMA))
    for r in rendered.iter_rows(named=True):
        expected = render(r["rule_code"], r["column_header"] or "", r["value_seen"] or "", r["detail"] or "")
        assert (r["message_zh"], r["message_en"]) == expected


def test_pseudonyms_are_the_keyed_hash_of_each_identifier():
    import hashlib
    import hmac

    from pipelines.intake.batch import pseudonymise

    ids = pl.Series("student_id", ["g120101200901011234", None, "G120101200901011234", "X9"], dtype=pl.String)
    expected = [None if v is None else hmac.new(KEY, v.upper().encode(), hashlib.sha256).hexdigest()[:32]
                for v in ids.to_list()]
    assert pseudonymise(ids, KEY).to_list() == expected
