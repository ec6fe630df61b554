"""The briefing as HTML (Jinja2) and as a printable A4 PDF (Chromium through Playwright).

Why Playwright with Debian's Chromium rather than WeasyPrint: Chromium is already a hard
requirement of the project (kaleido renders the charts with it, the dashboard's browser tests
drive it), so printing with it adds no second layout engine and no Pango/Cairo stack; its CJK
line breaking and font fallback are those people see on screen; Playwright is maintained by
Microsoft with a release every few weeks and drives an existing browser binary
(`executable_path`) without downloading one.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipelines.operations.briefing.charts import chart_server, svg_data_uri, target_figure
from pipelines.operations.briefing.data import (
    STATUS_TONE,
    STATUS_ZH,
    UNIT_ZH,
    BriefingData,
    BriefingError,
    TargetView,
    load_briefing_data,
)
from pipelines.settings import chromium_path

TITLE = "天津市科技教育2030目标进展简报"
HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FOOTER = ('<div style="width:100%;font-size:8pt;color:#57606a;text-align:center;'
          'font-family:\'WenQuanYi Micro Hei\',sans-serif;">'
          f'{TITLE} · 第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页</div>')


def find_chromium() -> str | None:
    env = chromium_path()
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _num(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "%":
        return f"{v:.1f}%"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def fmt_latest(t: TargetView) -> str:
    if not t.latest or t.latest.get("value") is None:
        return "暂无数据"
    unit = UNIT_ZH.get(t.unit, t.unit) if t.unit != "%" else ""
    return f"{_num(t.latest['value'], t.unit)}{unit}（{t.latest['period']}年）"


def fmt_value(t: TargetView) -> str:
    if not t.latest or t.latest.get("value") is None:
        return "暂无数据"
    return _num(t.latest["value"], t.unit) + (UNIT_ZH.get(t.unit, t.unit) if t.unit != "%" else "")


def fmt_target(t: TargetView) -> str:
    if t.target is None:
        return "—"
    unit = UNIT_ZH.get(t.unit, t.unit) if t.unit != "%" else ""
    prefix = "每年 " if t.kind == "annual_quota" else ""
    return f"{prefix}{_num(t.target, t.unit)}{unit}"


def deadline(t: TargetView) -> str:
    if t.kind == "annual_quota":
        return "每年"
    if t.target_year is None:
        return "—"
    return f"{t.target_year}年" + ("（原文未说明，按2030年计）" if t.deadline_assumed else "")


def sentence(t: TargetView) -> str:
    status = STATUS_ZH.get(t.status, t.status)
    if not t.latest:
        return "快照中尚无该指标的数据，暂无法判断进展。"
    v = _num(t.latest["value"], t.unit)
    unit = UNIT_ZH.get(t.unit, t.unit) if t.unit != "%" else ""
    text = f"{t.latest['period']}年全市为 {v}{unit}"
    if t.latest.get("numerator") is not None and t.latest.get("denominator") and t.unit == "%":
        text += f"（{t.latest['numerator']:,.0f} / {t.latest['denominator']:,.0f}）"
    if t.target is not None:
        text += f"；目标为{fmt_target(t)}" + (f"（{deadline(t)}）" if t.kind != "annual_quota" else "")
    ratio = t.latest.get("progress_ratio")
    if ratio is not None:
        text += f"；进展比 R = {ratio:.2f}"
    return f"{text}。判断：{status}。"


def share_detail(t: TargetView) -> str:
    if t.latest and t.latest.get("numerator") is not None and t.latest.get("denominator"):
        return f"{t.latest['numerator']:,.0f} / {t.latest['denominator']:,.0f}"
    if t.indicator_id == "ALLIANCE_DISTRICTS":
        return "全市共16个区"
    return ""


def render_html(d: BriefingData, charts: dict[str, str]) -> str:
    env = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html", "j2"]))
    env.globals.update(
        fmt_latest=fmt_latest, fmt_value=fmt_value, fmt_target=fmt_target, deadline=deadline, sentence=sentence,
        share_detail=share_detail, status_zh=lambda s: STATUS_ZH.get(s, s),
        tone=lambda s: STATUS_TONE.get(s, "none"), pct=lambda v: _num(v, "%"),
        int_=lambda v: "—" if v is None else f"{v:,.0f}",
    )
    return env.get_template("template.html.j2").render(d=d, charts=charts, title=TITLE)


def html_to_pdf(html: str, out: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.pdf(path=str(tmp), format="A4", print_background=True, prefer_css_page_size=True,
                     display_header_footer=True, header_template="<span></span>", footer_template=FOOTER)
        finally:
            browser.close()
    os.replace(tmp, out)


def make_briefing(snapshot: Path, out: Path, as_of: date, html_out: Path | None = None) -> BriefingData:
    """Read the snapshot, draw the charts and print the briefing to `out` (PDF)."""
    data = load_briefing_data(snapshot, as_of)
    chromium = find_chromium()
    if chromium is None:
        raise BriefingError(
            "未找到 Chromium（apt-get install chromium，或设置 KEJIAO_CHROMIUM）/ "
            "Chromium not found: install Debian's chromium or set KEJIAO_CHROMIUM"
        )
    charts: dict[str, str] = {}
    drawable = [t for t in data.targets if t.series.drop_nulls("value").height]
    if drawable:
        with chart_server():
            for t in drawable:
                charts[t.indicator_id] = svg_data_uri(target_figure(t))
    html = render_html(data, charts)
    if html_out is not None:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(html, encoding="utf-8")
    html_to_pdf(html, out, chromium)
    return data
