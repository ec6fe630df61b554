"""`python -m benchmarks.workers` runs and writes what its report needs (nothing timed is asserted)."""

from __future__ import annotations

import json

from benchmarks.workers import main


def test_the_worker_benchmark_runs_and_writes_its_figures(tmp_path):
    main(["--reps", "1", "--cases", "start,warm_call", "--results", str(tmp_path)])
    results = json.loads((tmp_path / "workers-latest.json").read_text(encoding="utf-8"))
    assert set(results["cases"]) == {"start", "warm_call"}
    assert results["cases"]["start"]["cpu_s_median"] > 0 and results["cases"]["warm_call"]["seconds_median"] > 0
    assert "| warm_call | 1 |" in (tmp_path / "workers-latest.md").read_text(encoding="utf-8")
