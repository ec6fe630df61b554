"""报送 Upload: the same verdict as `kejiao check`, the sender's scope, the safe write into the
inbox, and the sender recorded when the intake asset takes the file in."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import materialize

from pipelines.access.roles import Role, Scope
from pipelines.intake import upload
from pipelines.intake.assets import submissions
from pipelines.intake.checking import check_many, format_verdict, reference_context
from pipelines.reference.assets import reference_data
from pipelines.resources import default_resources
from pipelines.settings import Settings
from tests.access.support import (
    HEPING,
    HEPING_SCHOOL,
    HEXI_SCHOOL,
    NANKAI_SCHOOL,
    R5_HEADER,
    r5_file,
    r5_rows,
)
from tests.conftest import R0_HEADER, REGISTRY

SCHOOL = Scope(Role.SCHOOL, schools=(HEPING_SCHOOL,))
DISTRICT = Scope(Role.DISTRICT, districts=(HEPING,))
HOSTILE_NAMES = ["../../x.xlsx", "..\\..\\x.xlsx", "/etc/passwd", "a\x00b.xlsx", "x" * 5000 + ".xlsx", "....xlsx",
                 ".hidden.xlsx", "~$lock.xlsx", "年报\n../../etc.xlsx", "CON.xlsx"]


def workbook_bytes(tmp_path: Path, rows: list[list], name: str = "f.xlsx", fmt: str | None = None) -> bytes:
    return r5_file(tmp_path / name, rows, fmt=fmt).read_bytes()


@pytest.fixture
def ctx(snapshot_path):
    return reference_context(snapshot_path)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")} if root.exists() else set()


# ---------------------------------------------------------------- screening by content

def test_type_is_judged_by_content_not_by_name(tmp_path):
    xlsx = workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL))
    assert upload.screen(xlsx) == "xlsx"  # whatever the name says
    assert upload.screen(workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL), "f.xls")) == "xls"
    assert upload.screen(workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL), "f.ods")) == "ods"
    assert upload.screen(workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL), "f.csv", fmt="csv")) == "csv"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.exe", b"MZ" + b"\0" * 100)
    mislabelled = {"pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 64,
                   "exe": b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0", "zip": archive.getvalue()}
    for kind, data in mislabelled.items():
        with pytest.raises(upload.UploadRefused) as refused:
            upload.screen(data)  # e.g. sent as 年报.xlsx
        assert refused.value.code == "wrong_type", kind
        assert "不是表格" in refused.value.zh or "文本" in refused.value.zh


def test_empty_and_oversized_files_are_refused(tmp_path, monkeypatch):
    with pytest.raises(upload.UploadRefused) as refused:
        upload.screen(b"")
    assert refused.value.code == "empty"
    big = workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL) * 1)
    with pytest.raises(upload.UploadRefused) as refused:
        upload.screen(big, max_bytes=len(big) - 1)
    assert refused.value.code == "too_large" and "上限" in refused.value.zh
    monkeypatch.setenv("KEJIAO_UPLOAD_MAX_MB", "0.001")
    with pytest.raises(upload.UploadRefused):
        upload.screen(big)
    monkeypatch.delenv("KEJIAO_UPLOAD_MAX_MB")
    assert upload.max_upload_bytes() == upload.DEFAULT_MAX_BYTES


# ---------------------------------------------------------------- names and the write

@pytest.mark.parametrize("hostile", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_a_hostile_name_cannot_write_outside_the_inbox(tmp_path, hostile):
    inbox = tmp_path / "data" / "inbox"
    inbox.mkdir(parents=True)
    outside_before = files_under(tmp_path) - files_under(inbox)
    name = upload.generated_name(hostile, "xlsx", now=datetime(2026, 11, 29, 8, 0, tzinfo=UTC), token="abcd1234")
    assert "/" not in name and "\\" not in name and "\x00" not in name and "\n" not in name
    assert not name.startswith((".", "~")) and len(name) < 80 and name.endswith(".xlsx")
    sender = upload.Sender("school1@test.example", "school", (HEPING_SCHOOL,), (HEPING,))
    delivered = upload.deliver(b"PK-bytes", name, inbox, sender, original_name=hostile)
    assert delivered.path.parent == inbox.resolve() / "uploads" / f"{datetime.now(UTC):%Y-%m}"
    assert delivered.path.read_bytes() == b"PK-bytes"
    assert files_under(tmp_path) - files_under(inbox) == outside_before  # nothing written outside
    assert not list((inbox / upload.STAGING_DIR).iterdir())  # nothing left half-written
    # the uploaded name is kept only as text in the sidecar, never as a path
    manifest = json.loads(delivered.sidecar.read_text(encoding="utf-8"))
    assert "\x00" not in manifest["original_name"] and len(manifest["original_name"]) <= 200
    # and the deliverer refuses a name that is not one of its own
    for bad in (hostile, "../x.xlsx", ".x.xlsx"):
        if bad != Path(bad).name or bad.startswith(".") or "\x00" in bad or "\\" in bad:
            with pytest.raises(ValueError):
                upload.deliver(b"x", bad, inbox, sender, original_name=bad)


def test_delivery_never_overwrites_and_intake_reads_only_matching_sidecars(tmp_path):
    inbox = tmp_path / "inbox"
    sender = upload.Sender("school1@test.example", "school", (HEPING_SCHOOL,), (HEPING,))
    first = upload.deliver(b"one", "a.csv", inbox, sender, "a.csv")
    with pytest.raises(FileExistsError):
        upload.deliver(b"two", "a.csv", inbox, sender, "a.csv")
    assert first.path.read_bytes() == b"one"
    second = upload.deliver(b"three", "b.csv", inbox, sender, "b.csv")
    assert upload.inbox_senders(inbox) == {first.relative: sender.to_json(), second.relative: sender.to_json()}
    second.path.write_bytes(b"tampered")  # the sidecar no longer vouches for these bytes
    assert set(upload.inbox_senders(inbox)) == {first.relative}
    # sidecars and the staging folder are hidden: intake and the inbox sensor never read them as reports
    from pipelines.intake.scan import scan_inbox

    assert {f.relative for f in scan_inbox(inbox)} == {first.relative, second.relative}


# ---------------------------------------------------------------- the verdict and the scope

def test_the_page_gives_kejiao_checks_verdict_with_every_error_row_and_column(tmp_path, ctx, snapshot_path):
    bad = workbook_bytes(tmp_path, [[HEPING_SCHOOL, 2025, 1000, -1, 1200], ["9999999999", 2025, 10, 0, 1]])
    name = upload.generated_name("和平一中年报.xlsx", upload.screen(bad))
    verdict = check_many([(name, bad)], ctx)[0]
    assert verdict.status == "rejected"
    errors = verdict.issues.filter(verdict.issues["severity"] == "error")
    located = {(r["row_number"], r["column_header"]) for r in errors.iter_rows(named=True)}
    assert (3, "科学副校长人数") in located and (3, "参加科技活动学生数") in located and (4, "学校标识码") in located
    assert all(m for m in errors["message_zh"].to_list())
    # the same words `kejiao check` prints
    (tmp_path / "same.xlsx").write_bytes(bad)
    from pipelines.intake.checking import check_paths

    (_, cli_verdict), = check_paths([tmp_path / "same.xlsx"], snapshot_path)

    def cells(v):
        return sorted((r["severity"], r["row_number"] or 0, r["column_letter"] or "", r["message_zh"])
                      for r in v.issues.iter_rows(named=True))

    assert cli_verdict.status == verdict.status and cells(cli_verdict) == cells(verdict)
    text = format_verdict("x", verdict)
    assert "退回 REJECTED" in text and "第 3 行 row" in text and "科学副校长人数" in text


def test_a_school_may_send_only_its_own_return(tmp_path, ctx):
    own = check_many([("own.xlsx", workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL)))], ctx)[0]
    assert own.status == "accepted"
    assert upload.scope_refusals(own, SCHOOL, ctx.schools) == []
    other = check_many([("other.xlsx", workbook_bytes(tmp_path, r5_rows(HEXI_SCHOOL)))], ctx)[0]
    assert other.status == "accepted"  # a good file ...
    reasons = upload.scope_refusals(other, SCHOOL, ctx.schools)  # ... but not this sender's
    assert reasons and HEXI_SCHOOL in reasons[0][0] and "天津市河西区演示第二中学" in reasons[0][0]
    assert "只能报送本校" in reasons[0][0]
    mixed = check_many([("mixed.xlsx", workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL) + r5_rows(HEXI_SCHOOL)))], ctx)[0]
    assert upload.scope_refusals(mixed, SCHOOL, ctx.schools)


def test_a_district_bureau_sends_for_its_schools_only_and_only_the_data_team_sends_the_registry(tmp_path, ctx):
    heping = check_many([("hp.xlsx", workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL)))], ctx)[0]
    assert upload.scope_refusals(heping, DISTRICT, ctx.schools) == []
    nankai = check_many([("nk.xlsx", workbook_bytes(tmp_path, r5_rows(NANKAI_SCHOOL)))], ctx)[0]
    assert "不属于本区" in upload.scope_refusals(nankai, DISTRICT, ctx.schools)[0][0]
    from pipelines.demo.writers import Sheet, write_workbook

    registry = write_workbook(tmp_path / "名录.xlsx", [Sheet("名录", [R0_HEADER, *REGISTRY])]).read_bytes()
    r0 = check_many([("名录.xlsx", registry)], ctx)[0]
    assert r0.status == "accepted"
    assert "数据组" in upload.scope_refusals(r0, SCHOOL, ctx.schools)[0][0]
    assert upload.scope_refusals(r0, DISTRICT, ctx.schools)
    assert upload.scope_refusals(r0, Scope(Role.DATA_TEAM), ctx.schools) == []
    assert upload.scope_refusals(heping, Scope(Role.COMMISSION), ctx.schools)  # commission staff do not send


def test_a_sent_file_lands_in_the_inbox_and_the_intake_asset_records_its_sender(tmp_path, ctx):
    data_dir = tmp_path / "data"
    settings = Settings(data_dir)
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True)
    from tests.conftest import put_registry

    put_registry(inbox)
    good = workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL, enrolled=1800, active=900))
    name = upload.generated_name("../../和平一中 年报.xlsx", upload.screen(good))
    verdict = check_many([(name, good)], ctx)[0]
    assert verdict.status == "accepted" and not upload.scope_refusals(verdict, SCHOOL, ctx.schools)
    sender = upload.Sender("school1@test.example", "school", (HEPING_SCHOOL,), (HEPING,))
    delivered = upload.deliver(good, name, inbox, sender, "../../和平一中 年报.xlsx")
    os.utime(delivered.path, (datetime(2026, 3, 1).timestamp(),) * 2)  # after the registry

    result = materialize([reference_data, submissions],
                         resources=default_resources(data_dir, inbox, Settings(data_dir).warehouse_path))
    assert result.success
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.sql("select inbox_path, status, sender, original_name from raw.submissions "
                       "where inbox_path like 'uploads/%'").fetchall()
        staged = con.sql("select school_code, enrolled_students from staging.r5_school_annual_reports").fetchall()
    finally:
        con.close()
    assert len(rows) == 1
    inbox_path, status, recorded, original = rows[0]
    assert inbox_path == delivered.relative and status == "accepted" and original == name
    assert json.loads(recorded) == {"identity": "school1@test.example", "role": "school", "schools": [HEPING_SCHOOL],
                                    "districts": [HEPING], "mode": "oidc"}
    assert staged == [(HEPING_SCHOOL, 1800)]


def test_csv_of_a_school_is_checked_and_sent_like_a_workbook(tmp_path, ctx):
    data = workbook_bytes(tmp_path, r5_rows(HEPING_SCHOOL), "f.csv", fmt="csv")
    fmt = upload.screen(data)
    verdict = check_many([(upload.generated_name("年报.xlsx", fmt), data)], ctx)[0]
    assert fmt == "csv" and verdict.status == "accepted"
    assert R5_HEADER[0] == "学校标识码"
