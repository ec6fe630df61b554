"""Sign-in for real, in Chromium: a local OpenID provider (oidc-provider-mock on 127.0.0.1, a free
port) and the dashboard with `[auth]` configured, one identity per role; what each role sees and
cannot reach (pages, tables, downloads), a district trying another district, uploads, and what a
request without sign-in gets."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT, Settings
from tests.access.support import (
    HEPING_SCHOOL,
    HEXI_SCHOOL,
    IDENTITIES,
    KEY,
    access_data_dir,  # noqa: F401 - the session fixture
    r5_file,
    r5_rows,
)
from tests.dashboards.test_dashboard_browser import download as browser_download

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
APP = PROJECT_ROOT / "dashboards" / "streamlit_app.py"
WAIT_MS = 90_000
SIGN_IN = "统一身份认证登录"
UPLOAD_LIMIT_MB = "0.05"  # 50 KB: small enough to test the limit with a real workbook


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll until the server answers (no timed assertion: it fails only if the process died)."""
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        try:
            process.wait(timeout=0.3)
        except subprocess.TimeoutExpired:
            pass


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    port = free_port()
    claims = [json.dumps(IDENTITIES[who], ensure_ascii=False) for who in IDENTITIES]
    cmd = [sys.executable, "-m", "oidc_provider_mock", "-H", "127.0.0.1", "-p", str(port)]
    for c in claims:
        cmd += ["--user-claims", c]
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    process = start(cmd, dict(os.environ), log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/.well-known/openid-configuration", process, log)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def app(provider, access_data_dir, tmp_path_factory):  # noqa: F811
    """The dashboard over a copy of the access snapshot (uploads and the audit log write to it)."""
    root = tmp_path_factory.mktemp("app")
    data_dir = root / "data"
    shutil.copytree(access_data_dir, data_dir)
    port = free_port()
    secrets_file = root / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "kejiao-dashboard-test"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n', encoding="utf-8")
    env = {**os.environ, "KEJIAO_DATA_DIR": str(data_dir), "KEJIAO_PSEUDONYM_KEY": KEY,
           "KEJIAO_UPLOAD_MAX_MB": UPLOAD_LIMIT_MB}
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port), "--server.address",
           "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--secrets.files", str(secrets_file)]
    log = root / "streamlit.log"
    process = start(cmd, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/_stcore/health", process, log)
        yield url, data_dir
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def settle(page) -> None:
    """Wait for the app to have drawn a page (every page, the sign-in page too, has a title) and
    to have finished running its script."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=WAIT_MS)
    before = None
    while True:  # until the script is not running and the page has stopped changing
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=WAIT_MS)
        now = page.locator('[data-testid="stMain"]').inner_text()
        if now == before:
            return
        before = now
        page.wait_for_timeout(700)


def sign_in(browser, url: str, who: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name=SIGN_IN).click(timeout=WAIT_MS)
    page.wait_for_url("**/oauth2/authorize**", timeout=WAIT_MS)
    page.get_by_role("button", name=IDENTITIES[who]["sub"], exact=True).click()
    page.wait_for_url(f"{url}/**", timeout=WAIT_MS)
    settle(page)
    return page


def open_path(page, url: str, path: str) -> None:
    page.goto(f"{url}/{path}")
    settle(page)


def nav(page, default: str) -> set[str]:
    """The url paths of the pages in the navigation (the default page's link is the app's root)."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    hrefs = links.evaluate_all("els => els.map(e => new URL(e.href).pathname)")
    return {h.strip("/") or default for h in hrefs}


def body(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def download(page, button) -> tuple[str, bytes]:
    """Click a download button (a locator) and return the file's name and bytes."""
    d = browser_download(page, button, WAIT_MS)
    return d.suggested_filename, Path(d.path()).read_bytes()


def download_named(page, file_name: str) -> bytes:
    """The bytes of the download button whose file's name starts with `file_name` (each CSV button is tried)."""
    buttons = page.get_by_role("button", name="下载 CSV")
    buttons.first.wait_for(timeout=WAIT_MS)
    seen = []
    for i in range(buttons.count()):
        name, payload = download(page, buttons.nth(i))
        if name.startswith(file_name):
            return payload
        seen.append(name)
    raise AssertionError(f"no download of {file_name}: {seen}")


def csv_button(page, index: int = -1):
    buttons = page.get_by_role("button", name="下载 CSV")
    return buttons.nth(index) if index >= 0 else buttons.last


def csv_rows(payload: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))


def audit_events(data_dir: Path) -> list[tuple]:
    with sqlite3.connect(data_dir / "audit" / "audit.sqlite") as con:
        return con.execute("select event, actor, subject, outcome, detail from audit_events order by event_id").fetchall()


CITY_PAGES = {"overview", "science_high_schools", "flagship_bases", "youth_programme", "everyone", "reporting",
              "methodology", "export"}


# ---------------------------------------------------------------- without sign-in

@pytest.mark.parametrize("path", ["", "overview", "everyone", "export", "audit", "access", "upload", "my_school"])
def test_unauthenticated_requests_get_only_the_sign_in_page(browser, app, path):
    url, _ = app
    page = browser.new_context().new_page()
    page.goto(f"{url}/{path}")
    page.get_by_role("button", name=SIGN_IN).wait_for(timeout=WAIT_MS)
    settle(page)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    text = body(page)
    assert "仅限授权人员访问" in text
    for leak in ("和平区演示第一中学", "总览", "审计", "下载", "演示模式"):
        assert leak not in text
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    page.context.close()


def test_an_identity_with_no_role_sees_nothing(browser, app):
    url, data_dir = app
    page = sign_in(browser, url, "nobody")
    assert "尚未分配角色" in body(page)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    open_path(page, url, "overview")
    assert "尚未分配角色" in body(page) and page.locator('[data-testid="stDataFrame"]').count() == 0
    assert ("sign_in_denied", "nobody@test.example") in [e[:2] for e in audit_events(data_dir)]
    page.context.close()


# ---------------------------------------------------------------- each role

def test_commission_sees_city_and_district_figures_and_downloads_exports_but_no_errors_audit_or_upload(browser, app):
    url, data_dir = app
    page = sign_in(browser, url, "commission")
    assert nav(page, "overview") == CITY_PAGES
    open_path(page, url, "everyone")
    _, payload = download(page, csv_button(page))
    schools = {r["学校标识码"] for r in csv_rows(payload)}  # Chinese headers by default (issue 16)
    assert schools == {"3412000001", "3412000002", "3112000003"}  # every district's schools
    open_path(page, url, "export")
    buttons = page.get_by_role("button").filter(has_text=".csv")
    buttons.first.wait_for(timeout=WAIT_MS)
    _name, payload = download(page, buttons.first)
    assert payload
    for path in ("audit", "access", "upload"):
        open_path(page, url, path)
        assert "审计日志" not in body(page) and "角色分配" not in body(page) and "报送报表" not in body(page)
    events = audit_events(data_dir)
    assert any(e[0] == "download" and e[1] == "staff@test.example" for e in events)
    page.context.close()


def test_district_bureau_sees_city_totals_and_its_own_schools_only_whatever_it_tries(browser, app):
    url, data_dir = app
    page = sign_in(browser, url, "district")
    assert nav(page, "overview") == CITY_PAGES | {"upload"}
    # the district filter offers the city and its own district, nothing else
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="区").last.click()
    options = page.locator('[role="option"]').all_inner_texts()
    page.keyboard.press("Escape")
    assert options == ["全市", "和平区"]
    # school-level tables: its own schools only, also with another district in the URL
    listings = set()
    for path in ("everyone", "everyone?district=120103", "reporting?district=120104"):
        open_path(page, url, path)
        if path.startswith("everyone"):
            listing, payload = download(page, csv_button(page))  # made on click, every school of the scope
            assert {r["学校标识码"] for r in csv_rows(payload)} == {HEPING_SCHOOL}
            listings.add(listing)
        assert "河西区演示第二中学" not in body(page) and "南开区演示初级中学" not in body(page)
    # its district's exports: city totals and its own district
    open_path(page, url, "export")
    name, payload = download(page, page.get_by_role("button").filter(has_text="indicators_120101_截至").filter(
        has_text=".csv").first)
    assert name.startswith("indicators_120101_截至") and name.endswith(".csv")  # the file's name says its as-of
    geos = {r["区划代码"] for r in csv_rows(payload)}
    assert geos and geos <= {"120000", "120101"}
    # pages of other roles, by URL
    for path in ("audit", "access", "my_school"):
        open_path(page, url, path)
        text = body(page)
        assert "审计日志" not in text and "保存角色分配" not in text and "本校报送与数据" not in text
    downloads = {e[2] for e in audit_events(data_dir) if e[0] == "download" and e[1] == "heping@test.example"}
    assert name in downloads
    assert listings and listings <= downloads  # a listing made on click is recorded too, as its viewer
    page.context.close()


def test_school_sees_its_own_files_and_figures_and_sends_only_its_own_reports(browser, app, tmp_path, monkeypatch):
    url, data_dir = app
    page = sign_in(browser, url, "school")
    assert nav(page, "my_school") == {"my_school", "upload", "methodology"}
    open_path(page, url, "")  # the school's landing page
    text = body(page)
    assert "本校报送与数据" in text and "天津市和平区演示第一中学" in text
    payload = download_named(page, "my_files_截至")
    assert [r["文件名"] for r in csv_rows(payload)] == ["和平一中_年报2025.xlsx"]
    for path in ("overview", "everyone", "export", "reporting", "audit"):
        open_path(page, url, path)
        assert page.locator('[data-testid="stDataFrame"]').count() == 0 or "本校" in body(page)
        assert "河西区演示第二中学" not in body(page)

    def send(name: str, payload: bytes) -> str:
        """Drop one file on a fresh upload page; the page's text with the check output unfolded."""
        open_path(page, url, "upload")
        uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        uploader.set_input_files(files=[{"name": name, "mimeType": "application/octet-stream", "buffer": payload}])
        page.locator('[data-testid="stText"]').filter(has_text=name[:20]).first.wait_for(timeout=WAIT_MS)
        # the check reads the file in a worker process, under a spinner: wait for it to end
        page.wait_for_selector('[data-testid="stSpinner"]', state="detached", timeout=WAIT_MS)
        settle(page)
        unfold = page.get_by_text("检查结果原文")
        if unfold.count():
            unfold.first.click()
            page.locator('[data-testid="stCode"]').first.wait_for(timeout=WAIT_MS)
        return body(page)

    own = r5_file(tmp_path / "own.xlsx", r5_rows(HEPING_SCHOOL, year=2026, enrolled=1850, active=950)).read_bytes()
    text = send("../../x.xlsx", own)  # a hostile name: only ever text, never a path
    assert "通过" in text
    page.get_by_role("button", name="报送", exact=True).click()
    page.get_by_text("已报送").wait_for(timeout=WAIT_MS)
    inbox = Settings(data_dir).inbox_dir
    sent = [p for p in (inbox / "uploads").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(sent) == 1 and sent[0].read_bytes() == own and sent[0].resolve().is_relative_to(inbox.resolve())
    assert not (data_dir.parent / "x.xlsx").exists() and not (data_dir / "x.xlsx").exists()
    sidecar = json.loads((sent[0].parent / f".{sent[0].name}.sender.json").read_text(encoding="utf-8"))
    assert sidecar["sender"]["identity"] == "school1@test.example" and sidecar["original_name"] == "../../x.xlsx"

    bad = r5_file(tmp_path / "bad.xlsx", [[HEPING_SCHOOL, 2026, 1000, -1, 1200]]).read_bytes()
    text = send("bad.xlsx", bad)
    assert "退回" in text and "第 3 行 row" in text and "科学副校长人数" in text and "不能报送" in text
    other = r5_file(tmp_path / "other.xlsx", r5_rows(HEXI_SCHOOL, year=2026)).read_bytes()
    text = send("other.xlsx", other)
    assert "只能报送本校" in text and "天津市河西区演示第二中学" in text
    text = send("年报.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert "文件内容不是表格" in text
    big = r5_file(tmp_path / "big.csv", r5_rows(HEPING_SCHOOL) * 1, fmt="csv").read_bytes() + b"," * 60_000
    text = send("big.csv", big)
    assert "文件过大" in text
    # only the good file went into the inbox
    assert len([p for p in (inbox / "uploads").rglob("*") if p.is_file() and not p.name.startswith(".")]) == 1
    events = audit_events(data_dir)
    assert [e[0] for e in events if e[1] == "school1@test.example" and e[0].startswith("upload")].count("upload_sent") == 1
    refused = {json.loads(e[4])["reason"] for e in events if e[0] == "upload_refused" and e[1] == "school1@test.example"}
    assert refused == {"verdict", "scope", "wrong_type", "too_large"}
    page.context.close()

    # the intake takes the sent file in, with its sender
    from dagster import materialize

    from pipelines.intake.assets import submissions
    from pipelines.reference.assets import reference_data
    from pipelines.resources import default_resources

    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", KEY)  # the key the warehouse was built with (it is pinned to it)
    result = materialize([reference_data, submissions],
                         resources=default_resources(data_dir, inbox, Settings(data_dir).warehouse_path))
    assert result.success
    con = duckdb.connect(str(Settings(data_dir).warehouse_path), read_only=True)
    try:
        rows = con.sql("select status, sender from raw.submissions where inbox_path like 'uploads/%'").fetchall()
    finally:
        con.close()
    assert len(rows) == 1 and rows[0][0] == "accepted"
    assert json.loads(rows[0][1])["schools"] == [HEPING_SCHOOL]


def test_data_team_sees_everything_with_errors_audit_and_role_assignments(browser, app):
    url, _data_dir = app
    page = sign_in(browser, url, "data_team")
    assert nav(page, "overview") == CITY_PAGES | {"upload", "audit", "access"}
    open_path(page, url, "audit")
    text = body(page)
    assert "审计日志与运行状态" in text and "运行状态" in text
    logged = csv_rows(download(page, page.get_by_role("button", name="下载 CSV").first)[1])
    actors = {r["操作人"] for r in logged if r["事件"] == "sign_in"}
    assert "admin@test.example" in actors
    open_path(page, url, "access")
    # the editor and its button render after the page text: wait for the button itself
    page.get_by_role("button", name="保存角色分配").wait_for(state="visible", timeout=60_000)
    open_path(page, url, "reporting")
    assert "逐格错误清单仅数据组" not in body(page)
    page.context.close()
