"""The layout a template declares (pipelines/intake/template_layout.py): taken only when it holds
together and the cells still agree; anything else is read as any file is."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.intake import template_layout as L
from pipelines.intake.readers import Grid


def grid(name: str, rows: list[list]) -> Grid:
    width = max(map(len, rows))
    frame = pl.DataFrame([pl.Series(f"c{j}", [r[j] if j < len(r) else None for r in rows], dtype=pl.String)
                          for j in range(width)])
    return Grid(name, frame, [chr(65 + j) for j in range(width)])


HEADER = ["学校标识码", "报告年度", "在校生数", "2025年在校生数(参考)", "科学副校长人数", "参加科技活动学生数"]
DECLARED = L.describe("R5", "年报", 2, {0: "school_code", 1: "report_year", 2: "enrolled_students",
                                         4: "science_vice_principals", 5: "students_in_st_activities"},
                      {3: "enrolled_students"})


def test_a_declared_layout_is_read_and_checked_against_the_cells():
    layout = L.read([grid("年报", [["标题"], HEADER]), grid(L.META_SHEET, DECLARED)])
    assert layout is not None and layout.report == "R5" and layout.header_idx == 1 and layout.references == {3}
    idx, match = L.match(layout, [("标题",), tuple(HEADER)], "x.xlsx")
    assert idx == 1 and match.report.code == "R5" and match.unknown == []
    # the school moved a column: the declaration no longer holds
    moved = HEADER[:2] + HEADER[4:] + HEADER[2:4]
    assert L.match(layout, [("标题",), tuple(moved)], "x.xlsx") is None
    # a header row beyond what was read
    assert L.match(layout, [("标题",)], "x.xlsx") is None


@pytest.mark.parametrize("meta", [
    [["kejiao_template", "kejiao-template/999"], *DECLARED[1:]],  # a version intake does not know
    [["something", "else"]],
    [row if row[0] != "header_row" else ["header_row", "二"] for row in DECLARED],
    [row if row[0] != "report" else ["report", "R9"] for row in DECLARED],
    [row for row in DECLARED if row[0] not in ("column",)],
    [row if row[0] != "column" else ["column", "9" * 5000, "school_code"] for row in DECLARED],
])
def test_a_declaration_that_does_not_hold_together_is_ignored(meta):
    assert L.read([grid(L.META_SHEET, meta)]) is None
