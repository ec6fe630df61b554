"""Reading a file as it arrived into sheets of text cells.

The format is recognised from the content, not the name (a `.xls` that is really an `.xlsx`,
WPS's own extensions). Workbooks are read with fastexcel (calamine): every cell as text, every
row kept so that row numbers are the spreadsheet's. CSV encodings are detected: UTF-8 (with or
without BOM), else charset-normalizer's best guess among the Chinese encodings.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from dataclasses import dataclass

import fastexcel
import polars as pl
from charset_normalizer import from_bytes

from pipelines.intake.limits import LimitExceeded, Limits, too_large


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
                if "mimetype" in names and b"opendocument.spreadsheet" in _head(zf, "mimetype", 256):
                    return "ods"
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return "xlsx"
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError, EOFError):
            return "corrupt"
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:5] == b"%PDF-":
        return "pdf"
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return "csv"


def _head(zf: zipfile.ZipFile, name: str, size: int) -> bytes:
    """The first `size` bytes of a zip member, expanding no more than that."""
    with zf.open(name) as fh:
        return fh.read(size)


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})?\$?(\d+)?(?::\$?([A-Z]{1,3})\$?(\d+))?\"")


def column_number(letters: bytes | str) -> int:
    """1 for A, 26 for Z, 27 for AA, 16384 for XFD."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip-based workbook (xlsx, ods) from its directory alone, before any part is
    expanded: too many entries, too many bytes once unzipped (a decompression bomb), or a
    sheet whose declared dimension (`<dimension ref="A1:XFD1048576"/>`, read from the first
    bytes of the sheet) is beyond the rows and columns a report may have."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_zip_entries:
                raise LimitExceeded(
                    "zip_too_many_entries",
                    f"工作簿内部文件数过多（{len(infos)} 个，上限 {limits.max_zip_entries}），不是正常的报表文件",
                    f"The workbook holds too many parts ({len(infos)}, limit {limits.max_zip_entries}); not a normal report")
            unzipped = sum(i.file_size for i in infos)
            if unzipped > limits.max_unzipped_bytes:
                raise LimitExceeded(
                    "zip_too_large",
                    f"工作簿解压后过大（{unzipped / 1048576:.0f} MB，上限 {limits.max_unzipped_bytes / 1048576:.0f} MB），"
                    "可能是压缩炸弹或含大量无关内容；请只保留报表工作表后重新保存",
                    f"The workbook expands to {unzipped / 1048576:.0f} MB (limit {limits.max_unzipped_bytes / 1048576:.0f} MB): "
                    "a decompression bomb or much unrelated content; keep only the report sheets and save again")
            titles = None
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    match = _DIMENSION.search(_head(zf, info.filename, 4096))
                    if match:
                        col = match.group(3) or match.group(1)
                        row = match.group(4) or match.group(2)
                        titles = _sheet_titles(zf) if titles is None else titles
                        part = info.filename.rsplit("/", 1)[-1]
                        check_size(titles.get(part, part), int(row) if row else 0,
                                   column_number(col) if col else 0, limits, declared=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError, EOFError) as exc:
        raise NotAReport("文件已损坏或不是有效的表格文件", f"Corrupt or unreadable workbook ({type(exc).__name__})") from exc


def _sheet_titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """{"sheet1.xml": the sheet's name as the school sees it}, from the workbook's first bytes
    (xl/workbook.xml and its relationships); {} when they say nothing readable."""
    try:
        book = _head(zf, "xl/workbook.xml", 1 << 16)
        rels = _head(zf, "xl/_rels/workbook.xml.rels", 1 << 16)
    except KeyError:
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid, target = re.search(rb'\bId="([^"]*)"', tag), re.search(rb'\bTarget="([^"]*)"', tag)
        if rid and target:
            targets[rid.group(1)] = target.group(1).rsplit(b"/", 1)[-1].decode("utf-8", "replace")
    titles = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", book):
        name, rid = re.search(rb'\bname="([^"]*)"', tag), re.search(rb'\s\w+:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            titles[targets[rid.group(1)]] = html.unescape(name.group(1).decode("utf-8", "replace"))
    return titles


def check_size(sheet: str, rows: int, columns: int, limits: Limits, declared: bool = False) -> None:
    """Refuse a sheet of more rows or columns than any report has."""
    if rows <= limits.max_sheet_rows and columns <= limits.max_sheet_columns:
        return
    what_zh, what_en = ("声明的范围", "declares") if declared else ("实际", "holds")
    raise LimitExceeded(
        "sheet_too_large",
        f"工作表「{sheet}」{what_zh}有 {rows} 行 × {columns} 列，超过上限 {limits.max_sheet_rows} 行 × "
        f"{limits.max_sheet_columns} 列；请删除多余的行列（或把报表复制到新工作簿）后重新保存",
        f"Sheet '{sheet}' {what_en} {rows} rows × {columns} columns, beyond the limit of {limits.max_sheet_rows} × "
        f"{limits.max_sheet_columns}; delete the unused rows and columns (or copy the report into a new workbook)")


def check_lines(data: bytes, limits: Limits) -> None:
    """Refuse a text file with a line longer than any report row."""
    longest = max(map(len, data.split(b"\n")), default=0)
    if longest > limits.max_csv_line_bytes:
        raise LimitExceeded(
            "csv_line_too_long",
            f"文本文件中有一行长达 {longest / 1024:.0f} KB，超过上限 {limits.max_csv_line_bytes / 1024:.0f} KB，"
            "不是正常的报表行；请检查文件内容或另存为 Excel 文件",
            f"A line of the text file is {longest / 1024:.0f} KB long, beyond the limit of "
            f"{limits.max_csv_line_bytes / 1024:.0f} KB; check the file or save it as an Excel workbook")


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for a CSV file's bytes."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[3:]  # a BOM that lies: detect what follows
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "gbk", "gb2312", "big5", "utf_16"]).best()
    if best is not None:
        enc = "gb18030" if best.encoding in ("gbk", "gb2312") else best.encoding
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
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


def read_csv(data: bytes, limits: Limits | None = None) -> tuple[list[Grid], str]:
    limits = limits or Limits()
    check_lines(data, limits)
    text, encoding = decode_text(data)
    sample = text[:8192]
    try:
        dialect = _Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    csv.field_size_limit(max(limits.max_csv_line_bytes, 131072))  # the line limit guards fields too
    try:  # newline="": the reader itself splits lines, so CR alone (Excel for Mac's CSV) ends one too
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise NotAReport("CSV 文件格式错误，请用 Excel 或 WPS 另存为 xlsx 后重新报送",
                         f"Malformed CSV ({exc.__class__.__name__}); save it as xlsx in Excel or WPS and send again") from exc
    check_size("csv", len(rows), max(map(len, rows), default=0), limits)
    frame = _frame_from_rows(rows)
    return [Grid("csv", frame, [column_letter(j) for j in range(frame.width)])], encoding


def read_workbook(data: bytes, limits: Limits | None = None) -> list[Grid]:
    limits = limits or Limits()
    if data[:4] == b"PK\x03\x04":
        check_zip(data, limits)
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
        check_size(name, sheet.height, sheet.width, limits)
        letters = [column_letter(c.absolute_index) for c in sheet.available_columns()]
        frame = sheet.to_polars()
        frame.columns = [f"c{j}" for j in range(frame.width)]  # in place: no query per sheet
        other = [name for name, dtype in frame.schema.items() if dtype != pl.String]
        if other:  # dtypes="string" gives text; a column of no cells may come back otherwise
            frame = frame.with_columns(pl.col(other).cast(pl.String))
        grids.append(Grid(name, frame, letters))
    return grids


def read_file(data: bytes, limits: Limits | None = None) -> tuple[str, list[Grid]]:
    """(format, sheets). Raises NotAReport for what is no spreadsheet or CSV, LimitExceeded for
    a file beyond a stated limit (limits.py). Run it on untrusted bytes only in a process that
    may die (workers.py): a reader can abort the whole process (calamine on a crafted sheet)."""
    limits = limits or Limits()
    if len(data) > limits.max_file_bytes:
        raise too_large(len(data), limits)
    try:
        return _read_file(data, limits)
    except (NotAReport, LimitExceeded, MemoryError):
        raise
    except Exception as exc:  # whatever a reader raises, it is the file that cannot be read
        raise NotAReport("文件已损坏或不是有效的表格文件",
                         f"Corrupt or unreadable file ({type(exc).__name__})") from exc


def _read_file(data: bytes, limits: Limits) -> tuple[str, list[Grid]]:
    if not data.strip():
        raise NotAReport("文件为空", "The file is empty")
    fmt = sniff_format(data)
    if fmt in ("xlsx", "xls", "ods"):
        return fmt, read_workbook(data, limits)
    if fmt == "csv":
        grids, encoding = read_csv(data, limits)
        return f"csv:{encoding}", grids
    if fmt == "corrupt":
        raise NotAReport("文件已损坏或不完整（可能上传中断），请重新保存后再报送",
                         "The file is damaged or incomplete (an interrupted upload?); save it again and resend")
    raise NotAReport(
        "不是可识别的报表文件，或文件已损坏（请提交 xlsx、xls、ods 或 csv）",
        f"Not a recognised report file, or a damaged one ({fmt}); send xlsx, xls, ods or csv",
    )
