"""From report files in an inbox to indicators.csv / .xlsx / .parquet, through the whole Dagster
graph (pipelines.cli.run_all over ALL_ASSETS + ALL_CHECKS) and the published snapshot."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app, run_all
from pipelines.exports.indicators_export import (
    export_indicators,
    load_export,
    neutralise,
    write_csv,
    write_xlsx,
)
from pipelines.settings import Settings
from tests.exports.inbox_fixture import AS_OF, EXPECTED, fill_inbox


def _values(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql("select * from indicators.indicator_values order by all").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    inbox = root / "inbox"
    inbox.mkdir()
    fill_inbox(inbox)
    data = root / "data"
    warehouse_file = data / "warehouse.duckdb"
    first = run_all(Settings(data), inbox, warehouse_file)
    assert first.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in first.get_asset_check_evaluations()}
    snapshot = data / "published" / "current.duckdb"
    values_first = _values(snapshot)
    second = run_all(Settings(data), inbox, warehouse_file)  # the same inbox again
    assert second.success
    return {"root": root, "data": data, "warehouse": warehouse_file, "snapshot": snapshot, "checks": checks,
            "values_first": values_first}


def test_indicator_checks_ran_and_passed(pipeline):
    checks = pipeline["checks"]
    for name in ("city_equals_sum_of_districts", "shares_within_0_100", "targets_have_status"):
        assert checks[("indicators/indicator_values", name)] is True
    # 2025: the primary school (closed 2025-08-31) owes a report and sent none
    assert checks[("indicators/indicator_values", "reporting_completeness_gaps")] is False


def test_every_check_of_the_graph_ran_once_in_its_assets_step(pipeline):
    from pipelines.definitions import defs

    declared = {(k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys}
    assert len(declared) == 25 and set(pipeline["checks"]) == declared
    assert pipeline["checks"][("marts/fct_yip_participants", "no_personal_identifiers")] is True
    for mart in ("dim_school_active", "fct_alliance_member_current"):  # issue 15 #3
        assert pipeline["checks"][(f"marts/{mart}", "unique_key")] is True
    assert pipeline["checks"][("school_registry", "unique_key")] is True


def test_a_failed_blocking_check_stops_what_is_downstream(pipeline, tmp_path, monkeypatch):
    """A duplicate key in a mart (the marts are not rebuilt: nothing they follow from changed)
    fails its blocking check: the step fails after recording it, the indicators and the snapshot
    are not touched."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(pipeline["data"], data)
    monkeypatch.delenv("KEJIAO_PSEUDONYM_KEY")  # the copy's own key file, the one its warehouse is pinned to
    con = duckdb.connect(str(data / "warehouse.duckdb"))
    con.execute("insert into marts.fct_base_year select * from marts.fct_base_year limit 1")
    con.close()
    published = (data / "published" / "current.duckdb").read_bytes()
    result = run_all(Settings(data), pipeline["root"] / "inbox", data / "warehouse.duckdb")
    assert not result.success
    failed = {(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()
              if not e.passed}
    assert ("marts/fct_base_year", "unique_key") in failed
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "marts/fct_base_year" in done and "school_registry" in done
    assert "indicators/indicator_values" not in done and "published_snapshot" not in done
    assert (data / "published" / "current.duckdb").read_bytes() == published


def test_a_second_run_over_the_same_inbox_changes_nothing(pipeline):
    assert _values(pipeline["snapshot"]) == pipeline["values_first"]
    history = sorted(p.name for p in (pipeline["data"] / "published" / "history").glob("*.duckdb"))
    assert history == ["2026-10-15T080000.duckdb"]


def test_csv_from_inbox_to_indicators(pipeline, tmp_path):
    files = export_indicators(pipeline["snapshot"], tmp_path / "out")
    raw = files["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    for col in ("indicator_id", "period", "geo_code", "breakdown", "value", "target", "status"):
        assert col in rows[0]
    totals = {(r["indicator_id"], int(r["period"])): r for r in rows if r["geo_code"] == "120000" and r["breakdown"] == ""}
    for key, expected in EXPECTED.items():
        if key[0].startswith("YIP_"):  # 3 minors in the cohort: never published (issue 12 #7c)
            assert totals[key]["value"] == "<5" and totals[key]["is_suppressed"] == "true", key
            continue
        assert float(totals[key]["value"]) == pytest.approx(expected), key
    assert totals[("SHS_NAMED", 2026)]["status"] == "limited_progress"
    assert totals[("SHS_NAMED", 2026)]["target"] == "25.0"
    assert totals[("FLB_ACTIVE", 2026)]["status"] == "deterioration"
    assert totals[("YIP_ENROLLED", 2026)]["status"] == "in_progress"
    assert totals[("STE_VICE_PRINCIPAL", 2025)]["status"] == "not_met"
    # AS_OF (UTC) in Beijing time, saying so
    assert {r["as_of"] for r in rows} == {(datetime.fromisoformat(AS_OF).replace(tzinfo=UTC)
                                           + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")}
    named = [r for r in rows if r["indicator_id"] == "SHS_PIPELINE" and r["breakdown"] == "stage=named"
             and r["geo_code"] == "120101" and r["period"] == "2026"]
    assert named[0]["value"] == "1.0" and named[0]["breakdown_label_zh"] == "验收命名"
    # no raw student identifier or name anywhere in the export
    assert "G120101200801010011" not in raw.decode("utf-8-sig") and "张三" not in raw.decode("utf-8-sig")
    keys = [(r["indicator_id"], int(r["period"]), r["geo_code"], r["breakdown"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_parquet_holds_the_same_rows_with_their_submissions(pipeline, tmp_path):
    files = export_indicators(pipeline["snapshot"], tmp_path / "out")
    frame = pl.read_parquet(files["parquet"])
    csv_frame = pl.read_csv(files["csv"], infer_schema_length=None)
    assert frame.height == csv_frame.height
    row = frame.filter((pl.col("indicator_id") == "FLB_ACTIVE") & (pl.col("period") == 2025)
                       & (pl.col("geo_code") == "120000") & (pl.col("breakdown") == "")).row(0, named=True)
    assert row["value"] == 2 and row["submission_count"] == 1 and len(row["submission_ids"]) == 1


def test_xlsx_layout(pipeline, tmp_path):
    files = export_indicators(pipeline["snapshot"], tmp_path / "out")
    wb = openpyxl.load_workbook(files["xlsx"])
    assert wb.sheetnames == ["目标进展", "科学高中", "领航学科基地", "青少年科创计划", "科技教育联盟", "面向人人的科技教育",
                             "报表完整性", "科学高中预测", "说明"]
    ws = wb["科学高中"]
    assert [c.value for c in ws[1]][:7] == ["指标代码", "指标名称", "年度", "区划代码", "区域", "分组", "数值"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width > 10
    headline = {r[0].value: r for r in wb["目标进展"].iter_rows(min_row=2)}
    assert headline["SHS_NAMED"][3].value == 1 and headline["SHS_NAMED"][7].value == "进展有限"
    assert headline["FLB_ACTIVE"][9].value.startswith("目标年度原文未载明")
    shares = [r for r in wb["面向人人的科技教育"].iter_rows(min_row=2) if r[1].value and r[7].value == "%"]
    assert shares and shares[0][6].number_format == "0.0"
    notes = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "2026-10-15 16:00:00（北京时间）" in notes and "Statistics Canada" in notes and "REPORTING_COMPLETENESS" in notes
    assert wb.properties.created.isoformat().startswith("2026-10-15")


def test_same_snapshot_same_bytes(pipeline, tmp_path):
    a = export_indicators(pipeline["snapshot"], tmp_path / "a")
    b = export_indicators(pipeline["snapshot"], tmp_path / "b")
    for kind in ("csv", "xlsx", "parquet"):
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind


def test_formula_injection_is_neutralised(pipeline, tmp_path):
    assert neutralise("=1+1") == "'=1+1" and neutralise("-2") == "'-2" and neutralise("@x") == "'@x"
    assert neutralise("和平区") == "和平区" and neutralise(None) is None
    data = load_export(pipeline["snapshot"])
    evil = '=HYPERLINK("http://example.invalid","点击")'
    data.values = data.values.with_columns(
        breakdown_label_zh=pl.when(pl.col("breakdown_dimension") == "host_university").then(pl.lit(evil))
        .otherwise(pl.col("breakdown_label_zh")))
    write_csv(data, tmp_path / "x.csv")
    write_xlsx(data, tmp_path / "x.xlsx")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "x.csv").read_text(encoding="utf-8-sig"))))
    labels = {r["breakdown_label_zh"] for r in rows if r["breakdown_dimension"] == "host_university"}
    assert labels == {"'" + evil}
    cells = [c.value for row in openpyxl.load_workbook(tmp_path / "x.xlsx")["青少年科创计划"].iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(not c.startswith("=") for c in cells)


def test_cli_export_explain_and_progress(pipeline, tmp_path):
    runner = CliRunner()
    wh = str(pipeline["warehouse"])
    out = tmp_path / "cli"
    result = runner.invoke(app, ["export", "--warehouse", wh, "--out", str(out), "--as-of", "2026-10-20"])
    assert result.exit_code == 0, result.output
    assert (out / "indicators.csv").read_bytes() == export_indicators(pipeline["snapshot"], tmp_path / "d")["csv"].read_bytes()
    result = runner.invoke(app, ["export", "--warehouse", wh, "--out", str(out), "--as-of", "2026-10-14"])
    assert result.exit_code == 1  # no snapshot with data as of that day yet
    result = runner.invoke(app, ["explain", "SHS_NAMED", "2026", "和平区", "--warehouse", wh])
    assert result.exit_code == 0, result.output
    assert "科学高中进展.xlsx" in result.output and "stage=named event_date=2026-06-01" in result.output
    assert "2026-10-15 16:00:00（北京时间）" in result.output  # times in Beijing time, saying so (issue 16)
    result = runner.invoke(app, ["explain", "SHS_PIPELINE", "2026", "120000", "--breakdown", "stage=applied",
                                 "--warehouse", wh])
    assert result.exit_code == 0 and "school_code=3412000002 stage=applied" in result.output
    result = runner.invoke(app, ["progress", "--warehouse", wh])
    assert result.exit_code == 0
    assert "SHS_NAMED" in result.output and "limited_progress" in result.output


def test_export_tells_what_it_is_doing(pipeline, tmp_path):
    """What `kejiao export` shows on a terminal while it works (pipelines/cli.py Working); nothing
    of it without one (issue 15 #4)."""
    from pipelines.exports.indicators_export import export_command

    said: list[str] = []
    assert export_command(pipeline["data"] / "published", tmp_path / "out", None, pipeline["snapshot"],
                          lambda *a, **k: None, said.append) == 0
    assert said == ["读取快照 reading the snapshot: current.duckdb", "写 writing indicators.csv",
                    "写 writing indicators.xlsx", "写 writing indicators.parquet"]
    result = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "again"), "--snapshot", str(pipeline["snapshot"])])
    assert result.exit_code == 0 and "writing" not in result.output, result.output
