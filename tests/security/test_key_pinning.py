"""Finding 6: the pseudonym key was not pinned to the warehouse. The attacks: a second key (the
environment's key changed, or a new key file generated beside an old warehouse) after the first
run, which silently splits every student's pseudonym in two; a short key from the environment;
a crash between creating the key file and writing it, which left an empty key that was then
used."""

from __future__ import annotations

import gc
import os
import secrets

import duckdb
import pytest

from pipelines.cli import run_all
from pipelines.settings import PseudonymKeyError, Settings, pseudonym_key
from tests.access.support import fill_inbox

FIRST, SECOND = secrets.token_hex(32), secrets.token_hex(32)


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    settings = Settings(tmp_path / "data")
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(settings.data_dir))
    settings.inbox_dir.mkdir(parents=True)
    fill_inbox(settings.inbox_dir)
    return settings


def run(settings: Settings):
    return run_all(settings, settings.inbox_dir, settings.warehouse_path)


def step_failure(result) -> str:
    """The messages of the failed steps' errors and of their causes."""
    found = []
    for event in result.all_events:
        error = event.event_specific_data.error if event.is_step_failure else None
        while error is not None:
            found.append(error.message)
            error = error.cause
    return "\n".join(found)


def test_a_second_key_stops_the_run_with_a_clear_error(settings, monkeypatch):
    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", FIRST)
    assert run(settings).success
    con = duckdb.connect(str(settings.warehouse_path))
    before = con.sql("select count(*) from raw.submissions").fetchall()
    con.close()

    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", SECOND)
    (settings.inbox_dir / "late").mkdir()
    fill_inbox(settings.inbox_dir / "late")  # the same roster again, in a new place: would be counted twice
    result = run(settings)
    assert not result.success
    message = step_failure(result)
    assert "假名密钥" in message and "pseudonym key" in message and "fingerprint" in message
    del result
    gc.collect()  # the failed step's traceback held its connection
    con = duckdb.connect(str(settings.warehouse_path))
    assert con.sql("select count(*) from raw.submissions").fetchall() == before  # nothing written
    con.close()


def test_the_first_key_goes_on_working(settings, monkeypatch):
    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", FIRST)
    assert run(settings).success
    second = run(settings)
    assert second.success, step_failure(second)


@pytest.mark.parametrize("short", ["test-pseudonym-key", "x" * 31])
def test_a_short_key_from_the_environment_is_refused(settings, monkeypatch, short):
    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", short)
    with pytest.raises(PseudonymKeyError, match="32"):
        pseudonym_key(settings)


def test_an_empty_key_file_left_by_a_crash_is_refused_not_used(settings, monkeypatch):
    monkeypatch.delenv("KEJIAO_PSEUDONYM_KEY")
    settings.key_path.parent.mkdir(parents=True, exist_ok=True)
    settings.key_path.touch(mode=0o600)  # created, never written
    with pytest.raises(PseudonymKeyError):
        pseudonym_key(settings)


def test_the_generated_key_file_is_whole_private_and_stable(settings, monkeypatch):
    monkeypatch.delenv("KEJIAO_PSEUDONYM_KEY")
    key = pseudonym_key(settings)
    assert len(key) >= 32 and key == pseudonym_key(settings)
    assert oct(os.stat(settings.key_path).st_mode & 0o777) == "0o600"
    assert not [p for p in settings.key_path.parent.iterdir() if p.name != settings.key_path.name
                and p.name.startswith(".")]
