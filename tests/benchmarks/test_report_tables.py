"""The one Markdown table writer and results writer of the benchmarks (benchmarks/report.py), used by
benchmarks/run.py and benchmarks/load.py alike."""

from __future__ import annotations

import json

import pytest

from benchmarks.report import table, write_results


def test_a_table_has_its_header_alignment_and_rows():
    assert table(["goal", "measured", ""], "lll", [("a", "1.0 s", "met")]) == [
        "| goal | measured | |", "|---|---|---|", "| a | 1.0 s | met |"]
    assert table(["schools", "name"], "rl", [[1500, "x"], [15000, "y"]]) == [
        "| schools | name |", "|---:|---|", "| 1500 | x |", "| 15000 | y |"]


@pytest.mark.parametrize("align", ["r", "rrr", "rx"])
def test_an_alignment_that_does_not_fit_the_columns_is_refused(align):
    with pytest.raises(ValueError):
        table(["a", "b"], align, [])


def test_results_are_written_under_their_names(tmp_path):
    results = {"figure": 1, "name": "天津"}
    write_results(results, tmp_path / "r", "20261206T120000Z", lambda r: f"# {r['name']}\n")
    write_results(results, tmp_path / "r", "20261206T120000Z", lambda r: "# load\n", name="load")
    files = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "r").iterdir()}
    assert set(files) == {"20261206T120000Z.json", "latest.json", "latest.md",
                          "20261206T120000Z-load.json", "load-latest.json", "load-latest.md"}
    assert json.loads(files["latest.json"]) == results and files["latest.json"] == files["20261206T120000Z.json"]
    assert files["latest.md"] == "# 天津\n" and files["load-latest.md"] == "# load\n"


def test_the_benchmark_refuses_to_compare_with_pandas_missing_an_engine(monkeypatch):
    """Without xlrd the naive alternative skipped every .xls file and looked 2-4× faster than it is
    (the results of 2026-12-06 said so in a footnote): the run now stops and says how to install it."""
    import importlib.util

    from benchmarks import run

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xlrd" else real(name, *a))
    assert run.missing_engines() == [m for m in run.NAIVE_ENGINES if m == "xlrd" or real(m) is None]
    with pytest.raises(SystemExit, match="make bench"):
        run.main(["--sizes", "1500", "--results", "/nonexistent"])
