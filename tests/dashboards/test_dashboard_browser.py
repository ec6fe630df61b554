"""What a person sees: `streamlit run` over the demo snapshot, every page loaded in headless
Chromium (Debian's /usr/bin/chromium driven by the playwright package). Fails on a Streamlit
exception, an empty chart or Chinese drawn as tofu; saves a screenshot of every page to
tests/_artifacts/screenshots/<page>.png (git-ignored) for a person to look at."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.settings import PROJECT_ROOT
from tests.dashboards.dashboard_support import APP, PAGES

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "tests" / "_artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES_WITHOUT_CHARTS = {"methodology", "export"}
STARTUP_LIMIT_S = 120  # how long the server may take to answer its health check before we give up
PAGE_LIMIT_MS = 180_000  # how long a page may take to finish running

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                     "(scripts/system-deps.sh installs it)"),
]

# Chinese is drawn with a CJK font if distinct characters give distinct pixels, and none of them
# gives the pixels of a character no font has (tofu: every missing glyph draws the same box).
GLYPH_CHECK = """
([selector, text]) => {
  const el = document.querySelector(selector);
  const font = getComputedStyle(el).font;
  const draw = (ch) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.font = font.replace(/\\d+(\\.\\d+)?px/, '40px');
    ctx.fillStyle = '#000';
    ctx.fillText(ch, 4, 48);
    return canvas.toDataURL();
  };
  const chars = Array.from(new Set(Array.from(text).filter(c => /[\\u4e00-\\u9fff]/.test(c)))).slice(0, 6);
  const images = chars.map(draw);
  const tofu = draw('\\uE000');
  return {chars: chars.join(''), distinct: new Set(images).size, count: images.length,
          tofu: images.filter(i => i === tofu).length, font: font};
}
"""

# every Plotly chart holds data and has drawn marks (bars, lines, points or heat-map cells)
CHART_CHECK = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
  title: (gd.layout && gd.layout.title && gd.layout.title.text) || '',
  points: (gd.data || []).reduce((n, t) => n + ((t.y || t.z || t.x || []).filter(v => v !== null).length), 0),
  marks: gd.querySelectorAll('.bars path, .scatterlayer .js-line, .scatterlayer path.point, .hm image, .heatmaplayer image').length,
}))
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard_server(demo_data_dir, tmp_path):
    """`streamlit run` on 127.0.0.1 and a free port, reading the demo snapshot; stopped afterwards."""
    port = free_port()
    env = {**os.environ, "KEJIAO_DATA_DIR": str(demo_data_dir), "PYTHONPATH": str(PROJECT_ROOT),
           "KEJIAO_DEMO": "1"}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {(tmp_path / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.25)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture
def browser(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1400, "height": 1000}, locale="zh-CN",
        )
        try:
            yield context
        finally:
            context.close()


def settle(page, *, charts: bool) -> None:
    """Wait until the script has run: the app is there, charts drawn, the running indicator gone."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=PAGE_LIMIT_MS)
    # Streamlit marks its app with the script's state: wait for the run to have finished
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=PAGE_LIMIT_MS)
    page.wait_for_selector("h1", timeout=PAGE_LIMIT_MS)
    if charts:
        page.wait_for_selector(".js-plotly-plot", timeout=PAGE_LIMIT_MS)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=PAGE_LIMIT_MS)


def still(locator, *, readings: int = 3, every_ms: int = 100, timeout_ms: int = 15_000):
    """The element once it has stopped moving: its box the same over `readings` looks `every_ms`
    apart. Playwright's own "stable" check (two animation frames) passes under load before an
    expander's opening animation has started; the content then grows and moves a button below it
    between the press and the release, so the release lands beside the button and the click never
    happens (seen as a download that "brought nothing", issue 16). A person clicks what has stopped."""
    page, seen, waited = locator.page, [], 0
    while waited < timeout_ms:
        seen = [*seen[-(readings - 1):], locator.bounding_box()]
        if len(seen) == readings and seen[0] is not None and all(b == seen[0] for b in seen):
            return locator
        page.wait_for_timeout(every_ms)
        waited += every_ms
    raise AssertionError(f"{locator} still moving after {timeout_ms} ms: {seen}")


def download(page, button, timeout: int = 90_000):
    """Click a download button (a locator) once it has stopped moving; the browser's Download."""
    button.scroll_into_view_if_needed(timeout=timeout)
    with page.expect_download(timeout=timeout) as info:
        still(button).click()
    return info.value


def full_page_screenshot(page, name: str) -> Path:
    """Streamlit scrolls inside its main block: grow the window to the content, then shoot."""
    height = page.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stMainBlockContainer], [data-testid=stSidebarContent]')).map(e => e.scrollHeight), 800)")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 80, 16000)})
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=PAGE_LIMIT_MS)
    page.wait_for_function("() => Array.from(document.querySelectorAll('.js-plotly-plot')).every(g => g._fullLayout)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    return path


def check_page(page, name: str) -> dict:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()
    title = page.locator("h1").first.inner_text()
    glyphs = page.evaluate(GLYPH_CHECK, ["h1", title])
    result = {"title": title, "glyphs": glyphs, "charts": page.evaluate(CHART_CHECK),
              "downloads": page.locator('[data-testid="stDownloadButton"]').count()}
    if name not in PAGES_WITHOUT_CHARTS:
        assert result["charts"], f"{name}: no chart"
    for c in result["charts"]:
        assert c["title"], f"{name}: a chart without a title"
        assert c["points"] > 0 and c["marks"] > 0, f"{name}: empty chart {c['title']!r}"
    return result


def cjk_fonts_used(page, selector: str) -> list[str]:
    """The platform fonts Chromium used to draw an element's text (DevTools CSS domain)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})
    node = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    cdp.detach()
    return [f["familyName"] for f in fonts if f["glyphCount"] > 0]


def test_every_page_renders_in_chromium_with_chinese_glyphs_and_non_empty_charts(dashboard_server, browser):
    page = browser.new_page()
    seen = {}
    for name in PAGES:
        page.goto(dashboard_server + ("/" if name == "overview" else f"/{name}"))
        settle(page, charts=name not in PAGES_WITHOUT_CHARTS)
        seen[name] = check_page(page, name)
        glyphs = seen[name]["glyphs"]
        assert glyphs["count"] >= 2, f"{name}: no Chinese in the title {seen[name]['title']!r}"
        assert glyphs["distinct"] == glyphs["count"] and glyphs["tofu"] == 0, f"{name}: Chinese drawn as tofu {glyphs}"
        fonts = cjk_fonts_used(page, "h1")
        assert any(("WenQuanYi" in f or "CJK" in f or "Hei" in f) for f in fonts), f"{name}: no CJK font in {fonts}"
        assert full_page_screenshot(page, name).stat().st_size > 20_000
    assert seen["overview"]["title"] == "总览：2030目标进展"
    assert seen["export"]["downloads"] == 4  # csv, xlsx, parquet and the briefing PDF (issue 16)
    assert page.evaluate("() => Array.from(document.querySelectorAll("
                         "'[data-testid=stSidebar] [data-testid=stSelectbox] input')).map(i => i.value)") == [
        "2026年", "全市"]
    assert len(seen["flagship_bases"]["charts"]) >= 4

    # the language switch: the same page in English
    page.goto(dashboard_server + "/")
    settle(page, charts=True)
    page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
    page.wait_for_function("() => document.querySelector('h1') && "
                           "document.querySelector('h1').innerText.startsWith('Overview')", timeout=PAGE_LIMIT_MS)
    settle(page, charts=True)
    english = check_page(page, "overview_en")
    assert english["title"] == "Overview: progress toward the 2030 targets"
    filters = page.evaluate("() => Array.from(document.querySelectorAll("
                            "'[data-testid=stSidebar] [data-testid=stSelectbox] input')).map(i => i.value)")
    assert filters == ["2026", "Whole city"]  # the filters speak English too, and kept their choice
    full_page_screenshot(page, "overview_en")
