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

    def head_rows(self, n: int) -> list[tuple[str | None, ...]]:
        return self.frame.head(n).rows()


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


class _Sniffer(csv.Sniffer):
    """csv.Sniffer with the same verdict in a fraction of the time: when the candidate
    delimiters are given, only their frequencies are tabulated (the standard one counts all
    127 ASCII characters on every line, then keeps only the candidates; each character's
    table is independent of the others', so the outcome is the same)."""

    def _guess_delimiter(self, data, delimiters):
        if delimiters is None:
            return super()._guess_delimiter(data, delimiters)
        return _guess_delimiter(data, sorted(c for c in set(delimiters) if ord(c) < 127), self.preferred)


def _guess_delimiter(data: str, ascii: list[str], preferred: list[str]) -> tuple[str, bool | int]:
    """csv.Sniffer._guess_delimiter (Python 3.11), tabulating only the characters `ascii`."""
    lines = list(filter(None, data.split("\n")))
    chunk_length = min(10, len(lines))
    iteration = 0
    char_frequency: dict[str, dict[int, int]] = {}
    modes: dict[str, tuple[int, int]] = {}
    delims: dict[str, tuple[int, int]] = {}
    start, end = 0, chunk_length
    while start < len(lines):
        iteration += 1
        for line in lines[start:end]:
            for char in ascii:
                meta = char_frequency.get(char, {})
                freq = line.count(char)
                meta[freq] = meta.get(freq, 0) + 1
                char_frequency[char] = meta
        for char, meta in char_frequency.items():
            items = list(meta.items())
            if len(items) == 1 and items[0][0] == 0:
                continue
            if len(items) > 1:
                modes[char] = max(items, key=lambda x: x[1])
                items.remove(modes[char])
                modes[char] = (modes[char][0], modes[char][1] - sum(item[1] for item in items))
            else:
                modes[char] = items[0]
        total = float(min(chunk_length * iteration, len(lines)))
        consistency = 1.0
        threshold = 0.9
        while len(delims) == 0 and consistency >= threshold:
            for k, v in modes.items():
                if v[0] > 0 and v[1] > 0 and (v[1] / total) >= consistency:
                    delims[k] = v
            consistency -= 0.01
        if len(delims) == 1:
            delim = next(iter(delims))
            return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")
        start = end
        end += chunk_length
    if not delims:
        return "", 0
    if len(delims) > 1:
        for d in preferred:
            if d in delims:
                return d, lines[0].count(d) == lines[0].count(f"{d} ")
    delim = max((v, k) for (k, v) in delims.items())[1]
    return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")


def _frame_from_rows(rows: list[list[str]]) -> pl.DataFrame:
    width = max(map(len, rows), default=0)
    return pl.DataFrame([pl.Series(f"c{j}", [(r[j] if j < len(r) and r[j] != "" else None) for r in rows],
                                   dtype=pl.String) for j in range(width)])


def read_csv(data: bytes) -> tuple[list[Grid], str]:
    text, encoding = decode_text(data)
    sample = text[:8192]
    try:
        dialect = _Sniffer().sniff(sample, delimiters=",\t;")
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
        frame.columns = [f"c{j}" for j in range(frame.width)]  # in place: no query per sheet
        other = [name for name, dtype in frame.schema.items() if dtype != pl.String]
        if other:  # dtypes="string" gives text; a column of no cells may come back otherwise
            frame = frame.with_columns(pl.col(other).cast(pl.String))
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
