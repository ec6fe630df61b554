"""The `kejiao` command line: check and materialize."""

from __future__ import annotations

from typer.testing import CliRunner

from pipelines.cli import app
from tests.conftest import put, put_registry
from tests.intake.test_rules import R5_HEADER

runner = CliRunner()


def test_check_prints_every_error_with_row_and_column(inbox, tmp_path):
    registry = put_registry(inbox)
    bad = put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 1900],
                                            ["", "无此演示学校", 2025, 100, -1, 1, 0, 10]],
              title_rows=[["天津市2025年学校科技教育年报"]])
    result = runner.invoke(app, ["check", str(registry), str(bad), "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "学校名录.xlsx: 通过 PASS" in out
    assert "年报.xlsx: 退回 REJECTED" in out
    assert "第 3 行 row H 列 column「参加科技活动学生数」" in out
    assert "第 4 行 row A 列 column「学校标识码」" in out and "无此演示学校" in out
    assert "第 4 行 row E 列 column「科学副校长人数」" in out and "不能为负数" in out
    assert "must not be negative" in out


def test_check_passes_a_good_file(inbox, tmp_path):
    registry = put_registry(inbox)
    good = put(inbox, "年报.csv", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]], encoding="gb18030")
    result = runner.invoke(app, ["check", str(registry), str(good), "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 0, result.output
    assert result.output.count("通过 PASS") == 2


def test_materialize_runs_the_graph_and_summarises(inbox, tmp_path):
    put_registry(inbox)
    put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 1900]])
    (inbox / "说明.txt").write_text("不是报表", encoding="utf-8")
    (inbox / "链接.csv").symlink_to(tmp_path / "elsewhere.csv")
    db = tmp_path / "wh" / "warehouse.duckdb"
    result = runner.invoke(app, ["materialize", "--inbox", str(inbox), "--warehouse", str(db)])
    assert result.exit_code == 0, result.output
    assert "接收 accepted 1" in result.output and "退回 rejected 1" in result.output
    assert "非报表 not a report 1" in result.output
    assert "年报.xlsx" in result.output
    assert "not a regular file, not read: 链接.csv (symlink)" in result.output
    again = runner.invoke(app, ["materialize", "--inbox", str(inbox), "--warehouse", str(db)])
    assert again.exit_code == 0 and "新提交 new 0" in again.output and "未变 unchanged 3" in again.output


def test_materialize_fails_loudly_when_the_pipeline_breaks(inbox, tmp_path):
    put_registry(inbox)
    blocker = tmp_path / "wh"
    blocker.write_text("a file where the warehouse folder should be")
    result = runner.invoke(app, ["materialize", "--inbox", str(inbox), "--warehouse", str(blocker / "w.duckdb")])
    assert result.exit_code != 0


def test_materialize_is_quiet_unless_verbose(inbox, tmp_path, capfd):
    """Dagster's event log (~150 DEBUG lines over the demo) only with --verbose; the summary always."""
    put_registry(inbox)
    db = tmp_path / "wh" / "warehouse.duckdb"
    quiet = runner.invoke(app, ["materialize", "--inbox", str(inbox), "--warehouse", str(db)])
    out, err = capfd.readouterr()
    assert quiet.exit_code == 0 and "接收 accepted 1" in quiet.output
    assert "DEBUG" not in quiet.output + out + err
    loud = runner.invoke(app, ["materialize", "--inbox", str(inbox), "--warehouse", str(db), "--verbose"])
    out, err = capfd.readouterr()
    assert loud.exit_code == 0 and "STEP_SUCCESS" in loud.output + out + err
