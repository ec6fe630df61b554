"""Issue 16 ("the dashboard tells staff the truth at a glance"), page by page in AppTest over the demo
snapshot, as the roles of the demo switcher: the answers a staffer would carry into a report."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import auth
from dashboards.i18n import t
from dashboards.pages import PAGES as APP_PAGES
from tests.dashboards.dashboard_support import APP

PAGES = {url: path for path, _, url, _ in APP_PAGES}

YEAR = 2026
HEXI = "120103"
DISTRICT_BUREAU = "hexi@demo.kejiao.invalid"
COMMISSION = "shijiaowei@demo.kejiao.invalid"


def open_as(identity: str, page: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["lang"] = lang
    at.session_state[auth.DEMO_KEY] = identity
    at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_with(at: AppTest, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with a column {column}"
    return found[0]


def test_a_district_sees_its_true_share_of_the_city(demo_env, snapshot_sql):
    (city,), (hexi,) = (snapshot_sql("select value from indicators.indicator_values where indicator_id = "
                                     "'YIP_ENROLLED' and breakdown = '' and period = $p and geo_code = $g",
                                     {"p": YEAR, "g": g})[0] for g in ("120000", HEXI))
    assert 0 < hexi < city
    at = open_as(DISTRICT_BUREAU, "youth_programme")
    equity = table_with(at, t("col_share_participants"))
    rows = {r[t("col_district")]: r for r in equity.to_dict("records")}
    assert rows["河西区"][t("col_share_participants")] == f"{100 * hexi / city:.1f}%"
    assert rows["河西区"][t("col_share_participants")] != "100.0%"
    # the other districts are not drawn as zero: they are said to be withheld
    assert rows["和平区"][t("col_participants")] == t("not_visible_to_you")
    assert rows["滨海新区"][t("col_share_pupils")] == t("not_visible_to_you")
    assert any("无权查看" in i.value for i in at.info)
    # the city's own totals stand below the districts
    assert rows[t("whole_city")][t("col_participants")] == f"{int(city):,}"


def test_the_commission_sees_every_district_and_the_same_city_total(demo_env, snapshot_sql):
    at = open_as(COMMISSION, "youth_programme")
    equity = table_with(at, t("col_share_participants"))
    assert t("not_visible_to_you") not in equity.to_string()
    assert len(equity) == 17  # 16 districts and the city


def test_candidates_sort_by_date_and_say_how_long_they_are_in_their_stage(demo_env, snapshot_sql):
    at = open_as(COMMISSION, "science_high_schools")
    table = pl.from_pandas(table_with(at, t("col_latest_event")))
    assert table.schema[t("col_latest_event")] in (pl.Date, pl.Datetime("ms"), pl.Datetime("us"), pl.Datetime("ns"))
    ordered = table.sort(t("col_latest_event"))[t("col_latest_event")].to_list()
    assert ordered[0] == min(ordered) and ordered[0].year == min(d.year for d in ordered)
    as_of = snapshot_sql("select max(as_of) from meta.snapshot")[0][0]
    until = min(dt.date(YEAR, 12, 31), (as_of + dt.timedelta(hours=8)).date())
    for latest, days in zip(table[t("col_latest_event")].to_list(), table[t("col_days_in_stage")].to_list()):
        latest = latest.date() if isinstance(latest, dt.datetime) else latest
        assert days == (until - latest).days


def test_one_outlook_with_its_range_and_a_sentence_that_reconciles(demo_env, snapshot_sql):
    central, low, high, projected, linear = snapshot_sql(
        "select outlook_central, outlook_low, outlook_high, projected_named_by_deadline, "
        "linear_projection_by_deadline from indicators.shs_forecast where stage = ''")[0]
    assert low <= central <= high
    at = open_as(COMMISSION, "science_high_schools")
    outlooks = [m for m in at.metric if "展望" in m.label]
    assert len(outlooks) == 1 and outlooks[0].value == f"约{central:.0f}所"
    assert outlooks[0].proto.delta == f"区间 {low:.0f}–{high:.0f} 所（80%）"
    sentence = next(m.value for m in at.markdown if m.value.startswith("**结论**"))
    assert "需加快" in sentence and f"约 {linear:.0f} 所" in sentence and f"**{low:.0f}–{high:.0f}**" in sentence
    assert "目标 25 所" in sentence
    assert f"{projected:.1f}" not in "\n".join(m.value for m in at.markdown)


def test_downloads_are_report_ready(demo_env, monkeypatch):
    """Chinese headers by default (English in English mode), a district's name beside its code, times
    in Beijing time saying so, and formulas neutralised (the one writer)."""
    import csv
    import io

    from dashboards import data, ui
    from dashboards.scope import scoped
    from pipelines.access.roles import Role, Scope

    snap = scoped(data.current_snapshot(), Scope(Role.COMMISSION))
    frame = pl.DataFrame({"district_code": [HEXI, "120000"], "arrived_at": [dt.datetime(2026, 11, 24, 5, 8, 52)] * 2,
                          "original_name": ["=HYPERLINK(1)", "河西区.xlsx"], "error_count": [1, 0]})
    for lang, headers, name, city in (
            ("zh", ["区划代码", "区", "到达时间（北京时间）", "文件名", "错误数"], "河西区", "全市"),
            ("en", ["District code", "District", "Arrived at (Beijing time)", "File name", "Errors"], "Hexi",
             "Whole city")):
        monkeypatch.setattr(ui, "lang", lambda lang=lang: lang)
        monkeypatch.setattr(ui.st, "session_state", {"_snapshot": snap, "lang": lang})
        rows = list(csv.reader(io.StringIO(ui.csv_bytes(frame).decode("utf-8-sig"))))
        assert rows[0] == headers
        assert rows[1][:3] == [HEXI, name, "2026-11-24 13:08:52"] and rows[2][1] == city
        assert rows[1][3] == "'=HYPERLINK(1)"
    assert ui.download_name("shs_candidates_2026", snap=snap).startswith("shs_candidates_2026_as-of_20")


SCHOOL = "hexi12zhong@demo.kejiao.invalid"


def test_the_commission_is_told_what_is_withheld_not_shown_zero(demo_env):
    at = open_as(COMMISSION, "reporting")
    withheld = [i.value for i in at.info if "逐格错误" in i.value]
    assert withheld and "您的角色不可查看" in withheld[0]
    assert not [e for e in at.expander if e.label.startswith("逐格错误")]  # no "逐格错误（0条）" beside "错误数 1"


def test_an_uploaded_file_shows_at_once_as_received_and_waiting(demo_data_dir, tmp_path, monkeypatch):
    import shutil

    from pipelines.intake import upload

    shutil.copytree(demo_data_dir / "published", tmp_path / "published")
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(tmp_path))
    sender = upload.Sender(identity=SCHOOL, role="school", schools=("3412000534",), districts=(HEXI,), mode="demo")
    other = upload.Sender(identity="other@demo.kejiao.invalid", role="school", schools=("3412000001",),
                          districts=("120101",), mode="demo")
    inbox = tmp_path / "inbox"
    upload.deliver(b"a,b\n1,2\n", "u1.csv", inbox, sender, "本校2026年度科技教育年报.csv")
    upload.deliver(b"a,b\n3,4\n", "u2.csv", inbox, other, "别校年报.csv")
    at = open_as(SCHOOL, "my_school")
    waiting = table_with(at, t("col_uploaded"))
    assert waiting[t("col_file")].tolist() == ["本校2026年度科技教育年报.csv"]  # its own, not another school's
    assert waiting[t("my_col_status")].tolist() == [t("waiting_status")]


def test_a_cards_lineage_lists_its_files(demo_env, snapshot_sql):
    files = snapshot_sql("select s.original_name, count(*) from indicators.value_lineage l "
                         "join raw.submissions s using (submission_id) where l.indicator_id = 'SHS_NAMED' "
                         "and l.period = $p and l.geo_code = '120000' and l.breakdown = '' group by all", {"p": YEAR})
    assert files
    at = open_as(COMMISSION, "overview")
    tables = [d.value for d in at.dataframe if t("lineage_col_rows") in d.value.columns]
    shown = next(tb for tb in tables if set(tb[t("col_file")]) == {f for f, _ in files})
    assert dict(zip(shown[t("col_file")], shown[t("lineage_col_rows")])) == dict(files)
    assert set(shown[t("lineage_col_sender")]) <= {t("lineage_shared_inbox")} | {None}
    # a district bureau reading the city's card is told its sources are not visible to it
    at = open_as(DISTRICT_BUREAU, "overview")
    assert any(i.value == t("lineage_not_visible") for i in at.info)


def test_questions_a_staffer_asks_have_answers(demo_env, snapshot_sql):
    at = open_as(COMMISSION, "flagship_bases")
    disciplines = table_with(at, t("col_discipline"))
    if t("col_active_bases") in disciplines.columns and len(disciplines) == 9:  # the spec's nine, zeros included
        by_discipline = disciplines
    else:
        by_discipline = next(d.value for d in at.dataframe if list(d.value.columns) == [t("col_discipline"),
                                                                                          t("col_active_bases")])
    assert len(by_discipline) == 9
    none_districts = {name for (name,) in snapshot_sql(
        "select d.district_name_zh from ref.districts d left join indicators.indicator_values v on v.geo_code = "
        "d.district_code and v.indicator_id = 'FLB_ACTIVE' and v.period = $p and v.breakdown = '' "
        "where coalesce(v.value, 0) = 0", {"p": YEAR})}
    sentence = next(m.value for m in at.markdown if m.value.startswith("没有在建基地的区") or "各区都有" in m.value)
    assert all(name in sentence for name in none_districts)
    # which mentor a participant lacks
    lacking = snapshot_sql("select count(*) filter (where not has_university_mentor and has_school_mentor), "
                           "count(*) filter (where has_university_mentor and not has_school_mentor) "
                           "from marts.fct_yip_participants where is_counted and cohort_year = $p", {"p": YEAR})[0]
    at = open_as(COMMISSION, "youth_programme")
    table = table_with(at, t("col_mentor_lacking"))
    shown = table[t("col_students")].tolist()
    for count, cell in zip(lacking, shown):
        assert cell == ("<5" if 0 < count < 5 else f"{count:,}")
    # when a report was due and since when it is overdue (2025's annual reports: long overdue by the as-of)
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["lang"] = "zh"
    at.session_state[auth.DEMO_KEY] = COMMISSION
    at.session_state["year"] = 2025
    at.switch_page(PAGES["reporting"])
    at.run()
    assert not at.exception
    overdue = [w.value for w in at.warning if w.value.startswith("截止日期 2025年11月30日；自 2025年12月1日 起逾期")]
    assert overdue
    missing = table_with(at, t("col_overdue_since"))
    assert set(missing[t("col_overdue_since")].astype(str)) == {"2025-12-01"}


def test_a_school_sees_where_its_own_figures_come_from(demo_env, snapshot_sql):
    # the file of each of its rows, unless that file also holds other schools' rows (a bureau's compilation)
    rows = snapshot_sql(
        "select case when (select count(distinct o.school_code) from marts.fct_school_annual_report o "
        "where o.submission_id = r.submission_id) = 1 then s.original_name end, r.sheet_name, r.row_number "
        "from marts.fct_school_annual_report r join raw.submissions s using (submission_id) "
        "where r.school_code = '3412000534' order by r.report_year desc")
    assert rows and any(f for f, _, _ in rows)
    at = open_as(SCHOOL, "my_school")
    table = table_with(at, t("my_col_source"))
    assert table[t("my_col_source")].tolist()[:len(rows)] == [
        f"{f or t('my_source_shared_file')} · {s} · 第{r}行" for f, s, r in rows]


def test_a_district_never_sees_other_districts_drawn_as_zero_or_missing(demo_env):
    at = open_as(DISTRICT_BUREAU, "everyone")
    table = table_with(at, t("col_participation"))
    rows = {r[t("col_district")]: r for r in table.to_dict("records")}
    assert rows["和平区"][t("col_participation")] == t("not_visible_to_you")
    assert rows["河西区"][t("col_participation")].endswith("%")
    assert any("您无权查看" in c.value for c in at.caption)
    at = open_as(DISTRICT_BUREAU, "flagship_bases")
    heatmaps = [c for c in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if c["data"] and c["data"][0].get("type") == "heatmap"]
    for heat in heatmaps:  # no column of another district, filled with zeros
        assert {x.rstrip(" ◀") for x in heat["data"][0]["x"]} <= {"河西区"}
    at = open_as(COMMISSION, "flagship_bases")
    heat = next(c for c in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if c["data"] and c["data"][0].get("type") == "heatmap")
    assert len(heat["data"][0]["x"]) == 16


def test_issue_16_words_have_both_languages_and_the_same_placeholders():
    import re
    import string

    from dashboards.glance_text import FIELD_LABELS, GLANCE_TEXT
    from dashboards.i18n import TEXT

    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, (zh, en) in GLANCE_TEXT.items():
        assert TEXT[key] == (zh, en), key  # merged into the one table, not shadowed
        assert zh and en and placeholders(zh) == placeholders(en), key
        assert re.search(r"[\u4e00-\u9fff]", zh), key
    for name, (zh, en) in FIELD_LABELS.items():
        assert re.search(r"[\u4e00-\u9fff]", zh) and en and not re.search(r"[\u4e00-\u9fff]", en), name


def test_any_value_of_a_page_opens_its_lineage(demo_env, snapshot_sql):
    """Not only the headline figures: a breakdown cell in a district (SHS_PIPELINE, named, 和平区)."""
    expected = dict(snapshot_sql(
        "select s.original_name, count(*) from indicators.value_lineage l join raw.submissions s "
        "using (submission_id) where l.indicator_id = 'SHS_PIPELINE' and l.period = $p and l.geo_code = '120101' "
        "and l.breakdown = 'stage=named' group by all", {"p": YEAR}))
    assert expected
    at = open_as(COMMISSION, "science_high_schools")
    at.selectbox(key="lx_ind_science_high_schools_zh").set_value("SHS_PIPELINE").run()
    at.selectbox(key="lx_geo_science_high_schools_zh").set_value("120101").run()
    at.selectbox(key="lx_cell_science_high_schools").set_value("stage=named").run()
    assert not at.exception
    tables = [d.value for d in at.dataframe if t("lineage_col_rows") in d.value.columns]
    assert any(dict(zip(tb[t("col_file")], tb[t("lineage_col_rows")])) == expected for tb in tables)


def test_the_upload_widget_states_the_products_limit(demo_env):
    from pipelines.intake import upload

    at = open_as(SCHOOL, "upload")
    (uploader,) = at.get("file_uploader")
    assert uploader.proto.max_upload_size_mb == round(upload.max_upload_bytes() / 1048576) == 20  # not 200


def test_a_school_sees_its_file_refused_through_the_shared_inbox(demo_data_dir):
    """Issue 16 #7: a school's own page said 已退回 0 though its file was refused through the shared
    inbox. Intake now records whose a file is (raw.submissions.schools_named), refused or not."""
    import duckdb

    from dashboards.scope import open_scoped
    from pipelines.access.roles import Role, Scope

    snapshot = demo_data_dir / "published" / "current.duckdb"
    con = duckdb.connect(str(snapshot), read_only=True)
    refused = con.sql("select original_name, schools_named[1] from raw.submissions where status = 'rejected' "
                      "and len(schools_named) = 1 and sender is null order by original_name").fetchall()
    other = con.sql("select school_code from marts.dim_school "
                    "order by school_code limit 1").fetchall()[0][0]
    con.close()
    assert refused, "the demo has files refused through the shared inbox"
    for name, school in refused:
        own = open_scoped(snapshot, Scope(Role.SCHOOL, schools=(school,)))
        try:
            seen = {r[0] for r in own.sql("select original_name from raw.submissions where status = 'rejected'")
                    .fetchall()}
        finally:
            own.close()
        assert name in seen, (name, school)
    if other not in {school for _, school in refused}:
        stranger = open_scoped(snapshot, Scope(Role.SCHOOL, schools=(other,)))
        try:
            assert not {r[0] for r in stranger.sql("select original_name from raw.submissions").fetchall()} \
                & {name for name, _ in refused}
        finally:
            stranger.close()


def test_a_district_reads_its_own_district_on_the_reporting_page(demo_env):
    """The reporting page counts school-level rows, which for a district bureau are its own
    district's: its figures must not be titled 全市 (the issue 16 #2 fault, seen again on 应报)."""
    at = open_as(DISTRICT_BUREAU, "reporting")
    owed = [m for m in at.metric if m.label.startswith("应报")]
    assert owed and owed[0].label == "应报（河西区（您可见的学校））", [m.label for m in at.metric]
    assert "全市" not in at.caption[0].value  # the page's own line: year · place · provenance
    city = open_as("shijiaowei@demo.kejiao.invalid", "reporting")
    assert [m.label for m in city.metric if m.label.startswith("应报（")] == ["应报（全市）"]


DATA_TEAM = "shujuzu@demo.kejiao.invalid"
CJK = range(0x4E00, 0xA000)


def offered_csvs(identity: str, page: str, monkeypatch) -> dict[str, list[list[str]]]:
    """The CSV files a page offers its viewer, as the browser would get them (deferred ones made)."""
    import csv
    import io

    import streamlit

    offered, original = {}, streamlit.download_button

    def record(label, data, file_name=None, mime=None, **kwargs):
        if (mime or "text/csv") == "text/csv":
            offered[file_name] = data
        return original(label, data, file_name=file_name, mime=mime, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", record)
    open_as(identity, page)
    return {name: list(csv.reader(io.StringIO((data() if callable(data) else data).decode("utf-8-sig"))))
            for name, data in offered.items()}


@pytest.mark.parametrize("identity", [DATA_TEAM, COMMISSION, DISTRICT_BUREAU, SCHOOL])
def test_every_csv_of_every_page_is_in_chinese_and_beijing_time(demo_env, monkeypatch, identity):
    """Issue 16 #5 for every download of every page the viewer may open, not only those the glance
    walk clicked: a school's "what I owe" came with English column names and raw status codes, the
    audit log's times were UTC with no word of it, and ten more columns (district targets, the
    school-by-school comparison, missing reports, replaced files) had English headers."""
    checked = 0
    for page in PAGES:  # a page closed to the viewer offers nothing (its refusal is tested elsewhere)
        files = offered_csvs(identity, page, monkeypatch)
        for name, rows in files.items():
            checked += 1
            headers = rows[0]
            english = [h for h in headers if not any(ord(c) in CJK for c in h)]
            assert not english, f"{page} {name}: headers not in Chinese: {english}"
            for row in rows[1:]:
                for header, cell in zip(headers, row):
                    # a time written out is Beijing time and its header says so
                    if len(cell) >= 19 and cell[4] == "-" and cell[10] in "T " and cell[13] == ":":
                        assert "北京时间" in header, f"{page} {name}: {header} = {cell}"
                        assert "T" not in cell, f"{page} {name}: {header} = {cell} (an ISO time, not a report's)"
    assert checked >= 3, identity
