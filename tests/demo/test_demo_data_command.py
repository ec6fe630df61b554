"""`kejiao demo-data`: writes the demo and says how many files it wrote, not which."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipelines.cli import app


def test_demo_data_prints_a_count_of_the_files_written(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo-data", "--out", str(out), "--schools", "100"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (out / "inbox").iterdir())
    truth = json.loads((out / "expected.json").read_text(encoding="utf-8"))
    assert len(written) == truth["counts"]["files"]
    assert f"{len(written)} " in result.output and str(out / "inbox") in result.output
    assert not any(name in result.output for name in written)  # a count, not the list
    assert len(result.output.splitlines()) <= 3
