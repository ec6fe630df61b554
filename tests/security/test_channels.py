"""Finding 4: the shared inbox could rewrite who sees what. The upload page enforced who may send
what, intake re-applied none of it. The attacks: an R0 row dropped in a district bureau's folder
that moves a school into that district (and so into its scope); a one-row roster (R3) of a
university of another district dropped in a district folder; a report of another district's
school; a file dropped at the root of the share; a file put into the upload folder with a
sender's record whose school is not the file's. Each channel now has its policy at intake, and
a refusal is recorded like any rejection."""

from __future__ import annotations

import pytest

from pipelines.intake.ingest import ingest
from pipelines.intake.upload import Sender, deliver, inbox_senders
from tests.access.support import R3_HEADER, R5_HEADER, r5_rows
from tests.conftest import KEY, R0_HEADER, REGISTRY, TODAY, put

HEPING_SCHOOL, HEXI_SCHOOL, UNIVERSITY = "3412000001", "3412000002", "4112000005"  # 和平, 河西, 南开


@pytest.fixture
def production(monkeypatch):
    monkeypatch.delenv("KEJIAO_INBOX_ROOT_CHANNEL", raising=False)
    monkeypatch.delenv("KEJIAO_DEMO", raising=False)


def registry(inbox, folder="datateam", arrived="2024-01-10T08:00:00"):
    (inbox / folder).mkdir(parents=True, exist_ok=True)
    return put(inbox / folder, "学校名录.xlsx", R0_HEADER, REGISTRY, arrived=arrived)


def run(con, inbox, tmp_path):
    return ingest(con, inbox, tmp_path / "archive", KEY, today=TODAY, senders=inbox_senders(inbox))


def status(con, path: str) -> tuple[str, list[str]]:
    row = con.sql("select status, submission_id from raw.submissions where inbox_path = $p", params={"p": path}).fetchall()
    assert row, path
    rules = [r[0] for r in con.sql("select rule_code from raw.issues where submission_id = $s",
                                   params={"s": row[0][1]}).fetchall()]
    return row[0][0], rules


def district_of(con, school: str) -> list[str]:
    return [r[0] for r in con.sql("select distinct district_code from staging.r0_schools where school_code = $c",
                                  params={"c": school}).fetchall()]


def test_an_r0_row_in_a_district_folder_does_not_move_a_school(con, inbox, tmp_path, production):
    registry(inbox)
    (inbox / "120103").mkdir()
    moved = [["3412000001", "天津市和平区演示第一中学", "", "河西区", "高级中学", "公办", 1800, None, None]]
    put(inbox / "120103", "名录更正.xlsx", R0_HEADER, moved, arrived="2024-02-01T08:00:00")
    run(con, inbox, tmp_path)
    assert status(con, "datateam/学校名录.xlsx")[0] == "accepted"
    state, rules = status(con, "120103/名录更正.xlsx")
    assert state == "rejected" and rules == ["channel_refused"]
    assert district_of(con, HEPING_SCHOOL) == ["120101"]


def test_a_one_row_roster_of_another_districts_university_is_refused(con, inbox, tmp_path, production):
    registry(inbox)
    (inbox / "120101").mkdir()
    put(inbox / "120101", "名册.xlsx", R3_HEADER, [[2025, "G120101200801010011", "张三", "男", HEPING_SCHOOL, "高一",
                                                   UNIVERSITY, "T001", "S001", "2025-09-01", None, "在读", "是"]],
        arrived="2025-10-15T08:00:00")
    run(con, inbox, tmp_path)
    assert status(con, "120101/名册.xlsx") == ("rejected", ["channel_refused"])
    assert con.sql("select count(*) from staging.r3_yip_participants").fetchall()[0][0] == 0


def test_a_district_folder_takes_its_own_schools_only(con, inbox, tmp_path, production):
    registry(inbox)
    (inbox / "120101").mkdir()
    put(inbox / "120101", "和平一中.xlsx", R5_HEADER, r5_rows(HEPING_SCHOOL), arrived="2025-11-20T08:00:00")
    put(inbox / "120101", "河西二中.xlsx", R5_HEADER, r5_rows(HEXI_SCHOOL), arrived="2025-11-21T08:00:00")
    run(con, inbox, tmp_path)
    assert status(con, "120101/和平一中.xlsx") == ("accepted", [])
    assert status(con, "120101/河西二中.xlsx") == ("rejected", ["channel_refused"])


def test_a_file_at_the_root_of_the_share_has_no_channel(con, inbox, tmp_path, production):
    registry(inbox)
    put(inbox, "学校名录2.xlsx", R0_HEADER, REGISTRY[:1], arrived="2024-02-01T08:00:00")
    put(inbox, "和平一中.xlsx", R5_HEADER, r5_rows(HEPING_SCHOOL), arrived="2025-11-20T08:00:00")
    run(con, inbox, tmp_path)
    assert status(con, "学校名录2.xlsx") == ("rejected", ["channel_refused"])
    assert status(con, "和平一中.xlsx") == ("rejected", ["channel_refused"])
    message = con.sql("select message_zh || message_en from raw.issues where rule_code = 'channel_refused' "
                      "limit 1").fetchall()[0][0]
    assert "datateam" in message and "区代码" in message and "district code" in message


def test_an_upload_is_held_to_its_recorded_senders_scope(con, inbox, tmp_path, production):
    registry(inbox)
    data = put(tmp_path, "x.xlsx", R5_HEADER, r5_rows(HEXI_SCHOOL)).read_bytes()
    school = Sender("school1@test.example", "school", schools=(HEPING_SCHOOL,), districts=("120101",))
    forged = deliver(data, "20251120T080000Z_abcd_x.xlsx", inbox, school, "x.xlsx")  # a school's record, another's rows
    own = deliver(put(tmp_path, "y.xlsx", R5_HEADER, r5_rows(HEPING_SCHOOL)).read_bytes(),
                  "20251120T080000Z_abce_y.xlsx", inbox, school, "y.xlsx")
    run(con, inbox, tmp_path)
    assert status(con, forged.relative) == ("rejected", ["channel_refused"])
    assert status(con, own.relative) == ("accepted", [])


def test_an_r0_upload_by_a_school_is_refused(con, inbox, tmp_path, production):
    registry(inbox)
    data = put(tmp_path, "r0.xlsx", R0_HEADER, REGISTRY[:1]).read_bytes()
    school = Sender("school1@test.example", "school", schools=(HEPING_SCHOOL,), districts=("120101",))
    sent = deliver(data, "20251120T080000Z_abcd_r0.xlsx", inbox, school, "r0.xlsx")
    run(con, inbox, tmp_path)
    assert status(con, sent.relative) == ("rejected", ["channel_refused"])
