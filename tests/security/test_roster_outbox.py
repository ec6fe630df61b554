"""Finding 7a: minors' data through the outbox and the run's metadata. An error workbook for a
rejected roster (R3) copied the whole roster, names and raw IDs included, into the flat outbox
with no recipient recorded; messages embed cell values (a name typed into the wrong column), and
those messages reached Dagster's metadata. The attack: a roster rejected for a name typed into
the grade column, then the outbox workbook and the run's metadata scanned for names and IDs."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipelines.cli import run_all
from pipelines.settings import Settings
from tests.access.support import R3_HEADER
from tests.conftest import R0_HEADER, REGISTRY, put

NAMES = ["张小明", "李小红", "王老师"]
IDS = ["G120101200801010011", "G120101200801010022", "T00917", "S00423"]
ROSTER = [
    [2025, IDS[0], NAMES[0], "男", "3412000001", "高一", "4112000005", IDS[2], IDS[3], "2025-09-01", None, "在读", "是"],
    [2025, IDS[1], "李同学", "女", "3412000002", NAMES[1], "4112000005", IDS[2], None, "2025-09-01", None, "在读",
     "是"],  # a name typed into the grade column
    [2025, "G120101200801010033", NAMES[2], "女", "3112000003", "初三", "4112000005", "T002", "S002", "2025-09-01",
     None, "在读", "否"],  # no consent
]


@pytest.fixture(scope="module")
def rejected_roster(tmp_path_factory):
    root = tmp_path_factory.mktemp("roster")
    settings = Settings(root / "data")
    inbox = settings.inbox_dir
    (inbox / "datateam").mkdir(parents=True)
    (inbox / "120104").mkdir()
    put(inbox / "datateam", "学校名录.xlsx", R0_HEADER, REGISTRY, arrived="2024-01-10T08:00:00")
    put(inbox / "120104", "2025届学员名册.xlsx", R3_HEADER, ROSTER, arrived="2025-10-15T08:00:00")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KEJIAO_DATA_DIR", str(settings.data_dir))
        mp.delenv("KEJIAO_INBOX_ROOT_CHANNEL", raising=False)
        result = run_all(settings, inbox, settings.warehouse_path, raise_on_error=True)
    workbooks = list(settings.outbox_dir.glob("*.xlsx"))
    assert len(workbooks) == 1, workbooks
    return workbooks[0], result


def every_text(path: Path) -> str:
    """Every XML part of the workbook (cells, shared strings, comments, properties), unzipped."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_the_roster_error_workbook_holds_no_name_and_no_id(rejected_roster):
    path, _ = rejected_roster
    text = every_text(path)
    found = [s for s in NAMES + IDS if s in text]
    assert not found, found
    assert not re.search(r"G\d{17}", text)


def test_it_still_says_where_and_what(rejected_roster):
    path, _ = rejected_roster
    summary = openpyxl.load_workbook(path).worksheets[0]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    flat = "\n".join(str(v) for row in rows for v in row if v is not None)
    assert "年级" in flat and "监护人同意" in flat  # the columns
    assert any(r[3] == 3 for r in rows) and any(r[3] == 4 for r in rows)  # the rows (the header is row 1)
    assert "不是有效年级" in flat and "未取得监护人同意" in flat  # the rules


def test_the_workbook_records_who_it_is_for(rejected_roster):
    path, _ = rejected_roster
    wb = openpyxl.load_workbook(path)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props.get("kejiao_recipient") == "district:120104"
    flat = "\n".join(str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value)
    assert "收件人" in flat and "120104" in flat


def test_no_name_or_id_reaches_the_runs_metadata(rejected_roster):
    _, result = rejected_roster
    logged = "\n".join(str(e.message) + str(getattr(e.event_specific_data, "materialization", "") or "")
                       for e in result.all_events)
    found = [s for s in NAMES + IDS if s in logged]
    assert not found, found


def test_no_cell_value_of_a_roster_reaches_the_warehouses_issues(con, inbox, tmp_path):
    """A name typed into the grade column of a roster: its issue keeps the row and column, not
    the name, in raw.issues and in the message."""
    from pipelines.intake.ingest import ingest
    from tests.conftest import KEY, TODAY, put, put_registry

    put_registry(inbox)
    header = ["届别", "学生编号", "姓名", "就读学校标识码", "年级", "承办高校", "开始日期", "状态", "监护人同意"]
    put(inbox, "名册.xlsx", header, [[2026, "G120101200901011234", "张小明", "3412000001", "王小红",
                                     "4112000005", "2026-03-01", "在读", "是"]])
    ingest(con, inbox, tmp_path / "archive", KEY, today=TODAY)
    rows = con.sql("select coalesce(value_seen, ''), coalesce(message_zh, ''), coalesce(message_en, '') "
                   "from raw.issues").fetchall()
    assert rows, "the bad grade must be an issue"
    for cells in rows:
        assert not any(secret in text for text in cells for secret in ("王小红", "张小明", "G120101200901011234"))
