"""Each rule of the spec: the right error at the right row and column; warnings pass."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.intake.checking import check_many
from tests.intake.conftest import bytes_of as _bytes
from tests.intake.test_formats import REPORTS

R5_HEADER = ["学校标识码", "学校名称", "报告年度", "在校生数", "科学副校长人数", "科学教师数", "理工科硕士科学教师数",
             "参加科技活动学生数"]
GOOD_R5 = ["3412000001", "", 2025, 1800, 1, 10, 2, 900]


def verdict_for(ctx, header, rows, name="t.xlsx", **kw):
    return check_many([(name, _bytes(None, header, rows, "xlsx", "utf-8", **kw))], ctx)[0]


def issues(verdict, severity="error"):
    return verdict.issues.filter(pl.col("severity") == severity)


def one_issue(verdict, rule):
    found = verdict.issues.filter(pl.col("rule_code") == rule)
    assert found.height == 1, (rule, verdict.issues.select("rule_code", "row_number", "column_letter").rows())
    return found.row(0, named=True)


# (name, header, rows with one bad cell, rule, spreadsheet row, column letter)
CASES = [
    ("unknown school", R5_HEADER, [GOOD_R5, ["", "天津市不存在演示中学", 2025, 100, 1, 1, 0, 10]],
     "unknown_school", 3, "A"),
    ("missing required value", R5_HEADER, [GOOD_R5, ["3412000002", "", 2025, "", 1, 1, 0, 10]],
     "missing_value", 3, "D"),
    ("unparseable number", R5_HEADER, [["3412000001", "", 2025, "一千八", 1, 10, 2, 900]],
     "unparseable_number", 2, "D"),
    ("negative count", R5_HEADER, [GOOD_R5, ["3412000002", "", 2025, 2100, -1, 10, 2, 900]],
     "negative_count", 3, "E"),
    ("part larger than whole", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 1801]],
     "part_exceeds_whole", 2, "H"),
    ("duplicate key within the file", R5_HEADER, [GOOD_R5, ["3412000002", "", 2025, 1, 1, 1, 0, 1], GOOD_R5],
     "duplicate_key", 4, "C"),
    ("value outside its code list", REPORTS["R2"][0],
     [["LH-1", "3412000001", "天文学", "立项建设", 2025, "", 1, 1, 1, 1]], "not_in_code_list", 2, "C"),
    ("unknown district", REPORTS["R4"][0], [["4112000005", "津沽演示大学", "高校", "塘沽区", "2026-02-03", "", "是"]],
     "unknown_district", 2, "D"),
    ("unparseable date", REPORTS["R4"][0],
     [["4112000005", "津沽演示大学", "高校", "南开区", "2026-02-30", "", "是"]], "unparseable_date", 2, "E"),
    ("stage order broken", REPORTS["R1"][0],
     [["3412000001", "", "验收命名", "2025-06-01", "", "", "", ""],
      ["3412000001", "", "申报", "2025-09-01", "", "", "", ""]], "stage_order", 3, "C"),
    ("missing guardian consent", REPORTS["R3"][0],
     [REPORTS["R3"][1][0], [*REPORTS["R3"][1][1][:14], "否"]], "missing_consent", 3, "O"),
    ("blank guardian consent", REPORTS["R3"][0],
     [REPORTS["R3"][1][0], [*REPORTS["R3"][1][1][:14], ""]], "missing_consent", 3, "O"),
    ("host is no university", REPORTS["R3"][0],
     [[*REPORTS["R3"][1][0][:6], "天津市河西区演示第二中学", *REPORTS["R3"][1][0][7:]]], "not_a_university", 2, "G"),
    ("bad member code", REPORTS["R4"][0], [["ABC", "演示单位", "企业", "南开区", "2026-02-03", "", ""]],
     "bad_member_code", 2, "A"),
    ("end before start", REPORTS["R4"][0],
     [["4112000005", "津沽演示大学", "高校", "南开区", "2026-02-03", "2026-01-01", "是"]], "end_before_start", 2, "F"),
]


@pytest.mark.parametrize("label,header,rows,rule,row,letter", CASES, ids=[c[0] for c in CASES])
def test_blocking_rule(ctx, label, header, rows, rule, row, letter):
    verdict = verdict_for(ctx, header, rows)
    assert verdict.status == "rejected"
    issue = one_issue(verdict, rule)
    assert issue["severity"] == "error"
    assert (issue["row_number"], issue["column_letter"]) == (row, letter)
    assert issue["message_zh"] and issue["message_en"]


def test_every_problem_reported_at_once(ctx):
    rows = [["3412000001", "", 2025, "x", 1, 10, 2, 900],
            ["", "无此学校", 2025, 10, -2, 1, 0, 5],
            ["3412000002", "", 2025, 100, 1, 10, 2, 101]]
    verdict = verdict_for(ctx, R5_HEADER, rows)
    rules = sorted(issues(verdict)["rule_code"].to_list())
    assert rules == ["negative_count", "part_exceeds_whole", "unknown_school", "unparseable_number"]


def test_missing_required_column_is_one_file_level_error(ctx):
    header = [c for c in R5_HEADER if c != "科学副校长人数"]
    verdict = verdict_for(ctx, header, [["3412000001", "", 2025, 1800, 10, 2, 900]])
    issue = one_issue(verdict, "missing_column")
    assert issue["column_header"] == "科学副校长人数" and issue["row_number"] == 1


def test_private_values_never_echoed(ctx):
    header, rows, *_ = REPORTS["R3"]
    bad = [[*rows[0][:14], "否"], [*rows[0][:14], "是"]]  # same student twice, no consent on the first
    verdict = verdict_for(ctx, header, bad)
    text = str(verdict.issues.to_dicts())
    assert "G120101200901011234" not in text and "李演示" not in text and "王导师" not in text
    assert {"missing_consent", "duplicate_key"} <= set(verdict.issues["rule_code"].to_list())


def test_warnings_pass_with_a_flag(ctx):
    # a name that disagrees with its code, and a stage date in the future
    r5 = verdict_for(ctx, R5_HEADER, [["3412000001", "天津市河西区演示第二中学", 2025, 1800, 1, 10, 2, 900]])
    assert r5.status == "accepted"
    assert one_issue(r5, "name_code_mismatch")["severity"] == "warning"
    r1 = verdict_for(ctx, REPORTS["R1"][0], [["3412000001", "", "申报", "2027-01-01", "", "", "", ""]])
    assert r1.status == "accepted"
    assert one_issue(r1, "future_date")["severity"] == "warning"


def test_value_far_from_last_year_warns(ctx):
    last = verdict_for(ctx, R5_HEADER, [["3412000001", "", 2024, 1800, 1, 10, 2, 900]])
    assert last.status == "accepted"
    ctx.accept(last)
    now = verdict_for(ctx, R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 90]])
    assert now.status == "accepted"
    issue = one_issue(now, "far_from_last_year")
    assert issue["column_header"] == "参加科技活动学生数" and issue["severity"] == "warning"


def test_duplicate_across_sheets_of_one_workbook(ctx, tmp_path):
    from pipelines.demo.writers import Sheet, write_workbook

    sheets = [Sheet("甲", [R5_HEADER, GOOD_R5]), Sheet("乙", [R5_HEADER, ["3412000002", "", 2025, 10, 1, 1, 0, 1], GOOD_R5])]
    path = write_workbook(tmp_path / "two.xlsx", sheets)
    verdict = check_many([(path.name, path.read_bytes())], ctx)[0]
    issue = one_issue(verdict, "duplicate_key")
    assert (issue["sheet_name"], issue["row_number"]) == ("乙", 3)
    assert "甲" in issue["message_zh"]


def test_files_judged_together_keep_their_own_verdicts(ctx):
    good = ("good.xlsx", _bytes(None, R5_HEADER, [GOOD_R5], "xlsx", "utf-8"))
    bad = ("bad.xlsx", _bytes(None, R5_HEADER, [GOOD_R5, GOOD_R5], "xlsx", "utf-8"))
    also_good = ("also.csv", _bytes(None, R5_HEADER, [["3412000002", "", 2025, 2100, 1, 10, 2, 900]], "csv", "utf-8"))
    verdicts = check_many([good, bad, also_good], ctx)
    assert [v.status for v in verdicts] == ["accepted", "rejected", "accepted"]
    assert verdicts[0].issues.filter(pl.col("severity") == "error").is_empty()
    assert verdicts[1].issues["row_number"].to_list() == [3]
    assert verdicts[2].rows["staging.r5_school_annual_reports"]["school_code"].to_list() == ["3412000002"]
