"""Over the demo: templates of a sample of schools (and two district workbooks), each filled with
the demo's own figures for 2026 as the snapshot holds them, all pass `kejiao check`'s judgement.
All 1,500 schools: `make bench` (benchmarks/templates_case.py)."""

from __future__ import annotations

from benchmarks.templates_case import round_trip
from tests.dashboards.conftest import demo_data_dir  # noqa: F401 - the shared demo run (slow)


def test_demo_templates_filled_with_the_demos_figures_pass(demo_data_dir, tmp_path):  # noqa: F811
    result = round_trip(str(demo_data_dir), year=2026, every=60, out=str(tmp_path / "templates"))
    assert result["schools"] > 1400 and result["district_workbooks"] == 16
    assert result["filled"] >= 30  # ~25 schools of the sample and the district workbooks
    assert result["refused"] == [], result["refused"]
    assert result["accepted"] == result["filled"]
