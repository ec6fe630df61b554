"""Intake over the committed demo inbox agrees with the generator's own account of it."""

from __future__ import annotations

import json

import pytest

from pipelines.demo.generator import stage
from pipelines.intake.ingest import ingest
from pipelines.settings import DEMO_DIR
from tests.conftest import KEY, TODAY

RULE_NAMES = {"missing_guardian_consent": "missing_consent", "code_not_in_list": "not_in_code_list",
              "value_far_from_last_year": "far_from_last_year", "date_in_future": "future_date"}


@pytest.fixture(scope="module")
def expected():
    return json.loads((DEMO_DIR / "expected.json").read_text(encoding="utf-8"))


def test_demo_inbox_outcomes(con, tmp_path, expected):
    inbox = tmp_path / "inbox"
    stage(DEMO_DIR, inbox)
    summary = ingest(con, inbox, tmp_path / "archive", KEY, today=TODAY)
    outcomes = expected["counts"]["files_by_outcome"]
    assert len(summary.accepted) == outcomes["accepted"]
    assert len(summary.rejected) == outcomes["rejected"]
    assert len(summary.not_a_report) == outcomes["not_a_report"]
    assert len(summary.duplicates) == outcomes["duplicate"]
    # each bad file is rejected for the rule the generator broke, and only for it
    found = dict(con.sql(
        "select s.original_name, list(distinct i.rule_code) from raw.submissions s "
        "join raw.issues i using (submission_id) where s.status = 'rejected' and i.severity = 'error' group by 1"
    ).fetchall())
    for bad in expected["bad_files"]:
        assert found[bad["file"]] == [RULE_NAMES.get(bad["rule"], bad["rule"])], bad
    warned = dict(con.sql(
        "select s.original_name, list(distinct i.rule_code) from raw.submissions s "
        "join raw.issues i using (submission_id) where s.status = 'accepted' and i.severity = 'warning' group by 1"
    ).fetchall())
    for w in expected["warning_files"]:
        assert RULE_NAMES.get(w["rule"], w["rule"]) in warned[w["file"]], w
    rows = expected["counts"]["rows_by_report"]
    tables = {"R0": "r0_schools", "R1": "r1_shs_stage_events", "R2": "r2_flagship_base_reports",
              "R3": "r3_yip_participants", "R4": "r4_alliance_members", "R5": "r5_school_annual_reports"}
    for code, table in tables.items():
        assert summary.rows[f"staging.{table}"] == rows[code]["accepted"], code
