"""Forms that real offices send and that are still valid (issue 11, item 4): codes written with
Excel's leading apostrophe, a check run before any registry exists, a school name shared by two
schools of the registry that only one of them bore in the report's year."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.intake.checking import check_many
from pipelines.intake.context import load_context
from pipelines.intake.schema import REPORT_TYPES, is_code_column
from tests.conftest import KEY, R0_HEADER, REGISTRY, TODAY, every_format, put
from tests.intake.conftest import bytes_of
from tests.intake.test_formats import REPORTS
from tests.intake.test_rules import R5_HEADER

# --- the leading apostrophe ------------------------------------------------------------------


def _quoted(header: list[str], rows: list[list], code: str) -> list[list]:
    """The rows with every code cell written as Excel users force text: `'3412000001`."""
    report = REPORT_TYPES[code]
    by_header = {c.zh: c for c in report.columns}
    quoted_at = [i for i, h in enumerate(header) if h in by_header and is_code_column(by_header[h])]
    assert quoted_at, f"{code} has a code column"
    return [[f"'{v}" if i in quoted_at and v not in ("", None) else v for i, v in enumerate(row)] for row in rows]


def test_code_columns_are_every_identifier_column():
    names = {(r.code, c.name) for r in REPORT_TYPES.values() for c in r.columns if is_code_column(c)}
    assert names == {
        ("R0", "school_code"), ("R0", "district_code"),
        ("R1", "school_code"),
        ("R2", "base_code"), ("R2", "host_school_code"),
        ("R3", "student_id"), ("R3", "school_code"), ("R3", "host_university"),
        ("R4", "member_code"), ("R4", "district_code"),
        ("R5", "school_code"),
    }


@pytest.mark.parametrize("fmt,encoding", every_format([("csv", "utf-8"), ("csv", "gb18030"), ("xlsx", "utf-8")]))
@pytest.mark.parametrize("code", sorted(REPORTS))
def test_a_leading_apostrophe_is_the_code(ctx, code, fmt, encoding):
    header, rows, table, *_ = REPORTS[code]
    plain = check_many([(f"plain.{fmt}", bytes_of(None, header, rows, fmt, encoding))], ctx)[0]
    quoted = check_many([(f"quoted.{fmt}", bytes_of(None, header, _quoted(header, rows, code), fmt, encoding))],
                        ctx)[0]
    assert plain.status == "accepted", plain.issues
    assert quoted.status == "accepted", quoted.issues.select("rule_code", "column_name", "value_seen").rows()
    # the same rows, codes (and the student's pseudonym) included
    assert quoted.rows[table].equals(plain.rows[table])


def test_an_apostrophe_alone_is_an_empty_cell(ctx):
    verdict = check_many([("t.csv", bytes_of(None, R5_HEADER, [["'", "", 2025, 1800, 1, 10, 2, 900]], "csv", "utf-8"))],
                         ctx)[0]
    assert verdict.status == "rejected"
    assert verdict.issues.filter(pl.col("severity") == "error")["rule_code"].to_list() == ["missing_value"]


def test_an_apostrophe_inside_a_code_is_still_wrong(ctx):
    verdict = check_many([("t.csv", bytes_of(None, R5_HEADER, [["34120'00001", "", 2025, 1800, 1, 10, 2, 900]],
                                              "csv", "utf-8"))], ctx)[0]
    assert verdict.status == "rejected"
    assert verdict.issues.filter(pl.col("severity") == "error")["rule_code"].to_list() == ["unknown_school"]


# --- `kejiao check` before any registry --------------------------------------------------------

runner = CliRunner()


def test_check_without_a_registry_says_so(inbox, tmp_path):
    report = put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    result = runner.invoke(app, ["check", str(report), "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2, result.output
    assert "尚无学校名录" in result.output
    assert "no school registry yet: run `kejiao materialize` first, or pass `--warehouse`" in result.output
    # not a verdict on the file: no school is called unknown
    assert "不存在" not in result.output and "REJECTED" not in result.output


def test_check_without_a_registry_still_checks_a_registry(inbox, tmp_path):
    registry = put(inbox, "名录.xlsx", R0_HEADER, REGISTRY)
    result = runner.invoke(app, ["check", str(registry), "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 0, result.output
    assert "名录.xlsx: 通过 PASS" in result.output


def test_check_with_an_empty_warehouse_says_so(inbox, tmp_path):
    import warehouse
    from pipelines.reference.load import load_reference

    db = tmp_path / "wh" / "warehouse.duckdb"
    db.parent.mkdir()
    c = warehouse.connect(db)
    load_reference(c)
    c.close()
    report = put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    result = runner.invoke(app, ["check", str(report), "--warehouse", str(db)])
    assert result.exit_code == 2, result.output
    assert "尚无学校名录" in result.output


# --- a name shared by two schools ---------------------------------------------------------------

# 演示一中 was the short name of 3412000001 until it closed (2024-08-31); the school that took its
# place under a new code (3412000007) bears it from 2024-09-01. 演示二中 stays shared by two
# schools active together.
SHARED = [
    ["3412000001", "天津市和平区演示第一中学", "和平演示一中;演示一中", "和平区", "高级中学", "公办", 1800, "2001-09-01",
     "2024-08-31"],
    *REGISTRY[1:],
    ["3412000007", "天津市和平区演示第一中学(新校区)", "演示一中", "和平区", "高级中学", "公办", 1900, "2024-09-01", None],
    ["3412000008", "天津市河西区演示第二中学分校", "河西演示二中", "河西区", "高级中学", "公办", 800, "2010-09-01", None],
]


@pytest.fixture(params=["fetched", "whole"])
def shared_ctx(con, request):
    """The context as ingest fetches it from the warehouse, and whole (as `kejiao check` and the
    upload page hold it)."""
    c = load_context(con, KEY, TODAY)
    registry = check_many([("r0.xlsx", bytes_of(None, R0_HEADER, SHARED, "xlsx", "utf-8"))], c)[0]
    assert registry.status == "accepted", registry.issues
    return c if request.param == "fetched" else c.materialise()


def _r5(ctx, rows):
    return check_many([("t.xlsx", bytes_of(None, R5_HEADER, rows, "xlsx", "utf-8"))], ctx)[0]


def test_a_shared_name_is_the_school_active_in_the_report_year(shared_ctx):
    verdict = _r5(shared_ctx, [["", "演示一中", 2025, 1900, 1, 10, 2, 900]])
    assert verdict.status == "accepted", verdict.issues.rows()
    assert verdict.rows["staging.r5_school_annual_reports"]["school_code"].to_list() == ["3412000007"]
    # the year before, the other school bore it
    before = _r5(shared_ctx, [["", "演示一中", 2023, 1800, 1, 10, 2, 900]])
    assert before.status == "accepted", before.issues.rows()
    assert before.rows["staging.r5_school_annual_reports"]["school_code"].to_list() == ["3412000001"]


def test_each_row_is_resolved_in_its_own_year(shared_ctx):
    verdict = _r5(shared_ctx, [["", "演示一中", 2023, 1800, 1, 10, 2, 900], ["", "演示一中", 2025, 1900, 1, 10, 2, 900]])
    assert verdict.status == "accepted", verdict.issues.rows()
    assert verdict.rows["staging.r5_school_annual_reports"]["school_code"].to_list() == ["3412000001", "3412000007"]


def test_a_shared_name_stays_ambiguous_when_both_were_active(shared_ctx):
    # 2024: the old school until August, the new one from September
    verdict = _r5(shared_ctx, [["", "演示一中", 2024, 1800, 1, 10, 2, 900]])
    assert verdict.status == "rejected"
    assert verdict.issues.filter(pl.col("severity") == "error")["rule_code"].to_list() == ["ambiguous_school"]
    # two schools active together, whatever the year
    both = _r5(shared_ctx, [["", "河西演示二中", 2025, 2100, 1, 10, 2, 900]])
    assert both.issues.filter(pl.col("severity") == "error")["rule_code"].to_list() == ["ambiguous_school"]


def test_a_shared_name_in_a_stage_event_is_resolved_by_its_date(shared_ctx):
    header = REPORTS["R1"][0]
    rows = [["", "演示一中", "申报", "2025-03-05", "", "", "", ""]]
    verdict = check_many([("r1.xlsx", bytes_of(None, header, rows, "xlsx", "utf-8"))], shared_ctx)[0]
    assert verdict.status == "accepted", verdict.issues.rows()
    assert verdict.rows["staging.r1_shs_stage_events"]["school_code"].to_list() == ["3412000007"]


def test_a_shared_name_beside_its_code_agrees_with_it(shared_ctx):
    # the code says which school; the shared short name is one of that school's names: no warning
    for code, year in (("3412000007", 2025), ("3412000001", 2023)):
        verdict = _r5(shared_ctx, [[code, "演示一中", year, 1900, 1, 10, 2, 900]])
        assert verdict.status == "accepted", verdict.issues.rows()
        assert "name_code_mismatch" not in verdict.issues["rule_code"].to_list(), code
    # a name that is not the code's school's still warns
    other = _r5(shared_ctx, [["3412000007", "河西演示二中", 2025, 1900, 1, 10, 2, 900]])
    assert other.issues.filter(pl.col("rule_code") == "name_code_mismatch").height == 1
