"""方法说明 Methodology: each indicator's definition, how progress is judged (thresholds and where
they come from), the targets in the source's own words, and what the figures cannot tell."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data, ui
from dashboards import format as fmt
from dashboards.ui import tr

ctx = ui.context()
ui.page_header(ctx, "method_title", "method_intro")

# ---------------------------------------------------------------- targets, in the source's words
st.subheader(tr("method_targets_title"))
targets = data.targets(ctx.snap)
definitions = data.definitions(ctx.snap)
if targets.is_empty():
    ui.no_data()
else:
    shown = pl.DataFrame({
        tr("col_indicator"): targets["label_zh" if ctx.lang == "zh" else "label_en"].to_list(),
        tr("col_indicator_id"): targets["indicator_id"].to_list(),
        tr("col_target"): [fmt.fmt_value(v, u) for v, u in zip(targets["target_value"].to_list(),
                                                                 targets["unit"].to_list())],
        tr("col_deadline"): [
            (str(y) + " " + tr("deadline_assumed_short")) if a else (str(y) if y else tr("card_every_year"))
            for y, a in zip(targets["target_year"].to_list(), targets["deadline_assumed"].to_list())],
        tr("col_kind"): [tr(f"kind_{k}") for k in targets["kind"].to_list()],
        tr("col_source_words"): targets["source_quote_zh"].to_list(),
        tr("col_source"): targets["source"].to_list(),
    })
    ui.table_with_download(shown, "targets", download=targets)
    st.markdown(tr("method_targets_note"))

# ---------------------------------------------------------------- how progress is judged
st.subheader(tr("method_progress_title"))
st.markdown(tr("method_progress_body"))
st.latex(r"R = \frac{(v - b)\,/\,(T - b)}{(t - t_0)\,/\,(D - t_0)}")
thresholds = pl.DataFrame({
    tr("col_condition"): ["v ≥ T", "R ≥ 0.95", "0.6 ≤ R < 0.95", "0 ≤ R < 0.6", "R < 0", tr("method_fewer_points")],
    tr("col_status"): [ui.status_word(s) for s in ("achieved", "on_track", "acceleration_needed", "limited_progress",
                                                    "deterioration", "insufficient_data")],
})
st.dataframe(thresholds, hide_index=True, key="table_thresholds")
st.markdown(tr("method_thresholds_origin"))
st.markdown(tr("method_worked_example"))
st.markdown(tr("method_quota_body"))
quota = pl.DataFrame({
    tr("col_condition"): [tr("method_quota_met"), tr("method_quota_in_progress"), tr("method_quota_not_met")],
    tr("col_status"): [ui.status_word(s) for s in ("met", "in_progress", "not_met")],
})
st.dataframe(quota, hide_index=True, key="table_quota")
st.markdown(tr("method_colours"))

# ---------------------------------------------------------------- the forward estimate
st.subheader(tr("method_forecast_title"))
st.markdown(tr("method_forecast_body"))
st.markdown(tr("shs_outlook_method"))
if "indicators.shs_forecast" in data.tables(ctx.snap):
    forecast = data.shs_forecast(ctx.snap)
    if not forecast.is_empty():
        st.markdown("> " + (forecast.item(0, "method_zh") if ctx.lang == "zh" else forecast.item(0, "method_en")))

# ---------------------------------------------------------------- definitions
st.subheader(tr("method_definitions_title"))
if definitions.is_empty():
    ui.no_data()
else:
    dimension_words = {d: tr(f"dimension_{d}") for d in ("stage", "discipline", "host_university", "gender",
                                                          "member_type", "school_type")}
    shown = pl.DataFrame({
        tr("col_indicator_id"): definitions["indicator_id"].to_list(),
        tr("col_indicator"): definitions["name_zh" if ctx.lang == "zh" else "name_en"].to_list(),
        tr("col_unit"): [tr(f"unit_name_{u}") for u in definitions["unit"].to_list()],
        tr("col_definition"): definitions["definition_zh" if ctx.lang == "zh" else "definition_en"].to_list(),
        tr("col_breakdowns"): ["、".join(dimension_words.get(d, d) for d in ds) if ctx.lang == "zh"
                               else ", ".join(dimension_words.get(d, d) for d in ds)
                               for ds in definitions["breakdown_dimensions"].to_list()],
        tr("col_by_district"): [tr("yes") if v else tr("no") for v in definitions["has_districts"].to_list()],
    })
    ui.table_with_download(shown, "indicator_definitions", download=definitions)

# ---------------------------------------------------------------- small counts, and what the figures cannot tell
st.subheader(tr("method_privacy_title"))
st.markdown(tr("method_privacy_body"))
st.subheader(tr("method_limitations_title"))
st.markdown(tr("method_limitations_body"))
st.subheader(tr("method_sources_title"))
st.markdown(tr("method_sources_body"))
