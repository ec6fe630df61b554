"""Write report workbooks in every format the inbox receives: .xlsx, .xls, .ods and .csv.

The demo generator and the tests describe a file as a list of `Sheet`s (title rows, a header
row with data rows, footer rows) and `write_workbook` lays it out the way offices do: titles
on top, the table, a blank row, then the notes. Values are str, int, float, datetime.date or
None (an empty cell); dates become real date cells where the format has them. Output is
deterministic: the same sheets give the same bytes in every format.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
import xlwt
from odf.element import Element
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

Value = str | int | float | date | None
Row = Sequence[Value]

FORMATS = ("xlsx", "xls", "ods", "csv")
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
FIXED_CREATED = datetime(2026, 1, 1, 8, 0, 0)  # xlsx document property, fixed for identical bytes
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip entry times inside .ods, fixed for identical bytes
CONSTANT_MEMORY_ROWS = 20_000  # xlsx workbooks bigger than this are streamed row by row
XLS_MAX_ROWS = 65_536


@dataclass
class Sheet:
    """One worksheet: `rows` is the table (header row first); titles go above, notes below.

    `instructions` marks a 填报说明 sheet: free text, no table, so no bold header row.
    """

    name: str
    rows: Sequence[Row]
    title_rows: Sequence[Row] = ()
    footer_rows: Sequence[Row] = ()
    instructions: bool = False

    def lines(self) -> list[tuple[str, Row]]:
        """Every row in sheet order, tagged title / header / data / blank / footer."""
        out: list[tuple[str, Row]] = [("title", r) for r in self.title_rows]
        for i, r in enumerate(self.rows):
            out.append(("header" if i == 0 and not self.instructions else "data", r))
        if self.footer_rows:
            out.append(("blank", ()))
            out.extend(("footer", r) for r in self.footer_rows)
        return out


def write_workbook(
    path: Path | str, sheets: Sequence[Sheet], fmt: str | None = None, encoding: str = "utf-8"
) -> Path:
    """Write `sheets` to `path` in `fmt` (default: from the file suffix); return the path.

    `encoding` applies to CSV only, which holds exactly one sheet.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if fmt == "csv":
        if len(sheets) != 1:
            raise ValueError(f"a CSV file holds exactly one sheet, got {len(sheets)}")
        _write_csv(path, sheets[0], encoding)
    else:
        {"xlsx": _write_xlsx, "xls": _write_xls, "ods": _write_ods}[fmt](path, sheets)
    return path


def _table_width(sheet: Sheet) -> int:
    return max((len(r) for r in sheet.rows), default=1)


# --- .xlsx ------------------------------------------------------------------------------------


def _write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    big = sum(len(s.rows) for s in sheets) > CONSTANT_MEMORY_ROWS
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True} if big else {"in_memory": True})
    wb.set_properties({"created": FIXED_CREATED})
    styles = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "header": wb.add_format({"bold": True}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
    }
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name)
        width = _table_width(sheet)
        for r, (kind, row) in enumerate(sheet.lines()):
            if kind == "title" and len(row) == 1 and width > 1:
                ws.merge_range(r, 0, r, width - 1, str(row[0]), styles["title"])
                continue
            for c, value in enumerate(row):
                _xlsx_cell(ws, r, c, value, styles, styles.get(kind))
    wb.close()


def _xlsx_cell(ws, r: int, c: int, value: Value, styles: dict, style) -> None:
    if value is None:
        return
    if isinstance(value, date):
        ws.write_datetime(r, c, value, styles["date"])
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, style)
    else:  # never ws.write(): it would turn "=..." into a formula and "http..." into a link
        ws.write_string(r, c, str(value), style)


# --- .xls -------------------------------------------------------------------------------------


def _write_xls(path: Path, sheets: Sequence[Sheet]) -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    styles = {
        "title": xlwt.easyxf("font: bold on, height 280"),
        "header": xlwt.easyxf("font: bold on"),
        "date": xlwt.easyxf(num_format_str="YYYY-MM-DD"),
    }
    for sheet in sheets:
        lines = sheet.lines()
        if len(lines) > XLS_MAX_ROWS:
            raise ValueError(f"sheet {sheet.name!r} has {len(lines)} rows; .xls holds {XLS_MAX_ROWS}")
        ws = wb.add_sheet(sheet.name)
        for r, (kind, row) in enumerate(lines):
            for c, value in enumerate(row):
                if value is None:
                    continue
                style = (
                    styles["date"] if isinstance(value, date) else styles.get(kind, xlwt.Style.default_style)
                )
                ws.write(r, c, value, style)
    wb.save(str(path))


# --- .ods -------------------------------------------------------------------------------------


def _write_ods(path: Path, sheets: Sequence[Sheet]) -> None:
    # odfpy declares every namespace any document of the process has used so far (a class-level
    # dict); start each file afresh so its bytes do not depend on what was written before.
    Element.namespaces.clear()
    doc = OpenDocumentSpreadsheet()
    for sheet in sheets:
        table = Table(name=sheet.name)
        for _, row in sheet.lines():
            tr = TableRow()
            for value in row:
                tr.addElement(_ods_cell(value))
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    doc.save(buffer)
    _rezip_with_fixed_times(buffer.getvalue(), path)


def _ods_cell(value: Value) -> TableCell:
    if value is None:
        return TableCell()
    if isinstance(value, date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
    elif isinstance(value, (int, float)):
        cell = TableCell(valuetype="float", value=value)
    else:
        cell = TableCell(valuetype="string")
    cell.addElement(P(text=_text(value)))
    return cell


def _rezip_with_fixed_times(data: bytes, path: Path) -> None:
    """odfpy stamps zip entries with the current time; copy them with a fixed one instead."""
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = info.compress_type  # "mimetype" stays first and stored
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))


# --- .csv -------------------------------------------------------------------------------------


def _write_csv(path: Path, sheet: Sheet, encoding: str) -> None:
    if encoding not in CSV_ENCODINGS:
        raise ValueError(f"unknown CSV encoding {encoding!r}; expected one of {CSV_ENCODINGS}")
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        for _, row in sheet.lines():
            writer.writerow([_text(v) for v in row])


def _text(value: Value) -> str:
    """A value as a person would type it: dates ISO, whole floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
