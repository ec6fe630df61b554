"""Finding 5: the upload check showed other schools' figures. It ran against the unscoped
snapshot and its messages were shown before the scope refusal; the "far from last year" warning
printed the previous value. The attack: a school uploads a row for another school with a figure
far from that school's last year, and reads last year's figures in the check."""

from __future__ import annotations

import pytest

from pipelines.access.roles import Role, Scope
from pipelines.intake import upload
from pipelines.intake.checking import format_verdict, reference_context
from tests.access.conftest import snapshot_path  # noqa: F401 - the fixture
from tests.access.support import (
    HEPING,
    HEPING_SCHOOL,
    HEXI_SCHOOL,
    access_data_dir,  # noqa: F401 - the session fixture
    r5_file,
    r5_rows,
)

# last year (2025) in the snapshot: 和平一中 1800 enrolled / 900 active, 河西二中 2100 / 1000
HEXI_LAST_YEAR = ("2100", "2,100", "1000", "1,000")


@pytest.fixture
def ctx(snapshot_path):  # noqa: F811
    return reference_context(snapshot_path)


def shown(check: upload.SenderCheck) -> str:
    """Everything the upload page shows of a check: refusals, verdict text, the issues table."""
    issues = check.verdict.issues
    return "\n".join([*(f"{zh} / {en}" for zh, en in check.refusals), format_verdict("f.xlsx", check.verdict),
                      *(str(v) for col in ("message_zh", "message_en", "value_seen", "detail")
                        if col in issues.columns for v in issues[col].to_list())])


def test_a_school_uploading_another_schools_row_reads_none_of_its_figures(tmp_path, ctx):
    data = r5_file(tmp_path / "f.xlsx", r5_rows(HEXI_SCHOOL, 2026, enrolled=100, active=50)).read_bytes()
    check = upload.check_as_sender(data, "f.xlsx", ctx, Scope(Role.SCHOOL, schools=(HEPING_SCHOOL,)))
    text = shown(check)
    assert check.refusals, text
    assert not any(figure in text for figure in HEXI_LAST_YEAR), text
    assert "其他学校" in text and "other schools" in text


def test_messages_about_another_schools_rows_say_only_that_it_is_not_yours(tmp_path, ctx):
    data = r5_file(tmp_path / "f.xlsx", [*r5_rows(HEPING_SCHOOL, 2026, enrolled=1750, active=-1),
                                         [HEXI_SCHOOL, 2026, 100, "二", 5000]]).read_bytes()
    check = upload.check_as_sender(data, "f.xlsx", ctx, Scope(Role.SCHOOL, schools=(HEPING_SCHOOL,)))
    issues = check.verdict.issues
    own = issues.filter(issues["row_number"] == 3)
    other = issues.filter(issues["row_number"] == 4)
    assert "negative_count" in own["rule_code"].to_list()  # the sender's own row: every message
    assert other["rule_code"].to_list() == ["not_your_school"]  # another school's row: that it is not theirs
    assert "不是您的学校" in other["message_zh"][0] and "not yours" in other["message_en"][0]
    assert "5000" not in shown(check) and "二" not in "".join(other["message_zh"].to_list())


def test_a_district_bureau_reads_no_figures_of_another_district(tmp_path, ctx):
    data = r5_file(tmp_path / "f.xlsx", [*r5_rows(HEPING_SCHOOL, 2026, enrolled=1750, active=880),
                                         *r5_rows(HEXI_SCHOOL, 2026, enrolled=100, active=50)]).read_bytes()
    check = upload.check_as_sender(data, "f.xlsx", ctx, Scope(Role.DISTRICT, districts=(HEPING,)))
    text = shown(check)
    assert check.refusals and not any(figure in text for figure in HEXI_LAST_YEAR), text


def test_the_far_from_last_year_warning_never_prints_last_years_value(tmp_path, ctx):
    data = r5_file(tmp_path / "f.xlsx", r5_rows(HEPING_SCHOOL, 2026, enrolled=100, active=50)).read_bytes()
    check = upload.check_as_sender(data, "f.xlsx", ctx, Scope(Role.SCHOOL, schools=(HEPING_SCHOOL,)))
    assert not check.refusals
    warnings = check.verdict.issues.filter(check.verdict.issues["rule_code"] == "far_from_last_year")
    assert warnings.height == 2  # the school is still told its own figures look off
    text = shown(check)
    assert "1800" not in text and "900" not in text.replace("1900", ""), text


def test_the_data_team_sees_every_message(tmp_path, ctx):
    data = r5_file(tmp_path / "f.xlsx", r5_rows(HEXI_SCHOOL, 2026, enrolled=100, active=50)).read_bytes()
    check = upload.check_as_sender(data, "f.xlsx", ctx, Scope(Role.DATA_TEAM))
    assert not check.refusals
    assert set(check.verdict.issues["rule_code"].to_list()) >= {"far_from_last_year"}
