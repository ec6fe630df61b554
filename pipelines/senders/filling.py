"""Filling a template as a school does, with openpyxl (which keeps its validation, formatting,
protection and hidden layout sheet): the tests, the benchmark and the demo walk use it. The
cells are found through the layout the template declares (`intake/template_layout.py`)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl

from pipelines.intake import template_layout


def _layout(wb) -> tuple[str, int, dict[str, int]]:
    meta = wb[template_layout.META_SHEET]
    rows = [tuple(r) for r in meta.iter_rows(values_only=True)]
    fields = {r[0]: r[1] for r in rows if r[0] in ("sheet", "header_row")}
    columns = {r[2]: int(r[1]) for r in rows if r[0] == "column"}
    return str(fields["sheet"]), int(fields["header_row"]), columns


def fill(template: Path | bytes, values: dict[str, dict], key: str = "school_code",
         rows: list[dict] | None = None, only_filled: bool = False) -> bytes:
    """The template with cells written: `values` maps the `key` column's value of a prefilled row
    (a school code) to {column name: value}; `rows` are new rows written into the empty rows.
    Values are written as they are (numbers as numbers, dates as dates, text as text).
    `only_filled`: prefilled rows not in `values` are deleted (a district sending the returns it has)."""
    data = template.read_bytes() if isinstance(template, Path) else template
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet, header_row, columns = _layout(wb)
    ws = wb[sheet]
    first = header_row + 1
    key_col = columns.get(key)
    empty, unfilled = [], []
    for r in range(first, ws.max_row + 1):
        if all(ws.cell(r, c + 1).value in (None, "") for c in columns.values()):
            empty.append(r)
            continue
        if key_col is None:
            continue
        found = values.get(str(ws.cell(r, key_col + 1).value))
        if found is None:
            unfilled.append(r)
        for name, value in (found or {}).items():
            ws.cell(r, columns[name] + 1).value = value
    for r, row in zip(empty, rows or [], strict=False):
        for name, value in row.items():
            cell = ws.cell(r, columns[name] + 1)
            cell.value = value
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    if rows and len(rows) > len(empty):
        raise ValueError(f"the template has {len(empty)} empty rows, {len(rows)} given")
    if only_filled:
        for r in reversed(unfilled):
            ws.delete_rows(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
