"""What goes back to senders (error workbooks) and who is late (overdue reports), from a small
generated inbox run through the whole graph."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import openpyxl
import polars as pl
import pytest

import warehouse
from pipelines.operations.assets import error_workbooks, overdue_reports
from pipelines.operations.checks import no_overdue_reports
from pipelines.operations.deadlines import overdue_reports as find_overdue
from pipelines.operations.outbox import SUMMARY_SHEET
from pipelines.resources import default_resources
from pipelines.senders.recipients import workbook_name
from pipelines.settings import Settings
from tests.small_inbox import MARKER, STUDENT_ID, STUDENT_NAME, run_small_inbox


def all_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    parts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    parts.append(str(cell.value))
                if cell.comment is not None:
                    parts.append(cell.comment.text)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """The small inbox through the whole graph once for this module (the tests only read it)."""
    run = run_small_inbox(tmp_path_factory.mktemp("outbox"))
    return run.settings, run.files, run.result


def submission_ids(settings: Settings) -> dict[str, tuple[str, str]]:
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        rows = con.sql("select original_name, submission_id, status from raw.submissions").fetchall()
    finally:
        con.close()
    return {name: (sid, status) for name, sid, status in rows}


def test_error_workbooks_mark_each_cell_and_summarise(pipeline):
    settings, _files, _result = pipeline
    subs = submission_ids(settings)
    outbox = settings.outbox_dir
    rejected = {n for n, (_, status) in subs.items() if status != "accepted"}
    assert rejected == {"2025年报_河西二中.xlsx", "南开初中年报.csv", "2025届名册_补报.xlsx", "说明.txt"}
    expected = {workbook_name(subs[n][0], n) for n in rejected}
    assert {p.name for p in outbox.iterdir()} == expected, "one workbook per rejected submission, nothing else"

    sid = subs["2025年报_河西二中.xlsx"][0]
    path = outbox / f"{sid[:8]}_2025年报_河西二中_错误清单.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SUMMARY_SHEET, "数据"]
    data = wb["数据"]
    # the sender's own sheet, as they laid it out: title row 1, header row 2, data from row 3
    assert data["A1"].value == "天津市2025年学校科技教育年报"
    assert data["E2"].value == "科学副校长人数" and data["E3"].value == -1
    negative = data["E3"]
    assert negative.fill.fgColor.rgb.endswith("FFC7CE")
    text = negative.comment.text
    assert "不能为负数" in text and "修改方法" in text and "must not be negative" in text
    assert text.index("不能为负数") < text.index("must not be negative"), "Chinese first, English after"
    unknown = data["A4"] if data["A4"].comment else data["B4"]
    assert unknown.comment is not None and "学校名录中不存在" in unknown.comment.text
    assert data["C3"].comment is None and data["C3"].fill.fgColor.rgb in (None, "00000000")  # a good cell stays plain

    summary = wb[SUMMARY_SHEET]
    cells = [[c.value for c in row] for row in summary.iter_rows()]
    flat = "\n".join(str(v) for row in cells for v in row if v is not None)
    assert "2025年报_河西二中.xlsx" in flat
    assert "2025-11-21 16:00（北京时间 Beijing time）" in flat  # arrival, shown in Tianjin time
    issue_rows = [r for r in cells if r[2] == "数据" and r[3] == 3 and r[4] == "E"]
    assert issue_rows and "不能为负数" in issue_rows[0][7] and "must not be negative" in issue_rows[0][9]
    # never another sender's data
    assert str(MARKER) not in all_text(path)

    # the CSV comes back as a sheet named after the file, the cell marked
    csv_book = openpyxl.load_workbook(outbox / workbook_name(subs["南开初中年报.csv"][0], "南开初中年报.csv"))
    assert csv_book.sheetnames == [SUMMARY_SHEET, "南开初中年报"]
    assert "大于" in csv_book["南开初中年报"]["H2"].comment.text

    # a file that is no report at all gets the summary, saying what to send instead
    txt = openpyxl.load_workbook(outbox / workbook_name(subs["说明.txt"][0], "说明.txt"))
    assert txt.sheetnames[0] == SUMMARY_SHEET
    assert "xlsx" in all_text(outbox / workbook_name(subs["说明.txt"][0], "说明.txt"))


def test_roster_workbook_gives_places_and_rules_but_no_name_and_none_reaches_a_log(pipeline):
    settings, _files, result = pipeline
    subs = submission_ids(settings)
    path = settings.outbox_dir / workbook_name(subs["2025届名册_补报.xlsx"][0], "2025届名册_补报.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SUMMARY_SHEET]  # a roster is never reproduced (tests/security/test_roster_outbox.py)
    rows = [[c.value for c in row] for row in wb[SUMMARY_SHEET].iter_rows()]
    assert any(r[3] == 3 and r[4] == "O" and "监护人同意" in str(r[7]) for r in rows)
    assert STUDENT_NAME not in all_text(path) and STUDENT_ID not in all_text(path)
    # no name or student id reaches the run's logs or metadata either
    logged = "\n".join(
        str(e.message) + str(getattr(e.event_specific_data, "materialization", "") or "")
        for e in result.all_events
    )
    assert STUDENT_NAME not in logged and STUDENT_ID not in logged


def test_error_workbooks_are_not_rewritten(pipeline):
    settings, _files, _ = pipeline
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in settings.outbox_dir.iterdir()}
    result = dg.materialize([error_workbooks], resources=default_resources(settings.data_dir, None,
                                                                            settings.warehouse_path))
    meta = result.asset_materializations_for_node("error_workbooks")[0].metadata
    assert meta["written"].value == 0 and meta["already present"].value == len(before)
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in settings.outbox_dir.iterdir()}
    assert after == before


def test_overdue_reports_after_each_deadline(pipeline):
    settings, _, _ = pipeline
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        def who(as_of):
            found = find_overdue(con, as_of)
            return {(r["report_type"], r["period"], r["sender_code"]) for r in found.iter_rows(named=True)}, found

        # 29 Nov 2026: the 2026 annual reports are not due yet (30 Nov); 2025's are.
        # 4112000005 hosted cohort 2025, so owes cohort 2026's roster (due 31 Oct);
        # the 2026 base reports are due 15 Dec.
        late, frame = who(date(2026, 11, 29))
        assert late == {("R5", 2025, "3412000002"), ("R5", 2025, "3112000003"), ("R5", 2025, "2112000004"),
                        ("R3", 2026, "4112000005")}
        row = frame.filter(pl.col("sender_code") == "3412000002").row(0, named=True)
        assert row["district_name_zh"] == "河西区" and row["due_date"] == date(2025, 11, 30)
        assert row["days_overdue"] == (date(2026, 11, 29) - date(2025, 11, 30)).days
        # a day after the deadline the 2026 reports are late too (the closed primary school owes no more)
        late, _ = who(date(2026, 12, 20))
        assert {("R5", 2026, "3412000001"), ("R5", 2026, "3412000002"), ("R5", 2026, "3112000003")} <= late
        assert ("R5", 2026, "2112000004") not in late
        assert {("R2", 2026, "3412000001"), ("R2", 2026, "3412000002")} <= late
        # on the deadline day itself nobody is late yet for that year
        late, _ = who(date(2025, 11, 30))
        assert not any(period == 2025 and rt == "R5" for rt, period, _ in late)
    finally:
        con.close()


def test_overdue_reads_the_tables_in_force_when_current_and_ranks_the_versions_otherwise(pipeline, tmp_path):
    import shutil

    from pipelines.intake.in_force import in_force_sql
    from pipelines.intake.schema import REPORT_TYPES
    from pipelines.staging.tables import in_force_source, in_force_table

    settings, _, _ = pipeline
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(settings.warehouse_path, copy)
    con = warehouse.connect(copy)
    try:
        r5 = REPORT_TYPES["R5"]
        assert in_force_source(con, r5) == f"select * from {in_force_table(r5)}"  # staging ran
        fast = find_overdue(con, date(2026, 12, 20))
        con.execute("delete from meta.table_builds")  # as if accepted submissions had not reached staging
        assert in_force_source(con, r5) == in_force_sql(r5)
        slow = find_overdue(con, date(2026, 12, 20))
        assert fast.height >= 8 and fast.equals(slow)
    finally:
        con.close()


def test_overdue_asset_and_its_check_list_who(pipeline):
    settings, _, _ = pipeline
    result = dg.materialize(
        [overdue_reports, no_overdue_reports],
        resources=default_resources(settings.data_dir, None, settings.warehouse_path),
        run_config={"ops": {"overdue_reports": {"config": {"as_of": "2026-11-29"}}}},
    )
    meta = result.asset_materializations_for_node("overdue_reports")[0].metadata
    assert meta["overdue"].value == 4
    assert "3412000002" in meta["who (first 50)"].value
    csv = pl.read_csv(settings.data_dir / "ops" / "overdue_reports.csv", schema_overrides={"sender_code": pl.String})
    assert csv.height == 4 and "3112000003" in csv["sender_code"].to_list()
    [check] = result.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["overdue"].value == 4
    assert "天津市南开区演示初级中学" in check.metadata["who (first 50)"].value
