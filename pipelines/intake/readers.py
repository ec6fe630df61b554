"""Reading a file as it arrived into sheets of text cells.

The format is recognised from the content, not the name (a `.xls` that is really an `.xlsx`,
WPS's own extensions). Workbooks are read with fastexcel (calamine): every cell as text, every
row kept so that row numbers are the spreadsheet's. CSV encodings are detected: UTF-8 (with or
without BOM), else charset-normalizer's best guess among the Chinese encodings.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import fastexcel
import polars as pl
from charset_normalizer import from_bytes


class NotAReport(Exception):
    """The file cannot be read as a report at all; carries a bilingual message."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class Grid:
    """One sheet: text cells in a frame of columns c0..cN; frame row i is spreadsheet row i+1."""

    name: str
    frame: pl.DataFrame
    letters: list[str]  # spreadsheet column letter of each frame column

    def head_rows(self, n: int) -> list[list[str | None]]:
        return [list(r) for r in self.frame.head(n).iter_rows()]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def sniff_format(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype"):
                    return "ods"
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return "xlsx"
        except zipfile.BadZipFile:
            return "corrupt"
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:5] == b"%PDF-":
        return "pdf"
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for a CSV file's bytes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "gbk", "gb2312", "big5", "utf_16"]).best()
    if best is not None:
        enc = "gb18030" if best.encoding in ("gbk", "gb2312") else best.encoding
        return data.decode(enc), enc
    raise NotAReport("无法识别文本编码，请另存为 UTF-8 或 Excel 文件", "Unknown text encoding: save as UTF-8 or Excel")


def _frame_from_rows(rows: list[list[str]]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {f"c{j}": [(r[j] if j < len(r) and r[j] != "" else None) for r in rows] for j in range(width)}
    return pl.DataFrame(columns, schema={name: pl.String for name in columns})


def read_csv(data: bytes) -> tuple[list[Grid], str]:
    text, encoding = decode_text(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    frame = _frame_from_rows(rows)
    return [Grid("csv", frame, [column_letter(j) for j in range(frame.width)])], encoding


def read_workbook(data: bytes) -> list[Grid]:
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # calamine's errors are many; all mean the same to a school
        raise NotAReport("文件已损坏或不是有效的表格文件", f"Corrupt or unreadable workbook ({type(exc).__name__})") from exc
    grids = []
    for name in reader.sheet_names:
        try:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
        except Exception:  # noqa: BLE001 - an unreadable sheet is skipped and named
            grids.append(Grid(name, pl.DataFrame(), []))
            continue
        letters = [column_letter(c.absolute_index) for c in sheet.available_columns()]
        frame = sheet.to_polars()
        frame = frame.rename({old: f"c{j}" for j, old in enumerate(frame.columns)})
        frame = frame.with_columns(pl.all().cast(pl.String))
        grids.append(Grid(name, frame, letters))
    return grids


def read_file(data: bytes) -> tuple[str, list[Grid]]:
    """(format, sheets). Raises NotAReport for what is no spreadsheet or CSV."""
    fmt = sniff_format(data)
    if not data.strip():
        raise NotAReport("文件为空", "The file is empty")
    if fmt in ("xlsx", "xls", "ods"):
        return fmt, read_workbook(data)
    if fmt == "csv":
        grids, encoding = read_csv(data)
        return f"csv:{encoding}", grids
    if fmt == "corrupt":
        raise NotAReport("文件已损坏或不完整（可能上传中断），请重新保存后再报送",
                         "The file is damaged or incomplete (an interrupted upload?); save it again and resend")
    raise NotAReport(
        "不是可识别的报表文件，或文件已损坏（请提交 xlsx、xls、ods 或 csv）",
        f"Not a recognised report file, or a damaged one ({fmt}); send xlsx, xls, ods or csv",
    )
