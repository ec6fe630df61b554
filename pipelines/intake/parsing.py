"""Reading and recognising one file: its sheets, each with its header row and report type.

Kept apart from ingest.py (which needs DuckDB and the validation) so that a parse worker
process (workers.py) imports only what reading takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.intake import headers
from pipelines.intake.readers import Grid, NotAReport, read_file
from pipelines.intake.schema import REPORT_TYPES


@dataclass
class Parsed:
    """A file read and recognised, not yet judged against the registry."""

    name: str
    file_format: str
    sheets: list[tuple[Grid, int, headers.HeaderMatch]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_a_report: tuple[str, str] | None = None

    @property
    def report_types(self) -> list[str]:
        return sorted({m.report.code for _, _, m in self.sheets})


def parse(data: bytes, name: str) -> Parsed:
    try:
        fmt, grids = read_file(data)
    except NotAReport as exc:
        return Parsed(name, "unknown", not_a_report=(exc.zh, exc.en))
    parsed = Parsed(name, fmt)
    for grid in grids:
        if grid.frame.is_empty():
            parsed.skipped.append(grid.name)
            continue
        head = grid.head_rows(headers.HEADER_SCAN_ROWS)
        idx = headers.find_header_row(head)
        match = headers.recognise(head[idx], name) if idx is not None else None
        if match is None:
            parsed.skipped.append(grid.name)
        else:
            parsed.sheets.append((grid, idx, match))
    if not parsed.sheets:
        parsed.not_a_report = (
            "文件中没有可识别的报表（未找到表头）；请使用规定模板的表头",
            "No report found in the file (no recognisable header); use the template's headers",
        )
    return parsed


# --- between processes: a Parsed as plain data ------------------------------------------
# A HeaderMatch holds its ReportType and Columns; pickled as they are, every sheet would carry a
# copy of the schema. They travel as codes and names instead, and are looked up again.

def pack(parsed: Parsed) -> tuple:
    sheets = [(grid.name, grid.frame, grid.letters, idx, match.report.code,
               [(pos, col.name) for pos, col in match.columns.items()], match.unknown,
               [(pos, col.name) for pos, col in match.duplicated])
              for grid, idx, match in parsed.sheets]
    return parsed.name, parsed.file_format, sheets, parsed.skipped, parsed.not_a_report


def unpack(packed: tuple) -> Parsed:
    name, file_format, sheets, skipped, not_a_report = packed
    out = Parsed(name, file_format, skipped=skipped, not_a_report=not_a_report)
    for grid_name, frame, letters, idx, code, columns, unknown, duplicated in sheets:
        report = REPORT_TYPES[code]
        match = headers.HeaderMatch(report, {pos: report.column(c) for pos, c in columns}, unknown,
                                    [(pos, report.column(c)) for pos, c in duplicated])
        out.sheets.append((Grid(grid_name, frame, letters), idx, match))
    return out


__all__ = ["Parsed", "pack", "parse", "unpack"]
