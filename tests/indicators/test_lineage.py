"""`kejiao explain`: the submissions and staging rows behind a value, without personal data."""

from __future__ import annotations

from pipelines.indicators.lineage import explain, format_explanation, resolve_geo
from tests.indicators.test_indicator_values import shs_events, student
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse


def test_explain_lists_submissions_and_rows(con):
    w = Warehouse(con)
    registry = w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R1", "一中_旧.xlsx", "2025-01-05T08:00:00", shs_events("3412000001", ("applied", "2024-03-01")))
    newest = w.submit("R1", "一中.xlsx", "2025-08-01T08:00:00", shs_events(
        "3412000001", ("applied", "2024-03-01"), ("named", "2025-06-01")))
    w.submit("R3", "名册.xlsx", "2025-10-01T08:00:00", [student("s1", "3412000001", "enrolled", cohort=2025,
                                                                 start="2025-09-01")])
    w.refresh()
    e = explain(con, "shs_named", 2025, "和平区")
    assert e.geo_code == "120101" and e.value["value"] == 1
    assert e.submissions["file_name"].to_list() == ["一中.xlsx"]
    assert e.submissions["report_type"].to_list() == ["R1"]
    assert e.submissions["submission_id"].to_list() == [newest]
    assert e.rows.select("sheet_name", "row_number").rows() == [("数据", 2), ("数据", 3)]
    text = format_explanation(e)
    assert "一中.xlsx" in text and "第3行" in text and "stage=named event_date=2025-06-01" in text
    assert registry not in text
    # a roster row is named by cohort, university, sheet and row: never by the student
    roster = explain(con, "YIP_ENROLLED", 2025, "120000")
    assert roster.rows["entity_key"].to_list() == ["cohort_year=2025 host_university_code=4112000006"]
    assert student("s1", "x", "enrolled")["student_key"] not in format_explanation(roster)
    missing = explain(con, "SHS_NAMED", 2019, "120000")
    assert missing.value is None and "no such value" in format_explanation(missing)
    assert resolve_geo(con, "全市") == "120000" and resolve_geo(con, "Hexi") == "120103"
    assert resolve_geo(con, "滨海新区") == resolve_geo(con, "滨海") == "120116"
