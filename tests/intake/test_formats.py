"""Every report type read from every format the spec lists, with the mess offices add."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.demo.writers import Sheet
from pipelines.intake.checking import check_many
from tests.conftest import R0_HEADER, REGISTRY, every_format
from tests.intake.conftest import bytes_of as _bytes

FORMATS = [("xlsx", "utf-8"), ("xls", "utf-8"), ("ods", "utf-8"), ("csv", "utf-8"), ("csv", "utf-8-sig"),
           ("csv", "gb18030")]

# one small valid table per report type: (header, rows, staging table, a column and its expected first value)
REPORTS = {
    "R0": (R0_HEADER, REGISTRY[:2], "staging.r0_schools", "district_code", "120101"),
    "R1": (["学校标识码", "学校名称", "阶段", "日期", "批准文号", "合作高校", "科学班学生数", "专用实验室数"],
           [["3412000001", "", "申报", "2025-03-05", "", "津沽演示大学", "40", 2],
            ["3412000001", "", "区推荐", "2025年5月", "津教〔2025〕1号", "", "", ""]],
           "staging.r1_shs_stage_events", "stage", "applied"),
    "R2": (["基地编号", "依托学校标识码", "学科", "状态", "报告年度", "合作单位", "服务学生数", "开设课程数", "辐射学校数",
            "教师培训学时"],
           [["LH-2025-001", "3412000001", "物理", "立项建设", 2025, "津沽演示大学", "1,200", 6, 8, 36.5],
            ["LH-2025-002", "3412000002", "信息技术与人工智能", "中期评估", 2025, "", 300, 3, 2, 12]],
           "staging.r2_flagship_base_reports", "discipline", "physics"),
    "R3": (["届别", "学生编号", "姓名", "性别", "就读学校标识码", "年级", "承办高校", "研究方向", "高校导师", "中学导师",
            "开始日期", "结束日期", "状态", "成果", "监护人同意"],
           [[2025, "G120101200901011234", "李演示", "女", "3412000001", "高一", "津沽演示大学", "材料", "王导师", "赵老师",
             "2025-09-01", "2026-08-31", "在读", "", "是"],
            [2025, "G120101200902022345", "张演示", "男", "3112000003", "初二", "4112000005", "化学", "王导师", "",
             "2025/9/1", "", "在读", "", "√"]],
           "staging.r3_yip_participants", "grade", 10),
    "R4": (["单位代码", "单位名称", "类型", "所在区", "加入日期", "退出日期", "牵头单位"],
           [["4112000005", "津沽演示大学", "高校", "南开区", "2026-02-03", "", "是"],
            ["91120116MA05ABCD1X", "天津演示科技有限公司", "企业", "滨海新区", "2026年2月3日", "", "否"]],
           "staging.r4_alliance_members", "member_type", "university"),
    "R5": (["学校标识码", "学校名称", "报告年度", "在校生数", "科学课计划课时", "科学课实际课时", "科学副校长人数", "科学教师数",
            "参加科技活动学生数"],
           [["3412000001", "天津市和平区演示第一中学", 2025, "１，８００", 72, 70, 1, 12, 1500],
            ["3112000003", "南开演示初中", 2025, 900, 68, 68, 0, 5, "600"]],
           "staging.r5_school_annual_reports", "enrolled_students", 1800),
}


@pytest.mark.parametrize("code", sorted(REPORTS))
@pytest.mark.parametrize("fmt,encoding", every_format(FORMATS))
def test_each_report_type_from_each_format(ctx, code, fmt, encoding):
    header, rows, table, column, expected = REPORTS[code]
    data = _bytes(None, header, rows, fmt, encoding, title_rows=[["天津市2025年报表（演示）"]],
                  footer_rows=[["填表人：张老师  联系电话：022-12345678"]])
    verdict = check_many([(f"report.{fmt}", data)], ctx)[0]
    errors = verdict.issues.filter(pl.col("severity") == "error")
    assert verdict.status == "accepted", errors.select("row_number", "column_header", "message_zh").rows()
    assert verdict.report_type == code
    frame = verdict.rows[table]
    assert frame.height == 2
    assert frame[column][0] == expected
    # spreadsheet row numbers: a title row, then the header, then data from row 3
    assert frame["row_number"].to_list() == [3, 4]


def test_dates_in_every_written_form(ctx):
    header = REPORTS["R1"][0]
    forms = ["2025-03-05", "2025/3/5", "2025.3.5", "2025年3月5日", date(2025, 3, 5), "45721"]
    for i, form in enumerate(forms):
        data = _bytes(None, header, [["3412000001", "", "申报", form, "", "", "", ""]], "xlsx", "utf-8")
        verdict = check_many([(f"r1_{i}.xlsx", data)], ctx)[0]
        assert verdict.status == "accepted", (form, verdict.issues)
        got = verdict.rows["staging.r1_shs_stage_events"]
        assert got["event_date"][0] == date(2025, 3, 5), form
        assert got["event_date_precision"][0] == "day"
    data = _bytes(None, header, [["3412000001", "", "申报", "2025年3月", "", "", "", ""]], "xlsx", "utf-8")
    got = check_many([("r1_m.xlsx", data)], ctx)[0].rows["staging.r1_shs_stage_events"]
    assert (got["event_date"][0], got["event_date_precision"][0]) == (date(2025, 3, 1), "month")


def test_english_headers_and_header_variants(ctx):
    header = [" school_code ", "report_year", "enrolled_students", "science_vice_principals",
              "students_in_st_activities"]
    data = _bytes(None, header, [["3412000001", "2025", "1,800", "1", "1200"]], "csv", "utf-8")
    verdict = check_many([("annual.csv", data)], ctx)[0]
    assert verdict.status == "accepted" and verdict.report_type == "R5"
    variants = ["*学校标识码", "报告年度（年）", "在校生数(人)", "科学副校长人数 *", "参加科技活动学生数【人】"]
    data = _bytes(None, variants, [["3412000001", "2025", "1800", "１", "1200"]], "xlsx", "utf-8")
    verdict = check_many([("annual.xlsx", data)], ctx)[0]
    assert verdict.status == "accepted", verdict.issues
    assert verdict.rows["staging.r5_school_annual_reports"]["science_vice_principals"][0] == 1


def test_instructions_sheet_skipped_and_sheets_per_school_read(ctx, tmp_path):
    from pipelines.demo.writers import write_workbook

    header, rows, *_ = REPORTS["R5"]
    sheets = [Sheet("填报说明", [["1. 请按模板填写"], ["2. 日期格式 2026-03-05"]], instructions=True),
              Sheet("和平演示一中", [header, rows[0]], footer_rows=[["合计", "", "", 1800]]),
              Sheet("南开演示初中", [header, rows[1]])]
    path = write_workbook(tmp_path / "compiled.xlsx", sheets)
    verdict = check_many([(path.name, path.read_bytes())], ctx)[0]
    assert verdict.status == "accepted", verdict.issues
    assert verdict.sheets_skipped == ["填报说明"]
    assert verdict.sheets_read == ["和平演示一中", "南开演示初中"]
    assert verdict.rows["staging.r5_school_annual_reports"].height == 2  # the 合计 row is never a school


def test_schools_resolve_by_code_full_name_and_alias(ctx):
    header = ["学校标识码", "学校名称", "报告年度", "在校生数", "科学副校长人数", "参加科技活动学生数"]
    rows = [["", "天津市和平区演示第一中学", 2025, 1800, 1, 10], ["", "河西演示二中", 2025, 2100, 1, 10],
            ["3112000003", "", 2025, 900, 1, 10]]
    verdict = check_many([("names.xlsx", _bytes(None, header, rows, "xlsx", "utf-8"))], ctx)[0]
    assert verdict.status == "accepted", verdict.issues
    assert verdict.rows["staging.r5_school_annual_reports"]["school_code"].to_list() == [
        "3412000001", "3412000002", "3112000003"]
