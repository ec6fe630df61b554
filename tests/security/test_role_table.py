"""Finding 3: the role table fell back to the committed seed, with its demo identities (among
them a data-team identity that may edit the role table), whenever the live table was missing.
The attacks: a production server whose role table is missing (deleted, or a data folder not yet
set up), and a live table into which demo rows were copied."""

from __future__ import annotations

import pytest

from pipelines.access.roles import SEED_ASSIGNMENTS, assignments_path, load_assignments, resolve
from tests.access.support import access_data_dir, write_assignments  # noqa: F401 - the session fixture
from tests.security.support import AUTH, open_app, served_data_dir, words

DEMO_ADMIN = {"email": "shujuzu@demo.kejiao.invalid", "email_verified": True, "sub": "x"}


@pytest.fixture
def served(access_data_dir, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.delenv("KEJIAO_DEMO", raising=False)
    return served_data_dir(access_data_dir, tmp_path, monkeypatch)


def test_a_missing_role_table_loads_nothing_and_says_so(served):
    table = load_assignments()
    assert table.path != SEED_ASSIGNMENTS and not table.rows
    assert table.missing and "role table" in table.problems[0][2]
    assert resolve(DEMO_ADMIN, table, mode="demo").viewer is None


def test_demo_rows_copied_into_the_live_table_are_never_loaded(served):
    write_assignments(served, [{"match_by": "email", "identity": "shujuzu@demo.kejiao.invalid", "role": "data_team"},
                               {"match_by": "email", "identity": "admin@test.example", "role": "data_team"}])
    table = load_assignments()
    assert [r.identity for r in table.rows] == ["admin@test.example"]
    assert resolve(DEMO_ADMIN, table, mode="demo").viewer is None  # even were it asked as the demo would


def test_a_server_without_its_role_table_lets_nobody_in_and_says_so(served):
    assert not assignments_path().exists()
    at = open_app(secrets=AUTH, user={"is_logged_in": True, **DEMO_ADMIN})
    assert any("角色分配表" in e.value and "role table" in e.value for e in at.error), words(at)
    assert not at.dataframe and not at.radio and not at.button


def test_the_demo_still_uses_the_seed(served, monkeypatch):
    monkeypatch.setenv("KEJIAO_DEMO", "1")
    assert load_assignments().path == SEED_ASSIGNMENTS
