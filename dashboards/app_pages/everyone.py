"""面向人人 S&T education for everyone: science vice-principal coverage and participation in S&T
activities, by district and school type, how schools are spread, and each school beside its
district."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, data, ui
from dashboards import format as fmt
from dashboards.ui import tr

ctx = ui.context()
ui.page_header(ctx, "everyone_title", "everyone_intro")
place = ui.place_name(ctx, ctx.district)

vp = data.indicator(ctx.snap, "STE_VICE_PRINCIPAL", district=ctx.district, period=ctx.year)
part = data.indicator(ctx.snap, "STE_PARTICIPATION", district=ctx.district, period=ctx.year)
if vp.is_empty() and part.is_empty():
    ui.no_data()


def last_year(indicator_id: str) -> dict | None:
    frame = data.indicator(ctx.snap, indicator_id, district=ctx.district, period=ctx.year - 1)
    return None if frame.is_empty() else frame.row(0, named=True)


c1, c2 = st.columns(2)
for column, frame, indicator_id, label_key, detail_key in (
        (c1, vp, "STE_VICE_PRINCIPAL", "everyone_vp_metric", "everyone_vp_detail"),
        (c2, part, "STE_PARTICIPATION", "everyone_part_metric", "everyone_part_detail")):
    with column:
        if frame.is_empty():
            st.metric(tr(label_key, year=ctx.year, place=place), fmt.MISSING)
            continue
        row = frame.row(0, named=True)
        before = last_year(indicator_id)
        change = None if before is None or before["value"] is None or row["value"] is None else row["value"] - before["value"]
        st.metric(tr(label_key, year=ctx.year, place=place), fmt.fmt_pct(row["value"]),
                  delta=tr("card_change", change=fmt.fmt_change(change, "%", ctx.lang)) if change is not None else None,
                  delta_color="off", delta_arrow="off")
        st.markdown(tr(detail_key, numerator=fmt.fmt_int(row["numerator"]), denominator=fmt.fmt_int(row["denominator"]),
                       missing=fmt.fmt_int((row["denominator"] or 0) - (row["numerator"] or 0))))
        if indicator_id == "STE_VICE_PRINCIPAL" and row["status"]:
            st.markdown(ui.status_badge(row["status"]) + " " + tr("everyone_vp_target"), unsafe_allow_html=True)
        ui.lineage(ctx, indicator_id, ctx.year, ctx.geo, key=indicator_id)
st.caption(tr("everyone_basis_note"))

# ---------------------------------------------------------------- by district
st.subheader(tr("everyone_district_title", year=ctx.year))
names = ui.district_names(ctx)
by_district = {}
for indicator_id in ("STE_VICE_PRINCIPAL", "STE_PARTICIPATION"):
    by_district[indicator_id] = (data.indicator(ctx.snap, indicator_id, period=ctx.year, all_geos=True)
                                 .filter(pl.col("geo_code") != data.CITY).sort("geo_code"))
if by_district["STE_PARTICIPATION"].is_empty():
    ui.no_data()
else:
    codes = list(names)  # all 16, so a district without reports shows as such, not as a gap
    labels = [names[g] + (" ◀" if g == ctx.district else "") for g in codes]
    rows = {i: {r["geo_code"]: r for r in frame.to_dicts()} for i, frame in by_district.items()}
    vp_rows, part_rows = rows["STE_VICE_PRINCIPAL"], rows["STE_PARTICIPATION"]

    def get(table: dict, geo: str, field: str):
        return table.get(geo, {}).get(field)

    series = {tr("legend_vp"): [get(vp_rows, g, "value") for g in codes],
              tr("legend_participation"): [get(part_rows, g, "value") for g in codes]}
    fig = charts.grouped_bars(labels, series, title=tr("everyone_district_chart", year=ctx.year),
                              x_title=tr("axis_district"), y_title=tr("axis_percent"),
                              notes=[None if get(part_rows, g, "value") is not None
                                     else tr("no_data_short") if ui.visible_district(ctx, g)
                                     else tr("not_visible_to_you") for g in codes])
    fig.update_yaxes(range=[0, 105])
    def cell(text: str, geo: str) -> str:
        return text if ui.visible_district(ctx, geo) else tr("not_visible_to_you")

    table = pl.DataFrame({
        tr("col_district"): [names[g] for g in codes],
        tr("col_vp_share"): [cell(fmt.fmt_pct(get(vp_rows, g, "value")), g) for g in codes],
        tr("col_participation"): [cell(fmt.fmt_pct(get(part_rows, g, "value")), g) for g in codes],
        tr("col_students_active"): [cell(fmt.fmt_int(get(part_rows, g, "numerator")), g) for g in codes],
        tr("col_enrolled"): [cell(fmt.fmt_int(get(part_rows, g, "denominator")), g) for g in codes],
    })
    raw = pl.DataFrame({
        "district_code": codes,
        "students_in_st_activities": [get(part_rows, g, "numerator") for g in codes],
        "enrolled_students": [get(part_rows, g, "denominator") for g in codes],
        "participation_percent": [get(part_rows, g, "value") for g in codes],
        "vice_principal_percent": [get(vp_rows, g, "value") for g in codes],
    }, schema_overrides={k: pl.Float64 for k in ("students_in_st_activities", "enrolled_students",
                                                 "participation_percent", "vice_principal_percent")})
    ui.chart_with_table(fig, table, f"everyone_by_district_{ctx.year}", download=raw.filter(
        pl.col("district_code").map_elements(lambda g: ui.visible_district(ctx, g), return_dtype=pl.Boolean)))
    ui.withheld_districts_note(ctx)

# ---------------------------------------------------------------- by school type
st.subheader(tr("everyone_type_title", year=ctx.year, place=place))
types_vp = data.indicator(ctx.snap, "STE_VICE_PRINCIPAL", district=ctx.district, period=ctx.year, dimension="school_type")
types_part = data.indicator(ctx.snap, "STE_PARTICIPATION", district=ctx.district, period=ctx.year,
                            dimension="school_type")
if types_part.is_empty():
    ui.no_data()
else:
    order = ui.code_order(ctx, "school_type")
    codes = sorted(types_part["breakdown_value"].to_list(), key=lambda c: order.index(c) if c in order else 99)
    vp_map = dict(zip(types_vp["breakdown_value"].to_list(), types_vp["value"].to_list()))
    part_rows = {r["breakdown_value"]: r for r in types_part.to_dicts()}
    labels = [ui.code_label(ctx, "school_type", c) for c in codes]
    fig = charts.grouped_bars(labels, {tr("legend_vp"): [vp_map.get(c) for c in codes],
                                       tr("legend_participation"): [part_rows[c]["value"] for c in codes]},
                              title=tr("everyone_type_chart", year=ctx.year, place=place),
                              x_title=tr("axis_school_type"), y_title=tr("axis_percent"))
    fig.update_yaxes(range=[0, 105])
    table = pl.DataFrame({
        tr("col_school_type"): labels,
        tr("col_vp_share"): [fmt.fmt_pct(vp_map.get(c)) for c in codes],
        tr("col_participation"): [fmt.fmt_pct(part_rows[c]["value"]) for c in codes],
        tr("col_students_active"): [fmt.fmt_int(part_rows[c]["numerator"]) for c in codes],
        tr("col_enrolled"): [fmt.fmt_int(part_rows[c]["denominator"]) for c in codes],
    })
    ui.chart_with_table(fig, table, f"everyone_by_type_{ctx.year}", download=table)

# ---------------------------------------------------------------- distribution over schools
# counted in SQL: neither the rates of every school nor a row per school reach Python or the browser
st.subheader(tr("everyone_distribution_title", year=ctx.year, place=ui.rows_place(ctx)))
vp_counts = data.vice_principal_counts(ctx.snap, ctx.year, ctx.district)
reporting_schools = int(vp_counts["schools"].sum()) if not vp_counts.is_empty() else 0
if not reporting_schools:
    ui.no_data()
else:
    bands = data.participation_bands(ctx.snap, ctx.year, ctx.district)
    overall = part.item(0, "value") if not part.is_empty() else None
    left, right = st.columns(2)
    bins = list(zip(bands["band_from"].to_list(), bands["band_to"].to_list()))
    counts = bands["schools"].to_list()
    bin_labels = [f"{lo}–{hi}%" for lo, hi in bins]
    bin_table = pl.DataFrame({tr("col_rate_band"): bin_labels,
                              tr("col_schools"): [fmt.fmt_int(c) for c in counts]})
    with left:
        fig = charts.binned_histogram([lo for lo, _ in bins], counts, band_labels=bin_labels,
                                      title=tr("everyone_hist_chart", year=ctx.year, place=ui.rows_place(ctx)),
                                      x_title=tr("axis_participation_rate"), y_title=tr("axis_schools"),
                                      marker_value=overall, marker_label=tr("everyone_overall_marker", place=place))
        ui.chart_with_table(fig, bin_table, f"everyone_distribution_{ctx.year}",
                            download=pl.DataFrame({"band_from": [b[0] for b in bins], "band_to": [b[1] for b in bins],
                                                   "schools": counts}))
    with right:
        labels = [str(v) for v in vp_counts["science_vice_principals"].to_list()]
        colours = [charts.OKABE_ITO["vermillion"] if v == 0 else charts.OKABE_ITO["blue"]
                   for v in vp_counts["science_vice_principals"].to_list()]
        fig = charts.bars(labels, vp_counts["schools"].to_list(), colour=colours,
                          title=tr("everyone_vp_hist_chart", year=ctx.year, place=ui.rows_place(ctx)),
                          x_title=tr("axis_vp_count"), y_title=tr("axis_schools"))
        table = pl.DataFrame({tr("col_vp_count"): labels,
                              tr("col_schools"): [fmt.fmt_int(v) for v in vp_counts["schools"].to_list()]})
        ui.chart_with_table(fig, table, f"everyone_vp_distribution_{ctx.year}", download=vp_counts)

    # ------------------------------------------------------------ each school beside its district
    st.subheader(tr("everyone_schools_title", year=ctx.year, place=ui.rows_place(ctx)))
    st.caption(tr("everyone_schools_note"))
    snap, year, district = ctx.snap, ctx.year, ctx.district

    def shown(ordered: pl.DataFrame) -> pl.DataFrame:
        return pl.DataFrame({
            tr("col_school"): ordered["school_name"].to_list(),
            tr("col_district"): [names.get(g, g) for g in ordered["district_code"].to_list()],
            tr("col_school_type"): [ui.code_label(ctx, "school_type", c) for c in ordered["school_type"].to_list()],
            tr("col_enrolled"): [fmt.fmt_int(v) for v in ordered["enrolled_students"].to_list()],
            tr("col_participation"): [fmt.fmt_pct(v) for v in ordered["st_activity_percent"].to_list()],
            tr("col_district_participation"): [fmt.fmt_pct(v)
                                               for v in ordered["district_participation_percent"].to_list()],
            tr("col_difference"): [fmt.fmt_change(v, "%", ctx.lang) for v in ordered["difference_points"].to_list()],
            tr("col_vp_count"): [fmt.fmt_int(v) for v in ordered["science_vice_principals"].to_list()],
        })

    ui.paged_table(
        f"everyone_schools_{year}", reporting_schools,
        lambda limit, offset: data.school_reports(snap, year, district, limit, offset),
        shown,
        # every school, read when the CSV is asked for
        download=lambda: data.uncached(data.school_reports)(snap, year, district, None, 0),
        height=420,
    )

# ---------------------------------------------------------------- any figure of the page: where it comes from
ui.lineage_explorer(ctx, ["STE_PARTICIPATION", "STE_VICE_PRINCIPAL", "REPORTING_COMPLETENESS"], key="everyone")
