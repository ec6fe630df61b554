"""What each rule says to the school that broke it: what is wrong and how to fix it, Chinese
first, English alongside. Placeholders: {column} (the header as the school wrote it), {value},
{detail}."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    severity: str  # error (blocks the file) | warning (passes with a flag) | info
    zh: str
    en: str


# why a file could not be read (issue 11); each carries its reason as a whole sentence (zh, en)
UNREADABLE_RULES = (
    "file_too_large", "zip_too_many_entries", "zip_too_large", "sheet_too_large", "csv_line_too_long",
    "parse_timeout", "parse_crashed", "parse_failed", "parse_memory", "not_regular_file", "file_vanished",
    "judge_failed",
)

RULES: dict[str, Rule] = {
    # file level
    "not_a_report": Rule("error", "未找到可识别的表头：{detail}", "No recognisable report header: {detail}"),
    "missing_column": Rule(
        "error", "缺少必填列“{column}”，请按模板补充该列", "Required column '{column}' is missing; add it as in the template"
    ),
    "duplicate_column": Rule(
        "warning", "列“{column}”重复出现，只读取了第一列", "Column '{column}' appears twice; only the first was read"
    ),
    "unknown_column": Rule("info", "未识别的列“{column}”已忽略", "Unrecognised column '{column}' was ignored"),
    # the file could not be read (issue 11): the reason is a whole sentence of its own
    **{code: Rule("error", "{detail}", "{detail}") for code in UNREADABLE_RULES},
    "sheet_skipped": Rule("info", "工作表“{detail}”不是报表，已跳过", "Sheet '{detail}' is not a report and was skipped"),
    "no_rows": Rule("error", "表中没有数据行", "The report has no data rows"),
    # cell level, blocking
    "missing_value": Rule("error", "“{column}”为必填项，不能为空", "'{column}' is required and must not be empty"),
    "unparseable_number": Rule(
        "error", "“{column}”应填写数字，读到“{value}”", "'{column}' must be a number; found '{value}'"
    ),
    "not_integer": Rule("error", "“{column}”应为整数，读到“{value}”", "'{column}' must be a whole number; found '{value}'"),
    "negative_count": Rule("error", "“{column}”不能为负数，读到“{value}”", "'{column}' must not be negative; found '{value}'"),
    "unparseable_date": Rule(
        "error",
        "“{column}”不是有效日期（如 2026-03-05 或 2026年3月5日），读到“{value}”",
        "'{column}' is not a valid date (e.g. 2026-03-05); found '{value}'",
    ),
    "unparseable_boolean": Rule(
        "error", "“{column}”请填写“是”或“否”，读到“{value}”", "'{column}' must be 是 (yes) or 否 (no); found '{value}'"
    ),
    "unparseable_grade": Rule(
        "error", "“{column}”不是有效年级（如 初二、高一、8），读到“{value}”", "'{column}' is not a valid grade; found '{value}'"
    ),
    "not_in_code_list": Rule(
        "error", "“{column}”的值“{value}”不在规定选项中：{detail}", "'{column}' value '{value}' is not one of: {detail}"
    ),
    "unknown_district": Rule(
        "error", "“{column}”不是天津市的区（应为区名或6位区划代码），读到“{value}”",
        "'{column}' is not a Tianjin district (name or 6-digit code); found '{value}'",
    ),
    "unknown_school": Rule(
        "error", "“{column}”中的学校“{value}”在学校名录中不存在，请填写10位学校标识码或名录中的全称",
        "School '{value}' in '{column}' is not in the school registry; use its 10-digit code or registered name",
    ),
    "ambiguous_school": Rule(
        "error", "学校名称“{value}”对应多所学校（{detail}），请改填学校标识码",
        "School name '{value}' matches several schools ({detail}); use the school code",
    ),
    "bad_school_code": Rule(
        "error", "“{column}”应为10位数字的学校标识码，读到“{value}”",
        "'{column}' must be a 10-digit school code; found '{value}'",
    ),
    "bad_member_code": Rule(
        "error", "“{column}”应为10位学校标识码或18位统一社会信用代码，读到“{value}”",
        "'{column}' must be a 10-digit school code or an 18-character credit code; found '{value}'",
    ),
    "not_a_university": Rule(
        "error", "“{column}”中的“{value}”不是高校", "'{value}' in '{column}' is not a university"
    ),
    "implausible_year": Rule(
        "error", "“{column}”年度不合理，读到“{value}”", "'{column}' is not a plausible year; found '{value}'"
    ),
    "part_exceeds_whole": Rule(
        "error", "“{column}”（{value}）大于{detail}，请核对", "'{column}' ({value}) is larger than {detail}; please check"
    ),
    "end_before_start": Rule(
        "error", "“{column}”（{value}）早于{detail}", "'{column}' ({value}) is earlier than {detail}"
    ),
    "duplicate_key": Rule(
        "error", "与第{detail}行重复（同一{column}只能填报一行），请删除重复行",
        "Duplicates row {detail} (one row per {column}); remove the duplicate",
    ),
    "stage_order": Rule(
        "error", "阶段顺序倒退：{detail}，倒退前须先有“整改”或“退出”",
        "Stage order broken: {detail}; going back needs 整改 or 退出 in between",
    ),
    "missing_consent": Rule(
        "error", "该学员未取得监护人同意（“{column}”为“否”或空），此行不能报送",
        "No guardian consent ('{column}' is 否 or blank): this row cannot be submitted",
    ),
    "category_mismatch": Rule(
        "error", "学校标识码类别与办学类型不符：{detail}", "School code category does not match the school type: {detail}"
    ),
    "channel_refused": Rule(
        "error", "报送渠道“{column}”不允许报送该文件：{detail}", "Not allowed through the channel '{column}': {detail}"
    ),
    # warnings: the file passes, flagged
    "far_from_last_year": Rule(
        "warning", "“{column}”为{value}，与本校上年相差一倍以上，请确认",
        "'{column}' is {value}, more than double or under half of your school's last year; please confirm"
    ),
    "future_date": Rule("warning", "“{column}”是未来日期：{value}", "'{column}' is in the future: {value}"),
    "name_code_mismatch": Rule(
        "warning", "学校名称“{value}”与学校标识码对应的名称（{detail}）不一致",
        "School name '{value}' differs from the registered name for its code ({detail})",
    ),
}


def render(rule_code: str, column: str = "", value: str = "", detail: str = "") -> tuple[str, str]:
    rule = RULES[rule_code]
    fields = {"column": column, "value": value, "detail": detail}
    return rule.zh.format(**fields), rule.en.format(**fields)


HIDDEN = "…"


def redacted(rule_code: str, column: str = "") -> tuple[str, str]:
    """The message of a rule with no cell value in it (value and detail shown as …): for files
    that may hold minors' data (rosters) and for logs and run metadata, where a name typed into
    the wrong column must not travel."""
    return render(rule_code, column=column, value=HIDDEN, detail=HIDDEN)
