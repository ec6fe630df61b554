"""导出 Export: the files of `kejiao export` (indicators as CSV, Excel and Parquet) for the current
snapshot or any earlier published one, chosen by its as-of."""

from __future__ import annotations

import streamlit as st

from dashboards import data, scope, ui
from dashboards import format as fmt
from dashboards.ui import tr

ctx = ui.context()
ui.page_header(ctx, "export_title", "export_intro")

labels = {}
snapshots, seen = [], set()
for snap in [scope.scoped(s, ctx.snap.scope) for s in data.history_snapshots()]:  # the current one first; an archived copy of it is not listed twice
    meta = data.snapshot_meta(snap)
    if meta.get("as_of") in seen:
        continue
    seen.add(meta.get("as_of"))
    snapshots.append(snap)
    kind = tr("export_current") if snap.name == data.CURRENT_NAME else tr("export_archived")
    labels[snap] = tr("export_snapshot_option", as_of=fmt.fmt_datetime(meta.get("as_of"), ctx.lang)
                      + tr("beijing_time_suffix"), kind=kind,
                      name=snap.name)
chosen = st.selectbox(tr("export_choose"), options=snapshots, format_func=labels.get,
                      key=f"export_snapshot_{ctx.lang}")  # one widget per language: its labels are words
if chosen is None:
    ui.no_data()
    st.stop()

files = data.export_files(chosen, ctx.lang)
meta = data.snapshot_meta(chosen)
st.markdown(tr("export_chosen", as_of=fmt.fmt_datetime(meta.get("as_of"), ctx.lang),
               published_at=fmt.fmt_datetime(meta.get("published_at"), ctx.lang), name=chosen.name))
columns = st.columns(max(1, len(files.files)))
for column, (name, payload) in zip(columns, files.files.items()):
    with column:
        stem, _, suffix = name.rpartition(".")
        named = ui.download_name(stem, suffix, chosen)  # the file's name says its as-of
        ui.download_button(tr("export_download", name=named), lambda payload=payload: payload, named,
                           key=f"export_{name}", mime="application/octet-stream", what=f"export {chosen.name}",
                           type="primary")
        st.caption(tr("export_size", size=fmt.fmt_number(len(payload) / 1024)))
st.caption(tr("export_made_by_cli") if files.made_by == "cli" else tr("export_made_here"))

# ---------------------------------------------------------------- the monthly briefing of the chosen snapshot
st.subheader(tr("briefing_title"))
if not ctx.snap.scope.is_city_wide:  # the briefing reads the whole snapshot: city-wide roles only
    st.info(tr("briefing_city_only"), icon=":material/lock:")
elif meta.get("as_of") is None:
    ui.no_data()
else:
    as_of_day = fmt.to_beijing(meta["as_of"]).date()
    st.markdown(tr("briefing_intro", as_of=fmt.fmt_datetime(meta.get("as_of"), ctx.lang)))
    ui.download_button(tr("briefing_download"), lambda path=chosen.path, day=as_of_day: data.briefing_pdf(path, day),
                       ui.download_name(tr("briefing_file_stem"), "pdf", chosen), key=f"briefing_{chosen.name}",
                       mime="application/pdf", what=f"briefing {chosen.name}", icon=":material/picture_as_pdf:")
    st.caption(tr("briefing_note"))

st.info(tr("export_small_counts_done"), icon=":material/shield_person:")

with st.expander(tr("export_preview", n=fmt.fmt_int(files.preview.height))):
    # the preview shows what the files hold: "<5" wherever the export hides a count of students
    preview = fmt.shown_values(files.preview).head(200)
    st.dataframe(preview, hide_index=True, key="table_export_preview")
