"""Sign-in matching (issue 12): an identity matches by subject under its issuer, and by email only
when the provider says `email_verified`. The attacks: an account at a provider that does not
verify addresses, registered with the data team's email; the same subject string issued by
another provider than the one the role row is for."""

from __future__ import annotations

from pipelines.access.roles import Role, parse_assignments, resolve

TABLE = parse_assignments(
    "match_by,identity,role,scope_code,display_name\n"
    "email,admin@test.example,data_team,,数据组\n"
    "subject,https://sso.tj.example|u-staff,commission,,市教委\n"
    "subject,u-bare,commission,,单一身份源\n"
)
SSO, OTHER = "https://sso.tj.example", "https://other-idp.example"


def test_an_unverified_email_names_no_one():
    assert resolve({"sub": "x", "iss": OTHER, "email": "admin@test.example"}, TABLE).viewer is None
    assert resolve({"sub": "x", "iss": OTHER, "email": "admin@test.example", "email_verified": "false"},
                   TABLE).viewer is None
    verified = resolve({"sub": "x", "iss": SSO, "email": "admin@test.example", "email_verified": True}, TABLE).viewer
    assert verified.role is Role.DATA_TEAM


def test_a_subject_matches_only_under_its_issuer():
    assert resolve({"sub": "u-staff", "iss": OTHER}, TABLE).viewer is None
    assert resolve({"sub": "u-staff"}, TABLE).viewer is None  # no issuer claim: no match either
    assert resolve({"sub": "u-staff", "iss": SSO}, TABLE).viewer.role is Role.COMMISSION


def test_a_bare_subject_matches_only_with_a_single_provider():
    assert resolve({"sub": "u-bare", "iss": OTHER}, TABLE, single_issuer=True).viewer.role is Role.COMMISSION
    assert resolve({"sub": "u-bare", "iss": OTHER}, TABLE, single_issuer=False).viewer is None
