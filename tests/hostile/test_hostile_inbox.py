"""No file can stop the pipeline (issue 11): the demo inbox plus the hostile corpus.

One materialize over all of it succeeds and gives exactly the demo's figures; every hostile
file gets a verdict with its reason (or, when it is no regular file, is listed and never
opened); no outbox workbook holds a formula; nothing from outside the inbox is copied; and
`kejiao check` answers each file with exit 1 and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.cli import run_all
from pipelines.settings import DEMO_DIR, Settings
from tests.hostile.corpus import SECRET, write_corpus

pytestmark = pytest.mark.slow

NOT_REGULAR = {"链接到外部.csv", "链接到外部文件夹", "链接到内部.xlsx", "管道.csv", "文件夹.xlsx"}
FIGURES = "select * from indicators.indicator_values order by indicator_id, period, geo_code, breakdown"


def _figures(data: Path) -> list[tuple]:
    con = duckdb.connect(str(data / "published" / "current.duckdb"), read_only=True)
    try:
        return con.sql(FIGURES).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The demo alone, and the demo with the hostile corpus: each materialized once."""
    from pipelines.demo.generator import stage

    root = tmp_path_factory.mktemp("hostile")
    plain, hostile = root / "plain", root / "hostile"
    stage(DEMO_DIR, plain / "inbox")
    stage(DEMO_DIR, hostile / "inbox")
    corpus = write_corpus(hostile / "inbox", root / "outside")
    for base in (plain, hostile):
        data = base / "data"
        result = run_all(Settings(data), base / "inbox", data / "warehouse.duckdb")
        assert result.success, base
    return {"plain": plain / "data", "hostile": hostile / "data", "inbox": hostile / "inbox", "corpus": corpus,
            "outside": root / "outside"}


def test_a_run_over_the_demo_and_every_hostile_file_gives_the_demos_figures(runs):
    figures = _figures(runs["hostile"])
    assert figures and figures == _figures(runs["plain"])


def test_every_hostile_file_has_a_verdict_with_its_reason_and_no_link_is_followed(runs):
    con = duckdb.connect(str(runs["hostile"] / "warehouse.duckdb"), read_only=True)
    try:
        rows = {path: (status, zh, en) for path, status, zh, en in con.sql(
            "select o.inbox_path, s.status, s.message_zh, s.message_en from raw.file_observations o "
            "join raw.submissions s using (submission_id)").fetchall()}
        archived = [r[0] for r in con.sql("select archive_path from raw.submissions").fetchall()]
    finally:
        con.close()
    for name in runs["corpus"]:
        if name in NOT_REGULAR:
            assert name not in rows, name  # never opened, so never a submission
            continue
        status, zh, en = rows[name]
        if name == "UTF16.csv":  # a readable demo report in another encoding: an older version
            assert status == "accepted", (name, zh)
            continue
        assert status in ("rejected", "not_a_report"), (name, status, zh)
        assert zh and en, name
    # the unreadable ones say why, in both languages
    assert rows["超大范围-未声明.xlsx"][1].startswith("无法读取：读取程序在读取该文件时异常终止")
    assert "超过上限" in rows["超长行.csv"][1] and "limit" in rows["超长行.csv"][2]
    assert "解压后过大" in rows["压缩炸弹.xlsx"][1] and "decompression bomb" in rows["压缩炸弹.xlsx"][2]
    assert "1048576 行 × 16384 列" in rows["超大范围-声明.xlsx"][1]
    assert "超过上限" in rows["十万列.csv"][1]
    # nothing from outside the inbox reached the archive
    archive = runs["hostile"] / "archive"
    for path in archive.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert all(p == "" or (archive / p).is_file() for p in archived)


def test_no_outbox_workbook_holds_a_formula_or_anything_from_outside(runs):
    outbox = runs["hostile"] / "outbox"
    books = sorted(outbox.glob("*.xlsx"))
    assert len(books) >= 15
    for book in books:
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (book.name, ws.title, cell.coordinate, cell.value)
                    assert SECRET not in str(cell.value or ""), book.name


def test_kejiao_check_answers_every_hostile_file_with_exit_1_and_no_traceback(runs, tmp_path):
    inbox = runs["inbox"]
    env = {**os.environ, "KEJIAO_DATA_DIR": str(tmp_path / "data")}
    for name in runs["corpus"]:
        if name == "UTF16.csv":
            continue
        proc = subprocess.run([sys.executable, "-m", "pipelines.cli", "check", str(inbox / name),
                               "--warehouse", str(runs["hostile"] / "warehouse.duckdb")],
                              check=False, capture_output=True, text=True, env=env, timeout=300,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 1, (name, proc.stdout[-500:], proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr + proc.stdout, (name, proc.stderr[-2000:])
        assert name in proc.stdout and ("REJECTED" in proc.stdout or "NOT A REPORT" in proc.stdout), name
        assert SECRET not in proc.stdout, name
