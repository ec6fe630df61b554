"""The role-assignment table and who an identity's claims make: deny by default."""

from __future__ import annotations

import threading

from pipelines.access import audit
from pipelines.access.roles import (
    SEED_ASSIGNMENTS,
    Permission,
    Role,
    assignments_path,
    demo_identities,
    load_assignments,
    parse_assignments,
    render_assignments,
    resolve,
    save_assignments,
)
from pipelines.settings import get_settings

DISTRICTS = ["120101", "120103", "120104"]
TABLE = """match_by,identity,role,scope_code,display_name
email,Admin@Test.Example,data_team,,数据组
subject,u-staff,commission,,市教委
group,kejiao-commission,commission,,市教委（组）
email,heping@test.example,district,120101,和平区
email,two@test.example,school,3412000001,两校之一
email,two@test.example,school,3412000002,两校之二
email,conflict@test.example,school,3412000001,
email,conflict@test.example,district,120101,
email,subject-wins@test.example,school,3412000001,
subject,u-subject-wins,data_team,,
email,demo@demo.kejiao.invalid,commission,,演示
"""


def table():
    return parse_assignments(TABLE, DISTRICTS)


def test_an_identity_with_no_row_is_denied_everything():
    result = resolve({"email_verified": True, "sub": "u-x", "email": "stranger@test.example"}, table())
    assert result.viewer is None and "尚未分配角色" in result.reason_zh
    assert resolve({}, table()).viewer is None


def test_email_matches_case_insensitively_unless_the_provider_says_it_is_unverified():
    viewer = resolve({"email_verified": True, "sub": "u-1", "email": "admin@test.EXAMPLE"}, table()).viewer
    assert viewer.role is Role.DATA_TEAM and viewer.scope.is_city_wide and viewer.matched_by == "email"
    assert resolve({"sub": "u-1", "email": "admin@test.example", "email_verified": False}, table()).viewer is None


def test_subject_and_group_claims():
    assert resolve({"email_verified": True, "sub": "u-staff"}, table()).viewer.role is Role.COMMISSION
    viewer = resolve({"email_verified": True, "sub": "u-9", "email": "x@test.example", "groups": ["other", "kejiao-commission"]}, table()).viewer
    assert viewer.role is Role.COMMISSION and viewer.matched_by == "group"
    # the subject is more specific than the email: it wins
    viewer = resolve({"email_verified": True, "sub": "u-subject-wins", "email": "subject-wins@test.example"}, table()).viewer
    assert viewer.role is Role.DATA_TEAM and viewer.matched_by == "subject"


def test_scopes_come_from_the_rows():
    district = resolve({"email_verified": True, "email": "heping@test.example"}, table()).viewer
    assert district.scope.districts == ("120101",) and not district.scope.is_city_wide
    assert district.scope.may(Permission.UPLOAD) and not district.scope.may(Permission.AUDIT)
    school = resolve({"email_verified": True, "email": "two@test.example"}, table()).viewer
    assert school.role is Role.SCHOOL and school.scope.schools == ("3412000001", "3412000002")
    assert not school.scope.may(Permission.CITY_FIGURES) and not school.scope.may(Permission.EXPORTS)


def test_conflicting_roles_deny_until_the_data_team_settles_them():
    result = resolve({"email_verified": True, "email": "conflict@test.example"}, table())
    assert result.viewer is None and "冲突" in result.reason_zh


def test_demo_identities_never_match_a_signed_in_user():
    assert resolve({"email_verified": True, "email": "demo@demo.kejiao.invalid"}, table(), mode="oidc").viewer is None
    assert resolve({"email_verified": True, "email": "demo@demo.kejiao.invalid"}, table(), mode="demo").viewer.role is Role.COMMISSION
    assert [r.identity for r in demo_identities(table())] == ["demo@demo.kejiao.invalid"]


def test_bad_rows_are_reported_and_grant_nothing():
    text = """match_by,identity,role,scope_code,display_name
email,a@test.example,superuser,,
email,b@test.example,district,,
email,c@test.example,district,110101,
email,d@test.example,school,123,
email,not-an-email,commission,,
badge,e@test.example,commission,,
email,f@test.example,commission,120101,
"""
    checked = parse_assignments(text, DISTRICTS)
    assert checked.rows == []
    assert [line for line, _, _ in checked.problems] == [2, 3, 4, 5, 6, 7, 8]
    assert resolve({"email_verified": True, "email": "a@test.example"}, checked).viewer is None
    assert parse_assignments("identity,role\nx,y\n").problems[0][2].startswith("missing columns")


def test_the_committed_seed_holds_demo_identities_of_every_role():
    seeded = load_assignments(SEED_ASSIGNMENTS, DISTRICTS + ["120102", "120105"], demo=True)
    assert not seeded.problems
    assert {r.role for r in demo_identities(seeded)} == set(Role)
    assert all(r.is_demo for r in seeded.rows)


def test_the_data_teams_file_under_data_dir_wins_over_the_seed(tmp_path):
    assert load_assignments(demo=True).path == SEED_ASSIGNMENTS  # only the demo falls back to the seed
    assert load_assignments().missing and not load_assignments().rows
    rows = [{"match_by": "email", "identity": "only@test.example", "role": "commission"}]
    written = save_assignments(render_assignments(rows))
    assert written == assignments_path() and written.parent.parent == get_settings().data_dir
    loaded = load_assignments()
    assert loaded.path == written and [r.identity for r in loaded.rows] == ["only@test.example"]
    assert not list(written.parent.glob(".*tmp"))


def test_audit_log_takes_writers_from_many_threads_and_reads_newest_first():
    actor = audit.Actor("admin@test.example", "data_team", "data_team", "oidc")

    def write(i: int) -> None:
        for j in range(10):
            audit.record("download", actor, subject=f"file-{i}-{j}.csv")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    audit.record("upload_sent", actor, subject="年报.xlsx", detail={"rows": 3})
    events = audit.recent(1000)
    assert events.height == 81
    assert events.row(0, named=True)["event"] == "upload_sent" and '"rows": 3' in events.row(0, named=True)["detail"]
    assert audit.recent(1000, event="download").height == 80
    assert audit.audit_path().parent == get_settings().data_dir / "audit"
