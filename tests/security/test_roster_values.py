"""No viewer reads what a roster's (R3) cell held through the dashboard's problem lists. The
masking lives in the scoped connection (dashboards/scope.py: raw.issues as every viewer reads it),
not in each query. The attack: a snapshot whose raw.issues still hold a minor's name as the value
seen (a snapshot from before intake masked them, or a value intake missed), in a roster refused
on its own and in a workbook that holds a roster beside an annual report; every role reads every
query that lists problems of files (my_issues, rejection_errors, refusal_problems) and reads
raw.issues directly."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

import warehouse
from dashboards import data, scope, senders_data
from pipelines.access.roles import Role, Scope

SCHOOL = "3412000001"
DISTRICT = "120101"
NAMES = ("李小明", "王小红")  # what the rosters' cells held
ANNUAL_VALUE = "-3"  # a cell of an annual report (R5): not private, shown to those who may read the file
FILES = {  # submission_id: (report type, value seen of its one error)
    "roster": ("R3", NAMES[0]),
    "mixed": ("R5,R3", NAMES[1]),
    "annual": ("R5", ANNUAL_VALUE),
}
SCOPES = {
    "data_team": Scope(Role.DATA_TEAM),
    "commission": Scope(Role.COMMISSION),
    "district": Scope(Role.DISTRICT, districts=(DISTRICT,)),
    "school": Scope(Role.SCHOOL, schools=(SCHOOL,)),
}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roster_values") / "current.duckdb"
    con = warehouse.connect(path)  # the warehouse's own tables (raw.submissions, raw.issues)
    try:
        con.execute("create schema if not exists marts")
        con.execute("create table marts.dim_school (school_code varchar, district_code varchar, school_name varchar)")
        con.execute("insert into marts.dim_school values ($s, $d, '和平一中')", {"s": SCHOOL, "d": DISTRICT})
        for n, (submission_id, (report_type, value)) in enumerate(FILES.items()):
            at = datetime(2025, 11, 20 + n, 8)
            con.execute(
                """insert into raw.submissions by name select
                       $id as submission_id, $id || '.xlsx' as original_name, $id || '.xlsx' as inbox_path,
                       'xlsx' as file_format, 1000 as size_bytes, $at as arrived_at, $at as first_seen_at,
                       $id as archive_path, $type as report_type, 'rejected' as status, 0 as row_count,
                       1 as error_count, 0 as warning_count, ['数据'] as sheets_read, [] as sheets_skipped,
                       '退回' as message_zh, 'Rejected' as message_en, $at as ingested_at,
                       [$school] as schools_named""",
                {"id": submission_id, "at": at, "type": report_type, "school": SCHOOL})
            con.execute(
                """insert into raw.issues by name select
                       $id as submission_id, 'error' as severity, 'E1' as rule_code, '数据' as sheet_name,
                       3 as row_number, 'C' as column_letter, 'grade' as column_name, '年级' as column_header,
                       $value as value_seen, '第3行 年级不合规' as message_zh, 'Row 3: grade invalid' as message_en""",
                {"id": submission_id, "value": value})
    finally:
        con.close()
    return path


def readers(snap) -> dict[str, pl.DataFrame]:
    """Every query of the dashboard that lists problems of files, with every filter that finds them."""
    return {
        "my_issues": data.my_issues(snap),
        "rejection_errors": data.rejection_errors(snap, None, None),
        "rejection_errors R3": data.rejection_errors(snap, "R3", None),
        "rejection_errors R5": data.rejection_errors(snap, "R5", 2025),
        "refusal_problems": senders_data.refusal_problems(snap, tuple(FILES)),
    }


def cells(frame: pl.DataFrame) -> set[str]:
    return {str(v) for column in frame.columns for v in frame[column].to_list() if v is not None}


@pytest.mark.parametrize("role", list(SCOPES))
def test_no_reader_shows_a_rosters_cell_to_any_viewer(snapshot, role):
    snap = scope.scoped(data.stamp(snapshot), SCOPES[role])
    shown = {name: cells(frame) for name, frame in readers(snap).items()}
    for name, seen in shown.items():
        assert not seen & set(NAMES), (role, name, seen & set(NAMES))
    if role != "commission":  # commission staff read no problems of files at all
        # the rows of the rosters' problems are there, without their values; an annual report's value is shown
        assert shown["my_issues"] >= {"roster", "mixed", ANNUAL_VALUE}, (role, shown["my_issues"])
        assert shown["refusal_problems"] >= {"roster", "mixed", ANNUAL_VALUE}, (role, shown["refusal_problems"])
        assert ANNUAL_VALUE in shown["rejection_errors"] and "roster" in shown["rejection_errors R3"]


@pytest.mark.parametrize("role", list(SCOPES))
def test_raw_issues_as_any_viewer_reads_them_hold_no_rosters_cell(snapshot, role):
    con = scope.open_scoped(snapshot, SCOPES[role])
    try:
        rows = con.sql("select submission_id, value_seen from raw.issues order by 1").fetchall()
    finally:
        con.close()
    expected = [] if role == "commission" else [("annual", ANNUAL_VALUE), ("mixed", None), ("roster", None)]
    assert rows == expected


@pytest.mark.parametrize("role", ["data_team", "district", "school"])
def test_a_workbook_of_two_reports_is_listed_under_each_of_them(snapshot, role):
    """The reporting page of R5 and of R3 each list a workbook holding both ('R5,R3'), with its
    errors (the roster's cell withheld): it was listed under neither."""
    snap = scope.scoped(data.stamp(snapshot), SCOPES[role])
    for report_type in ("R5", "R3"):
        assert "mixed" in data.submissions(snap, report_type, 2025)["submission_id"].to_list(), report_type
        errors = data.rejection_errors(snap, report_type, 2025)
        assert "mixed.xlsx" in errors["original_name"].to_list(), report_type
        assert not cells(errors) & set(NAMES)


@pytest.mark.parametrize("role", list(SCOPES))
def test_the_arrivals_overview_counts_a_workbook_of_two_reports_under_each(snapshot, role):
    """The reporting page's overview named its row by report_type: 'R5,R3' had no name, and the
    page stopped with a KeyError for every viewer (seen in Chromium)."""
    from pipelines.intake.schema import REPORT_TYPES

    snap = scope.scoped(data.stamp(snapshot), SCOPES[role])
    arrivals = data.last_arrivals(snap, 2025)
    assert set(arrivals["report_type"].to_list()) <= set(REPORT_TYPES)
    if role != "commission":
        files = dict(zip(arrivals["report_type"].to_list(), arrivals["files"].to_list()))
        assert files == {"R3": 2, "R5": 2}  # the roster and the mixed workbook; the annual report and the mixed
