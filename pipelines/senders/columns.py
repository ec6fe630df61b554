"""What a template says about each column (issue 13 #1): its header as intake reads it, what it
must hold, the rules of intake it may break and intake's own message for each — from the schema
(`intake/schema.py`) and the messages (`intake/messages.py`), never copied by hand — and how many
lines a text takes in a wrapped cell."""

from __future__ import annotations

import unicodedata

from pipelines.intake.messages import RULES, redacted
from pipelines.intake.schema import NOT_BEFORE, PART_OF_WHOLE, Column, ReportType
from pipelines.reference.codes import CODE_LISTS


def reference_columns(rt: ReportType) -> list[Column]:
    """The columns shown with last year's figure beside them: the yearly reports' numbers (and a
    base's status)."""
    if rt.code not in ("R2", "R5"):
        return []
    return [c for c in rt.columns if c.kind in ("int", "float") and c.name != "report_year"
            or (rt.code == "R2" and c.name == "status")]


# ---------------------------------------------------------------- the rules, in words

KIND_RULE = {
    "int": "不小于 0 的整数",
    "float": "不小于 0 的数字，可有小数",
    "date": "日期，如 2026-03-05 或 2026年3月5日",
    "bool": "“是”或“否”（下拉选择）",
    "school": "10 位学校标识码（或名录中的学校全称）",
    "district": "天津市的区名或 6 位区划代码（下拉选择）",
    "grade": "年级，如 初二、高一（下拉选择）",
    "list": "多个用分号“;”分隔",
    "text": "文字",
}
KIND_RULES = {  # intake's rules (messages.RULES) that a column of this kind may break
    "int": ("unparseable_number", "not_integer", "negative_count"),
    "float": ("unparseable_number", "negative_count"),
    "date": ("unparseable_date",),
    "bool": ("unparseable_boolean",),
    "code": ("not_in_code_list",),
    "grade": ("unparseable_grade",),
    "district": ("unknown_district",),
    "school": ("bad_school_code", "unknown_school", "ambiguous_school"),
}
YEAR_COLUMNS = {"report_year", "cohort_year"}


def header_text(col: Column) -> str:
    """The header as the template writes it and intake reads it: `*` on required, unit in brackets."""
    return ("*" if col.required else "") + col.zh + (f"({col.unit})" if col.unit else "")


def requirement(rt: ReportType, col: Column) -> str:
    """What the column must hold, in words, from the schema."""
    parts = ["必填" if col.required else "选填"]
    if col.kind == "code":
        parts.append("下拉选择：" + "、".join(zh for zh, _, _ in CODE_LISTS[col.code_list].values()))
    elif col.name in YEAR_COLUMNS:
        parts.append("4 位年度，如 2026")
    else:
        parts.append(KIND_RULE.get(col.kind, "文字"))
    if col.school_name_for:
        parts.append(f"可代替“{rt.column(col.school_name_for).zh}”，须与名录中的名称一致")
    for part, whole in PART_OF_WHOLE.get(rt.code, ()):
        if part == col.name:
            parts.append(f"不得大于“{rt.column(whole).zh}”")
    for later, earlier in NOT_BEFORE.get(rt.code, ()):
        if later == col.name:
            parts.append(f"不得早于“{rt.column(earlier).zh}”")
    if col.name in rt.row_key:
        parts.append("同一文件中“" + "/".join(rt.column(k).zh for k in rt.row_key) + "”不能重复")
    if col.pseudonymise:
        parts.append("入库时即替换为不可逆的编码，原值不保存")
    return "；".join(parts)


def rule_codes(rt: ReportType, col: Column) -> list[str]:
    """Every rule of intake (messages.RULES) this column may break."""
    codes = ["missing_value"] if col.required else []
    codes += KIND_RULES.get(col.kind, ())
    if col.name in YEAR_COLUMNS and rt.code in ("R2", "R3", "R5"):
        codes.append("implausible_year")
    if any(part == col.name for part, _ in PART_OF_WHOLE.get(rt.code, ())):
        codes.append("part_exceeds_whole")
    if any(later == col.name for later, _ in NOT_BEFORE.get(rt.code, ())):
        codes.append("end_before_start")
    if col.name == "guardian_consent":
        codes.append("missing_consent")
    if col.name == "host_university":
        codes.append("not_a_university")
    if col.name == "stage":
        codes.append("stage_order")
    if col.name == rt.row_key[-1]:
        codes.append("duplicate_key")
    if rt.code == "R5" and col.name in ("enrolled_students", "students_in_st_activities"):
        codes.append("far_from_last_year")
    if col.school_name_for:
        codes.append("name_code_mismatch")
    return codes


def messages_for(rt: ReportType, col: Column) -> str:
    tag = {"error": "退回", "warning": "提示", "info": "说明"}
    return "\n".join(f"[{tag[RULES[c].severity]}] {redacted(c, column=col.zh)[0]}" for c in rule_codes(rt, col))


def template_columns(rt: ReportType) -> list[Column]:
    """The report's columns a template asks for: never a student's name (dropped on ingest)."""
    return [c for c in rt.columns if not c.private]


# ---------------------------------------------------------------- the workbook


LINE_POINTS = 16  # the height of one line of 11-point CJK text, in points


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a wrapped cell `width` characters wide (a Chinese
    character is two of them, as a spreadsheet's column width counts)."""
    lines = 0
    for part in text.split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in part)
        lines += max(1, -(-units // max(int(width) - 1, 1)))
    return lines
