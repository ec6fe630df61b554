"""目标分解 on the overview (and a district's view of it): each district against its own share of
the city's count targets, or a plain statement that no share is assigned."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import format as fmt
from dashboards import senders_data, ui
from dashboards.ui import tr

ORDER = ("SHS_NAMED", "FLB_ACTIVE", "YIP_ENROLLED")


def _status(row: dict) -> str:
    return tr("dt_no_share") if row["status"] == "no_share" else ui.status_word(row["status"])


def _target(row: dict) -> str:
    if not row["has_share"]:
        return tr("dt_no_share")
    text = fmt.fmt_number(row["district_target"], 0)
    if row["target_year"] is not None:
        text += tr("dt_by_year", year=row["target_year"])
    return text + (tr("dt_example") if row["is_example"] else "")


def district_targets(ctx: ui.Context) -> None:
    frame = senders_data.district_progress(ctx.snap)
    if frame.is_empty():
        return
    st.subheader(tr("dt_title"))
    st.caption(tr("dt_caption"))
    name_column = "district_name_zh" if ctx.lang == "zh" else "district_name_en"
    for indicator_id in [i for i in ORDER if i in set(frame["indicator_id"].to_list())]:
        rows = frame.filter(pl.col("indicator_id") == indicator_id)
        target = ui.target_row(ctx, indicator_id)
        name = ui.indicator_name(ctx, indicator_id)
        city = fmt.fmt_number(target["target_value"], 0) if target else fmt.MISSING
        st.markdown("#### " + tr("dt_indicator", name=name, target=city))
        if ctx.district is not None:  # a district's own line
            mine = rows.filter(pl.col("district_code") == ctx.district)
            if mine.is_empty():
                continue
            row = mine.row(0, named=True)
            place = ui.place_name(ctx, ctx.district)
            if not row["has_share"]:
                st.info(tr("dt_no_share_district", district=place, name=name), icon=":material/info:")
            else:
                st.markdown(tr("dt_district_line", district=place, value=fmt.fmt_number(row["value"], 0),
                               year=row["period"] if row["period"] is not None else fmt.MISSING,
                               target=_target(row), status=_status(row)))
            continue
        if not rows["has_share"].any():
            st.info(tr("dt_none_anywhere", name=name), icon=":material/info:")
            continue
        shown = rows.to_dicts()
        table = pl.DataFrame({
            tr("col_district"): [r[name_column] or r["district_code"] for r in shown],
            tr("dt_col_value"): [fmt.fmt_number(r["value"], 0) for r in shown],
            tr("col_year"): [str(r["period"]) if r["period"] is not None else fmt.MISSING for r in shown],
            tr("dt_col_target"): [_target(r) for r in shown],
            tr("dt_col_ratio"): [fmt.fmt_ratio(r["progress_ratio"]) for r in shown],
            tr("dt_col_status"): [_status(r) for r in shown],
        })
        ui.table_with_download(table, f"district_targets_{indicator_id}", download=rows)
    if frame["is_example"].fill_null(False).any():
        st.caption(tr("dt_example_note"))
