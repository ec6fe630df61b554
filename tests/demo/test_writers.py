"""The low-level writers: every format, real dates, fixed bytes, CSV encodings."""

import zipfile
from datetime import date, datetime

import fastexcel
import odf.anim
import odf.dr3d
import openpyxl
import pytest

from pipelines.demo.writers import Sheet, write_workbook

TABLE = Sheet(
    "数据",
    [
        ["学校标识码", "在校生数（人）", "日期", "备注"],
        ["2112000001", 1234, date(2025, 3, 5), "=SUM(A1:A2)"],
        ["合计", "1,234", None, 12.5],
    ],
    title_rows=[["天津市和平区2025年学校科技教育年报汇总"]],
    footer_rows=[["填表人：张老师  联系电话：022-01234567"]],
)
INSTRUCTIONS = Sheet("填报说明", [["填报说明"], ["1. 带*号的为必填项。"]], instructions=True)


def _rows(path, sheet=0):
    return fastexcel.read_excel(str(path)).load_sheet(sheet, header_row=None).to_polars().rows()


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "ods"])
def test_workbook_layout_title_table_blank_footer(tmp_path, suffix):
    path = write_workbook(tmp_path / f"a.{suffix}", [INSTRUCTIONS, TABLE])
    reader = fastexcel.read_excel(str(path))
    assert reader.sheet_names == ["填报说明", "数据"]
    rows = _rows(path, 1)
    assert rows[0][0] == "天津市和平区2025年学校科技教育年报汇总"
    assert rows[1][:2] == ("学校标识码", "在校生数（人）")
    assert rows[2][0] == "2112000001"
    assert rows[3][0] == "合计"
    assert all(v is None for v in rows[4])
    assert rows[5][0].startswith("填表人")


def test_xlsx_dates_are_date_cells_and_strings_stay_strings(tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [TABLE])
    ws = openpyxl.load_workbook(path)["数据"]
    assert ws["C3"].value == datetime(2025, 3, 5) and ws["C3"].is_date
    assert ws["B3"].value == 1234 and ws["B4"].value == "1,234"
    assert ws["D3"].value == "=SUM(A1:A2)" and ws["D3"].data_type == "s"  # not a formula
    assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}


def test_xls_dates_are_date_cells(tmp_path):
    path = write_workbook(tmp_path / "a.xls", [TABLE])
    sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=1)
    assert sheet.to_polars()["日期"][0] == datetime(2025, 3, 5)


def test_ods_dates_are_date_values(tmp_path):
    path = write_workbook(tmp_path / "a.ods", [TABLE])
    with zipfile.ZipFile(path) as z:
        assert z.namelist()[0] == "mimetype"
        assert 'office:date-value="2025-03-05"' in z.read("content.xml").decode()


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "ods"])
def test_same_sheets_same_bytes(tmp_path, suffix):
    first = write_workbook(tmp_path / f"a.{suffix}", [INSTRUCTIONS, TABLE]).read_bytes()
    write_workbook(tmp_path / f"other.{suffix}", [Sheet("x", [["y", date(2024, 1, 1), 1.5]])])
    odf.anim.Par(), odf.dr3d.Scene()  # odfpy remembers namespaces process-wide: must not leak into b
    second = write_workbook(tmp_path / f"b.{suffix}", [INSTRUCTIONS, TABLE]).read_bytes()
    assert first == second
    if suffix != "xls":
        with zipfile.ZipFile(tmp_path / f"a.{suffix}") as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_xlsx_big_sheets_stream_and_stay_deterministic(tmp_path):
    big = Sheet(
        "大表", [["学校标识码", "日期"]] + [[f"21120{i:05d}", date(2025, 1, 1)] for i in range(25_000)]
    )
    first = write_workbook(tmp_path / "a.xlsx", [big]).read_bytes()
    assert first == write_workbook(tmp_path / "b.xlsx", [big]).read_bytes()
    assert len(_rows(tmp_path / "a.xlsx")) == 25_001


@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8-sig", True), ("gb18030", False)])
def test_csv_encodings_and_lines(tmp_path, encoding, bom):
    path = write_workbook(tmp_path / "a.csv", [TABLE], encoding=encoding)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is bom
    lines = raw.decode(encoding).splitlines()
    assert lines[0] == "天津市和平区2025年学校科技教育年报汇总"
    assert lines[2] == "2112000001,1234,2025-03-05,=SUM(A1:A2)"
    assert lines[3] == '合计,"1,234",,12.5'
    assert lines[4] == "" and lines[5].startswith("填表人")
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_bad_requests_are_refused(tmp_path):
    with pytest.raises(ValueError, match="one sheet"):
        write_workbook(tmp_path / "a.csv", [INSTRUCTIONS, TABLE])
    with pytest.raises(ValueError, match="encoding"):
        write_workbook(tmp_path / "a.csv", [TABLE], encoding="big5")
    with pytest.raises(ValueError, match="format"):
        write_workbook(tmp_path / "a.txt", [TABLE])
