"""总览 Overview: one card per 2030 target — where it stands, why, and what each remaining year
must add; the alliance in numbers; whether the schools' reports are in."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, data, district_targets_ui, progress, ui
from dashboards import format as fmt
from dashboards.ui import tr

TARGET_ORDER = ("SHS_NAMED", "FLB_ACTIVE", "YIP_ENROLLED", "YIP_DUAL_MENTOR", "STE_VICE_PRINCIPAL")

ctx = ui.context()
ui.page_header(ctx, "overview_title", "overview_intro")


def value_at(frame: pl.DataFrame, year: int) -> dict | None:
    rows = frame.filter(pl.col("period") == year)
    return None if rows.is_empty() else rows.row(0, named=True)


def card(indicator_id: str) -> dict | None:
    """Everything one target card says, as plain values (also the row of the summary table)."""
    target = ui.target_row(ctx, indicator_id)
    series = data.indicator(ctx.snap, indicator_id)
    now = value_at(series, ctx.year)
    if target is None or now is None:
        return None
    before = value_at(series, ctx.year - 1)
    unit = now["unit"]
    value = now["value"]
    goal = target["target_value"]
    deadline = target["target_year"]
    change = None if before is None or value is None or before["value"] is None else value - before["value"]
    lines = []
    if target["kind"] == "stock" and value is not None:
        known = series.filter(pl.col("value").is_not_null() & (pl.col("period") <= ctx.year)).sort("period")
        baseline_year, baseline = known.item(0, "period"), known.item(0, "value")
        need = progress.required_per_year(value, ctx.year, goal, deadline)
        if need is not None:
            lines.append(tr("card_required_per_year", need=fmt.fmt_number(need), unit=ui.unit_word(unit),
                            deadline=deadline, years=deadline - ctx.year))
        elif value >= goal:
            lines.append(tr("card_target_reached"))
        shares = progress.ratio_shares(baseline, baseline_year, value, ctx.year, goal, deadline)
        if shares is not None and now["progress_ratio"] is not None:
            lines.append(tr("card_why_ratio", ratio=fmt.fmt_ratio(now["progress_ratio"]),
                            covered=fmt.fmt_pct(100 * shares.distance_covered),
                            elapsed=fmt.fmt_pct(100 * shares.time_elapsed),
                            baseline=fmt.fmt_number(baseline), baseline_year=baseline_year))
    elif value is not None:
        if unit == "%":
            missing = (now["denominator"] or 0) - (now["numerator"] or 0)
            if missing > 0:
                count = fmt.fmt_count_suppressed(missing) if fmt.counts_minors(indicator_id) else fmt.fmt_int(missing)
                lines.append(tr(f"card_missing_{indicator_id}", count=count,
                                points=fmt.fmt_number(goal - value)))
            else:
                lines.append(tr("card_target_reached"))
        elif value < goal:
            lines.append(tr("card_quota_gap", gap=fmt.fmt_number(goal - value), unit=ui.unit_word(unit)))
        else:
            lines.append(tr("card_target_reached"))
    district_value = None
    if ctx.district is not None:
        local = value_at(data.indicator(ctx.snap, indicator_id, district=ctx.district), ctx.year)
        if local is not None:
            district_value = fmt.fmt_value(local["value"], unit)
            if fmt.value_hidden(local):
                district_value = fmt.SUPPRESSED if unit == "students" else tr("share_hidden_small")
    return {
        "indicator_id": indicator_id,
        "period": now["period"],
        "name": target["label_zh"] if ctx.lang == "zh" else target["label_en"],
        "unit": unit,
        "value": value,
        "target": goal,
        "deadline": deadline,
        "kind": target["kind"],
        "deadline_assumed": bool(target["deadline_assumed"]),
        "status": now["status"],
        "ratio": now["progress_ratio"],
        "change": change,
        "lines": lines,
        "district_value": district_value,
    }


def show_card(c: dict) -> None:
    unit_suffix = ui.unit_word(c["unit"])
    with st.container(border=True, key=f"card_{c['indicator_id']}"):
        st.markdown(f"**{c['name']}**")
        deadline_words = (tr("card_deadline", deadline=c["deadline"]) if c["deadline"]
                          else tr("card_every_year"))
        st.metric(
            label=deadline_words,
            value=f"{fmt.fmt_value(c['value'], c['unit'])} / {fmt.fmt_value(c['target'], c['unit'])}"
            + (f" {unit_suffix}" if unit_suffix else ""),
            delta=tr("card_change", change=fmt.fmt_change(c["change"], c["unit"], ctx.lang))
            if c["change"] is not None else None,
            delta_color="off",
            delta_arrow="off",
        )
        st.markdown(ui.status_badge(c["status"]), unsafe_allow_html=True)
        for line in c["lines"]:
            st.markdown(line)
        if c["district_value"] is not None:
            st.markdown(tr("card_district_value", place=ui.place_name(ctx, ctx.district),
                           value=c["district_value"], unit=unit_suffix))
        if c["deadline_assumed"]:
            st.caption(tr("card_deadline_assumed", deadline=c["deadline"]))
        ui.lineage(ctx, c["indicator_id"], c["period"], key=f"card_{c['indicator_id']}")


cards = [c for c in (card(i) for i in TARGET_ORDER) if c is not None]
if not cards:
    ui.no_data()
else:
    st.subheader(tr("overview_targets"))
    for start in range(0, len(cards), 3):
        columns = st.columns(3)
        for column, c in zip(columns, cards[start:start + 3]):
            with column:
                show_card(c)
    with st.expander(tr("overview_summary_table")):
        summary = pl.DataFrame([
            {
                tr("col_indicator"): c["name"],
                tr("col_value"): fmt.fmt_value(c["value"], c["unit"]),
                tr("col_target"): fmt.fmt_value(c["target"], c["unit"]),
                tr("col_deadline"): (str(c["deadline"]) + (" *" if c["deadline_assumed"] else ""))
                if c["deadline"] else tr("card_every_year"),
                tr("col_status"): ui.status_word(c["status"]),
                tr("col_change"): fmt.fmt_change(c["change"], c["unit"], ctx.lang),
                tr("col_note"): " ".join(c["lines"]).replace("**", ""),
            }
            for c in cards
        ])
        raw = pl.DataFrame([{k: c[k] for k in ("indicator_id", "value", "target", "deadline", "status", "ratio",
                                               "change")} for c in cards])
        ui.table_with_download(summary, f"overview_targets_{ctx.year}", download=raw)
        if any(c["deadline_assumed"] for c in cards):
            st.caption(tr("overview_assumed_footnote"))

# ---------------------------------------------------------------- the alliance
st.subheader(tr("overview_alliance"))
members = data.indicator(ctx.snap, "ALLIANCE_MEMBERS", district=ctx.district, period=ctx.year)
covered = data.indicator(ctx.snap, "ALLIANCE_DISTRICTS", period=ctx.year)
by_type = data.indicator(ctx.snap, "ALLIANCE_MEMBERS", district=ctx.district, period=ctx.year,
                         dimension="member_type")
if members.is_empty():
    ui.no_data()
else:
    left, right = st.columns([1, 2])
    with left:
        last_year = data.indicator(ctx.snap, "ALLIANCE_MEMBERS", district=ctx.district, period=ctx.year - 1)
        count = members.item(0, "value")
        change = None if last_year.is_empty() else count - last_year.item(0, "value")
        st.metric(tr("alliance_members", place=ui.place_name(ctx, ctx.district)),
                  fmt.fmt_int(count) + " " + ui.unit_word("members"),
                  delta=tr("card_change", change=fmt.fmt_change(change, "members", ctx.lang))
                  if change is not None else None, delta_color="off", delta_arrow="off")
        if not covered.is_empty():
            st.metric(tr("alliance_districts"),
                      f"{fmt.fmt_int(covered.item(0, 'value'))} / {fmt.fmt_int(covered.item(0, 'denominator') or 16)}")
    with right:
        order = ui.code_order(ctx, "member_type")
        shown = by_type.with_columns(pl.col("breakdown_value").map_elements(
            lambda c: order.index(c) if c in order else 99, return_dtype=pl.Int64).alias("_order")).sort("_order")
        labels = [ui.code_label(ctx, "member_type", c) for c in shown["breakdown_value"].to_list()]
        fig = charts.bars(labels, shown["value"].to_list(), horizontal=True,
                          title=tr("alliance_by_type_title", year=ctx.year, place=ui.place_name(ctx, ctx.district)),
                          x_title=tr("axis_members"), y_title=tr("axis_member_type"))
        table = pl.DataFrame({tr("col_member_type"): labels,
                              tr("col_members"): [fmt.fmt_int(v) for v in shown["value"].to_list()]})
        ui.chart_with_table(fig, table, f"alliance_by_type_{ctx.year}",
                            download=shown.select("breakdown_value", "value"))

# ---------------------------------------------------------------- reporting completeness
st.subheader(tr("overview_completeness"))
complete = data.indicator(ctx.snap, "REPORTING_COMPLETENESS", district=ctx.district, period=ctx.year)
if complete.is_empty():
    ui.no_data()
else:
    row = complete.row(0, named=True)
    st.metric(tr("completeness_metric", year=ctx.year, place=ui.place_name(ctx, ctx.district)),
              fmt.fmt_pct(row["value"]))
    ui.lineage(ctx, "REPORTING_COMPLETENESS", ctx.year, ctx.geo, key="completeness")
    st.markdown(tr("completeness_detail", sent=fmt.fmt_int(row["numerator"]), owed=fmt.fmt_int(row["denominator"]),
                   missing=fmt.fmt_int((row["denominator"] or 0) - (row["numerator"] or 0))))
    by_district = data.indicator(ctx.snap, "REPORTING_COMPLETENESS", period=ctx.year, all_geos=True).filter(
        pl.col("geo_code") != data.CITY).sort("geo_code")
    if not by_district.is_empty():
        names = ui.district_names(ctx)
        labels = [names.get(g, g) for g in by_district["geo_code"].to_list()]
        colours = [charts.OKABE_ITO["orange"] if g == ctx.district else charts.OKABE_ITO["blue"]
                   for g in by_district["geo_code"].to_list()]
        fig = charts.bars(labels, by_district["value"].to_list(), colour=colours,
                          text=[fmt.fmt_pct(v) for v in by_district["value"].to_list()],
                          title=tr("completeness_by_district_title", year=ctx.year),
                          x_title=tr("axis_district"), y_title=tr("axis_percent"))
        fig.update_yaxes(range=[0, 105])
        table = pl.DataFrame({
            tr("col_district"): labels,
            tr("col_sent"): [fmt.fmt_int(v) for v in by_district["numerator"].to_list()],
            tr("col_owed"): [fmt.fmt_int(v) for v in by_district["denominator"].to_list()],
            tr("col_share"): [fmt.fmt_pct(v) for v in by_district["value"].to_list()],
        })
        ui.chart_with_table(fig, table, f"completeness_by_district_{ctx.year}",
                            download=by_district.select("geo_code", "numerator", "denominator", "value"))
        ui.withheld_districts_note(ctx)

# ---------------------------------------------------------------- each district against its own share (目标分解)
st.divider()
district_targets_ui.district_targets(ctx)

# ---------------------------------------------------------------- any figure of the page: where it comes from
ui.lineage_explorer(ctx, ["SHS_NAMED", "FLB_ACTIVE", "YIP_ENROLLED", "YIP_DUAL_MENTOR", "STE_VICE_PRINCIPAL", "STE_PARTICIPATION", "ALLIANCE_MEMBERS", "ALLIANCE_DISTRICTS", "REPORTING_COMPLETENESS"], key="overview")
