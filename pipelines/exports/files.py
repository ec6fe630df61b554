"""The one writer of every CSV and XLSX the product hands out (exports, dashboard downloads,
operations files): text a spreadsheet would run as a formula is neutralised on the way out.

A cell starting with = + - @, a tab or a carriage return gets a leading apostrophe (OWASP's advice
for CSV injection): Excel and WPS then show the text as it was sent. Numbers stay numbers; list
columns are joined with "; " first, then neutralised. CSV is UTF-8 with BOM (Excel then opens the
Chinese correctly). Parquet is for analysts' tools and is not written here.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import polars as pl
import xlsxwriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(text: str | None) -> str | None:
    """A text a spreadsheet would run as a formula gets a leading apostrophe."""
    if text is not None and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with list columns joined into text and every text cell neutralised."""
    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    if nested:
        frame = frame.with_columns(
            pl.col(name).map_elements(lambda v: "; ".join(str(x) for x in v) if v is not None else None,
                                      return_dtype=pl.String) for name in nested)
    text = [name for name, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical, pl.Enum)]
    renamed = {name: neutralise(name) for name in frame.columns if neutralise(name) != name}
    if renamed:
        frame = frame.rename(renamed)
        text = [renamed.get(name, name) for name in text]
    if not text:
        return frame
    return frame.with_columns(pl.col(name).cast(pl.String).map_elements(neutralise, return_dtype=pl.String,
                                                                        skip_nulls=True) for name in text)


def csv_bytes(frame: pl.DataFrame, *, datetime_format: str | None = "%Y-%m-%d %H:%M:%S") -> bytes:
    """CSV in UTF-8 with BOM, formulas neutralised."""
    body = neutralised(frame).write_csv(datetime_format=datetime_format, null_value="")
    return (BOM + body).encode("utf-8")


def write_csv(frame: pl.DataFrame, path: Path, *, datetime_format: str | None = "%Y-%m-%d %H:%M:%S") -> Path:
    """The same bytes as csv_bytes, written aside and renamed into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(csv_bytes(frame, datetime_format=datetime_format))
    tmp.replace(path)
    return path


def write_cell(ws, row: int, column: int, value, cell_format=None) -> None:
    """One cell of an xlsxwriter sheet: numbers as numbers, dates as dates, anything else as
    neutralised text (never ws.write(), which would take '=...' for a formula)."""
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(row, column, value, cell_format)
    elif isinstance(value, (int, float)):
        ws.write_number(row, column, value, cell_format)
    elif isinstance(value, (datetime, date)):
        ws.write_string(row, column, value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat(),
                        cell_format)
    else:
        ws.write_string(row, column, neutralise(str(value)), cell_format)


def xlsx_bytes(frame: pl.DataFrame, *, sheet: str = "Sheet1", created: datetime | None = None) -> bytes:
    """One sheet holding the frame (header row bold and frozen), formulas neutralised."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    if created is not None:
        wb.set_properties({"created": created})
    ws = wb.add_worksheet(sheet)
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    frame = neutralised(frame)
    for c, name in enumerate(frame.columns):
        ws.write_string(0, c, name, header)
        ws.set_column(c, c, max(8, min(40, 2 * len(name) + 2)))
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            write_cell(ws, r, c, value)
    ws.freeze_panes(1, 0)
    wb.close()
    return out.getvalue()
