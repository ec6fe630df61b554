"""Templates out (issue 13 #1): the workbook each sender fills, which intake accepts exactly.

One workbook per sender (a school's annual report R5, a candidate high school's stage events
R1, a host school's bases R2, a university's roster R3, the alliance secretariat's register R4)
and, for R5, one compiled workbook per district bureau (a row per school). Every workbook has:

- `填报说明`: each column with its unit, whether it is required, what it must hold and the
  message intake gives when it does not — generated from the schema (`intake/schema.py`) and
  the messages (`intake/messages.py`), never copied by hand;
- the data sheet: a title, the header row as intake reads it (`*` on required columns, the unit
  in brackets), the sender's code and name (and year) filled in and locked, last year's figure
  beside each of this year's empty cells (grey, locked, for reference; from the rows in force of
  the published snapshot or warehouse, empty when there are none); sheet protection leaves only
  the input cells open; data validation on every input column (whole numbers ≥ 0, decimals ≥ 0,
  dates, code lists as Chinese dropdowns); conditional formatting turns a cell red when it breaks
  a rule before the file is sent (a part larger than its whole, an end before its start, text in
  a number column);
- a hidden sheet (`intake/template_layout.py`) naming the template version and its layout, so
  intake reads it without guessing.

Written with xlsxwriter; cells are written by type (`write_string` for text: a name starting
with `=` stays text, never a formula).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from pipelines.intake import template_layout
from pipelines.intake.schema import (
    GRADE_WORDS,
    NOT_BEFORE,
    PART_OF_WHOLE,
    REPORT_TYPES,
    Column,
    ReportType,
    is_code_column,
    staging_name,
)
from pipelines.reference.codes import CITY, CODE_LISTS
from pipelines.reference.load import read_deadlines
from pipelines.senders.columns import (  # noqa: F401  (read from here by tests and the CLI)
    LINE_POINTS,
    YEAR_COLUMNS,
    header_text,
    messages_for,
    reference_columns,
    requirement,
    rule_codes,
    template_columns,
    wrapped_lines,
)
from pipelines.staging.tables import in_force_table

DATA_SHEET = {"R1": "阶段事件", "R2": "基地年报", "R3": "学员名册", "R4": "成员名册", "R5": "年报"}
NOTES_SHEET = "填报说明"
TITLE_ROWS = 2  # title, hint; the header is the third row
HEADER_ROW = TITLE_ROWS  # 0-based
FIRST_DATA_ROW = HEADER_ROW + 1
# empty rows offered for new rows in templates of rows (R1 events, R2 new bases, R3 students, R4 members)
BLANK_ROWS = {"R1": 20, "R2": 5, "R3": 300, "R4": 100, "R5": 0}
NO_R5_TYPES = ("higher_education", "other")  # spec: every school but 高校 and 其他 owes an R5
SHS_CANDIDATE_TYPES = ("senior_secondary", "complete_secondary", "twelve_year")
MIN_YEAR, MAX_TEXT = 2000, 200
GRADE_CHOICES = [w for w in GRADE_WORDS if w[0] in "一二三四五六" or w[0] in "初高"][:12]
BOOL_CHOICES = ["是", "否"]
WHAT = {  # what a sender does with each report, in the title
    "R1": "科学高中建设进展报告", "R2": "领航学科基地年度报告", "R3": "青少年科创计划学员名册",
    "R4": "科技教育联盟成员名册", "R5": "学校科技教育年报",
}


# ---------------------------------------------------------------- what templates are made from

@dataclass
class Sources:
    """The registry in force and the rows in force of each report, from the published snapshot or
    the warehouse (read-only); empty frames where a table does not exist yet."""

    schools: pl.DataFrame  # school_code, school_name, school_type, district_code, valid_from, valid_to
    districts: dict[str, str]  # district code -> Chinese name
    in_force: dict[str, pl.DataFrame] = field(default_factory=dict)  # report code -> staging rows in force

    @staticmethod
    def from_connection(con: duckdb.DuckDBPyConnection) -> Sources:
        here = "where database_name = current_database()"  # a scoped connection's views, not the file beneath
        tables = {f"{s}.{t}" for s, t in con.sql(f"select schema_name, table_name from duckdb_tables() {here}")
                  .fetchall()}
        tables |= {f"{s}.{t}" for s, t in con.sql(f"select schema_name, view_name from duckdb_views() {here}")
                   .fetchall()}
        in_force = {}
        for code, report in REPORT_TYPES.items():
            if code == "R3":
                continue  # rosters of minors: a template never shows one (universities start each cohort empty)
            table = in_force_table(report)
            if table in tables:  # a constant of the schema, never user input
                in_force[code] = con.sql(f"select * from {table}").pl()
        registry = in_force.get("R0")
        if registry is None or registry.is_empty():
            raise NoRegistry()
        districts = dict(con.sql("select district_code, district_name_zh from ref.districts").fetchall()) \
            if "ref.districts" in tables else {}
        schools = registry.select("school_code", "school_name", "school_type", "district_code", "valid_from",
                                  "valid_to")
        return Sources(schools, districts, in_force)

    @staticmethod
    def open(path: Path) -> Sources:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return Sources.from_connection(con)
        finally:
            con.close()

    def rows(self, report: str) -> pl.DataFrame:
        return self.in_force.get(report, pl.DataFrame())

    def active(self, year: int) -> pl.DataFrame:
        """Schools in service in the year (启用日期–停用日期)."""
        start, end = date(year, 1, 1), date(year, 12, 31)
        return self.schools.filter((pl.col("valid_from").is_null() | (pl.col("valid_from") <= end))
                                   & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= start)))


class NoRegistry(Exception):
    def __init__(self):
        super().__init__("尚无学校名录（R0）：快照和仓库中都没有，无法确定填报单位；请先运行 `kejiao materialize`。"
                         " / No school registry yet in the snapshot or warehouse: run `kejiao materialize` first.")


def open_sources(published_dir: Path, warehouse_file: Path, snapshot: Path | None = None) -> Sources:
    """The published snapshot (what the dashboard shows), else the warehouse's rows in force."""
    candidates = [snapshot] if snapshot else [published_dir / "current.duckdb", warehouse_file]
    for path in candidates:
        if path is not None and path.exists():
            try:
                return Sources.open(path)
            except duckdb.Error:
                continue  # held by a writer: the next one
    raise NoRegistry()


# ---------------------------------------------------------------- who sends what

@dataclass(frozen=True)
class Sender:
    code: str  # school code (for R4: the city's code: the secretariat sends it for the city)
    name: str
    district_code: str


@dataclass
class Sheet:
    """What one template's data sheet holds: prefilled rows (fixed values locked), last year's
    figures beside them, and empty rows to add to."""

    report: ReportType
    year: int
    title: str
    rows: list[dict] = field(default_factory=list)  # column name -> value (Python, codes as zh labels)
    fixed: set[str] = field(default_factory=set)  # columns locked in prefilled rows
    previous: list[dict] = field(default_factory=list)  # per row: column name -> last year's value
    blank_rows: int = 0
    choices: dict[str, list[str]] = field(default_factory=dict)  # single-sender columns: the only values


def senders(sources: Sources, report: str, year: int, district: str | None = None) -> list[Sender]:
    """Who owes or may send this report for this year, by code."""
    active = sources.active(year)
    if report == "R5":
        owed = active.filter(~pl.col("school_type").is_in(NO_R5_TYPES))
    elif report == "R1":
        history = sources.rows("R1")
        known = history["school_code"].unique().implode() if history.height else pl.Series([], dtype=pl.String)
        owed = active.filter(pl.col("school_type").is_in(SHS_CANDIDATE_TYPES) | pl.col("school_code").is_in(known))
    elif report == "R2":
        hosts = _bases(sources, year)["host_school_code"].unique().implode()
        owed = active.filter(pl.col("school_code").is_in(hosts))
    elif report == "R3":
        owed = active.filter((pl.col("school_type") == "higher_education")
                             | pl.col("school_code").str.slice(0, 2).is_in(["41", "42"]))
    elif report == "R4":
        return [Sender(CITY, "科技教育联盟秘书处", CITY)]
    else:
        raise ValueError(f"no template for {report}")
    if district:
        owed = owed.filter(pl.col("district_code") == district)
    owed = owed.sort("district_code", "school_code")
    return [Sender(c, n, d) for c, n, d in owed.select("school_code", "school_name", "district_code").iter_rows()]


def _bases(sources: Sources, year: int) -> pl.DataFrame:
    """Each base's newest report before the year, unless revoked: the bases that owe the year's."""
    rows = sources.rows("R2")
    if rows.is_empty():
        return pl.DataFrame(schema={"base_code": pl.String, "host_school_code": pl.String, "report_year": pl.Int64})
    latest = rows.filter(pl.col("report_year") < year).sort("report_year").unique("base_code", keep="last")
    return latest.filter(pl.col("status") != "revoked").sort("base_code")


def _label(col: Column, value):
    """A stored value as the school writes it: code lists in Chinese, booleans 是/否."""
    if value is None:
        return None
    if col.kind == "code":
        return CODE_LISTS[col.code_list].get(value, (value,))[0]
    if col.kind == "bool":
        return "是" if value else "否"
    return value


def sheet_for(sources: Sources, report: str, year: int, group: list[Sender]) -> Sheet:
    """The data sheet of a template for these senders (one sender; for R5 also a district's)."""
    rt = REPORT_TYPES[report]
    codes = [s.code for s in group]
    names = {s.code: s.name for s in group}
    if len(group) == 1:
        title = f"{group[0].name}{year}年{WHAT[report]}"
    else:
        title = f"{sources.districts.get(group[0].district_code, group[0].district_code)}{year}年{WHAT[report]}汇总"
    sheet = Sheet(rt, year, title, blank_rows=BLANK_ROWS[report])
    if report == "R5":
        sheet.fixed = {"school_code", "school_name", "report_year"}
        previous = _by(sources.rows("R5").filter(pl.col("report_year") == year - 1), "school_code")
        for code in codes:
            sheet.rows.append({"school_code": code, "school_name": names[code], "report_year": year})
            sheet.previous.append(_previous(rt, previous.get(code)))
    elif report == "R2":
        sheet.fixed = {"base_code", "host_school_code", "host_school_name", "discipline", "report_year"}
        bases = _bases(sources, year).filter(pl.col("host_school_code").is_in(codes))
        for base in bases.iter_rows(named=True):
            sheet.rows.append({"base_code": base["base_code"], "host_school_code": base["host_school_code"],
                               "host_school_name": names.get(base["host_school_code"]),
                               "discipline": _label(rt.column("discipline"), base["discipline"]),
                               "report_year": year})
            sheet.previous.append(_previous(rt, base if base["report_year"] == year - 1 else None))
        sheet.choices = {"host_school_code": codes, "report_year": [str(year)]}
    elif report == "R1":
        sheet.fixed = {"school_code", "school_name"}
        history = sources.rows("R1")
        history = history.filter(pl.col("school_code").is_in(codes)).sort("school_code", "event_date") \
            if history.height else history
        for event in history.iter_rows(named=True):  # a file replaces the school's whole history: keep it
            row = {c.name: _label(c, event.get(staging_name(c))) for c in rt.columns if not c.private}
            row["school_name"] = names.get(event["school_code"])
            sheet.rows.append(row)
            sheet.previous.append({})
        sheet.choices = {"school_code": codes}
    elif report == "R3":
        sheet.choices = {"host_university": codes, "cohort_year": [str(year)]}
    elif report == "R4":
        sheet.fixed = {"member_code"}
        members = sources.rows("R4")
        for member in (members.sort("member_code").iter_rows(named=True) if members.height else []):
            sheet.rows.append({c.name: _label(c, member.get(c.name)) for c in rt.columns})
            sheet.previous.append({})
    return sheet


def _by(frame: pl.DataFrame, key: str) -> dict:
    return {r[key]: r for r in frame.iter_rows(named=True)} if frame.height else {}


def _previous(rt: ReportType, row: dict | None) -> dict:
    if row is None:
        return {}
    return {c.name: _label(c, row.get(c.name)) for c in reference_columns(rt)}


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        border = {"border": 1, "border_color": "#B7B7B7", "valign": "vcenter"}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.hint = wb.add_format({"font_color": "#595959", "italic": True})
        self.header = wb.add_format({**border, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True,
                                     "align": "center", "locked": True})
        self.ref_header = wb.add_format({**border, "bold": True, "bg_color": "#EDEDED", "font_color": "#7F7F7F",
                                         "text_wrap": True, "align": "center", "locked": True})
        self.fixed = wb.add_format({**border, "bg_color": "#F2F2F2", "locked": True})
        self.fixed_text = wb.add_format({**border, "bg_color": "#F2F2F2", "locked": True, "num_format": "@"})
        self.reference = wb.add_format({**border, "bg_color": "#EDEDED", "font_color": "#7F7F7F", "italic": True,
                                        "locked": True})
        self.input = wb.add_format({**border, "locked": False})
        self.input_required = wb.add_format({**border, "locked": False, "bg_color": "#FFF9E5"})
        self.input_text = wb.add_format({**border, "locked": False, "num_format": "@"})
        self.input_text_required = wb.add_format({**border, "locked": False, "num_format": "@",
                                                  "bg_color": "#FFF9E5"})
        self.input_date = wb.add_format({**border, "locked": False, "num_format": "yyyy-mm-dd"})
        self.input_date_required = wb.add_format({**border, "locked": False, "num_format": "yyyy-mm-dd",
                                                  "bg_color": "#FFF9E5"})
        self.fixed_date = wb.add_format({**border, "bg_color": "#F2F2F2", "locked": True,
                                         "num_format": "yyyy-mm-dd"})
        self.bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.notes_header = wb.add_format({**border, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True})
        self.notes = wb.add_format({**border, "text_wrap": True, "valign": "top"})
        self.line = wb.add_format({"text_wrap": True, "valign": "top"})

    def input_for(self, col: Column):
        required = col.required
        if col.kind == "date":
            return self.input_date_required if required else self.input_date
        if col.kind in ("text", "school", "list") or is_code_column(col):
            return self.input_text_required if required else self.input_text
        return self.input_required if required else self.input


def _choices(col: Column, sheet: Sheet, districts: dict[str, str]) -> list[str] | None:
    if col.name in sheet.choices:
        return sheet.choices[col.name]
    if col.kind == "code":
        return [zh for zh, _, _ in CODE_LISTS[col.code_list].values()]
    if col.kind == "bool":
        return BOOL_CHOICES
    if col.kind == "district":
        return list(districts.values())
    if col.kind == "grade":
        return GRADE_CHOICES
    return None


def _validation(col: Column, sheet: Sheet, districts: dict[str, str]) -> dict:
    """Excel data validation for an input column (titles ≤ 32, messages ≤ 255 characters)."""
    rule = requirement(sheet.report, col)
    message = f"{col.zh}：{rule}"[:250]
    base = {"input_title": col.zh[:30], "input_message": message, "error_title": "填写有误"[:30],
            "error_message": message, "ignore_blank": True}
    choices = _choices(col, sheet, districts)
    if choices:
        return {**base, "validate": "list", "source": choices}
    if col.name in YEAR_COLUMNS:
        return {**base, "validate": "integer", "criteria": "between", "minimum": MIN_YEAR, "maximum": sheet.year + 1}
    if col.kind == "int":
        return {**base, "validate": "integer", "criteria": ">=", "value": 0}
    if col.kind == "float":
        return {**base, "validate": "decimal", "criteria": ">=", "value": 0}
    if col.kind == "date":
        return {**base, "validate": "date", "criteria": "between", "minimum": date(MIN_YEAR, 1, 1),
                "maximum": date(2099, 12, 31)}
    if col.kind == "school":
        return {**base, "validate": "length", "criteria": "==", "value": 10}
    return {**base, "validate": "length", "criteria": "<=", "value": MAX_TEXT}


def _write(ws, row: int, col: int, value, fmt) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, datetime | date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    elif isinstance(value, list | tuple):
        ws.write_string(row, col, ";".join(map(str, value)), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def workbook_bytes(sheet: Sheet, districts: dict[str, str]) -> bytes:
    """The template as .xlsx bytes."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    f = _Formats(wb)
    rt = sheet.report
    notes = wb.add_worksheet(NOTES_SHEET)
    ws = wb.add_worksheet(DATA_SHEET[rt.code])
    meta = wb.add_worksheet(template_layout.META_SHEET)

    # layout: each report column, and last year's figure right after it where there is one
    refs = {c.name for c in reference_columns(rt)} if any(sheet.previous) or rt.code in ("R2", "R5") else set()
    positions: dict[int, str] = {}
    references: dict[int, str] = {}
    pos = 0
    for col in template_columns(rt):
        positions[pos] = col.name
        pos += 1
        if col.name in refs:
            references[pos] = col.name
            pos += 1
    place = {name: p for p, name in positions.items()}
    width = pos

    ws.write_string(0, 0, sheet.title, f.title)
    ws.write_string(1, 0, f"白色单元格填写{sheet.year}年数据（黄色为必填）；灰色为已填或{sheet.year - 1}年数据，仅供参考。"
                          "请勿增删列或改动表头。填写要求见“填报说明”。", f.hint)
    for p, name in positions.items():
        col = rt.column(name)
        ws.write_string(HEADER_ROW, p, header_text(col), f.header)
        ws.set_column(p, p, 30 if name.endswith("_name") else max(10, min(24, len(col.zh) * 2 + 4)))
    for p, name in references.items():
        ws.write_string(HEADER_ROW, p, f"{sheet.year - 1}年{rt.column(name).zh}(参考)", f.ref_header)
        ws.set_column(p, p, max(10, min(22, len(rt.column(name).zh) * 2 + 6)))
    ws.set_row(HEADER_ROW, 36)

    n_rows = len(sheet.rows) + sheet.blank_rows
    last = FIRST_DATA_ROW + max(n_rows, 1) - 1
    for i, row in enumerate(sheet.rows):
        r = FIRST_DATA_ROW + i
        for p, name in positions.items():
            col = rt.column(name)
            value = row.get(name)
            if name in sheet.fixed:
                fmt = f.fixed_date if col.kind == "date" else f.fixed_text if isinstance(value, str) else f.fixed
            else:
                fmt = f.input_for(col)
            _write(ws, r, p, value, fmt)
        previous = sheet.previous[i] if i < len(sheet.previous) else {}
        for p, name in references.items():
            _write(ws, r, p, previous.get(name), f.reference)
    for i in range(len(sheet.rows), n_rows):
        r = FIRST_DATA_ROW + i
        for p, name in positions.items():
            ws.write_blank(r, p, None, f.input_for(rt.column(name)))
        for p in references:
            ws.write_blank(r, p, None, f.reference)

    # validation and red cells over the input rows (a prefilled, locked cell cannot be changed anyway)
    for p, name in positions.items():
        col = rt.column(name)
        if name in sheet.fixed and not sheet.blank_rows:
            continue
        first = FIRST_DATA_ROW + (len(sheet.rows) if name in sheet.fixed else 0)
        ws.data_validation(first, p, last, p, _validation(col, sheet, districts))
        if col.kind in ("int", "float"):
            cell = f"{xl_col_to_name(p)}{FIRST_DATA_ROW + 1}"
            bad = f"OR({cell}<0" + (f",{cell}<>INT({cell})" if col.kind == "int" else "") + ")"
            ws.conditional_format(FIRST_DATA_ROW, p, last, p, {
                "type": "formula", "criteria": f"=AND(ISNUMBER({cell}),{bad})", "format": f.bad})
    for part, whole in PART_OF_WHOLE.get(rt.code, ()):
        a, b = f"{xl_col_to_name(place[part])}{FIRST_DATA_ROW + 1}", f"{xl_col_to_name(place[whole])}{FIRST_DATA_ROW + 1}"
        ws.conditional_format(FIRST_DATA_ROW, place[part], last, place[part], {
            "type": "formula", "criteria": f"=AND(ISNUMBER({a}),ISNUMBER({b}),{a}>{b})", "format": f.bad})
    for later, earlier in NOT_BEFORE.get(rt.code, ()):
        a, b = f"{xl_col_to_name(place[later])}{FIRST_DATA_ROW + 1}", f"{xl_col_to_name(place[earlier])}{FIRST_DATA_ROW + 1}"
        ws.conditional_format(FIRST_DATA_ROW, place[later], last, place[later], {
            "type": "formula", "criteria": f"=AND(ISNUMBER({a}),ISNUMBER({b}),{a}<{b})", "format": f.bad})

    ws.freeze_panes(FIRST_DATA_ROW, min(2, width))
    _print_setup(ws, width, wide=max(1, round(width / 10)))  # ~10 columns a page: readable
    ws.repeat_rows(HEADER_ROW)
    ws.repeat_columns(0, min(1, width - 1))  # the school's code and name on every page
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                    "select_unlocked_cells": True})
    ws.activate()

    _notes(notes, f, sheet)
    for r, values in enumerate(template_layout.describe(rt.code, DATA_SHEET[rt.code], HEADER_ROW + 1, positions,
                                                        references)):
        meta.write_row(r, 0, values)
    meta.very_hidden()  # not even listed under "unhide" in Excel or WPS: the layout is not the school's to edit
    wb.close()
    return buffer.getvalue()


def _notes(ws, f: _Formats, sheet: Sheet) -> None:
    rt = sheet.report
    ws.write_string(0, 0, f"《{rt.zh}》填报说明（{sheet.year}年度）", f.title)
    deadline = _deadline(rt.code, sheet.year)
    lines = [
        deadline or "报送时间：情况变化时报送，无固定截止日期。",
        f"1. 在“{DATA_SHEET[rt.code]}”工作表中填写：白色单元格为本次填报，黄色为必填；灰色单元格已填好或为上年数据（仅供参考），已锁定。",
        "2. 请勿增删列、改动表头或工作表名称；数字请直接填写数字（不要带单位、不要用文字）。",
        "3. 标红的单元格不符合填报规则（例如部分大于总数），请改正后再报送，否则整个文件会被退回。",
        "4. 下表列出每一列的单位、填写要求，以及不符合时系统给出的提示。",
        f"5. 模板版本 template version：{template_layout.VERSION}（由隐藏工作表标明，系统据此读取）。",
    ]
    for i, line in enumerate(lines, start=1):
        ws.merge_range(i, 0, i, 6, line, f.line)
        ws.set_row(i, 30)
    top = len(lines) + 2
    for c, text in enumerate(["序号", "列名（表头）", "英文列名", "单位", "必填", "填写要求", "不符合时的提示"]):
        ws.write_string(top, c, text, f.notes_header)
    widths = [6, 20, 26, 6, 6, 48, 64]
    for i, col in enumerate(template_columns(rt), start=1):
        r = top + i
        values = [str(i), col.zh, col.name, col.unit or "—", "是" if col.required else "否",
                  requirement(rt, col), messages_for(rt, col)]
        for c, text in enumerate(values):
            ws.write_string(r, c, text, f.notes)
        # neither Excel, WPS nor LibreOffice grows a row to its wrapped text when the file opens:
        # without a height the lines of a long rule print over each other
        ws.set_row(r, LINE_POINTS * max(wrapped_lines(text, w) for text, w in zip(values, widths)))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    _print_setup(ws, 7)
    ws.repeat_rows(top)


def _print_setup(ws, width: int, wide: int = 1) -> None:
    """A4 landscape, `wide` pages wide: what a school prints to sign and file."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(wide, 0)
    ws.print_area(0, 0, ws.dim_rowmax or 0, max(width - 1, 0))


@cache
def _deadlines() -> dict[str, dict]:
    return {r["report_type"]: r for r in read_deadlines().iter_rows(named=True)}


def _deadline(report: str, year: int) -> str | None:
    """When the report is due (seeds/deadlines.csv), in words; None for reports sent when things change."""
    r = _deadlines().get(report)
    if r is None:
        return None
    return f"报送截止：{year}年{int(r['due_month'])}月{int(r['due_day'])}日（{r['label_zh']}）。"


# ---------------------------------------------------------------- files

def _safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_")[:80]


def file_name(report: str, year: int, sender: Sender | None = None, district: str | None = None,
              district_name: str = "") -> str:
    what = WHAT[report]
    if sender is not None:
        return f"{year}年{what}-{sender.code}-{_safe(sender.name)}.xlsx"
    return f"{year}年{what}汇总-{district}-{_safe(district_name)}.xlsx"


@dataclass(frozen=True)
class Written:
    path: Path
    senders: tuple[str, ...]  # the codes it is for
    compiled: bool  # a district's compiled workbook


def plan(sources: Sources, report: str, year: int, district: str | None = None) -> list[tuple]:
    """(relative path, senders, compiled) of every workbook `write_all` would write."""
    found = senders(sources, report, year, district)
    out = []
    by_district: dict[str, list[Sender]] = {}
    for s in found:
        by_district.setdefault(s.district_code, []).append(s)
    for code, group in by_district.items():
        folder = Path(f"{code}-{_safe(sources.districts.get(code, code))}") if report != "R4" else Path()
        for s in group:
            out.append((folder / file_name(report, year, s), [s], False))
        if report == "R5":
            out.append((Path(file_name(report, year, district=code, district_name=sources.districts.get(code, ""))),
                        group, True))
    return out


def write_all(sources: Sources, report: str, year: int, out: Path, district: str | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[Written]:
    """Write every template of a report for a year under out/<report>-<year>/: one per sender
    (by district folder) and, for R5, each district's compiled workbook."""
    root = out / f"{report}-{year}"
    items = plan(sources, report, year, district)
    written = []
    for i, (rel, group, compiled) in enumerate(items):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(workbook_bytes(sheet_for(sources, report, year, group), sources.districts))
        written.append(Written(path, tuple(s.code for s in group), compiled))
        if progress:
            progress(i + 1, len(items))
    return written


def name_for(sources: Sources, report: str, year: int, code: str) -> str | None:
    """The file name of a sender's template, or None when it owes no such report."""
    found = [s for s in senders(sources, report, year) if s.code == code]
    return file_name(report, year, found[0]) if found else None


def template_for(sources: Sources, report: str, year: int, code: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of one sender's template, or None when the sender owes no such report."""
    found = [s for s in senders(sources, report, year) if s.code == code]
    if not found:
        return None
    return file_name(report, year, found[0]), workbook_bytes(sheet_for(sources, report, year, found),
                                                             sources.districts)


def district_zip(sources: Sources, report: str, year: int, district: str) -> bytes:
    """A district's templates as one zip: each school's, and (R5) the compiled workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, group, _ in plan(sources, report, year, district):
            zf.writestr(rel.name, workbook_bytes(sheet_for(sources, report, year, group), sources.districts))
    return buffer.getvalue()


def reports_for(sources: Sources, year: int, code: str) -> list[str]:
    """The reports a school or university sends (its own template of each)."""
    return [r for r in ("R5", "R1", "R2", "R3") if any(s.code == code for s in senders(sources, r, year))]


def reporting_year() -> int:
    """The year whose reports are being collected: this year in Beijing."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).year


def iter_templates(sources: Sources, report: str, year: int, district: str | None = None
                   ) -> Iterator[tuple[Path, list[Sender], bool, bytes]]:
    for rel, group, compiled in plan(sources, report, year, district):
        yield rel, group, compiled, workbook_bytes(sheet_for(sources, report, year, group), sources.districts)
