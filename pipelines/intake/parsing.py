"""Reading and recognising one file: its sheets, each with its header row and report type.

Kept apart from ingest.py (which needs DuckDB and the validation) so that a parse worker
process (workers.py) imports only what reading takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.intake import headers, template_layout
from pipelines.intake.limits import LimitExceeded, Limits
from pipelines.intake.readers import Grid, NotAReport, read_file
from pipelines.intake.schema import REPORT_TYPES

UNREADABLE_ZH = "无法读取"
UNREADABLE_EN = "Could not be read"


@dataclass
class Parsed:
    """A file read and recognised, not yet judged against the registry."""

    name: str
    file_format: str
    sheets: list[tuple[Grid, int, headers.HeaderMatch]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_a_report: tuple[str, str] | None = None
    # the file could not be read: (rule code, zh, en) — a limit broken, a reader that failed or
    # died, not a regular file, a time budget spent. Rejected like a file with errors.
    unreadable: tuple[str, str, str] | None = None

    @property
    def report_types(self) -> list[str]:
        return sorted({m.report.code for _, _, m in self.sheets})


def unreadable(name: str, code: str, zh: str, en: str) -> Parsed:
    """The verdict "could not be read" (无法读取) for a file, with the reason."""
    return Parsed(name, "unknown", unreadable=(code, f"{UNREADABLE_ZH}：{zh}", f"{UNREADABLE_EN}: {en}"))


def parse(data: bytes, name: str, limits: Limits | None = None) -> Parsed:
    """Read and recognise one file. Whatever the bytes, this returns a Parsed (an exception of
    any type becomes "could not be read"); only a reader that kills the process escapes it,
    which is why untrusted bytes are parsed in worker processes (workers.py)."""
    try:
        return _parse(data, name, limits)
    except LimitExceeded as exc:
        return unreadable(name, exc.code, exc.zh, exc.en)
    except MemoryError:
        return unreadable(name, "parse_memory", "读取所需内存超过上限，文件可能构造异常",
                          "reading it needs more memory than allowed; the file may be malformed")
    except RecursionError:
        return unreadable(name, "parse_failed", "文件结构异常", "the file's structure is malformed")
    except Exception as exc:  # noqa: BLE001 - a file's content can cost only that file
        # the type only: an exception's text may quote a cell (a minor's name)
        return unreadable(name, "parse_failed", f"读取文件时出错（{type(exc).__name__}），请另存为 xlsx 后重新报送",
                          f"reading the file failed ({type(exc).__name__}); save it as xlsx and send it again")


def _parse(data: bytes, name: str, limits: Limits | None) -> Parsed:
    try:
        fmt, grids = read_file(data, limits)
    except NotAReport as exc:
        return Parsed(name, "unknown", not_a_report=(exc.zh, exc.en))
    parsed = Parsed(name, fmt)
    layout = template_layout.read(grids)  # a Kejiao template says what its layout is
    for grid in grids:
        if layout is not None and grid.name == template_layout.META_SHEET:
            continue  # the template's description of itself, not a sheet the school sees
        if grid.frame.is_empty():
            parsed.skipped.append(grid.name)
            continue
        head = grid.head_rows(headers.HEADER_SCAN_ROWS)
        declared = template_layout.match(layout, head, name) if layout and grid.name == layout.sheet else None
        if declared is not None:
            idx, match = declared
        else:
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
    return parsed.name, parsed.file_format, sheets, parsed.skipped, parsed.not_a_report, parsed.unreadable


def unpack(packed: tuple) -> Parsed:
    name, file_format, sheets, skipped, not_a_report, unreadable_ = packed
    out = Parsed(name, file_format, skipped=skipped, not_a_report=not_a_report, unreadable=unreadable_)
    for grid_name, frame, letters, idx, code, columns, unknown, duplicated in sheets:
        report = REPORT_TYPES[code]
        match = headers.HeaderMatch(report, {pos: report.column(c) for pos, c in columns}, unknown,
                                    [(pos, report.column(c)) for pos, c in duplicated])
        out.sheets.append((Grid(grid_name, frame, letters), idx, match))
    return out


__all__ = ["Parsed", "pack", "parse", "unpack", "unreadable"]
