"""The inbox-to-dashboard wait of `make bench` (benchmarks/latency.py) on the tiny demo, so that it
cannot rot: the real Dagster daemon over seeds/demo, one file saved, its figure found in the
published snapshot. Nothing here asserts a timing: only that the parts are measured and written,
and that the daemon and every process under it are gone afterwards, on failure too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import latency

pytestmark = pytest.mark.slow  # the daemon's first run materializes the demo; the sensor ticks every 30 s

PARTS = {"total_s", "sensor_s", "queue_s", "launch_s", "queue_launch_s", "run_to_publish_s",
         "publish_to_visible_s", "run_s", "after_publish_s"}


def processes_under(folder: Path) -> list[str]:
    """Processes whose environment names `folder` (the daemon, its code server, run workers)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(folder).encode() in environ and state != "Z":
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ")[:200]
            found.append(f"{proc.name}: {command!r}")
    return found


def test_one_file_on_the_demo(tmp_path):
    results = latency.main(["--demo", "--reps", "1", "--data", str(tmp_path / "data"),
                            "--results", str(tmp_path / "results")])
    written = json.loads((tmp_path / "results" / "latency-latest.json").read_text(encoding="utf-8"))
    assert written["sizes"].keys() == {"demo"} == results["sizes"].keys()
    demo = written["sizes"]["demo"]
    [run] = demo["runs"]
    assert PARTS <= run.keys() and PARTS <= demo["median"].keys()
    assert run["new_runs"] == 1 and run["file"].endswith("（更正1）.xlsx")
    # the parts are of one wait: they add up to it (each rounded to 0.01 s)
    parts = run["sensor_s"] + run["queue_launch_s"] + run["run_to_publish_s"] + run["publish_to_visible_s"]
    assert abs(parts - run["total_s"]) < 0.05, run
    assert run["queue_launch_s"] == pytest.approx(run["queue_s"] + run["launch_s"], abs=0.02)
    assert demo["setup"]["first_run_s"] > 0
    # the first run took the whole demo inbox in; the measured run took in the one new file
    assert demo["setup"]["intake"]["accepted"] > 100 and demo["setup"]["intake"]["files_seen"] == 271
    assert run["intake"]["new_submissions"] == 1 and run["intake"]["accepted"] == 1, run["intake"]
    assert "load average" in written["uptime_at_start"] and written["goal"] == {"seconds": 45.0, "schools": 150000}
    table = (tmp_path / "results" / "latency-latest.md").read_text(encoding="utf-8")
    assert "| demo |" in table and "uptime" in table and "150,000: under 45 s" in table
    assert not processes_under(tmp_path), processes_under(tmp_path)
    assert not (tmp_path / "data" / "work").exists() or not any((tmp_path / "data" / "work").iterdir())


def test_the_daemon_is_stopped_when_the_measurement_fails(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        left = processes_under(tmp_path)
        assert len(left) >= 2, left  # the daemon and its code server are running at this point
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(latency, "prepare_file", broken)
    with pytest.raises(RuntimeError, match="broken on purpose"):
        latency.main(["--demo", "--reps", "1", "--data", str(tmp_path / "data"),
                      "--results", str(tmp_path / "results")])
    assert not processes_under(tmp_path), processes_under(tmp_path)
