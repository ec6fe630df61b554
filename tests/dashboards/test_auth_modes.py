"""Demo mode and sign-in mode, opened with AppTest: the demo only on 127.0.0.1 and saying so on
every page, with a switcher over the demo identities; with a provider configured, no way in
without signing in."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from pipelines.settings import PROJECT_ROOT
from tests.access.support import (
    access_data_dir,  # noqa: F401 - the session fixture
    write_assignments,
)

APP = str(PROJECT_ROOT / "dashboards" / "streamlit_app.py")
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "5e0f4d2c9b8a7e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070ab", "client_id": "kejiao",
        "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.fixture
def env(access_data_dir, monkeypatch, tmp_path):  # noqa: F811
    """The small snapshot, and the committed role assignments (the demo identities of seeds/) for
    the demo; the test identities of tests/access/support.py for sign-in."""
    data_dir = tmp_path / "data"
    shutil.copytree(access_data_dir / "published", data_dir / "published")
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(data_dir))
    return data_dir


def run(page: str | None = None, *, address: str | None = "127.0.0.1", secrets: dict | None = None,
        user: dict | None = None, demo: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if secrets is not None:
        at.secrets["auth"] = secrets
    if user is not None:
        at.user = user
    if demo is not None:
        at.session_state["kejiao_demo_identity"] = demo
    if page:
        at.switch_page(page)
    with patch_config_options({"server.address": address}):  # as `streamlit run --server.address` sets it
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def words(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "markdown", "caption", "info", "warning", "error", "success")
                     for e in getattr(at, kind))


@pytest.mark.parametrize("page", [None, "app_pages/everyone.py", "app_pages/reporting.py", "app_pages/upload.py",
                                  "app_pages/audit.py"])
def test_the_demo_says_so_on_every_page_and_offers_the_demo_identities(env, page):
    at = run(page)
    assert any("演示模式" in w.value for w in at.warning)
    switcher = at.radio(key="kejiao_demo_identity")
    assert len(switcher.options) == 5 and all("演示" in o for o in switcher.options)


def test_switching_the_demo_identity_changes_what_is_reachable(env):
    at = run("app_pages/audit.py")
    assert "审计日志与运行状态" in words(at)
    at = run("app_pages/audit.py", demo="hexi@demo.kejiao.invalid")  # a district bureau
    assert "审计日志与运行状态" not in words(at)
    assert "区教育局" in words(at)


@pytest.mark.parametrize("address", [None, "0.0.0.0", "10.1.2.3"])
def test_without_a_provider_the_app_refuses_to_serve_beyond_this_machine(env, address):
    at = run(address=address)
    assert any("演示模式只允许在本机运行" in e.value for e in at.error)
    assert not at.radio and not at.dataframe and "演示模式：" not in words(at)


def test_with_a_provider_there_is_no_way_around_sign_in(env):
    write_assignments(env)
    at = run("app_pages/everyone.py", secrets=AUTH, user={"is_logged_in": False}, demo="shujuzu@demo.kejiao.invalid")
    assert [b.label for b in at.button] == ["统一身份认证登录"]
    assert not at.radio and not at.selectbox and not at.dataframe and not at.get("plotly_chart")
    assert "演示模式" not in words(at)


def test_a_demo_identity_cannot_sign_in_and_an_unknown_one_is_denied(env):
    write_assignments(env)
    at = run(secrets=AUTH, user={"is_logged_in": True, "email": "shujuzu@demo.kejiao.invalid", "email_verified": True,
                                 "sub": "x"})
    assert any("尚未分配角色" in e.value for e in at.error) and not at.dataframe


def test_an_incomplete_provider_configuration_locks_everyone_out(env):
    write_assignments(env)
    at = run(secrets={"redirect_uri": AUTH["redirect_uri"], "cookie_secret": AUTH["cookie_secret"]},
             user={"is_logged_in": True, "email": "admin@test.example", "email_verified": True, "sub": "u-admin"})
    assert any("身份认证配置不完整" in e.value for e in at.error) and not at.dataframe


def test_a_signed_in_identity_gets_its_role(env):
    write_assignments(env)
    at = run("app_pages/audit.py", secrets=AUTH, user={"is_logged_in": True, "email": "admin@test.example",
                                                       "email_verified": True, "sub": "u-admin", "name": "数据组 测试"})
    assert "审计日志与运行状态" in words(at) and "数据组 测试" in words(at)
    assert "演示模式" not in words(at)
