"""Asset checks in their asset's step (pipelines/checks.py): a run of part of a multi-asset
materializes and checks that part only; every check of the graph is declared once."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines.definitions import defs
from pipelines.marts.assets import marts
from pipelines.metadata import code_version
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


def test_every_check_runs_in_the_step_of_its_asset():
    """No step of the refresh job is a table's check alone: each check of a warehouse table is
    declared by the (multi-)asset that builds the table (pipelines/checks.py); the one
    `@asset_check` left checks a file the overdue asset writes."""
    graph = defs.resolve_asset_graph()
    checks = graph.asset_check_keys
    in_asset_steps = set().union(*(a.check_keys for a in graph.assets_defs if a.keys))
    assert len(checks) > 20
    assert {c.name for c in checks - in_asset_steps} <= {"no_overdue_reports"}
    job = defs.resolve_job_def("refresh_all")
    assert not {node.name for node in job.graph.node_defs} & {c.name for c in in_asset_steps}


def test_assets_report_dagsters_row_count_schema_and_code_version(con, tmp_path):
    """Dagster-native metadata (issue 14 #4): each table asset's materialization carries
    `dagster/row_count` (the table's rows, read back here) and `dagster/column_schema`; each
    asset that builds a table has a `code_version` from its SQL and code, which a changed line
    changes."""
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    con.close()
    resources = default_resources(tmp_path, None, tmp_path / "warehouse.duckdb")
    result = dg.materialize([staging_in_force, marts], resources=resources,
                            selection=[dg.AssetKey("school_registry"), dg.AssetKey(["marts", "dim_school"])])
    assert result.success
    reported = {e.asset_key.to_user_string(): e.materialization.metadata
                for e in result.get_asset_materialization_events()}
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as check:
        for asset, table in (("school_registry", "staging.r0_schools_in_force"), ("marts/dim_school", "marts.dim_school")):
            rows = check.sql(f"select count(*) from {table}").fetchall()[0][0]
            assert rows > 0 and reported[asset]["dagster/row_count"].value == rows
            columns = [c.name for c in reported[asset]["dagster/column_schema"].schema.columns]
            assert columns == check.sql(f"select * from {table} limit 0").columns

    graph = defs.resolve_asset_graph()
    versions = {k.to_user_string(): graph.get(k).code_version for k in graph.get_all_asset_keys()}
    built_by_sql = [k for k in versions if k.startswith(("marts/", "indicators/"))]
    assert built_by_sql and all(versions[k] for k in built_by_sql)
    assert versions["submissions"] and versions["published_snapshot"] and versions["reference_data"]
    assert len({versions[k] for k in versions if k.startswith("marts/")}) == len(
        [k for k in versions if k.startswith("marts/")])  # each mart's own SQL

    sql = tmp_path / "mart.sql"
    sql.write_text("select 1 as a\n", encoding="utf-8")
    before = code_version(sql)
    assert code_version(sql) == before
    sql.write_text("select 2 as a\n", encoding="utf-8")
    assert code_version(sql) != before


def test_a_check_kept_per_school_looks_where_rows_changed_since_it_passed_and_misses_nothing(con):
    """issue 15 #3: a check that passed looks next at the schools whose rows changed since; a
    failure there is found; after a failure, or a table rebuilt whole, it looks at every row."""
    from pipelines.intake.schema import REPORT_TYPES
    from pipelines.staging.checks import staging_checks
    from pipelines.staging.tables import refresh_in_force

    def checks() -> dict[str, tuple[bool, str, int]]:
        out = {}
        for c in staging_checks:
            if c.asset.to_user_string() == "school_annual_reports" and c.name != "annual_report_completeness":
                result = c.run(con)
                count = result.metadata.get("duplicate keys", result.metadata.get("unknown school codes"))
                out[c.name] = (result.passed, result.metadata["checked"].value.split(" ")[0], count.value)
        return out

    def refresh() -> None:
        for report in REPORT_TYPES.values():
            refresh_in_force(con, report)

    w = Warehouse(con)
    a, b = SCHOOLS[0]["school_code"], SCHOOLS[1]["school_code"]
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报2025.xlsx", "2025-11-20T08:00:00", [r5(a, 2025, 1000, 1, 500), r5(b, 2025, 800, 1, 300)])
    refresh()
    assert checks() == {"unique_key": (True, "全部行", 0), "schools_in_registry": (True, "全部行", 0)}

    w.submit("R5", "一中更正.xlsx", "2025-11-21T08:00:00", [r5(a, 2025, 1000, 1, 510)])
    refresh()
    assert checks() == {"unique_key": (True, "上次通过后有变化的", 0), "schools_in_registry": (True, "上次通过后有变化的", 0)}
    assert checks() == {"unique_key": (True, "上次通过后有变化的", 0), "schools_in_registry": (True, "上次通过后有变化的", 0)}

    # a file with the same school and year twice, and a school the registry does not know
    w.submit("R5", "二中两行.xlsx", "2025-11-22T08:00:00", [r5(b, 2025, 800, 1, 301), r5(b, 2025, 800, 1, 302)])
    w.submit("R5", "无名校.xlsx", "2025-11-22T09:00:00", [r5("3412999999", 2025, 100, 0, 1)])
    refresh()
    assert checks() == {"unique_key": (False, "上次通过后有变化的", 1), "schools_in_registry": (False, "上次通过后有变化的", 1)}
    # they failed: the next run looks at every row, and still finds them
    assert checks() == {"unique_key": (False, "全部行", 1), "schools_in_registry": (False, "全部行", 1)}
