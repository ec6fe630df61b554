"""The whole graph over the demo inbox gives the demo generator's ground truth (expected.json)."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipelines.cli import run_all
from pipelines.settings import DEMO_DIR, Settings

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not (DEMO_DIR / "expected.json").exists(), reason="no demo data in seeds/demo")
def test_demo_indicators_match_the_generators_truth(tmp_path):
    from pipelines.demo.generator import stage

    inbox = tmp_path / "inbox"
    stage(DEMO_DIR, inbox)
    data = tmp_path / "data"
    assert run_all(Settings(data), inbox, data / "warehouse.duckdb").success
    expected = json.loads((DEMO_DIR / "expected.json").read_text(encoding="utf-8"))["indicators"]
    con = duckdb.connect(str(data / "published" / "current.duckdb"), read_only=True)
    try:
        got = {(i, g, p): (v, n, d) for i, g, p, v, n, d in con.sql(
            "select indicator_id, geo_code, period, value, numerator, denominator from indicators.indicator_values "
            "where breakdown = ''").fetchall()}
    finally:
        con.close()
    compared = 0
    for geo, indicators in expected.items():
        for indicator_id, years in indicators.items():
            for year, truth in years.items():
                value, numerator, denominator = got[(indicator_id, geo, int(year))]
                if truth["value"] is None:
                    assert value is None, (indicator_id, geo, year)
                else:
                    assert value == pytest.approx(truth["value"], abs=0.005), (indicator_id, geo, year)
                if "denominator" in truth:
                    assert (numerator, denominator) == (truth["numerator"], truth["denominator"])
                compared += 1
    assert compared >= 30
