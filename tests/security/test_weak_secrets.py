"""Finding 2: weak secrets were accepted. Streamlit signs its identity cookie with
`[auth] cookie_secret`; whoever knows the secret can forge the cookie of any identity. The attack:
deploy the example secrets file as shipped (its `CHANGE-ME`), or a short or patterned secret, and
serve. The app must refuse to start serving, naming the fix."""

from __future__ import annotations

import tomllib

import pytest

from pipelines.access import deployment
from pipelines.settings import PROJECT_ROOT
from tests.access.support import access_data_dir  # noqa: F401 - the session fixture
from tests.security.support import AUTH, STRONG_SECRET, open_app, served_data_dir, words

EXAMPLE = tomllib.loads((PROJECT_ROOT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8"))["auth"]


@pytest.fixture
def served(access_data_dir, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.delenv("KEJIAO_DEMO", raising=False)
    return served_data_dir(access_data_dir, tmp_path, monkeypatch)


def refused(at, name: str) -> bool:
    text = words(at)
    return (any("配置错误" in e.value for e in at.error) and name in text and not at.button
            and not at.radio and not at.dataframe)


def test_the_example_secrets_file_as_shipped_serves_nothing(served):
    at = open_app(secrets=EXAMPLE, user={"is_logged_in": False})
    assert refused(at, "cookie_secret"), words(at)
    assert "token_hex(32)" in words(at)  # how to make one


@pytest.mark.parametrize("weak", ["CHANGE-ME", "x" * 64, "0123456789abcdef0123456789abcdef", "短密码",
                                  "correct horse battery staple!"])
def test_a_forgeable_cookie_secret_serves_nothing(served, weak):
    at = open_app(secrets={**AUTH, "cookie_secret": weak}, user={"is_logged_in": True, "email": "admin@test.example",
                                                                  "email_verified": True, "sub": "u-admin"})
    assert refused(at, "cookie_secret"), words(at)


def test_a_placeholder_client_secret_serves_nothing(served):
    at = open_app(secrets={**AUTH, "client_secret": "CHANGE-ME"}, user={"is_logged_in": False})
    assert refused(at, "client_secret"), words(at)


def test_random_secrets_of_32_bytes_pass():
    import secrets

    for value in (STRONG_SECRET, secrets.token_hex(32), secrets.token_urlsafe(32)):
        assert not deployment.auth_problems({**AUTH, "cookie_secret": value}), value
    assert deployment.auth_problems({**AUTH, "cookie_secret": secrets.token_hex(16)})  # 16 bytes: too short
