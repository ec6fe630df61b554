"""青少年科创计划 Youth S&T programme: each cohort against 100, host universities, districts of
origin (share of participants against share of pupils), dual-mentor coverage and completion.

Participants are minors: their small counts are hidden by the helpers of dashboards/format.py
(a count from 1 to 4 as "<5", a share on such a count not at all), the rule of every export.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, data, ui
from dashboards import format as fmt
from dashboards.ui import tr

ctx = ui.context()
ui.page_header(ctx, "yip_title", "yip_intro")
st.caption(tr("yip_suppression_note"))

target = ui.target_row(ctx, "YIP_ENROLLED")
quota = target["target_value"] if target else 100
enrolled = data.indicator(ctx.snap, "YIP_ENROLLED", district=ctx.district).filter(pl.col("period") <= ctx.year)
dual = data.indicator(ctx.snap, "YIP_DUAL_MENTOR", district=ctx.district).filter(pl.col("period") <= ctx.year)
completion = data.indicator(ctx.snap, "YIP_COMPLETION", district=ctx.district).filter(pl.col("period") <= ctx.year)
if enrolled.is_empty():
    ui.no_data()
    st.stop()
place = ui.place_name(ctx, ctx.district)


def share_text(row: dict | None) -> str:
    """A share, unless it rests on fewer than 5 students."""
    if row is None or row["value"] is None:
        return fmt.MISSING
    if fmt.value_hidden(row):
        return fmt.SUPPRESSED + " " + tr("students_word")
    return fmt.fmt_pct(row["value"])


def row_at(frame: pl.DataFrame, year: int) -> dict | None:
    rows = frame.filter(pl.col("period") == year)
    return None if rows.is_empty() else rows.row(0, named=True)


# ---------------------------------------------------------------- this cohort
this = row_at(enrolled, ctx.year)
c1, c2, c3 = st.columns(3)
if this is None:
    c1.metric(tr("yip_cohort_metric", year=ctx.year, place=place), fmt.MISSING)
else:
    shown_count = fmt.fmt_count_suppressed(this["value"])
    c1.metric(tr("yip_cohort_metric", year=ctx.year, place=place),
              f"{shown_count} / {fmt.fmt_int(quota)} " + ui.unit_word("students")
              if ctx.district is None else f"{shown_count} " + ui.unit_word("students"))
    if ctx.district is None:
        c1.markdown(ui.status_badge(this["status"]), unsafe_allow_html=True)
    with c1:
        ui.lineage(ctx, "YIP_ENROLLED", ctx.year, ctx.geo, key="yip_enrolled")
c2.metric(tr("yip_dual_metric", year=ctx.year), share_text(row_at(dual, ctx.year)))
ended = row_at(completion, ctx.year)
c3.metric(tr("yip_completion_metric", year=ctx.year), share_text(ended))
if ended is None or not ended["denominator"]:
    c3.caption(tr("yip_no_completion_yet"))
if ctx.district is not None:
    st.caption(tr("yip_quota_city_note", quota=fmt.fmt_int(quota)))

# ---------------------------------------------------------------- each cohort against the quota
st.subheader(tr("yip_cohorts_title", quota=fmt.fmt_int(quota)))
city_enrolled = data.indicator(ctx.snap, "YIP_ENROLLED").filter(pl.col("period") <= ctx.year).sort("period")
labels = [tr("cohort_label", year=y) for y in city_enrolled["period"].to_list()]
statuses = city_enrolled["status"].to_list()
fig = charts.status_bar(labels, city_enrolled["value"].to_list(), statuses, [ui.status_word(s) for s in statuses],
                        title=tr("yip_cohorts_chart", quota=fmt.fmt_int(quota)), x_title=tr("axis_cohort"),
                        y_title=tr("axis_students"), target=quota,
                        target_label=tr("yip_quota_line", quota=fmt.fmt_int(quota)))
table = pl.DataFrame({
    tr("col_cohort"): labels,
    tr("col_selected"): [fmt.fmt_count_suppressed(v) for v in city_enrolled["value"].to_list()],
    tr("col_quota"): [fmt.fmt_int(quota)] * city_enrolled.height,
    tr("col_status"): [ui.status_word(s) for s in statuses],
})
ui.chart_with_table(fig, table, "yip_cohorts", download=table)  # counts of minors: as shown, "<5" included

# ---------------------------------------------------------------- host universities
st.subheader(tr("yip_hosts_title", year=ctx.year, place=ui.rows_place(ctx)))
hosts = data.yip_hosts(ctx.snap, ctx.year, ctx.district)  # named in SQL: not the whole registry
if hosts.is_empty():
    ui.no_data()
else:
    shown = fmt.shown_counts(hosts["value"].to_list())
    names = hosts["host_university_name"].to_list()
    fig = charts.bars(names, shown.values, horizontal=True, text=shown.texts,
                      title=tr("yip_hosts_chart", year=ctx.year, place=ui.rows_place(ctx)),
                      x_title=tr("axis_students"), y_title=tr("axis_university"),
                      height=max(300, 80 + 40 * len(names)))
    table = pl.DataFrame({tr("col_university"): names, tr("col_students"): shown.texts})
    ui.chart_with_table(fig, table, f"yip_hosts_{ctx.year}", download=table)

# ---------------------------------------------------------------- districts of origin: equity
st.subheader(tr("yip_equity_title", year=ctx.year))
origin = data.yip_by_district(ctx.snap, ctx.year)
city_row = origin.filter(pl.col("district_code") == data.CITY)
if city_row.is_empty() or not city_row.item(0, "participants"):
    ui.no_data()
else:
    # shares of the city's own totals (its row in the snapshot), never of the rows a scope leaves
    total_participants, total_pupils = city_row.item(0, "participants"), city_row.item(0, "pupils")
    names = ui.district_names(ctx)
    visible = dict(zip(origin["district_code"].to_list(), origin.select("participants", "pupils").rows()))
    codes = list(names)  # every district of the city, in code order
    seen = [g for g in codes if g in visible]
    participants = [visible[g][0] for g in seen]
    pupils = [visible[g][1] for g in seen]
    shown = fmt.shown_counts(participants, has_total=len(seen) == len(codes))
    hidden = shown.hidden
    share_participants = [None if h else 100 * n / total_participants for n, h in zip(participants, hidden)]
    share_pupils = [100 * p / total_pupils if total_pupils else None for p in pupils]
    ratio = [None if sp is None or not pp else sp / pp for sp, pp in zip(share_participants, share_pupils)]
    labels = [names.get(g, g) + (" ◀" if g == ctx.district else "") for g in seen]
    fig = charts.grouped_bars(
        labels,
        {tr("legend_share_participants"): share_participants, tr("legend_share_pupils"): share_pupils},
        notes=[fmt.SUPPRESSED if h else None for h in hidden],
        title=tr("yip_equity_chart", year=ctx.year), x_title=tr("axis_district"), y_title=tr("axis_percent_share"),
    )
    withheld = [g for g in codes if g not in visible]
    not_visible = tr("not_visible_to_you")
    rows = {g: (names.get(g, g), n, fmt.SUPPRESSED if h else fmt.fmt_pct(sp),
                fmt.fmt_int(p), fmt.fmt_pct(spp), fmt.MISSING if r is None else f"{r:.2f}")
            for g, n, h, sp, p, spp, r in zip(seen, shown.texts, hidden, share_participants, pupils, share_pupils,
                                                ratio)}
    for g in withheld:
        rows[g] = (names.get(g, g), not_visible, not_visible, not_visible, not_visible, not_visible)
    ordered = [rows[g] for g in codes] + [(tr("whole_city"), fmt.fmt_count_suppressed(total_participants),
                                           fmt.fmt_pct(100.0), fmt.fmt_int(total_pupils), fmt.fmt_pct(100.0), "1.00")]
    headers = [tr("col_district"), tr("col_participants"), tr("col_share_participants"), tr("col_pupils"),
               tr("col_share_pupils"), tr("col_representation")]
    table = pl.DataFrame([list(r) for r in ordered], schema=headers, orient="row")
    ui.chart_with_table(fig, table, f"yip_equity_{ctx.year}", download=table)
    if withheld:
        st.info(tr("yip_equity_withheld", n=len(withheld), districts="、".join(names.get(g, g) for g in withheld)
                   if ctx.lang == "zh" else ", ".join(names.get(g, g) for g in withheld)),
                icon=":material/visibility_off:")
    st.caption(tr("yip_equity_note"))

# ---------------------------------------------------------------- mentors and completion per cohort
st.subheader(tr("yip_quality_title", place=place))
left, right = st.columns(2)
for column, frame, key, title_key in ((left, dual, "dual", "yip_dual_chart"),
                                      (right, completion, "completion", "yip_completion_chart")):
    with column:
        frame = frame.sort("period")
        if frame.is_empty():
            ui.no_data()
            continue
        rows = frame.to_dicts()
        values = [None if fmt.value_hidden(r) else r["value"] for r in rows]
        labels = [tr("cohort_label", year=r["period"]) for r in rows]
        fig = charts.bars(labels, values, colour=charts.OKABE_ITO["bluish_green"] if key == "dual"
                          else charts.OKABE_ITO["sky_blue"], text=[share_text(r) for r in rows],
                          title=tr(title_key, place=place), x_title=tr("axis_cohort"), y_title=tr("axis_percent"),
                          target=100 if key == "dual" else None,
                          target_label=tr("yip_dual_target") if key == "dual" else None)
        fig.update_yaxes(range=[0, 110])
        table = pl.DataFrame({
            tr("col_cohort"): labels,
            tr(f"col_{key}_numerator"): [fmt.fmt_count_suppressed(r["numerator"]) for r in rows],
            tr(f"col_{key}_denominator"): [fmt.fmt_count_suppressed(r["denominator"]) for r in rows],
            tr("col_share"): [share_text(r) for r in rows],
        })
        ui.chart_with_table(fig, table, f"yip_{key}", download=table)
st.caption(tr("yip_completion_note"))

# ---------------------------------------------------------------- which mentor is missing
lacking = data.yip_mentors_lacking(ctx.snap, ctx.year, ctx.district).row(0, named=True)
if lacking["participants"]:
    st.subheader(tr("yip_lacking_title", year=ctx.year, place=ui.rows_place(ctx)))
    counts = [lacking["lacking_university_only"], lacking["lacking_school_only"], lacking["lacking_both"]]
    shown = fmt.shown_counts(counts + [lacking["with_both"]])  # the fourth cell makes up the total
    table = pl.DataFrame({
        tr("col_mentor_lacking"): [tr("yip_lacks_university"), tr("yip_lacks_school"), tr("yip_lacks_both")],
        tr("col_students"): shown.texts[:3],
    })
    ui.table_with_download(table, f"yip_mentors_lacking_{ctx.year}")
    st.caption(tr("yip_lacking_note"))

# ---------------------------------------------------------------- gender
genders = data.indicator(ctx.snap, "YIP_ENROLLED", district=ctx.district, period=ctx.year, dimension="gender")
genders = genders.filter(pl.col("value") > 0)
if not genders.is_empty():
    st.subheader(tr("yip_gender_title", year=ctx.year, place=place))
    shown = fmt.shown_counts(genders["value"].to_list())
    labels = [ui.code_label(ctx, "gender", g) for g in genders["breakdown_value"].to_list()]
    fig = charts.bars(labels, shown.values, text=shown.texts,
                      colour=charts.OKABE_ITO["reddish_purple"], title=tr("yip_gender_chart", year=ctx.year, place=place),
                      x_title=tr("axis_gender"), y_title=tr("axis_students"), height=320)
    table = pl.DataFrame({tr("col_gender"): labels, tr("col_students"): shown.texts})
    ui.chart_with_table(fig, table, f"yip_gender_{ctx.year}", download=table)

# ---------------------------------------------------------------- any figure of the page: where it comes from
ui.lineage_explorer(ctx, ["YIP_ENROLLED", "YIP_DUAL_MENTOR", "YIP_COMPLETION"], key="youth_programme")
