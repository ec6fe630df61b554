"""Issue 13 in Chromium, the walk of a school whose annual report was refused (the issue's "done
when"): the district bureau's robot hears of it; the school signs in and sees the refusal first,
downloads the error list, downloads its template of the refused year, fills it (through openpyxl,
as Excel or WPS would) and sends it from the upload page; after the next run the school sees it accepted and its obligation closed, and the robot hears
nothing more of that district. Screenshots go to tests/_artifacts/screenshots/senders_*.png."""

from __future__ import annotations

import io
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openpyxl
import pytest

from pipelines.cli import run_all
from pipelines.operations.reminders import remind
from pipelines.senders.filling import fill
from pipelines.settings import Settings
from tests.conftest import KEY
from tests.dashboards.test_dashboard_browser import (  # noqa: F401  (fixtures)
    CHROMIUM,
    PAGE_LIMIT_MS,
    browser,
    download,
    full_page_screenshot,
    settle,
)
from tests.small_inbox import small_inbox

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
]

SCHOOL = "hexi2@demo.kejiao.invalid"  # 天津市河西区演示第二中学 3412000002
ROLES = f"""match_by,identity,role,scope_code,display_name
email,{SCHOOL},school,3412000002,演示·河西二中
email,team@demo.kejiao.invalid,data_team,,演示·数据组
"""
DAY = date(2025, 12, 3)  # 2025's annual reports were due on 30 November


class Robots:
    """A local HTTP server standing in for the group robots: records what each path receives."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []
        robots = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                robots.received.append((self.path, body["text"]["content"]))
                payload = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def walk_data(tmp_path, monkeypatch):
    settings = Settings(tmp_path / "data")
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", KEY.decode())
    settings.inbox_dir.mkdir(parents=True)
    small_inbox(settings.inbox_dir)
    assert run_all(settings, settings.inbox_dir, settings.warehouse_path, raise_on_error=True).success
    (settings.data_dir / "access").mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "access" / "role_assignments.csv").write_text(ROLES, encoding="utf-8")
    return settings


@pytest.fixture
def server(walk_data, tmp_path):
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.dashboards.dashboard_support import APP
    from tests.dashboards.test_dashboard_browser import PROJECT_ROOT, free_port

    port = free_port()
    env = {**os.environ, "KEJIAO_DATA_DIR": str(walk_data.data_dir), "PYTHONPATH": str(PROJECT_ROOT), "KEJIAO_DEMO": "1"}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "streamlit.log").read_text()
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


# the school's 2025 figures, corrected, as typed into its template
CORRECTED = {"enrolled_students": 2100, "science_vice_principals": 1, "science_teachers": 10,
             "stem_master_science_teachers": 2, "students_in_st_activities": 900}


def test_a_refused_school_corrects_its_file_and_the_reminders_stop(walk_data, server, browser, tmp_path):  # noqa: F811
    robots = Robots()
    env = {"KEJIAO_ROBOT_120103": robots.url("/hexi"), "KEJIAO_WEBHOOK_URL": robots.url("/team")}
    before = remind(walk_data, DAY, before=7, env=env, sleep=lambda s: None)
    hexi = [text for path, text in robots.received if path == "/hexi"]
    assert len(hexi) == 1 and "天津市河西区演示第二中学（3412000002）" in hexi[0] and "被退回" in hexi[0]
    assert not before.failed

    # signs in: the refusal first, with its error list and the way to send again
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.goto(f"{server}/my_school?demo={SCHOOL}")
    settle(page, charts=False)
    refusal = page.locator('[data-testid="stAlertContentError"]').filter(has_text="被退回").first
    refusal.wait_for(timeout=PAGE_LIMIT_MS)
    first_heading = page.locator("h3").filter(has_text="本校应报").first
    assert refusal.bounding_box()["y"] < first_heading.bounding_box()["y"], "the refusal comes first"
    full_page_screenshot(page, "senders_school_refused")
    button = page.locator('[data-testid="stDownloadButton"] button').filter(has_text="下载错误清单").first
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download(page, button).path()).read_bytes()))
    assert "2025年报_河西二中.xlsx" in "\n".join(str(c.value) for row in workbook["汇总"].iter_rows() for c in row)

    # its template of the refused year, beside: filled in as the school would
    template = page.locator('[data-testid="stDownloadButton"] button').filter(
        has_text="R5 学校科技教育年报模板（2025年度）").first
    got = download(page, template)
    assert got.suggested_filename.endswith(".xlsx")
    filled = tmp_path / got.suggested_filename
    filled.write_bytes(fill(Path(got.path()), {"3412000002": CORRECTED}))
    book = openpyxl.load_workbook(filled)
    assert "填报说明" in book.sheetnames and book["_kejiao_template"].sheet_state == "veryHidden"

    # the whole corrected file, sent again from the upload page
    page.get_by_text("重新报送整个改正后的文件").first.click()
    settle(page, charts=False)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(filled))
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=PAGE_LIMIT_MS)
    send = page.locator('[data-testid="stButton"] button').filter(has_text="报送").first
    send.wait_for(timeout=PAGE_LIMIT_MS)  # shown once the check has passed
    full_page_screenshot(page, "senders_upload_checked")
    send.click()
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=PAGE_LIMIT_MS)
    page.get_by_text("已报送，文件已进入收件箱").first.wait_for(timeout=PAGE_LIMIT_MS)
    full_page_screenshot(page, "senders_upload_sent")
    uploads = [p for p in (walk_data.inbox_dir / "uploads").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(uploads) == 1

    # the next run: accepted, the obligation closed, the refusal gone
    assert run_all(walk_data, walk_data.inbox_dir, walk_data.warehouse_path, raise_on_error=True).success
    page.goto(f"{server}/my_school?demo={SCHOOL}")
    settle(page, charts=False)
    assert page.locator('[data-testid="stAlertContentError"]').filter(has_text="被退回").count() == 0
    owed = page.locator('[data-testid="stDataFrame"]').first  # 本校应报, the first table of the page
    owed.wait_for(timeout=PAGE_LIMIT_MS)
    rows = []
    for _ in range(PAGE_LIMIT_MS // 250):  # the grid draws its rows after the frame is there
        rows = owed.evaluate("""e => Array.from(e.querySelectorAll('tbody tr')).map(
            r => Array.from(r.querySelectorAll('td')).map(c => c.innerText))""")
        if rows:
            break
        page.wait_for_timeout(250)
    annual_2025 = [r for r in rows if "R5 学校科技教育年报" in r and "2025年" in r]
    assert annual_2025 and "已接收" in annual_2025[0], rows
    full_page_screenshot(page, "senders_school_accepted")

    # and the district's robot hears nothing more of it
    robots.received.clear()
    after = remind(walk_data, DAY, before=7, env=env, sleep=lambda s: None)
    assert not [text for path, text in robots.received if path == "/hexi"]
    assert all(r["district_code"] != "120103" for r in after.sent)
