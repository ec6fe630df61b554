"""The dashboard's pure parts: number formats, small-count suppression, target arithmetic, chart
builders and the translation table."""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from pathlib import Path

import plotly.graph_objects as go
import pytest

from dashboards import charts, progress
from dashboards import format as fmt
from dashboards.i18n import DASHBOARD_KEYS, TEXT, t
from pipelines.indicators.catalog import STATUS_LABELS

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
# the files of this issue (sign-in, upload and audit pages keep their words in access_text.py)
MY_FILES = ["streamlit_app.py", "ui.py", "data.py", "charts.py", "format.py", "progress.py",
            *(f"app_pages/{p}.py" for p in ("overview", "science_high_schools", "flagship_bases", "youth_programme",
                                            "everyone", "reporting", "methodology", "export"))]


# ---------------------------------------------------------------- numbers the Chinese way

def test_counts_have_thousands_separators_and_shares_one_decimal():
    assert fmt.fmt_int(1858514) == "1,858,514"
    assert fmt.fmt_number(1234.0) == "1,234"
    assert fmt.fmt_number(4.75) == "4.8"
    assert fmt.fmt_pct(55.4321) == "55.4%"
    assert fmt.fmt_pct(100) == "100.0%"
    assert fmt.fmt_value(97.78, "%") == "97.8%"
    assert fmt.fmt_value(26.0, "bases") == "26"
    assert fmt.fmt_int(None) == fmt.fmt_pct(float("nan")) == "—"


def test_changes_of_shares_are_in_percentage_points():
    assert fmt.fmt_change(3.0, "schools") == "+3"
    assert fmt.fmt_change(-1.25, "%", "zh") == "−1.2个百分点" or fmt.fmt_change(-1.25, "%", "zh") == "−1.3个百分点"
    assert fmt.fmt_change(10.48, "%", "en") == "+10.5 pp"
    assert fmt.fmt_change(0, "members") == "±0"


def test_dates_and_utc_timestamps_in_beijing_time():
    assert fmt.fmt_date(date(2026, 3, 5)) == "2026年3月5日"
    assert fmt.fmt_date(date(2026, 3, 5), "en") == "2026-03-05"
    # the warehouse keeps UTC: 23:59 UTC on 29 Nov is 07:59 on 30 Nov in Tianjin
    assert fmt.fmt_datetime(datetime(2026, 11, 29, 23, 59)) == "2026年11月30日 07:59"
    assert fmt.fmt_year(2026) == "2026年" and fmt.fmt_year(2026, "en") == "2026"


def test_small_counts_are_suppressed_with_a_second_cell_when_a_total_would_reveal_them():
    assert fmt.fmt_count_suppressed(3) == "<5"
    assert fmt.fmt_count_suppressed(0) == "0"
    assert fmt.fmt_count_suppressed(5) == "5"
    # one small cell: the smallest other non-zero cell goes too, so 12 - x cannot be solved
    assert fmt.suppress_counts([40, 3, 8, 0, 25]) == [False, True, True, False, False]
    # two small cells already protect each other
    assert fmt.suppress_counts([40, 3, 2, 25]) == [False, True, True, False]
    assert fmt.suppress_counts([40, 30]) == [False, False]
    # without a published total one small cell is enough
    assert fmt.suppress_counts([40, 3, 8], has_total=False) == [False, True, False]



def test_a_set_of_counts_is_shown_with_its_hidden_cells_empty_in_charts_and_lt5_in_tables():
    shown = fmt.shown_counts([40, 3, 8, 0, None])
    assert shown.hidden == [False, True, True, False, False]
    assert shown.values == [40, None, None, 0, None]
    assert shown.texts == ["40", "<5", "<5", "0", fmt.MISSING]
    assert fmt.shown_counts([40, 3, 8], has_total=False).texts == ["40", "<5", "8"]


@pytest.mark.parametrize(("row", "hidden"), [
    ({"indicator_id": "YIP_ENROLLED", "unit": "students", "value": 4}, True),
    ({"indicator_id": "YIP_ENROLLED", "unit": "students", "value": 0}, False),
    ({"indicator_id": "YIP_ENROLLED", "unit": "students", "value": 12}, False),
    # a share is not given when its numerator or its denominator is 1 to 4
    ({"indicator_id": "YIP_DUAL_MENTOR", "unit": "%", "value": 57.1, "numerator": 4, "denominator": 7}, True),
    ({"indicator_id": "YIP_COMPLETION", "unit": "%", "value": 0.0, "numerator": 0, "denominator": 3}, True),
    ({"indicator_id": "YIP_DUAL_MENTOR", "unit": "%", "value": 50.0, "numerator": 5, "denominator": 10}, False),
    ({"indicator_id": "YIP_COMPLETION", "unit": "%", "value": None, "numerator": 0, "denominator": 0}, False),
    # only the minors' indicators
    ({"indicator_id": "SHS_NAMED", "unit": "schools", "value": 3}, False),
    ({"indicator_id": "STE_VICE_PRINCIPAL", "unit": "%", "value": 75.0, "numerator": 3, "denominator": 4}, False),
])
def test_one_value_is_hidden_by_the_exports_rule(row, hidden):
    assert fmt.value_hidden(row) is hidden


def test_a_table_of_values_shows_what_the_export_files_hold():
    import polars as pl

    from pipelines.exports import disclosure

    values = pl.DataFrame({
        "indicator_id": ["YIP_DUAL_MENTOR"] * 3 + ["STE_VICE_PRINCIPAL"],
        "period": [2026] * 4, "geo_code": ["120000", "120101", "120102", "120101"],
        "breakdown": [""] * 4, "breakdown_dimension": [None] * 4,
        "value": [80.0, 57.1, 90.0, 75.0], "numerator": [80.0, 4.0, 9.0, 3.0], "denominator": [100.0, 7.0, 10.0, 4.0],
        "unit": ["%"] * 4,
    })
    shown = fmt.shown_values(values)
    assert shown.columns == values.columns
    hidden = shown.row(1, named=True)
    assert (hidden["value"], hidden["numerator"], hidden["denominator"]) == ("<5", "<5", "7.0")
    assert shown["value"].to_list()[3] == "75.0"  # not a count of minors
    assert shown.equals(disclosure.as_text(disclosure.suppressed_values(values)).select(values.columns))


def test_every_page_hides_small_counts_through_the_format_helpers():
    """The rule is written once (dashboards/format.py over pipelines/exports/disclosure.py): no page
    decides on its own which counts are small or which indicators count minors."""
    inline = re.compile(r"is_small\(|suppress_counts\(|is_between\(1, 4\)|\s< ?5\b|\s<= ?4\b|startswith\(\"YIP_\"\)")
    for path in [DASHBOARDS / "ui.py", *sorted((DASHBOARDS / "app_pages").glob("*.py"))]:
        code = [line.split("#")[0] for line in path.read_text(encoding="utf-8").splitlines()]
        found = [line.strip() for line in code if inline.search(line)]
        assert not found, (path.name, found)


# ---------------------------------------------------------------- target arithmetic

def test_straight_path_projection_and_required_pace():
    path = dict(progress.straight_path(0, 2025, 25, 2030))
    assert path[2025] == 0 and path[2030] == 25 and path[2027] == pytest.approx(10)
    # the spec's worked example: 6 in 2027 → pace 3 a year → 15 by 2030
    assert progress.projection_path(0, 2025, 6, 2027, 2030)[-1] == (2030, pytest.approx(15))
    # the path ends where the pipeline's projection (the snapshot's linear_projection_by_deadline) is
    from pipelines.indicators.progress import linear_projection
    assert progress.projection_path(3, 2024, 10, 2026, 2030)[-1][1] == linear_projection(3, 2024, 10, 2026, 2030)
    assert progress.projection_path(3, 2026, 10, 2026, 2030) == []
    assert progress.required_per_year(6, 2027, 25, 2030) == pytest.approx(19 / 3)
    assert progress.required_per_year(25, 2027, 25, 2030) is None
    shares = progress.ratio_shares(0, 2025, 6, 2027, 25, 2030)
    assert shares.distance_covered / shares.time_elapsed == pytest.approx(0.6)


# ---------------------------------------------------------------- chart builders

def _words(fig: go.Figure) -> str:
    return fig.to_json()


def test_every_builder_returns_a_titled_figure_with_axis_titles_and_a_cjk_font():
    figures = [
        charts.target_path([2024, 2025, 2026], [0, 3, 7], path_years=[2024, 2030], path_values=[0, 25],
                           projection_years=[2026, 2030], projection_values=[7, 14], forecast_year=2030,
                           forecast_value=18.5, target_year=2030, target_value=25,
                           names={"actual": "实际", "path": "路径", "projection": "外推", "forecast": "前瞻", "target": "目标"},
                           title="已命名科学高中", x_title="年份", y_title="学校数（所）"),
        charts.bars(["和平区", "河东区"], [3, 5], title="各区", x_title="区", y_title="学校数（所）", target=4,
                    target_label="目标"),
        charts.bars(["和平区", "河东区"], [3, 5], horizontal=True, title="各区", x_title="学校数（所）", y_title="区"),
        charts.grouped_bars(["和平区", "河东区"], {"甲": [1, 2], "乙": [3, 4]}, stacked=True, title="对比",
                            x_title="区", y_title="比例（%）"),
        charts.heatmap(["数学", "物理"], ["和平区", "河东区"], [[1, 0], [2, 3]], title="学科×区", x_title="区",
                       y_title="学科", colourbar_title="基地数（个）"),
        charts.histogram([10, 20, 55, 56], title="分布", x_title="参与率（%）", y_title="学校数（所）", marker_value=40,
                         marker_label="全市"),
        charts.binned_histogram(range(0, 100, 10), [0, 1, 1, 0, 0, 2, 0, 0, 0, 0], title="分布", x_title="参与率（%）",
                                y_title="学校数（所）", marker_value=40, marker_label="全市"),
        charts.status_bar(["2024届", "2025届"], [90, 100], ["not_met", "met"], ["未完成", "已完成"], title="各届",
                          x_title="届别", y_title="学生数（人）", target=100, target_label="目标"),
    ]
    for fig in figures:
        assert isinstance(fig, go.Figure)
        layout = fig.layout
        assert layout.title.text
        assert layout.xaxis.title.text and layout.yaxis.title.text
        assert "WenQuanYi Micro Hei" in layout.font.family
        assert layout.separators == ".,"
        assert len(fig.data) >= 1 and all(trace.visible is not False for trace in fig.data)


def test_status_is_written_on_the_bars_not_told_by_colour_alone():
    fig = charts.status_bar(["2024届", "2025届"], [90, 100], ["not_met", "met"], ["未完成", "已完成"], title="各届",
                            x_title="届别", y_title="学生数（人）")
    assert list(fig.data[0].text) == ["90 · 未完成", "100 · 已完成"]
    assert list(fig.data[0].marker.color) == [charts.STATUS_COLOURS["not_met"], charts.STATUS_COLOURS["met"]]


def test_palette_is_okabe_ito():
    okabe_ito = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"}
    assert set(charts.STATUS_COLOURS.values()) <= okabe_ito
    assert set(charts.SERIES) <= okabe_ito


def test_a_histogram_of_counts_per_band_draws_the_bands_of_the_histogram_of_values():
    values = [0, 9.99, 10, 35.5, 99.9, 100]
    bands = [sum(1 for v in values if lo <= v < lo + 10 or (lo == 90 and v == 100)) for lo in range(0, 100, 10)]
    fig = charts.binned_histogram(range(0, 100, 10), bands, title="t", x_title="x", y_title="y")
    bar = fig.data[0]
    assert list(bar.y) == [2, 1, 0, 1, 0, 0, 0, 0, 0, 2]
    assert list(bar.x) == [5, 15, 25, 35, 45, 55, 65, 75, 85, 95] and list(bar.width) == [10] * 10
    assert fig.layout.bargap == 0 and list(fig.layout.xaxis.range) == [0, 100]
    assert list(bar.customdata)[:2] == ["0–10", "10–20"]


def test_heatmap_writes_each_count_in_its_cell():
    fig = charts.heatmap(["数学"], ["和平区", "河东区"], [[0, 12]], title="t", x_title="x", y_title="y",
                         colourbar_title="c")
    assert fig.data[0].text[0] == ("", "12") or list(fig.data[0].text[0]) == ["", "12"]


# ---------------------------------------------------------------- the translation table

def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_entry_has_both_languages_with_the_same_placeholders():
    assert DASHBOARD_KEYS < set(TEXT)  # every table joined, the access and glance words included
    for key in TEXT:
        zh, en = TEXT[key]
        assert zh and en, key
        assert _placeholders(zh) == _placeholders(en), key
        assert re.search(r"[\u4e00-\u9fff]", zh) or key in {"export_size", "unit_name_%", "export_snapshot_option",
                                                                  "auth_signed_in_as"}, key


def test_status_words_are_those_of_the_exports():
    for status, (zh, en) in STATUS_LABELS.items():
        assert t(f"status_{status}", "zh") == zh
        assert t(f"status_{status}", "en") == en


def test_every_static_key_used_by_the_dashboard_exists():
    used = set()
    for name in MY_FILES:
        used |= set(re.findall(r"\btr?\(\"([a-z0-9_%]+)\"", (DASHBOARDS / name).read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in TEXT)
    assert not missing
    assert len(used) > 150
