"""What one file may cost, stated and enforced before the work (issue 11).

A school's report is a few hundred rows; a district's compiled workbook a few thousand; the
registry of a whole country ~150,000 rows. Every limit below is far above any real report and
far below what would hurt the machine, so a file that breaks one is refused with the reason,
and costs nothing else. Each is a setting (`KEJIAO_…`, read when asked, never at import).

| setting | default | why this value |
| --- | --- | --- |
| KEJIAO_MAX_FILE_MB | 50 | the largest real file, a registry of 150,000 schools, is 5.6 MB as xlsx |
| KEJIAO_MAX_UNZIPPED_MB | 500 | the same registry unzips to 73 MB; a zip bomb unzips to GBs |
| KEJIAO_MAX_ZIP_ENTRIES | 2000 | an xlsx of 50 sheets has ~120 parts; thousands means a crafted file |
| KEJIAO_MAX_SHEET_ROWS | 200000 | the registry at national scale is 150,000 rows |
| KEJIAO_MAX_SHEET_COLUMNS | 500 | a report has at most 17 columns; notes and blank columns stay far below |
| KEJIAO_MAX_CSV_LINE_KB | 1024 | a row of 17 fields is well under 1 KB; Python's csv refuses a field over 128 KB |
| KEJIAO_PARSE_SECONDS | 120 | that registry reads in 1.3 s (2.4 s with the worker's start) |
| KEJIAO_PARSE_MEMORY_MB | 3072 | address space of a parsing process: 0.6 GB at its peak on that registry |
| KEJIAO_JUDGE_CHUNK_ROWS | 100000 | rows judged at once (the files of a chunk, whole): judging all of 150,000 schools' reports at once took 1 GB more |
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pipelines.settings import limit_text

MB = 1024 * 1024


def _number(name: str, default: float) -> float:
    value = limit_text(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name}：应为正数，读到 {value!r} / {name} must be a positive number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name}：应为正数，读到 {value!r} / {name} must be a positive number, not {value!r}")
    return number


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * MB
    max_unzipped_bytes: int = 500 * MB
    max_zip_entries: int = 2000
    max_sheet_rows: int = 200_000
    max_sheet_columns: int = 500
    max_csv_line_bytes: int = 1024 * 1024
    parse_seconds: float = 120.0
    parse_memory_bytes: int = 3072 * MB
    judge_chunk_rows: int = 100_000

    @classmethod
    def from_env(cls) -> Limits:
        d = cls()
        return cls(
            max_file_bytes=int(_number("KEJIAO_MAX_FILE_MB", d.max_file_bytes / MB) * MB),
            max_unzipped_bytes=int(_number("KEJIAO_MAX_UNZIPPED_MB", d.max_unzipped_bytes / MB) * MB),
            max_zip_entries=int(_number("KEJIAO_MAX_ZIP_ENTRIES", d.max_zip_entries)),
            max_sheet_rows=int(_number("KEJIAO_MAX_SHEET_ROWS", d.max_sheet_rows)),
            max_sheet_columns=int(_number("KEJIAO_MAX_SHEET_COLUMNS", d.max_sheet_columns)),
            max_csv_line_bytes=int(_number("KEJIAO_MAX_CSV_LINE_KB", d.max_csv_line_bytes / 1024) * 1024),
            parse_seconds=_number("KEJIAO_PARSE_SECONDS", d.parse_seconds),
            parse_memory_bytes=int(_number("KEJIAO_PARSE_MEMORY_MB", d.parse_memory_bytes / MB) * MB),
            judge_chunk_rows=int(_number("KEJIAO_JUDGE_CHUNK_ROWS", d.judge_chunk_rows)),
        )

    def as_dict(self) -> dict:
        return asdict(self)


class LimitExceeded(Exception):
    """A file breaks a stated limit: refused before the work, with the reason (zh, en)."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en = code, zh, en


def too_large(size: int, limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        "file_too_large",
        f"文件过大：{size / MB:.1f} MB，上限 {limits.max_file_bytes / MB:.0f} MB；请只保留报表工作表后重新保存",
        f"File too large: {size / MB:.1f} MB, limit {limits.max_file_bytes / MB:.0f} MB; keep only the report sheets and save again",
    )
