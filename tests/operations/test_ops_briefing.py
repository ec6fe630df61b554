"""The monthly briefing: a printable A4 PDF in Chinese, checked as a person would read it
(pdftotext for the words, pdftoppm for the pages)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from pipelines.cli import app, run_all
from pipelines.operations.assets import monthly_briefing
from pipelines.operations.briefing import TITLE, briefing_path, find_chromium
from pipelines.operations.briefing.data import load_briefing_data
from pipelines.resources import default_resources
from pipelines.settings import Settings
from tests.operations.snapshot import make_snapshot
from tests.small_inbox import small_inbox

runner = CliRunner()

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs Debian's chromium (apt-get install chromium)")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="needs poppler-utils (pdftotext, pdftoppm)",
)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_pages(pdf: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(out_dir / "page")], check=True)
    return sorted(out_dir.glob("page-*.png"))


def test_briefing_data_from_snapshot(tmp_path):
    snapshot = make_snapshot(tmp_path / "published" / "current.duckdb")
    data = load_briefing_data(snapshot, date(2026, 12, 1))
    assert [t.indicator_id for t in data.targets][:5] == [
        "SHS_NAMED", "FLB_ACTIVE", "YIP_ENROLLED", "YIP_DUAL_MENTOR", "STE_VICE_PRINCIPAL"]
    assert {t.indicator_id: t.status for t in data.targets}["FLB_ACTIVE"] == "acceleration_needed"
    assert data.completeness["value"] == 93.5
    assert data.data_as_of_label == "2026年11月20日 10:30（北京时间）"
    # districts below a line, worst first: 和平区 fails all three
    assert data.attention["district_name_zh"][0] == "和平区"
    assert "年报报送完整率低于90%" in data.attention["reasons"][0]
    assert "东丽区" in data.attention["district_name_zh"].to_list()
    assert "滨海新区" not in data.attention["district_name_zh"].to_list()
    # as of an earlier year, later values are left out
    assert load_briefing_data(snapshot, date(2025, 12, 1)).targets[0].latest["period"] == 2025


def test_briefing_without_a_snapshot_says_why(tmp_path):
    result = runner.invoke(app, ["briefing", "--out", str(tmp_path / "b.pdf"),
                                 "--snapshot", str(tmp_path / "missing.duckdb")])
    assert result.exit_code == 1
    assert "未找到发布快照" in result.output and "does not exist" in result.output
    assert not (tmp_path / "b.pdf").exists()


@pytest.mark.browser  # Chromium prints the PDF: make check leaves it to make test
@needs_chromium
@needs_poppler
def test_briefing_pdf_from_a_snapshot(tmp_path):
    snapshot = make_snapshot(tmp_path / "published" / "current.duckdb")
    out = tmp_path / "简报.pdf"
    result = runner.invoke(app, ["briefing", "--as-of", "2026-12-01", "--out", str(out), "--snapshot", str(snapshot)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:5] == b"%PDF-"
    text = pdf_text(out)
    assert TITLE in text
    for words in ("2026年12月", "数据截至", "总体情况", "已命名科学高中", "领航学科基地", "按期推进", "需加快",
                  "需要关注的区", "和平区", "数据完整性", "93.5%", "方法说明", "Statistics Canada", "原文未说明"):
        assert words in text, words
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "pts (A4)" in info  # poppler names the page size
    pages = pdf_pages(out, tmp_path / "pages")
    assert 2 <= len(pages) <= 8
    assert all(p.stat().st_size > 5_000 for p in pages)  # each page has content drawn on it


@pytest.mark.browser  # Chromium prints the PDF: make check leaves it to make test
@needs_chromium
@needs_poppler
def test_monthly_briefing_asset_from_the_pipelines_own_snapshot(inbox, tmp_path):
    """A small generated inbox through the whole graph, then the briefing from what it published."""
    settings = Settings(tmp_path / "data")
    small_inbox(inbox)
    assert run_all(settings, inbox, settings.warehouse_path, raise_on_error=True).success
    assert (settings.published_dir / "current.duckdb").exists()
    result = dg.materialize(
        [monthly_briefing], resources=default_resources(settings.data_dir, inbox, settings.warehouse_path),
        run_config={"ops": {"monthly_briefing": {"config": {"as_of": "2026-12-01"}}}},
    )
    out = briefing_path(settings, date(2026, 12, 1))
    assert out.name == f"2026-12_{TITLE}.pdf" and out.parent == settings.data_dir / "briefings"
    meta = result.asset_materializations_for_node("monthly_briefing")[0].metadata
    assert meta["file"].value == str(out)
    text = pdf_text(out)
    assert TITLE in text and "2026年12月" in text and "学校科技教育年报" in text
    assert pdf_pages(out, tmp_path / "pages")


def test_monthly_briefing_asset_fails_clearly_without_a_snapshot(tmp_path):
    settings = Settings(tmp_path / "data")
    result = dg.materialize([monthly_briefing], resources=default_resources(settings.data_dir),
                            raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "未找到发布快照" in failure.event_specific_data.error.message
