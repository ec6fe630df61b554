"""Attack (issue 12, finding 7c): the youth programme's participants are minors, and the dashboard
never shows a count of them from 1 to 4; `kejiao export` wrote those counts as they are, so a
district's 2 pupils in a cohort, or the 3 with both mentors, left the data team in a spreadsheet.

Every file of `kejiao export` (CSV, Excel, Parquet) of the demo snapshot is read back: no cell of a
youth-programme row holds a count from 1 to 4, a share resting on such a count is not given, and a
hidden cell cannot be worked out from its set (a second cell is hidden beside a lone one)."""

from __future__ import annotations

import csv
from collections import defaultdict

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.dashboards.conftest import demo_data_dir  # noqa: F401

SMALL = range(1, 5)
SUPPRESSED = "<5"


@pytest.fixture(scope="module")
def exported(demo_data_dir, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("export")
    result = CliRunner().invoke(app, ["export", "--out", str(out),
                                      "--snapshot", str(demo_data_dir / "published" / "current.duckdb")])
    assert result.exit_code == 0, result.output
    return out


def number(cell):
    if cell in (None, "", SUPPRESSED):
        return None
    return float(cell)


def test_csv_has_no_small_count_of_minors(exported):
    with (exported / "indicators.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["indicator_id"].startswith("YIP_")]
    assert rows
    hidden = 0
    for r in rows:
        counts = [r["numerator"], r["denominator"]] + ([r["value"]] if r["unit"] == "students" else [])
        assert not [c for c in counts if number(c) is not None and number(c) in SMALL], r
        if r["unit"] == "%" and SUPPRESSED in (r["numerator"], r["denominator"]):
            assert r["value"] == SUPPRESSED, r  # a share and its denominator would give the numerator away
        hidden += SUPPRESSED in (r["value"], r["numerator"], r["denominator"])
    assert hidden > 0  # the demo has small cells: they are there, hidden


def test_a_lone_hidden_cell_gets_a_second_one(exported):
    with (exported / "indicators.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["indicator_id"] == "YIP_ENROLLED" and r["breakdown"]]
    groups = defaultdict(list)
    for r in rows:
        groups[(r["period"], r["geo_code"], r["breakdown_dimension"])].append(r["value"])
    for key, values in groups.items():
        shown_non_zero = [v for v in values if v != SUPPRESSED and number(v)]
        assert values.count(SUPPRESSED) != 1 or not shown_non_zero, (key, values)


def test_excel_and_parquet_have_no_small_count_of_minors(exported):
    book = openpyxl.load_workbook(exported / "indicators.xlsx", read_only=True)
    sheet = book["青少年科创计划"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    columns = [header.index(h) for h in ("数值", "分子", "分母")]
    unit = header.index("单位")
    cells = [(row[c], row[unit], c) for row in rows[1:] for c in columns]
    assert not [v for v, u, c in cells if isinstance(v, (int, float)) and v in SMALL
                and (c != columns[0] or u == "人")]
    assert any(v == SUPPRESSED for v, _, _ in cells)

    frame = pl.read_parquet(exported / "indicators.parquet").filter(pl.col("indicator_id").str.starts_with("YIP_"))
    small = frame.filter(pl.col("numerator").is_between(1, 4) | pl.col("denominator").is_between(1, 4)
                         | ((pl.col("unit") == "students") & pl.col("value").is_between(1, 4)))
    assert small.is_empty(), small
    assert frame["is_suppressed"].any()


def test_a_district_bureaus_export_from_the_dashboard_is_suppressed_too(demo_data_dir, monkeypatch):  # noqa: F811
    """A district bureau's files are built by the dashboard (not the export module): the same rule."""
    import io

    from dashboards import data
    from dashboards.scope import scoped
    from pipelines.access.roles import Role, Scope

    monkeypatch.setenv("KEJIAO_DATA_DIR", str(demo_data_dir))
    snap = scoped(data.current_snapshot(), Scope(Role.DISTRICT, districts=("120103",)))
    files = data.export_files(snap, "en").files
    rows = [r for r in csv.DictReader(io.StringIO(files["indicators_120103.csv"].decode("utf-8-sig")))
            if r["indicator_id"].startswith("YIP_")]
    assert rows and {r["geo_code"] for r in rows} <= {"120000", "120103"}
    for r in rows:
        counts = [r["numerator"], r["denominator"]] + ([r["value"]] if r["unit"] == "students" else [])
        assert not [c for c in counts if number(c) is not None and number(c) in SMALL], r
    assert any(SUPPRESSED in (r["value"], r["numerator"], r["denominator"]) for r in rows)
    frame = pl.read_parquet(io.BytesIO(files["indicators_120103.parquet"])).filter(
        pl.col("indicator_id").str.starts_with("YIP_"))
    assert frame.filter(pl.col("numerator").is_between(1, 4) | pl.col("denominator").is_between(1, 4)).is_empty()
