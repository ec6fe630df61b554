"""Asset checks in their asset's step (pipelines/checks.py): a run of part of a multi-asset
materializes and checks that part only; every check of the graph is declared once."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs
from pipelines.marts.assets import marts
from pipelines.resources import default_resources
from pipelines.staging.assets import staging_in_force
from tests.indicators.test_indicator_values import r5
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse


def test_a_subset_of_a_multi_asset_runs_and_checks_only_that_subset(con, tmp_path):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报2025.xlsx", "2025-11-20T08:00:00", [r5("3412000001", 2025, 1000, 1, 500)])
    con.close()
    resources = default_resources(tmp_path, None, tmp_path / "warehouse.duckdb")

    result = dg.materialize([staging_in_force, marts], resources=resources,
                            selection=[dg.AssetKey("school_registry"), dg.AssetKey("school_annual_reports")])
    assert result.success
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert done == {"school_registry", "school_annual_reports"}
    checked = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checked == {("school_registry", "unique_key"): True, ("school_annual_reports", "unique_key"): True,
                       ("school_annual_reports", "schools_in_registry"): True,
                       ("school_annual_reports", "annual_report_completeness"): False}  # 7 schools owe 2025

    result = dg.materialize([staging_in_force, marts], resources=resources,
                            selection=[dg.AssetKey(["marts", "dim_school"])])
    assert result.success
    assert [e.asset_key.to_user_string() for e in result.get_asset_materialization_events()] == ["marts/dim_school"]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()] == [
        ("marts/dim_school", "unique_key")]


def test_the_refresh_job_is_twelve_steps_with_every_check_in_one():
    job = defs.resolve_job_def("refresh_all")
    steps = {node.name for node in job.graph.node_defs}
    assert steps == {"reference_data", "submissions", "staging_in_force", "marts", "indicators__indicator_values",
                     "indicators__shs_forecast", "indicators__district_progress", "obligations", "published_snapshot", "overdue_reports", "error_workbooks",
                     "overdue_reports_no_overdue_reports"}
    graph = defs.resolve_asset_graph()
    assert len(graph.asset_check_keys) == 23
