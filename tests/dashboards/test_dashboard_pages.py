"""Every page of the dashboard, opened with streamlit.testing.v1.AppTest over the real demo snapshot,
in Chinese and English, with and without filters: the figures shown are the demo's (checked against
seeds/demo/expected.json and the snapshot's indicator_values), not merely "no exception"."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import format as fmt
from dashboards.data import PAGE_ROWS
from dashboards.i18n import t
from dashboards.scope import scoped
from pipelines.access.roles import Role, Scope
from pipelines.indicators.catalog import STATUS_LABELS
from tests.dashboards.dashboard_support import APP, PAGES

CITY = "120000"
YEAR = 2026  # the demo's latest year: the default of the year filter
BINHAI = "120116"

PAGE_TITLES = {
    "overview": "overview_title", "science_high_schools": "shs_title", "flagship_bases": "flb_title",
    "youth_programme": "yip_title", "everyone": "everyone_title", "reporting": "reporting_title",
    "methodology": "method_title", "export": "export_title",
}


def open_page(page: str, lang: str = "zh", *, year: int | None = None, district: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["lang"] = lang
    if year is not None:
        at.session_state["year"] = year
    if district is not None:
        at.session_state["district"] = district
    at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything written on the page (titles, text, captions, notes, metric labels and values)."""
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success")
             for e in getattr(at, kind)]
    parts += [f"{m.label} | {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def metric(at: AppTest, label_part: str) -> str:
    found = [m.value for m in at.metric if label_part in m.label]
    assert found, f"no metric labelled …{label_part}…: {[m.label for m in at.metric]}"
    return found[0]


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart(at: AppTest, title_part: str) -> dict:
    found = [c for c in charts(at) if title_part in c["layout"]["title"]["text"]]
    assert found, f"no chart titled …{title_part}…: {[c['layout']['title']['text'] for c in charts(at)]}"
    return found[0]


def table_with(at: AppTest, *columns: str):
    """The first table holding all these columns."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert found, f"no table with the columns {columns}"
    return found[0]


def value(expected: dict, indicator: str, year: int = YEAR, key: str = "value"):
    return expected["indicators"][CITY][indicator][str(year)][key]


def status_word(snapshot_values, indicator, year=YEAR, lang="zh", geo=CITY) -> str:
    status = snapshot_values[(indicator, year, geo, "")]["status"]
    return STATUS_LABELS[status][0 if lang == "zh" else 1]


# ---------------------------------------------------------------- every page, both languages, both filter states

@pytest.mark.parametrize("filtered", [False, True], ids=["no-filter", "2025-binhai"])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_opens_with_its_title_provenance_and_non_empty_charts(demo_env, snapshot_sql, page, lang,
                                                                          filtered):
    at = open_page(page, lang, year=2025 if filtered else None, district=BINHAI if filtered else None)
    assert at.title[0].value == t(PAGE_TITLES[page], lang)
    as_of, published_at = snapshot_sql("select as_of, published_at from meta.snapshot")[0]
    provenance = at.caption[0].value
    assert fmt.fmt_datetime(as_of, lang) in provenance and "current.duckdb" in provenance
    assert fmt.fmt_datetime(published_at, lang) in provenance
    assert ("2025" if filtered else "2026") in provenance
    assert (("滨海新区" if lang == "zh" else "Binhai") if filtered else t("whole_city", lang)) in provenance
    # the sidebar carries the filters and the language switch in the chosen language
    assert at.sidebar.selectbox[0].label == t("year_label", lang)
    assert at.sidebar.selectbox[1].label == t("district_label", lang)
    for spec in charts(at):
        assert spec["layout"]["title"]["text"]
        assert spec["layout"]["xaxis"]["title"]["text"] and spec["layout"]["yaxis"]["title"]["text"]
        points = [v for trace in spec["data"] for axis in ("x", "y", "z") for v in (trace.get(axis) or [])]
        assert any(v not in (None, 0, "") for v in points), spec["layout"]["title"]["text"]
    # no chart without its table: every chart is followed by an expander holding its data
    assert len([e for e in at.expander if e.label == t("chart_table", lang)]) == len(charts(at))


# ---------------------------------------------------------------- overview

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_cards_show_each_target_with_status_change_and_pace(demo_env, expected, snapshot_values, lang):
    at = open_page("overview", lang)
    unit = {"schools": t("unit_schools", lang), "bases": t("unit_bases", lang), "students": t("unit_students", lang)}
    cards = [m.value for m in at.metric]
    assert f"{value(expected, 'SHS_NAMED'):.0f} / 25 {unit['schools']}" in cards  # 7 / 25 所
    assert f"{value(expected, 'FLB_ACTIVE'):.0f} / 32 {unit['bases']}" in cards  # 26 / 32 个
    assert f"{value(expected, 'YIP_ENROLLED'):.0f} / 100 {unit['students']}" in cards  # 104 / 100 人
    assert f"{fmt.fmt_pct(value(expected, 'YIP_DUAL_MENTOR'))} / 100.0%" in cards  # 73.1% / 100.0%
    assert f"{fmt.fmt_pct(value(expected, 'STE_VICE_PRINCIPAL'))} / 100.0%" in cards  # 90.6% / 100.0%
    page = texts(at)
    badges = [m.value for m in at.markdown if 'class="kj-status"' in m.value]
    assert len(badges) == 5
    for badge, indicator in zip(badges, ("SHS_NAMED", "FLB_ACTIVE", "YIP_ENROLLED", "YIP_DUAL_MENTOR",
                                         "STE_VICE_PRINCIPAL")):
        status = snapshot_values[(indicator, YEAR, CITY, "")]["status"]
        assert f'data-status="{status}"' in badge  # the colour …
        assert status_word(snapshot_values, indicator, lang=lang) in badge  # … and the word
    # change since last year: 7 - 3 = +4 schools; 73.08 - 97.0 = −23.9 points
    deltas = [m.proto.delta for m in at.metric]
    assert any("+4" in d for d in deltas)
    assert any(fmt.fmt_change(value(expected, "YIP_DUAL_MENTOR") - value(expected, "YIP_DUAL_MENTOR", 2025), "%",
                              lang) in d for d in deltas)
    # what each remaining year must add: (25 − 7) / 4 = 4.5 schools
    need = (25 - value(expected, "SHS_NAMED")) / (2030 - YEAR)
    assert f"**{fmt.fmt_number(need)}**" in page
    ratio = snapshot_values[("SHS_NAMED", YEAR, CITY, "")]["progress_ratio"]
    assert f"R = {ratio:.2f}" in page
    # the assumed deadline of the flagship bases is said on screen
    assert t("card_deadline_assumed", lang, deadline=2030) in page
    # the alliance in numbers
    assert f"{value(expected, 'ALLIANCE_MEMBERS'):.0f} {t('unit_members', lang)}" in cards
    assert f"{value(expected, 'ALLIANCE_DISTRICTS'):.0f} / 16" in cards
    # reporting completeness: 1,244 of 1,484 schools, 240 missing
    assert fmt.fmt_pct(value(expected, "REPORTING_COMPLETENESS")) in cards
    owed = value(expected, "REPORTING_COMPLETENESS", key="denominator")
    sent = value(expected, "REPORTING_COMPLETENESS", key="numerator")
    assert t("completeness_detail", lang, sent=fmt.fmt_int(sent), owed=fmt.fmt_int(owed),
             missing=fmt.fmt_int(owed - sent)) in page
    by_district = chart(at, t("completeness_by_district_title", lang, year=YEAR))
    assert len(by_district["data"][0]["x"]) == 16


def test_overview_follows_the_year_and_district_filters(demo_env, expected, snapshot_values):
    at = open_page("overview", "zh", year=2025, district=BINHAI)
    cards = [m.value for m in at.metric]
    assert f"{value(expected, 'SHS_NAMED', 2025):.0f} / 25 所" in cards  # 3 / 25 所
    assert f"{value(expected, 'YIP_ENROLLED', 2025):.0f} / 100 人" in cards
    local = snapshot_values[("SHS_NAMED", 2025, BINHAI, "")]["value"]
    assert f"其中滨海新区：{local:.0f} 所" in texts(at)
    completeness = snapshot_values[("REPORTING_COMPLETENESS", 2025, BINHAI, "")]
    assert metric(at, "2025年学校科技教育年报报送率（滨海新区）") == fmt.fmt_pct(completeness["value"])
    members = snapshot_values[("ALLIANCE_MEMBERS", 2025, BINHAI, "")]["value"]
    assert metric(at, "联盟成员单位（滨海新区）") == f"{members:.0f} 家"


# ---------------------------------------------------------------- science high schools

def test_science_high_schools_path_forecast_funnel_and_candidates(demo_env, expected, snapshot_sql):
    at = open_page("science_high_schools")
    assert metric(at, "2026年末已命名") == f"{value(expected, 'SHS_NAMED'):.0f} / 25 所"
    path_chart = chart(at, "已命名科学高中与按期路径")
    actual = next(tr for tr in path_chart["data"] if tr["name"] == "实际已命名")
    assert actual["y"] == [value(expected, "SHS_NAMED", y) for y in (2024, 2025, 2026)]
    straight = next(tr for tr in path_chart["data"] if tr["name"].startswith("按期路径"))
    assert straight["x"][0] == 2024 and straight["y"][0] == 0 and straight["x"][-1] == 2030 and straight["y"][-1] == 25
    # one outlook, stated once (issue 16): its central estimate is drawn, with its range in the legend
    central, low, high, projected = snapshot_sql("select outlook_central, outlook_low, outlook_high, "
                                                 "projected_named_by_deadline from indicators.shs_forecast "
                                                 "where stage = ''")[0]
    forecast = next(tr for tr in path_chart["data"] if tr["name"] == f"展望（区间 {low:.0f}–{high:.0f}）")
    assert forecast["y"] == [pytest.approx(central)]
    assert f"约{central:.0f}所" in texts(at)
    assert any(m.proto.delta == f"区间 {low:.0f}–{high:.0f} 所（80%）" for m in at.metric)
    assert fmt.fmt_number(projected) not in texts(at)  # the old all-pass estimate is no second answer
    # candidates by stage: the bars are SHS_PIPELINE's breakdown
    stages = dict(snapshot_sql("select breakdown_value, value from indicators.indicator_values where indicator_id = "
                               "'SHS_PIPELINE' and period = 2026 and geo_code = '120000' and breakdown_dimension = "
                               "'stage'"))
    funnel = chart(at, "2026年末科学高中各阶段学校数")["data"][0]
    assert sum(funnel["x"]) == sum(stages.values())
    assert funnel["x"][funnel["y"].index("验收命名")] == value(expected, "SHS_NAMED")
    # every candidate, with its stage history in words
    schools = table_with(at, "阶段历程")
    assert len(schools) == snapshot_sql("select count(*) from marts.fct_shs_school_year where period = 2026")[0][0]
    assert (schools["年末所处阶段"] == "验收命名").sum() == value(expected, "SHS_NAMED")
    assert schools["阶段历程"].str.contains("申报").any()


def test_science_high_schools_for_one_district(demo_env, snapshot_sql):
    at = open_page("science_high_schools", "en", year=2025, district=BINHAI)
    schools = table_with(at, "Stage history")
    count = snapshot_sql("select count(*) from marts.fct_shs_school_year where period = 2025 and district_code = $d",
                         {"d": BINHAI})[0][0]
    assert len(schools) == count > 0
    assert set(schools["District"]) == {"Binhai New Area"}
    assert t("city_target_note", "en") in texts(at)


# ---------------------------------------------------------------- flagship bases

def test_flagship_bases_against_32_with_heat_map_and_statuses(demo_env, expected):
    at = open_page("flagship_bases")
    assert metric(at, "2026年末在建基地") == f"{value(expected, 'FLB_ACTIVE'):.0f} / 32 个"
    assert "此处按2030年假定" in texts(at)
    heat = chart(at, "各学科、各区在建基地数")["data"][0]
    assert sum(sum(row) for row in heat["z"]) == value(expected, "FLB_ACTIVE")
    assert len(heat["x"]) == 16 and "数学" in heat["y"]
    statuses = chart(at, "各年末基地状态")
    active_2026 = sum(tr["y"][-1] for tr in statuses["data"] if tr["name"] in ("立项建设", "中期评估", "通过评估"))
    assert active_2026 == value(expected, "FLB_ACTIVE")
    served = chart(at, "各年度服务学生数")["data"][0]
    assert served["x"] == ["2024", "2025", "2026"] and all(v > 0 for v in served["y"])


# ---------------------------------------------------------------- youth programme

def _cells(frame) -> list[str]:
    return [str(v) for column in frame.columns for v in frame[column].tolist()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_youth_programme_cohorts_mentors_and_small_counts(demo_env, expected, lang):
    at = open_page("youth_programme", lang)
    cohorts = chart(at, t("yip_cohorts_chart", lang, quota="100"))["data"][0]
    assert cohorts["y"] == [value(expected, "YIP_ENROLLED", y) for y in (2024, 2025, 2026)]
    assert any(t("status_met", lang) in text for text in cohorts["text"])
    assert metric(at, t("yip_dual_metric", lang, year=YEAR)) == fmt.fmt_pct(value(expected, "YIP_DUAL_MENTOR"))
    # no participant has finished the 2026 programme yet: no completion rate
    assert metric(at, t("yip_completion_metric", lang, year=YEAR)) == "—"
    completion = chart(at, t("yip_completion_chart", lang, place=t("whole_city", lang)))["data"][0]
    assert completion["y"][:2] == [pytest.approx(value(expected, "YIP_COMPLETION", y), abs=0.005) for y in (2024, 2025)]
    assert completion["y"][2] is None  # 2026: nobody's term has ended
    # small counts: no count of students from 1 to 4 is ever shown; "<5" stands in for them
    equity = table_with(at, t("col_share_participants", lang))
    # the districts' rows (the last row is the city's own total, issue 16)
    assert equity[t("col_district", lang)].tolist()[-1] == t("whole_city", lang)
    participants = equity[t("col_participants", lang)].tolist()[:-1]
    assert fmt.SUPPRESSED in participants
    for frame in (d.value for d in at.dataframe):
        assert not {"1", "2", "3", "4"} & set(_cells(frame)), frame
    shown = sum(int(v.replace(",", "")) for v in participants if v != fmt.SUPPRESSED)
    assert shown < value(expected, "YIP_ENROLLED")
    # and the chart does not draw the suppressed districts' shares
    bars = chart(at, t("yip_equity_chart", lang, year=YEAR))
    drawn = bars["data"][0]["y"]
    assert sum(v is None for v in drawn) == participants.count(fmt.SUPPRESSED)


def _share_on_a_small_numerator(snapshot_values, indicators) -> tuple[str, int, str, dict]:
    """A district's share whose numerator is 1 to 4 while its denominator is 5 or more."""
    found = sorted((indicator, year, geo) for (indicator, year, geo, breakdown), row in snapshot_values.items()
                   if indicator in indicators and breakdown == "" and geo != CITY
                   and row["numerator"] is not None and 0 < row["numerator"] < 5 <= row["denominator"])
    assert found, "the demo has a district share resting on 1 to 4 students"
    indicator, year, geo = found[0]
    return indicator, year, geo, snapshot_values[(indicator, year, geo, "")]


def test_a_share_on_a_small_numerator_is_not_shown_on_the_youth_page(demo_env, snapshot_values, snapshot_sql):
    """A share is not given when its numerator or its denominator is hidden (the rule of every
    export, pipelines/exports/disclosure.py): 4 of 7 would give the 4 away beside the 7."""
    indicator, year, geo, row = _share_on_a_small_numerator(snapshot_values, ("YIP_DUAL_MENTOR", "YIP_COMPLETION"))
    at = open_page("youth_programme", "zh", year=year, district=geo)
    shown = fmt.fmt_pct(row["value"])
    label = {"YIP_DUAL_MENTOR": "yip_dual_metric", "YIP_COMPLETION": "yip_completion_metric"}[indicator]
    assert metric(at, t(label, "zh", year=year)) != shown
    key = {"YIP_DUAL_MENTOR": "dual", "YIP_COMPLETION": "completion"}[indicator]
    table = table_with(at, t(f"col_{key}_numerator", "zh"))
    cohort = table[t("col_cohort", "zh")].tolist().index(t("cohort_label", "zh", year=year))
    assert table[t("col_share", "zh")].tolist()[cohort] != shown
    (place,), = snapshot_sql("select district_name_zh from ref.districts where district_code = $geo", {"geo": geo})
    bars = chart(at, t(f"yip_{key}_chart", "zh", place=place))["data"][0]
    assert bars["y"][cohort] is None


def test_a_share_on_a_small_numerator_is_not_shown_on_the_overview(demo_env, snapshot_values):
    _, year, geo, row = _share_on_a_small_numerator(snapshot_values, ("YIP_DUAL_MENTOR",))
    at = open_page("overview", "zh", year=year, district=geo)
    lines = [m.value for m in at.markdown if m.value.startswith("其中")]
    assert lines and not any(fmt.fmt_pct(row["value"]) in line for line in lines)
    assert any(t("share_hidden_small", "zh") in line for line in lines)


# ---------------------------------------------------------------- S&T for everyone

def test_everyone_coverage_participation_and_schools_beside_their_district(demo_env, expected, snapshot_sql):
    at = open_page("everyone")
    assert metric(at, "2026年科学副校长配备率（全市）") == fmt.fmt_pct(value(expected, "STE_VICE_PRINCIPAL"))
    assert metric(at, "2026年学生科技活动参与率（全市）") == fmt.fmt_pct(value(expected, "STE_PARTICIPATION"))
    vp_n = value(expected, "STE_VICE_PRINCIPAL", key="numerator")
    vp_d = value(expected, "STE_VICE_PRINCIPAL", key="denominator")
    assert f"已报年报 {fmt.fmt_int(vp_d)} 所中 {fmt.fmt_int(vp_n)} 所已配备，**{fmt.fmt_int(vp_d - vp_n)} 所未配备**" \
        in texts(at)
    # one row per school with an accepted 2026 report, a page at a time (the CSV holds them all),
    # furthest below its district first
    schools = table_with(at, "与所在区相比")
    assert len(schools) == min(vp_d, PAGE_ROWS)
    assert t("table_rows_shown", "zh", first="1", last=fmt.fmt_int(min(vp_d, PAGE_ROWS)),
             total=fmt.fmt_int(vp_d)) in texts(at)
    listed = [*schools["学校"]]
    for number in range(2, -(-vp_d // PAGE_ROWS) + 1):
        at.number_input(key="page_everyone_schools_2026").set_value(number).run()
        assert not at.exception
        listed += [*table_with(at, "与所在区相比")["学校"]]
    assert len(listed) == vp_d
    # the schools by rate: bands of 10 points counted in SQL, as many as counted here from every rate
    rates = [r[0] for r in snapshot_sql("select st_activity_percent from marts.fct_school_annual_report "
                                        "where report_year = 2026 and st_activity_percent is not null")]
    bands = [sum(1 for r in rates if lo <= r < lo + 10 or (lo == 90 and r == 100)) for lo in range(0, 100, 10)]
    histogram = chart(at, "各校学生科技活动参与率分布")["data"][0]
    assert histogram["y"] == bands and sum(bands) == vp_d
    assert histogram["x"] == [lo + 5 for lo in range(0, 100, 10)]
    vp_counts = dict(snapshot_sql("select science_vice_principals, count(*) from marts.fct_school_annual_report "
                                  "where report_year = 2026 group by 1"))
    vp_chart = chart(at, "科学副校长人数分布")["data"][0]
    assert dict(zip(vp_chart["x"], vp_chart["y"])) == {str(k): v for k, v in vp_counts.items()}
    by_type = chart(at, "各办学类型配备率与参与率")
    assert "小学" in by_type["data"][0]["x"]


def test_everyone_for_one_district_compares_its_schools(demo_env, snapshot_values):
    at = open_page("everyone", "en", year=2025, district=BINHAI)
    local = snapshot_values[("STE_PARTICIPATION", 2025, BINHAI, "")]
    assert metric(at, "Students in S&T activities, 2025 (Binhai New Area)") == fmt.fmt_pct(local["value"])
    schools = table_with(at, "Against district")
    assert set(schools["District"]) == {"Binhai New Area"}
    assert set(schools["District's participation"]) == {fmt.fmt_pct(local["value"])}


# ---------------------------------------------------------------- reporting

def _rejected(expected, report, year):
    return [f for f in expected["files"] if f["report"] == report and f["outcome"] == "rejected"
            and f["arrived_at"].startswith(str(year))]


def test_reporting_lists_who_has_sent_who_has_not_and_why_files_were_rejected(demo_env, expected):
    at = open_page("reporting")
    owed = expected["counts"]["schools_owing_r5"][str(YEAR)]
    sent = value(expected, "REPORTING_COMPLETENESS", key="numerator")
    assert metric(at, "应报（全市）") == fmt.fmt_int(owed)
    assert metric(at, "已报送") == fmt.fmt_int(sent)
    assert metric(at, "未报送") == fmt.fmt_int(owed - sent)
    missing = table_with(at, "学校标识码")
    assert len(missing) == owed - sent
    rejected = _rejected(expected, "R5", YEAR)
    assert metric(at, "已退回") == fmt.fmt_int(len(rejected))
    files = table_with(at, "文件", "退回原因")  # the obligations' table has a reason too, and no file
    assert set(files["文件"]) == {f["file"] for f in rejected}
    errors = table_with(at, "问题")
    assert len(errors) >= len(rejected) and errors["行"].ne("—").all()


def test_reporting_lists_the_files_of_no_report_type_with_their_reason(demo_env, expected):
    """A file that is no report, or could not be read, has no report type: it is still on the
    page, with its outcome and reason (issue 11)."""
    from pipelines.demo.generator import read_arrivals
    from pipelines.settings import DEMO_DIR

    at = open_page("reporting")
    arrivals = read_arrivals(DEMO_DIR)
    untyped = {f["file"] for f in expected["not_a_report"] if arrivals[f["file"]].year == YEAR}
    table = table_with(at, "处理结果")
    assert untyped and set(table["文件"]) == untyped
    assert set(table["处理结果"]) == {"不是报表"} and table["退回原因"].str.len().min() > 0


def test_reporting_of_the_youth_roster_never_shows_values(demo_env, expected):
    at = open_page("reporting", "en")
    at.segmented_control(key="report_type").set_value("R3").run()
    assert not at.exception
    rejected = _rejected(expected, "R3", YEAR)
    assert rejected, "the demo has a rejected roster"
    files = table_with(at, "File", "Reason")
    assert set(files["File"]) == {f["file"] for f in rejected}
    errors = table_with(at, "Value seen")
    assert len(errors) >= 1 and set(errors["Value seen"]) == {""}
    # hosts of this cohort or the last: who has sent this year's roster
    hosts = metric(at, "Owed (Whole city)")
    assert int(hosts) >= 10


def test_reporting_counts_corrections(demo_env, expected):
    at = open_page("reporting", "zh", year=2025)
    corrected = [f for f in expected["files"] if f["report"] == "R5" and f["supersedes"]
                 and f["arrived_at"].startswith("2025")]
    assert corrected
    sentence = next(m.value for m in at.markdown if m.value.startswith("本年度接收的"))
    assert "个文件的" in sentence
    versions = table_with(at, "是否有效")
    assert {f["file"] for f in corrected} <= set(versions["文件"])


# ---------------------------------------------------------------- methodology and export

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_methodology_states_definitions_method_origin_targets_and_limits(demo_env, lang):
    at = open_page("methodology", lang)
    page = texts(at)
    assert "ProgressMeasure.py" in page and "Statistics Canada" in page and "Open SDG" in page
    assert ("采用" if lang == "zh" else "adopted") in page
    assert "0.6" in page and "(6/25)" in page
    targets = table_with(at, t("col_source_words", lang))
    assert "试点建设科学高中，计划到2030年建成25所左右" in set(targets[t("col_source_words", lang)])
    assert len(targets) == 5
    definitions = table_with(at, t("col_definition", lang))
    assert len(definitions) == 11
    assert t("method_limitations_title", lang) in page


def test_export_offers_the_export_modules_files_for_a_chosen_snapshot(demo_env, demo_data_dir, tmp_path,
                                                                       snapshot_sql):
    at = open_page("export")
    labels = [b.proto.label for b in at.get("download_button")]
    # the file names carry the as-of, in Beijing time (issue 16)
    as_of = snapshot_sql("select as_of from meta.snapshot")[0][0]
    stamp = f"{fmt.to_beijing(as_of):%Y-%m-%d_%H%M}"
    assert labels == [f"下载 indicators_截至{stamp}.{kind}" for kind in ("csv", "xlsx", "parquet")] + [
        "下载月度简报（PDF）"]  # and the briefing of the snapshot (issue 16)
    assert t("export_made_by_cli", "zh") in texts(at)
    rows = snapshot_sql("select count(*) from indicators.indicator_values")[0][0]
    assert at.expander[0].label == t("export_preview", "zh", n=fmt.fmt_int(rows))
    as_of = snapshot_sql("select as_of from meta.snapshot")[0][0]
    assert isinstance(as_of, datetime)
    assert at.selectbox(key="export_snapshot_zh").options[0].startswith(fmt.fmt_datetime(as_of, "zh"))

    # the bytes offered are those `kejiao export` writes for that snapshot
    from dashboards import data
    from pipelines.exports.indicators_export import export_indicators

    snap = scoped(data.current_snapshot(), Scope(Role.DATA_TEAM))
    offered = data.export_files(snap, "en").files
    written = export_indicators(demo_data_dir / "published" / "current.duckdb", tmp_path)
    assert offered["indicators.csv"] == written["csv"].read_bytes()
    # in Chinese, the same rows under Chinese headers
    chinese = data.export_files(snap, "zh").files["indicators.csv"].decode("utf-8-sig")
    assert chinese.startswith("指标代码,指标名称,年度,区划代码,区域")
    assert chinese.count("\n") == written["csv"].read_text(encoding="utf-8-sig").count("\n")
    assert offered["indicators.parquet"] == written["parquet"].read_bytes()
    assert len(offered["indicators.xlsx"]) > 1000


# ---------------------------------------------------------------- the shared sidebar

def test_filters_are_widgets_and_survive_a_change_of_language(demo_env, expected):
    at = open_page("overview")
    at.sidebar.selectbox[0].set_value(2025).run()
    at.sidebar.selectbox[1].set_value(BINHAI).run()
    assert not at.exception
    assert "2025年 · 滨海新区" in at.caption[0].value
    assert f"{value(expected, 'SHS_NAMED', 2025):.0f} / 25 所" in [m.value for m in at.metric]
    at.sidebar.segmented_control[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == t("overview_title", "en")
    assert "2025 · Binhai New Area" in at.caption[0].value
    assert at.sidebar.selectbox[0].value == 2025 and at.sidebar.selectbox[1].value == BINHAI
    assert f"{value(expected, 'SHS_NAMED', 2025):.0f} / 25 schools" in [m.value for m in at.metric]


def test_a_districts_small_count_of_students_is_never_shown_on_the_overview(demo_env, snapshot_values):
    small = sorted((year, geo) for (indicator, year, geo, breakdown), row in snapshot_values.items()
                   if indicator == "YIP_ENROLLED" and breakdown == "" and geo != CITY and 0 < row["value"] < 5)
    assert small, "the demo has a district with fewer than 5 participants in a cohort"
    year, geo = small[0]
    at = open_page("overview", "zh", year=year, district=geo)
    lines = [m.value for m in at.markdown if m.value.startswith("其中")]
    count = f"{snapshot_values[('YIP_ENROLLED', year, geo, '')]['value']:.0f} 人"
    assert any(line.endswith("<5 人") for line in lines) and not any(line.endswith(count) for line in lines)
