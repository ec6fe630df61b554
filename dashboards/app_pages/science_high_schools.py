"""科学高中 Science high schools: named schools per year against the straight path to 25 by 2030,
the pace so far carried forward and the pipeline's forward estimate; candidates by stage;
schools by district; every candidate with its stage history."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboards import charts, data, progress, ui
from dashboards import format as fmt
from dashboards.ui import tr

ctx = ui.context()
ui.page_header(ctx, "shs_title", "shs_intro")

target = ui.target_row(ctx, "SHS_NAMED")
named = data.indicator(ctx.snap, "SHS_NAMED").filter(pl.col("period") <= ctx.year).sort("period")
forecast = data.shs_forecast(ctx.snap) if "indicators.shs_forecast" in data.tables(ctx.snap) else pl.DataFrame()

if named.is_empty() or target is None:
    ui.no_data()
    st.stop()

goal, deadline = target["target_value"], target["target_year"]
now = named.row(-1, named=True)
baseline_year, baseline = named.item(0, "period"), named.item(0, "value")
value = now["value"]
total = forecast.filter(pl.col("stage") == "") if not forecast.is_empty() else forecast

# ---------------------------------------------------------------- headline figures
c1, c2, c3, c4 = st.columns(4)
c1.metric(tr("shs_named_metric", year=now["period"]), f"{fmt.fmt_int(value)} / {fmt.fmt_int(goal)} "
          + ui.unit_word("schools"))
with c1:
    ui.lineage(ctx, "SHS_NAMED", now["period"], key="shs_named")
with c2:
    st.markdown(tr("shs_status_label"))
    st.markdown(ui.status_badge(now["status"]), unsafe_allow_html=True)
    if now["progress_ratio"] is not None:
        st.caption(tr("shs_ratio", ratio=fmt.fmt_ratio(now["progress_ratio"])))
need = progress.required_per_year(value, now["period"], goal, deadline)
c3.metric(tr("shs_required_metric", deadline=deadline),
          (fmt.fmt_number(need) + " " + ui.unit_word("schools")) if need is not None else tr("card_target_reached"))
projection = progress.projection_path(baseline, baseline_year, value, now["period"], deadline)
outlook = total.row(0, named=True) if not total.is_empty() and total.item(0, "outlook_central") is not None else None
if outlook is not None:  # one outlook, stated once: a central estimate and its range
    c4.metric(tr("shs_outlook_metric", deadline=deadline),
              tr("shs_outlook_value", central=fmt.fmt_int(outlook["outlook_central"])),
              delta=tr("shs_outlook_range", low=fmt.fmt_int(outlook["outlook_low"]),
                       high=fmt.fmt_int(outlook["outlook_high"])), delta_color="off", delta_arrow="off")
elif projection:
    c4.metric(tr("shs_projection_metric", deadline=deadline),
              fmt.fmt_number(projection[-1][1]) + " " + ui.unit_word("schools"))
if ctx.district is not None:
    st.caption(tr("city_target_note"))
linear_at_deadline = projection[-1][1] if projection else None
if outlook is not None:
    central, low, high = outlook["outlook_central"], outlook["outlook_low"], outlook["outlook_high"]
    where = "above" if goal > high else ("below" if goal < low else "within")
    st.markdown(tr("shs_outlook_sentence", status=ui.status_word(now["status"]),
                   ratio=fmt.fmt_ratio(now["progress_ratio"]), named=fmt.fmt_int(value), year=now["period"],
                   linear=fmt.fmt_number(linear_at_deadline), deadline=deadline, central=fmt.fmt_int(central),
                   low=fmt.fmt_int(low), high=fmt.fmt_int(high), goal=fmt.fmt_int(goal),
                   stuck=fmt.fmt_int(outlook["stuck_in_stage"]), candidates=fmt.fmt_int(outlook["candidates"]))
                + " " + tr(f"shs_outlook_goal_{where}", goal=fmt.fmt_int(goal)))

# ---------------------------------------------------------------- named against the path
path = progress.straight_path(baseline, baseline_year, goal, deadline)
forecast_value = outlook["outlook_central"] if outlook is not None else None
fig = charts.target_path(
    named["period"].to_list(), named["value"].to_list(),
    path_years=[y for y, _ in path], path_values=[v for _, v in path],
    projection_years=[y for y, _ in projection], projection_values=[v for _, v in projection],
    forecast_year=deadline if forecast_value is not None else None, forecast_value=forecast_value,
    target_year=deadline, target_value=goal,
    names={"actual": tr("legend_actual_named"), "path": tr("legend_path", target=fmt.fmt_int(goal), deadline=deadline),
           "projection": tr("legend_projection"),
           "forecast": tr("legend_outlook", low=fmt.fmt_int(outlook["outlook_low"]), high=fmt.fmt_int(outlook["outlook_high"]))
           if outlook is not None else tr("legend_forecast"), "target": tr("legend_target")},
    title=tr("shs_path_title", target=fmt.fmt_int(goal), deadline=deadline),
    x_title=tr("axis_year"), y_title=tr("axis_schools"),
)
years = sorted({*named["period"].to_list(), *[y for y, _ in path]})
actual = dict(zip(named["period"].to_list(), named["value"].to_list()))
path_map, projection_map = dict(path), dict(projection)
table = pl.DataFrame({
    tr("col_year"): [str(y) for y in years],
    tr("col_named"): [fmt.fmt_int(actual.get(y)) for y in years],
    tr("col_path"): [fmt.fmt_number(path_map.get(y)) for y in years],
    tr("col_projection"): [fmt.fmt_number(projection_map.get(y)) for y in years],
})
raw = pl.DataFrame({"year": years, "named": [actual.get(y) for y in years],
                    "straight_path": [path_map.get(y) for y in years],
                    "linear_projection": [projection_map.get(y) for y in years]},
                   schema={"year": pl.Int64, "named": pl.Float64, "straight_path": pl.Float64,
                           "linear_projection": pl.Float64})
ui.chart_with_table(fig, table, "shs_named_path", download=raw)

# ---------------------------------------------------------------- the outlook's inputs, method written out
st.subheader(tr("shs_outlook_title", deadline=deadline))
if forecast.is_empty():
    ui.no_data()
else:
    st.caption(tr("shs_outlook_method"))
    stages = forecast.filter(pl.col("stage") != "")
    shown = pl.DataFrame({
        tr("col_stage"): [ui.code_label(ctx, "shs_stage", s) for s in stages["stage"].to_list()],
        tr("col_candidates"): stages["candidates"].to_list(),
        tr("col_moved_on"): stages["transitions_observed"].to_list(),
        tr("col_withdrew"): stages["withdrawals_observed"].to_list(),
        tr("col_still_in_stage"): stages["still_in_stage"].to_list(),
        tr("col_median_days"): stages["median_days_to_next"].to_list(),
        tr("col_pooled"): [tr("yes") if v else "" for v in stages["is_pooled"].to_list()],
    })
    ui.table_with_download(shown, "shs_forecast", download=forecast.drop("method_zh", "method_en"))

# ---------------------------------------------------------------- candidates by stage
st.subheader(tr("shs_pipeline_title", year=ctx.year, place=ui.place_name(ctx, ctx.district)))
pipeline = data.indicator(ctx.snap, "SHS_PIPELINE", district=ctx.district, period=ctx.year, dimension="stage")
order = ui.code_order(ctx, "shs_stage")
if pipeline.is_empty():
    ui.no_data()
else:
    pipeline = pipeline.with_columns(pl.col("breakdown_value").map_elements(
        lambda c: order.index(c) if c in order else 99, return_dtype=pl.Int64).alias("_order")).sort("_order")
    labels = [ui.code_label(ctx, "shs_stage", s) for s in pipeline["breakdown_value"].to_list()]
    colours = [charts.OKABE_ITO["blue"] if s == "named" else charts.OKABE_ITO["vermillion"] if s == "withdrawn"
               else charts.OKABE_ITO["orange"] if s == "rectification" else charts.OKABE_ITO["sky_blue"]
               for s in pipeline["breakdown_value"].to_list()]
    fig = charts.bars(labels, pipeline["value"].to_list(), horizontal=True, colour=colours,
                      title=tr("shs_pipeline_chart", year=ctx.year, place=ui.place_name(ctx, ctx.district)),
                      x_title=tr("axis_schools"), y_title=tr("axis_stage"))
    table = pl.DataFrame({tr("col_stage"): labels,
                          tr("col_schools"): [fmt.fmt_int(v) for v in pipeline["value"].to_list()]})
    ui.chart_with_table(fig, table, f"shs_pipeline_{ctx.year}", download=pipeline.select("breakdown_value", "value"))
    total_candidates = data.indicator(ctx.snap, "SHS_PIPELINE", district=ctx.district, period=ctx.year)
    if not total_candidates.is_empty():
        st.caption(tr("shs_candidates_total", n=fmt.fmt_int(total_candidates.item(0, "value"))))

# ---------------------------------------------------------------- by district
st.subheader(tr("shs_district_title", year=ctx.year))
named_d = data.indicator(ctx.snap, "SHS_NAMED", period=ctx.year, all_geos=True).filter(pl.col("geo_code") != data.CITY)
cand_d = data.indicator(ctx.snap, "SHS_PIPELINE", period=ctx.year, all_geos=True).filter(pl.col("geo_code") != data.CITY)
if named_d.is_empty():
    ui.no_data()
else:
    names = ui.district_names(ctx)
    joined = (named_d.select("geo_code", pl.col("value").alias("named"))
              .join(cand_d.select("geo_code", pl.col("value").alias("candidates")), on="geo_code", how="left")
              .sort("geo_code"))
    labels = [names.get(g, g) + (" ◀" if g == ctx.district else "") for g in joined["geo_code"].to_list()]
    fig = charts.grouped_bars(labels, {tr("legend_named"): joined["named"].to_list(),
                                       tr("legend_candidates"): joined["candidates"].to_list()},
                              stacked=True, title=tr("shs_district_chart", year=ctx.year),
                              x_title=tr("axis_district"), y_title=tr("axis_schools"))
    table = pl.DataFrame({tr("col_district"): [names.get(g, g) for g in joined["geo_code"].to_list()],
                          tr("col_named"): [fmt.fmt_int(v) for v in joined["named"].to_list()],
                          tr("col_candidates"): [fmt.fmt_int(v) for v in joined["candidates"].to_list()]})
    ui.chart_with_table(fig, table, f"shs_by_district_{ctx.year}", download=joined)
    ui.withheld_districts_note(ctx)

# ---------------------------------------------------------------- every candidate and its history
st.subheader(tr("shs_table_title", year=ctx.year, place=ui.rows_place(ctx)))
schools = data.shs_schools(ctx.snap, ctx.year, ctx.district)
if schools.is_empty():
    ui.no_data()
else:
    names = ui.district_names(ctx)

    def history_text(history) -> str:
        return " → ".join(f"{ui.code_label(ctx, 'shs_stage', h['stage'])} {fmt.fmt_date(h['event_date'], ctx.lang)}"
                          for h in (history or []))

    shown = pl.DataFrame({
        tr("col_school"): schools["school_name"].to_list(),
        tr("col_district"): [names.get(g, g) for g in schools["district_code"].to_list()],
        tr("col_stage_now"): [ui.code_label(ctx, "shs_stage", s) for s in schools["pipeline_stage"].to_list()],
        tr("col_latest_event"): ui.date_column(schools["latest_event_date"].to_list()),
        tr("col_days_in_stage"): schools["days_in_stage"].to_list(),
        tr("col_named_since"): ui.date_column(schools["named_since_date"].to_list()),
        tr("col_history"): [history_text(h) for h in schools["history"].to_list()],
    })
    raw = schools.with_columns(pl.col("history").map_elements(
        lambda h: "; ".join(f"{x['stage']} {x['event_date']}" for x in h), return_dtype=pl.String))
    ui.table_with_download(shown, f"shs_candidates_{ctx.year}", download=raw)
    until = min(date(ctx.year, 12, 31), fmt.to_beijing(data.snapshot_meta(ctx.snap)["as_of"]).date()) \
        if data.snapshot_meta(ctx.snap).get("as_of") else date(ctx.year, 12, 31)
    st.caption(tr("shs_days_note", until=fmt.fmt_date(until, ctx.lang)))

# ---------------------------------------------------------------- any figure of the page: where it comes from
ui.lineage_explorer(ctx, ["SHS_NAMED", "SHS_PIPELINE"], key="science_high_schools")
