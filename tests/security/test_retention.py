"""Finding 7d: the archive kept every original roster, names and raw IDs included, forever.
The rule now: the original of a roster (R3) — and of a file not recognised as any report, which
may be one — is deleted from the archive `KEJIAO_ROSTER_RETENTION_DAYS` days (default 30) after
intake; by then an accepted roster's pseudonymised rows are in staging and a rejected one's
sender has had its error workbook (which never reproduces a roster). The attack: a roster taken
in, time passing beyond the retention, and the archive searched for the students' names."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipelines.cli import run_all
from pipelines.intake.ingest import ingest
from pipelines.intake.retention import purge_expired
from pipelines.settings import Settings, roster_retention_days
from tests.access.support import R3_HEADER, R5_HEADER, r5_rows
from tests.conftest import KEY, TODAY, put, put_registry

NAME = "张小明"
ROSTER = [[2025, "G120101200801010011", NAME, "男", "3412000001", "高一", "4112000005", "T00917", "S00423",
           "2025-09-01", None, "在读", "是"]]
T0 = datetime(2025, 10, 20, 8, 0, 0)


def archived_text(archive: Path) -> str:
    """Every archived file's bytes as text, xlsx parts unzipped."""
    import zipfile

    parts = []
    for path in archive.rglob("*"):
        if path.is_file():
            try:
                with zipfile.ZipFile(path) as z:
                    parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
            except zipfile.BadZipFile:
                parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_the_archive_keeps_no_roster_beyond_the_retention(tmp_path, monkeypatch):
    settings = Settings(tmp_path / "data")
    settings.inbox_dir.mkdir(parents=True)
    put_registry(settings.inbox_dir)
    put(settings.inbox_dir, "名册.xlsx", R3_HEADER, ROSTER, arrived="2025-10-15T08:00:00")
    put(settings.inbox_dir, "年报.xlsx", R5_HEADER, r5_rows("3412000001"), arrived="2025-11-20T08:00:00")
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KEJIAO_ROSTER_RETENTION_DAYS", "0")  # the retention has passed by the next run
    assert run_all(settings, settings.inbox_dir, settings.warehouse_path).success
    assert NAME not in archived_text(settings.archive_dir)
    assert len(list(settings.archive_dir.rglob("*.xlsx"))) == 2  # the registry and the annual report stay


@pytest.fixture
def taken_in(con, inbox, tmp_path):
    put_registry(inbox)
    put(inbox, "名册.xlsx", R3_HEADER, ROSTER, arrived="2025-10-15T08:00:00")
    put(inbox, "坏名册.xlsx", R3_HEADER, [[*ROSTER[0][:12], "否"]], arrived="2025-10-16T08:00:00")  # rejected
    put(inbox, "年报.xlsx", R5_HEADER, r5_rows("3412000001"), arrived="2025-11-20T08:00:00")
    archive = tmp_path / "archive"
    ingest(con, inbox, archive, KEY, now=T0, today=TODAY)
    return archive


def test_originals_stay_until_the_retention_ends_then_go_and_the_rows_stay(con, taken_in):
    archive = taken_in
    assert purge_expired(con, archive, 30, now=T0 + timedelta(days=29)) == []
    assert NAME in archived_text(archive)
    purged = purge_expired(con, archive, 30, now=T0 + timedelta(days=31))
    assert len(purged) == 2  # the accepted roster and the rejected one
    assert NAME not in archived_text(archive)
    assert con.sql("select count(*) from staging.r3_yip_participants").fetchall()[0][0] == 1
    recorded = con.sql("select count(*) from raw.archive_purges").fetchall()[0][0]
    assert recorded == 2
    assert purge_expired(con, archive, 30, now=T0 + timedelta(days=60)) == []  # once


def test_the_setting_is_read_when_asked_and_checked(monkeypatch):
    monkeypatch.delenv("KEJIAO_ROSTER_RETENTION_DAYS", raising=False)
    assert roster_retention_days() == 30
    monkeypatch.setenv("KEJIAO_ROSTER_RETENTION_DAYS", "7")
    assert roster_retention_days() == 7
    for bad in ("-1", "thirty"):
        monkeypatch.setenv("KEJIAO_ROSTER_RETENTION_DAYS", bad)
        with pytest.raises(ValueError, match="KEJIAO_ROSTER_RETENTION_DAYS"):
            roster_retention_days()


def test_files_that_could_not_be_read_go_too_and_one_never_archived_is_skipped(con, inbox, tmp_path, monkeypatch):
    """A roster that broke a limit may hold the same names: its original goes with the rosters';
    a file over the size limit was never copied (empty archive path) and is passed over."""
    from tests.hostile.corpus import _huge_dimension

    put_registry(inbox)
    (inbox / "名册-损坏.xlsx").write_bytes(_huge_dimension(declare=True))
    big = put(inbox, "名册-过大.csv", R3_HEADER, ROSTER * 400, arrived="2025-10-16T08:00:00")
    monkeypatch.setenv("KEJIAO_MAX_FILE_MB", str(big.stat().st_size / 1048576 * 0.9))
    archive = tmp_path / "archive"
    ingest(con, inbox, archive, KEY, now=T0, today=TODAY)
    statuses = dict(con.sql("select original_name, archive_path from raw.submissions").fetchall())
    assert statuses["名册-过大.csv"] == "" and statuses["名册-损坏.xlsx"]
    purged = purge_expired(con, archive, 30, now=T0 + timedelta(days=31))
    assert len(purged) == 2 and archive.is_dir()
    assert not (archive / statuses["名册-损坏.xlsx"]).exists()
    assert (archive / statuses["学校名录.xlsx"]).exists()
