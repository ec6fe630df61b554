"""The layout a Kejiao template declares of itself, so that intake reads it without guessing.

Every template (`pipelines/senders/templates.py`) carries a hidden sheet, `META_SHEET`, naming
the template version, the report type, the data sheet, its header row and what each column of
that row is: a column of the report (`column`) or last year's figure beside it, for reference
only (`reference`). Intake (parsing.py) takes the header row and report type from it, after
checking them against the cells (a school may have moved columns: then the sheet is read as any
other), and ignores the reference columns instead of listing them as unrecognised.

    A            B                  C
    kejiao_template  kejiao-template/1
    report       R5
    sheet        年报
    header_row   3                       (as the spreadsheet numbers it)
    column       0                  school_code
    reference    4                  enrolled_students
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.intake import headers
from pipelines.intake.schema import REPORT_TYPES

META_SHEET = "_kejiao_template"
MAGIC = "kejiao_template"
VERSION = "kejiao-template/1"
MAX_META_ROWS = 200


@dataclass(frozen=True)
class Layout:
    version: str
    report: str
    sheet: str
    header_idx: int  # 0-based frame row of the header
    columns: dict[int, str]  # position -> canonical column name
    references: frozenset[int]  # positions of last year's figures (not part of the report)


def describe(report: str, sheet: str, header_row: int, columns: dict[int, str],
             references: dict[int, str]) -> list[list[str]]:
    """The rows of the meta sheet for a template (header_row as the spreadsheet numbers it)."""
    rows = [[MAGIC, VERSION], ["report", report], ["sheet", sheet], ["header_row", str(header_row)]]
    rows += [["column", str(pos), name] for pos, name in sorted(columns.items())]
    rows += [["reference", str(pos), name] for pos, name in sorted(references.items())]
    return rows


def read(grids) -> Layout | None:
    """The layout declared by a workbook's meta sheet, or None (no meta sheet, an unknown
    version, or a declaration that does not hold together)."""
    grid = next((g for g in grids if g.name == META_SHEET), None)
    if grid is None or grid.frame.is_empty() or grid.frame.width < 2:
        return None
    rows = [tuple(r) + (None,) * 3 for r in grid.frame.head(MAX_META_ROWS).rows()]
    if rows[0][0] != MAGIC or rows[0][1] != VERSION:
        return None
    fields = {r[0]: r[1] for r in rows[1:] if r[0] in ("report", "sheet", "header_row")}
    try:
        columns = {int(r[1]): r[2] for r in rows[1:] if r[0] == "column"}
        references = frozenset(int(r[1]) for r in rows[1:] if r[0] == "reference")
        header_idx = int(fields["header_row"]) - 1
        report, sheet = fields["report"], fields["sheet"]
    except (KeyError, TypeError, ValueError):
        return None
    if report not in REPORT_TYPES or header_idx < 0 or not columns:
        return None
    return Layout(VERSION, report, sheet, header_idx, columns, references)


def match(layout: Layout, head: list, file_name: str) -> tuple[int, headers.HeaderMatch] | None:
    """(header index, match) for the declared data sheet when its header row is still what the
    template declared (same report, same columns in the same places); None otherwise."""
    if layout.header_idx >= len(head):
        return None
    found = headers.recognise(list(head[layout.header_idx]), file_name)
    if found is None or found.report.code != layout.report:
        return None
    if {pos: col.name for pos, col in found.columns.items()} != layout.columns:
        return None
    unknown = [(pos, text) for pos, text in found.unknown if pos not in layout.references]
    return layout.header_idx, headers.HeaderMatch(found.report, found.columns, unknown, found.duplicated)
