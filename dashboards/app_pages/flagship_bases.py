"""领航学科基地 Flagship discipline bases: active bases against 32 (deadline assumed 2030), where
they are by discipline and district, their statuses over the years, and what they reported."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, data, progress, ui
from dashboards import format as fmt
from dashboards.ui import tr

ctx = ui.context()
ui.page_header(ctx, "flb_title", "flb_intro")

target = ui.target_row(ctx, "FLB_ACTIVE")
active = data.indicator(ctx.snap, "FLB_ACTIVE").filter(pl.col("period") <= ctx.year).sort("period")
if active.is_empty() or target is None:
    ui.no_data()
    st.stop()

goal, deadline = target["target_value"], target["target_year"]
now = active.row(-1, named=True)
baseline_year, baseline = active.item(0, "period"), active.item(0, "value")
value = now["value"]

c1, c2, c3 = st.columns(3)
c1.metric(tr("flb_active_metric", year=now["period"]),
          f"{fmt.fmt_int(value)} / {fmt.fmt_int(goal)} " + ui.unit_word("bases"))
with c1:
    ui.lineage(ctx, "FLB_ACTIVE", now["period"], key="flb_active")
with c2:
    st.markdown(tr("shs_status_label"))
    st.markdown(ui.status_badge(now["status"]), unsafe_allow_html=True)
    if now["progress_ratio"] is not None:
        st.caption(tr("shs_ratio", ratio=fmt.fmt_ratio(now["progress_ratio"])))
need = progress.required_per_year(value, now["period"], goal, deadline)
c3.metric(tr("shs_required_metric", deadline=deadline),
          (fmt.fmt_number(need) + " " + ui.unit_word("bases")) if need is not None else tr("card_target_reached"))
if target["deadline_assumed"]:
    st.warning(tr("card_deadline_assumed", deadline=deadline), icon=":material/info:")
if ctx.district is not None:
    local = data.indicator(ctx.snap, "FLB_ACTIVE", district=ctx.district, period=ctx.year)
    if not local.is_empty():
        st.markdown(tr("card_district_value", place=ui.place_name(ctx, ctx.district),
                       value=fmt.fmt_int(local.item(0, "value")), unit=ui.unit_word("bases")))
    st.caption(tr("city_target_note"))

# ---------------------------------------------------------------- active bases against 32
path = progress.straight_path(baseline, baseline_year, goal, deadline)
projection = progress.projection_path(baseline, baseline_year, value, now["period"], deadline)
fig = charts.target_path(
    active["period"].to_list(), active["value"].to_list(),
    path_years=[y for y, _ in path], path_values=[v for _, v in path],
    projection_years=[y for y, _ in projection], projection_values=[v for _, v in projection],
    target_year=deadline, target_value=goal,
    names={"actual": tr("legend_actual_active"), "path": tr("legend_path", target=fmt.fmt_int(goal), deadline=deadline),
           "projection": tr("legend_projection"), "forecast": tr("legend_forecast"),
           "target": tr("legend_target_assumed") if target["deadline_assumed"] else tr("legend_target")},
    title=tr("flb_path_title", target=fmt.fmt_int(goal), deadline=deadline),
    x_title=tr("axis_year"), y_title=tr("axis_bases"),
)
years = sorted({*active["period"].to_list(), *[y for y, _ in path]})
actual, path_map, projection_map = dict(zip(active["period"].to_list(), active["value"].to_list())), dict(path), dict(projection)
table = pl.DataFrame({
    tr("col_year"): [str(y) for y in years],
    tr("col_active_bases"): [fmt.fmt_int(actual.get(y)) for y in years],
    tr("col_path"): [fmt.fmt_number(path_map.get(y)) for y in years],
    tr("col_projection"): [fmt.fmt_number(projection_map.get(y)) for y in years],
})
raw = pl.DataFrame({"year": years, "active": [actual.get(y) for y in years],
                    "straight_path": [path_map.get(y) for y in years],
                    "linear_projection": [projection_map.get(y) for y in years]},
                   schema={"year": pl.Int64, "active": pl.Float64, "straight_path": pl.Float64,
                           "linear_projection": pl.Float64})
ui.chart_with_table(fig, table, "flb_active_path", download=raw)

# ---------------------------------------------------------------- discipline × district
st.subheader(tr("flb_heatmap_title", year=ctx.year))
year_bases = data.bases(ctx.snap, ctx.year, None).filter(pl.col("is_active"))
if year_bases.is_empty():
    ui.no_data()
else:
    names = ui.district_names(ctx)
    disciplines = ui.code_order(ctx, "discipline")
    district_codes = [g for g in names if ui.visible_district(ctx, g)]  # never another district drawn as zero
    counts = year_bases.group_by("discipline", "district_code").len()
    lookup = {(d, g): n for d, g, n in counts.iter_rows()}
    matrix = [[lookup.get((d, g), 0) for g in district_codes] for d in disciplines]
    row_labels = [ui.code_label(ctx, "discipline", d) for d in disciplines]
    column_labels = [names[g] + (" ◀" if g == ctx.district else "") for g in district_codes]
    fig = charts.heatmap(row_labels, column_labels, matrix, title=tr("flb_heatmap_chart", year=ctx.year),
                         x_title=tr("axis_district"), y_title=tr("axis_discipline"), colourbar_title=tr("axis_bases"))
    table = pl.DataFrame({tr("col_discipline"): row_labels,
                          **{names[g]: [fmt.fmt_int(r[i]) for r in matrix] for i, g in enumerate(district_codes)},
                          tr("col_total"): [fmt.fmt_int(sum(r)) for r in matrix]})
    ui.chart_with_table(fig, table, f"flb_discipline_district_{ctx.year}",
                        download=counts.rename({"len": "active_bases"}))
    ui.withheld_districts_note(ctx)

# ---------------------------------------------------------------- where there is none (the city's own figures)
by_discipline = data.indicator(ctx.snap, "FLB_ACTIVE", period=ctx.year, dimension="discipline")
counted = dict(zip(by_discipline["breakdown_value"].to_list(), by_discipline["value"].to_list()))
all_disciplines = ui.code_order(ctx, "discipline")  # the spec's list, every one of them
st.subheader(tr("flb_gaps_title", year=ctx.year))
left, right = st.columns(2)
with left:
    table = pl.DataFrame({tr("col_discipline"): [ui.code_label(ctx, "discipline", d) for d in all_disciplines],
                          tr("col_active_bases"): [int(counted.get(d) or 0) for d in all_disciplines]})
    ui.table_with_download(table, f"flb_by_discipline_{ctx.year}")
    none = [ui.code_label(ctx, "discipline", d) for d in all_disciplines if not counted.get(d)]
    st.markdown(tr("flb_disciplines_without", n=len(none), names="、".join(none) if ctx.lang == "zh" else ", ".join(none))
                if none else tr("flb_every_discipline"))
with right:
    names_all = ui.district_names(ctx)
    by_geo = data.indicator(ctx.snap, "FLB_ACTIVE", period=ctx.year, all_geos=True).filter(pl.col("geo_code") != data.CITY)
    seen = dict(zip(by_geo["geo_code"].to_list(), by_geo["value"].to_list()))
    withheld = [g for g in names_all if g not in seen]
    rows = [(names_all[g], tr("not_visible_to_you") if g in withheld else fmt.fmt_int(seen.get(g) or 0)) for g in names_all]
    table = pl.DataFrame(rows, schema=[tr("col_district"), tr("col_active_bases")], orient="row")
    ui.table_with_download(table, f"flb_by_district_{ctx.year}")
    none = [names_all[g] for g in names_all if g in seen and not seen[g]]
    separator = "、" if ctx.lang == "zh" else ", "
    st.markdown(tr("flb_districts_without", n=len(none), names=separator.join(none)) if none
                else tr("flb_every_district_seen"))
    if withheld:
        st.caption(tr("flb_districts_withheld", n=len(withheld)))

# ---------------------------------------------------------------- statuses over the years
st.subheader(tr("flb_status_title", place=ui.rows_place(ctx)))
all_years = data.bases(ctx.snap, None, ctx.district).filter(pl.col("period") <= ctx.year)
if all_years.is_empty():
    ui.no_data()
else:
    statuses = ui.code_order(ctx, "base_status")
    periods = sorted(set(all_years["period"].to_list()))
    counts = all_years.group_by("period", "base_status").len()
    lookup = {(p, s): n for p, s, n in counts.iter_rows()}
    series = {ui.code_label(ctx, "base_status", s): [lookup.get((p, s), 0) for p in periods] for s in statuses}
    fig = charts.grouped_bars([str(p) for p in periods], series, stacked=True,
                              title=tr("flb_status_chart", place=ui.rows_place(ctx)),
                              x_title=tr("axis_year"), y_title=tr("axis_bases"))
    table = pl.DataFrame({tr("col_year"): [str(p) for p in periods],
                          **{name: [fmt.fmt_int(v) for v in values] for name, values in series.items()}})
    ui.chart_with_table(fig, table, "flb_status_by_year", download=counts.rename({"len": "bases"}).sort("period"))
    st.caption(tr("flb_status_note"))

# ---------------------------------------------------------------- what the bases reported
st.subheader(tr("flb_annual_title", place=ui.rows_place(ctx)))
annual = data.base_annual_figures(ctx.snap, ctx.district).filter(pl.col("report_year") <= ctx.year)
if annual.is_empty():
    ui.no_data()
else:
    left, right = st.columns(2)
    labels = [str(y) for y in annual["report_year"].to_list()]
    table = pl.DataFrame({
        tr("col_year"): labels,
        tr("col_bases_reporting"): [fmt.fmt_int(v) for v in annual["bases_reporting"].to_list()],
        tr("col_students_served"): [fmt.fmt_int(v) for v in annual["students_served"].to_list()],
        tr("col_schools_reached"): [fmt.fmt_int(v) for v in annual["schools_reached"].to_list()],
        tr("col_courses"): [fmt.fmt_int(v) for v in annual["courses_offered"].to_list()],
        tr("col_training_hours"): [fmt.fmt_number(v) for v in annual["teacher_training_hours"].to_list()],
    })
    with left:
        fig = charts.bars(labels, annual["students_served"].to_list(),
                          title=tr("flb_students_chart", place=ui.rows_place(ctx)),
                          x_title=tr("axis_report_year"), y_title=tr("axis_students"))
        ui.chart_with_table(fig, table, "flb_students_served", download=annual)
    with right:
        fig = charts.bars(labels, annual["schools_reached"].to_list(), colour=charts.OKABE_ITO["bluish_green"],
                          title=tr("flb_schools_chart", place=ui.rows_place(ctx)),
                          x_title=tr("axis_report_year"), y_title=tr("axis_schools"))
        ui.chart_with_table(fig, table, "flb_schools_reached", download=annual)

# ---------------------------------------------------------------- every base
st.subheader(tr("flb_table_title", year=ctx.year, place=ui.rows_place(ctx)))
listed = data.bases(ctx.snap, ctx.year, ctx.district)
if listed.is_empty():
    ui.no_data()
else:
    names = ui.district_names(ctx)
    shown = pl.DataFrame({
        tr("col_base_code"): listed["base_code"].to_list(),
        tr("col_discipline"): [ui.code_label(ctx, "discipline", d) for d in listed["discipline"].to_list()],
        tr("col_host_school"): listed["host_school_name"].to_list(),
        tr("col_district"): [names.get(g, g) for g in listed["district_code"].to_list()],
        tr("col_base_status"): [ui.code_label(ctx, "base_status", s) for s in listed["base_status"].to_list()],
        tr("col_counts"): [tr("yes") if a else tr("no") for a in listed["is_active"].to_list()],
        tr("col_status_from"): [str(y) + ("" if not c else " " + tr("carried_forward"))
                                for y, c in zip(listed["status_report_year"].to_list(),
                                                listed["is_carried_forward"].to_list())],
    })
    ui.table_with_download(shown, f"flb_bases_{ctx.year}", download=listed)

# ---------------------------------------------------------------- any figure of the page: where it comes from
ui.lineage_explorer(ctx, ["FLB_ACTIVE"], key="flagship_bases")
