"""Error workbooks for senders: their own file back, every problem marked where it is.

For a rejected submission the workbook holds a summary sheet (汇总: the file, when it arrived,
every issue with sheet/row/column/message) and the sender's own report sheets reproduced from
the archived original (whatever its format: xlsx, xls, ods or csv), each offending cell filled
and carrying a comment that says what is wrong and how to fix it (Chinese first, English after).

Only the submission's own archived file is read: a workbook never holds another sender's data.
A file that may hold minors' data — a roster (R3, whose columns include names and identifiers)
or a file not recognised at all — is never reproduced: its workbook carries sheet, row, column
and rule only, with no cell value and messages rendered without values (a name typed into the
wrong column stays out). Each workbook records who it is for (summary row 收件人 and the custom
document property `kejiao_recipient`): the uploader, the district bureau whose folder it came
through, the data team, or `unknown` (the data team checks before forwarding anything).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.intake.messages import UNREADABLE_RULES, redacted
from pipelines.intake.readers import Grid
from pipelines.intake.schema import REPORT_TYPES
from pipelines.intake.workers import read_grids

SUMMARY_SHEET = "汇总"
SEVERITY_ZH = {"error": "错误（须修改）", "warning": "提示（请核对）", "info": "说明"}
SEVERITY_EN = {"error": "Error (must fix)", "warning": "Warning (please check)", "info": "Note"}
BEIJING = timedelta(hours=8)
NUMBER = re.compile(r"^-?(0|[1-9]\d{0,8})(\.\d+)?$")  # short plain numbers; codes stay text

# How to fix, per rule (the message says what is wrong; this says what to do).
HOW_TO_FIX: dict[str, tuple[str, str]] = {
    "not_a_report": ("请使用规定模板（表头须与模板一致），另存为 xlsx、xls、ods 或 csv 后重新报送",
                     "Use the template (same headers), save as xlsx, xls, ods or csv and send again"),
    **dict.fromkeys(UNREADABLE_RULES, (
        "按说明修改后，另存为新的 xlsx 文件重新报送；仍无法读取请联系数据组",
        "Do as the message says, save as a new xlsx file and send it again; if it still cannot be read, contact the data team")),
    "missing_column": ("在表头行按模板补充该列并填写", "Add the column to the header row as in the template and fill it"),
    "no_rows": ("在表头下方填写数据后重新报送", "Fill in the data rows below the header and send again"),
    "missing_value": ("在该单元格填写内容", "Fill in this cell"),
    "unparseable_number": ("只填写阿拉伯数字，不带单位、文字或空格", "Enter digits only, without units, words or spaces"),
    "not_integer": ("填写整数（不带小数）", "Enter a whole number"),
    "negative_count": ("填写 0 或正数", "Enter 0 or a positive number"),
    "unparseable_date": ("按 2026-03-05 或 2026年3月5日 的格式填写日期", "Write the date as 2026-03-05"),
    "unparseable_boolean": ("填写“是”或“否”", "Enter 是 (yes) or 否 (no)"),
    "unparseable_grade": ("填写 初一…高三 或 1…12", "Enter a grade such as 初二, 高一 or 8"),
    "not_in_code_list": ("从规定选项中选择一项填写", "Choose one of the listed values"),
    "unknown_district": ("填写天津市的区名（如 和平区）或6位区划代码（如 120101）",
                         "Enter a Tianjin district name or its 6-digit code (e.g. 120101)"),
    "unknown_school": ("改填10位学校标识码，或学校名录中的全称", "Use the 10-digit school code or the registered full name"),
    "ambiguous_school": ("改填10位学校标识码", "Use the 10-digit school code"),
    "bad_school_code": ("填写10位数字的学校标识码（以文本格式保存，避免丢失前导数字）",
                        "Enter the 10-digit school code (as text, so no digit is lost)"),
    "bad_member_code": ("学校填写10位学校标识码，其他单位填写18位统一社会信用代码",
                        "Schools: 10-digit school code; other organisations: 18-character credit code"),
    "not_a_university": ("填写承办高校的学校标识码或名称", "Enter the host university's code or name"),
    "implausible_year": ("填写四位年份，如 2026", "Enter a four-digit year such as 2026"),
    "part_exceeds_whole": ("核对两项数字：部分不能大于总数", "Check both figures: a part cannot exceed the whole"),
    "end_before_start": ("核对两个日期的先后", "Check the order of the two dates"),
    "duplicate_key": ("删除重复行，或合并为一行", "Delete the duplicate row or merge the two"),
    "stage_order": ("核对阶段与日期；阶段倒退前须先填报“整改”或“退出”",
                    "Check stages and dates; report 整改 or 退出 before going back a stage"),
    "missing_consent": ("取得监护人同意后填“是”；未取得同意的学员请删除该行",
                        "Record 是 once the guardian has consented; otherwise remove the row"),
    "category_mismatch": ("核对学校标识码与办学类型", "Check the school code against the school type"),
    "channel_refused": ("按报送渠道重新报送：区教育局放入本区文件夹 inbox/<区代码>/，数据组放入 inbox/datateam/，学校在仪表盘上传",
                        ("Send it again through its channel: district bureaus inbox/<district code>/, the data team "
                        "inbox/datateam/, schools on the dashboard")),
    "far_from_last_year": ("如数字无误可不修改；如有误请更正", "If the figure is right, leave it; otherwise correct it"),
    "future_date": ("核对日期是否填写正确", "Check the date"),
    "name_code_mismatch": ("核对学校名称与学校标识码", "Check the school name against its code"),
}
DEFAULT_FIX = ("按模板要求修改", "Correct it as the template requires")


@dataclass
class Submission:
    submission_id: str
    original_name: str
    arrived_at: datetime  # UTC, naive (as stored)
    report_type: str | None
    status: str
    message_zh: str | None
    message_en: str | None
    error_count: int
    warning_count: int
    archive_file: Path
    sheets_read: tuple[str, ...] = ()
    recipient: str = "unknown"  # see recipient_of

    @property
    def may_hold_private_data(self) -> bool:
        """A roster (a report type with private or pseudonymised columns) or a file not recognised."""
        codes = [c for c in (self.report_type or "").split(",") if c]
        return not codes or any(c not in REPORT_TYPES or any(col.private or col.pseudonymise
                                                             for col in REPORT_TYPES[c].columns) for c in codes)


RECIPIENT_LABEL = {"data_team": "市教委数据组 data team", "unknown": "未知：请数据组核实后再转交 unknown: the data team checks first"}


def _recipient_text(recipient: str) -> str:
    kind, _, who = recipient.partition(":")
    if kind == "upload":
        return f"上传者 uploader {who}"
    if kind == "district":
        return f"区教育局 district bureau {who}"
    return RECIPIENT_LABEL.get(recipient, recipient)


def letter_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _sheet_titles(names: list[str]) -> dict[str, str]:
    """Original sheet name -> a valid, unique worksheet title (31 chars, no []:*?/\\)."""
    taken = {SUMMARY_SHEET}
    out = {}
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name or "Sheet")[:28] or "Sheet"
        title, n = base, 2
        while title in taken:
            title = f"{base[:25]}({n})"
            n += 1
        taken.add(title)
        out[name] = title
    return out


def _comment(issues: list[dict]) -> str:
    parts_zh, parts_en = [], []
    for i in issues:
        fix_zh, fix_en = HOW_TO_FIX.get(i["rule_code"], DEFAULT_FIX)
        label = "错误" if i["severity"] == "error" else "提示"
        parts_zh.append(f"【{label}】{i['message_zh']}\n修改方法：{fix_zh}")
        parts_en.append(f"[{i['severity']}] {i['message_en']}. How to fix: {fix_en}")
    return "\n".join(parts_zh) + "\n\n" + "\n".join(parts_en)


def build_error_workbook(submission: Submission, issues: pl.DataFrame, out: Path) -> Path:
    """Write the workbook to `out` (atomically). `issues`: rows of raw.issues for the submission."""
    grids: list[Grid] = []
    unreadable = False
    private = submission.may_hold_private_data
    if not private:  # a roster, or a file not recognised, is never reproduced
        # the sender's file is read in a worker process, as intake reads it: a file that kills a
        # reader costs only its own workbook's copy of the cells
        archived = submission.archive_file
        grids = (read_grids(archived) if archived.is_file() and not archived.is_symlink() else None) or []
        unreadable = not grids
    issue_rows = issues.sort(["sheet_name", "row_number", "column_letter"], nulls_last=True).to_dicts()
    if private:
        for i in issue_rows:
            i["value_seen"] = None
            i["message_zh"], i["message_en"] = redacted(i["rule_code"], i["column_header"] or "")
    sheets_with_issues = {i["sheet_name"] for i in issue_rows if i["sheet_name"] and i["severity"] != "info"}
    wanted = sheets_with_issues | set(submission.sheets_read)
    shown = [g for g in grids if not g.frame.is_empty() and (g.name in wanted or len(grids) == 1)]
    if not shown:  # a file rejected as a whole (no header found...): show every non-empty sheet
        shown = [g for g in grids if not g.frame.is_empty()]
    csv_title = Path(submission.original_name).stem
    titles = _sheet_titles([csv_title if g.name == "csv" else g.name for g in shown])
    display = {g.name: titles[csv_title if g.name == "csv" else g.name] for g in shown}

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    wb.set_properties({"title": "报送文件错误清单", "author": "科教2030 数据管道", "created": datetime(2026, 1, 1)})
    wb.set_custom_property("kejiao_recipient", submission.recipient)
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "label": wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "error": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1, "border_color": "#C00000"}),
        "warning": wb.add_format({"bg_color": "#FFEB9C", "font_color": "#7F6000", "border": 1,
                                  "border_color": "#BF8F00"}),
        "row_error": wb.add_format({"bg_color": "#FDE9EC"}),
        "row_warning": wb.add_format({"bg_color": "#FFF8DC"}),
    }
    _write_summary(wb, fmt, submission, issue_rows, display, unreadable, private)
    for grid in shown:
        _write_grid(wb, fmt, grid, display[grid.name], [i for i in issue_rows if i["sheet_name"] == grid.name])
    wb.close()
    os.replace(tmp, out)
    return out


def _write_summary(wb, fmt, s: Submission, issues: list[dict], display: dict[str, str], unreadable: bool,
                   private: bool = False) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    ws.write(0, 0, "报送文件错误清单 / Error list for your submission", fmt["title"])
    arrived = (s.arrived_at + BEIJING).strftime("%Y-%m-%d %H:%M")
    facts = [
        ("文件 File", s.original_name),
        ("到达时间 Arrived", f"{arrived}（北京时间 Beijing time）"),
        ("报表 Report", s.report_type or "未识别 not recognised"),
        ("结论 Verdict", f"{s.message_zh or ''}\n{s.message_en or ''}".strip()),
        ("错误 / 提示 Errors / warnings", f"{s.error_count} / {s.warning_count}"),
        ("提交编号 Submission id", s.submission_id[:12]),
        ("收件人 For", _recipient_text(s.recipient)),
        ("如何处理 What to do",
         ("请在原文件中逐项修改下列“错误”（其他工作表中已用红色标出，鼠标停在单元格上可看批注），"
         "然后重新报送整个文件；本次文件不会部分入库。\n"
         "Fix every error below in your original file (marked red on the other sheets; hover a cell to read "
         "its comment) and send the whole file again; nothing of this file was taken in.")),
    ]
    if private:
        facts.append(("说明 Note", ("本文件可能含有学生个人信息，清单只列出工作表、行、列和问题，不含任何单元格内容；请在原文件中按行列修改 / "
                                 "This file may hold students' personal data: the list gives sheet, row, column and "
                                 "rule only, never a cell's content; correct your original file at those places")))
    if unreadable:
        facts.append(("说明 Note", "原文件无法读取，未能复制原表 / The original could not be read, so it is not reproduced"))
    for r, (label, value) in enumerate(facts, start=2):
        ws.write(r, 0, label, fmt["label"])
        ws.merge_range(r, 1, r, 8, value, fmt["wrap"])
        ws.set_row(r, 48 if "\n" in value or len(value) > 60 else None)
    head = ["序号 No.", "类别 Severity", "工作表 Sheet", "行 Row", "列 Column", "列名 Header", "读到的值 Value seen",
            "问题 Problem", "修改方法 How to fix", "Problem (English)"]
    top = len(facts) + 3
    for c, h in enumerate(head):
        ws.write(top, c, h, fmt["head"])
    shown = [i for i in issues if i["severity"] != "info"] + [i for i in issues if i["severity"] == "info"]
    for n, i in enumerate(shown, start=1):
        fix_zh, fix_en = HOW_TO_FIX.get(i["rule_code"], DEFAULT_FIX)
        row = [n, f"{SEVERITY_ZH[i['severity']]} {SEVERITY_EN[i['severity']]}",
               display.get(i["sheet_name"], i["sheet_name"] or ""), i["row_number"] if i["row_number"] else "",
               i["column_letter"] or "", i["column_header"] or "", i["value_seen"] or "",
               i["message_zh"], f"{fix_zh} / {fix_en}", i["message_en"]]
        for c, v in enumerate(row):
            cell_fmt = fmt[i["severity"]] if c == 1 and i["severity"] in ("error", "warning") else fmt["wrap"]
            ws.write(top + n, c, v, cell_fmt)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 6, 12)
    ws.set_column(7, 9, 40)
    ws.freeze_panes(top + 1, 0)
    _printable(ws)
    ws.activate()


def _write_grid(wb, fmt, grid: Grid, title: str, issues: list[dict]) -> None:
    ws = wb.add_worksheet(title)
    frame = grid.frame
    cols = [letter_index(letter) for letter in grid.letters]
    widths: dict[int, int] = {}
    for r, values in enumerate(frame.iter_rows()):
        for c, value in zip(cols, values):
            if value is None:
                continue
            text = str(value)
            if NUMBER.match(text):
                ws.write_number(r, c, float(text))
            else:
                ws.write_string(r, c, text)
            widths[c] = max(widths.get(c, 6), min(40, sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2))
    for c, w in widths.items():
        ws.set_column(c, c, w)
    _printable(ws)
    values = {(r, c): v for r, row in enumerate(frame.iter_rows()) for c, v in zip(cols, row)}
    last_col = max(cols) if cols else 0

    by_cell: dict[tuple[int, int], list[dict]] = {}
    by_row: dict[int, list[dict]] = {}
    for i in issues:
        if i["severity"] == "info" or not i["row_number"]:
            continue
        r = int(i["row_number"]) - 1
        if i["column_letter"]:
            by_cell.setdefault((r, letter_index(i["column_letter"])), []).append(i)
        else:
            by_row.setdefault(r, []).append(i)
    for r, row_issues in by_row.items():  # a whole row is wrong (e.g. a duplicate): tint it
        severity = "error" if any(i["severity"] == "error" for i in row_issues) else "warning"
        for c in range(last_col + 1):
            if (r, c) not in by_cell:
                _rewrite(ws, r, c, values.get((r, c)), fmt[f"row_{severity}"])
        first = min(cols) if cols else 0
        if (r, first) not in by_cell:
            ws.write_comment(r, first, _comment(row_issues), {"x_scale": 3, "y_scale": 2.5, "author": "科教2030"})
    for (r, c), cell_issues in by_cell.items():
        severity = "error" if any(i["severity"] == "error" for i in cell_issues) else "warning"
        _rewrite(ws, r, c, values.get((r, c)), fmt[severity])
        ws.write_comment(r, c, _comment(cell_issues + by_row.get(r, [])),
                         {"x_scale": 3, "y_scale": 2.5, "author": "科教2030"})


def _printable(ws) -> None:
    """Landscape A4, one page wide, so a printout shows whole rows."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _rewrite(ws, r: int, c: int, value, cell_format) -> None:
    if value is None:
        ws.write_blank(r, c, None, cell_format)
    elif NUMBER.match(str(value)):
        ws.write_number(r, c, float(value), cell_format)
    else:
        ws.write_string(r, c, str(value), cell_format)
