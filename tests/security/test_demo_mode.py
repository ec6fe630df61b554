"""Finding 1: demo mode opened on the absence of configuration. A reverse proxy on the same machine
that sets no X-Forwarded-For looks exactly like a local browser (AppTest's request: loopback, no
proxy header), so each attack here is that request against a server whose secrets are missing or
unreadable. The demo must need KEJIAO_DEMO=1 and demo data; everything else is a configuration
error and nothing else."""

from __future__ import annotations

import pytest

from tests.access.support import access_data_dir, write_assignments  # noqa: F401 - the session fixture
from tests.security.support import open_app, secrets_files, served_data_dir, words  # noqa: F401


@pytest.fixture
def served(access_data_dir, tmp_path, monkeypatch, secrets_files):  # noqa: F811
    data_dir = served_data_dir(access_data_dir, tmp_path, monkeypatch)
    monkeypatch.delenv("KEJIAO_DEMO", raising=False)
    secrets_files([str(tmp_path / "no-such-dir" / "secrets.toml")])  # no secrets file at all
    return data_dir


def shows_only_a_configuration_error(at) -> bool:
    return (any("配置错误" in e.value for e in at.error) and not at.radio and not at.dataframe
            and not at.button and "演示模式：" not in words(at))


def test_a_proxied_request_to_a_server_without_auth_gets_no_switcher(served):
    at = open_app()
    assert shows_only_a_configuration_error(at), words(at)
    assert "KEJIAO_DEMO" in words(at)  # says how to fix it


def test_an_unparseable_secrets_file_is_an_error_not_the_demo(served, tmp_path, monkeypatch, secrets_files):  # noqa: F811
    monkeypatch.setenv("KEJIAO_DEMO", "1")  # even with the demo asked for
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth]\ncookie_secret = "unterminated\n', encoding="utf-8")
    secrets_files([str(broken)])
    at = open_app()
    assert shows_only_a_configuration_error(at), words(at)
    assert "secrets" in words(at)


def test_a_secrets_path_that_cannot_be_read_is_an_error_not_the_demo(served, tmp_path, monkeypatch,
                                                                      secrets_files):  # noqa: F811
    monkeypatch.setenv("KEJIAO_DEMO", "1")
    folder = tmp_path / "secrets"  # a directory of secrets holding a stray file: Streamlit cannot load it
    folder.mkdir()
    (folder / "auth").write_text("x", encoding="utf-8")
    secrets_files([str(folder)])
    at = open_app()
    assert shows_only_a_configuration_error(at), words(at)


def test_the_demo_flag_does_not_open_a_data_folder_with_real_identities(served, monkeypatch):
    monkeypatch.setenv("KEJIAO_DEMO", "1")
    write_assignments(served)  # a production role table: real identities
    at = open_app()
    assert shows_only_a_configuration_error(at), words(at)


def test_the_demo_runs_when_asked_for_over_demo_data(served, monkeypatch):
    monkeypatch.setenv("KEJIAO_DEMO", "1")
    at = open_app()
    assert any("演示模式" in w.value for w in at.warning)
    assert len(at.radio(key="kejiao_demo_identity").options) == 5
