"""What the security tests share: the app opened in AppTest as a deployment would serve it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit
from streamlit.runtime.secrets import Secrets
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from pipelines.settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "dashboards" / "streamlit_app.py")
STRONG_SECRET = "9f1c2e7a5b3d4f608192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": STRONG_SECRET,
        "client_id": "kejiao", "client_secret": "provider-issued-client-secret-7Qm2",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def served_data_dir(access_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with the small published snapshot and no role table of its own."""
    data_dir = tmp_path / "data"
    shutil.copytree(access_data_dir / "published", data_dir / "published")
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture
def secrets_files(monkeypatch):
    """Read st.secrets afresh from the given files (as `streamlit run --secrets.files` would);
    the option is put back when the test ends."""
    previous = streamlit.config.get_option("secrets.files")

    def use(files: list[str]) -> None:
        monkeypatch.setattr(streamlit, "secrets", Secrets())
        streamlit.config.set_option("secrets.files", files)

    yield use
    streamlit.config.set_option("secrets.files", previous)


def open_app(*, secrets: dict | None = None, user: dict | None = None, page: str | None = None,
             address: str = "127.0.0.1") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if secrets is not None:
        at.secrets["auth"] = secrets
    if user is not None:
        at.user = user
    if page:
        at.switch_page(page)
    with patch_config_options({"server.address": address}):
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def words(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "markdown", "caption", "info", "warning", "error", "success")
                     for e in getattr(at, kind))
