"""本校 My school: a school's or university's own files (status, every error with its row and
column) and its own figures as the warehouse holds them. The data are the scope's only: the
connection behind these queries holds no other school's rows."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import auth, data, scope, senders_data, senders_ui, ui
from dashboards import format as fmt
from dashboards.ui import tr
from pipelines.access.roles import Permission

viewer = auth.current_viewer()
if viewer is None or not viewer.scope.may(Permission.OWN_FIGURES):
    auth.refuse_page(viewer)

published = data.current_snapshot()  # not the sidebar's: a school has no indicator years
snap = scope.scoped(published, viewer.scope) if published is not None else None
lang = ui.lang()
if snap is None:
    st.title(tr("my_title"))
    st.warning(tr("no_snapshot"))
    st.stop()

labels = data.code_labels(snap)
label_column = "label_zh" if lang == "zh" else "label_en"


def source(frame: pl.DataFrame) -> list[str]:
    """Where each of the school's own figures comes from: its file, sheet and row."""
    return [tr("my_source_cell", file=f or tr("my_source_shared_file"), sheet=s or "",
               row=r if r is not None else fmt.MISSING)
            for f, s, r in zip(frame["original_name"].to_list(), frame["sheet_name"].to_list(),
                               frame["row_number"].to_list())]


def label(code_list: str, code: str | None) -> str:
    rows = labels.filter((pl.col("code_list") == code_list) & (pl.col("code") == code))
    return rows.item(0, label_column) if rows.height else (code or fmt.MISSING)


schools = data.my_schools(snap)
names = "、".join(f"{n}（{c}）" for c, n in zip(schools["school_code"].to_list(), schools["school_name"].to_list()))
st.title(tr("my_title"))
st.caption(tr("my_caption", schools=names or "、".join(viewer.scope.schools)))

# ---------------------------------------------------------------- a refusal first, then what is owed
senders_ui.refusals_first(snap, viewer)  # with its error list and the way to send again
senders_ui.my_obligations(snap)

# ---------------------------------------------------------------- files
st.subheader(tr("my_files_title"))
ui.waiting_uploads(viewer, snap)  # sent, not yet read by a run: shown at once
files = data.submissions(snap)
if files.is_empty():
    st.info(tr("my_no_files"))
else:
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("my_files"), fmt.fmt_int(files.height))
    c2.metric(tr("col_accepted"), fmt.fmt_int(files.filter(pl.col("status") == "accepted").height))
    c3.metric(tr("col_rejected"), fmt.fmt_int(files.filter(pl.col("status") != "accepted").height))
    st.caption(tr("my_rejected_note"))
    shown = pl.DataFrame({
        tr("col_file"): files["original_name"].to_list(),
        tr("col_report"): [tr(f"report_{r}") if r else fmt.MISSING for r in files["report_type"].to_list()],
        tr("col_arrived"): ui.time_column(files["arrived_at"].to_list()),
        tr("my_col_status"): [tr(f"my_status_{s}") for s in files["status"].to_list()],
        tr("col_errors"): [fmt.fmt_int(v) for v in files["error_count"].to_list()],
        tr("my_col_warnings"): [fmt.fmt_int(v) for v in files["warning_count"].to_list()],
        tr("col_reason"): files["message_zh" if lang == "zh" else "message_en"].to_list(),
    })
    ui.table_with_download(shown, "my_files", download=files.drop("submission_id", "inbox_path", "file_format"))
    issues = data.my_issues(snap)
    if not issues.is_empty():
        st.markdown("#### " + tr("my_issues_title"))
        detail = pl.DataFrame({
            tr("col_file"): issues["original_name"].to_list(),
            tr("col_severity"): [tr(f"severity_{s}") for s in issues["severity"].to_list()],
            tr("col_sheet"): issues["sheet_name"].to_list(),
            tr("col_row"): [fmt.fmt_int(v) if v is not None else fmt.MISSING for v in issues["row_number"].to_list()],
            tr("col_column"): [f"{c or ''} {h or ''}".strip() for c, h in zip(issues["column_letter"].to_list(),
                                                                              issues["column_header"].to_list())],
            tr("col_value_seen"): [v or "" for v in issues["value_seen"].to_list()],
            tr("col_message"): issues["message_zh" if lang == "zh" else "message_en"].to_list(),
        })
        ui.table_with_download(detail, "my_issues", download=issues.drop("submission_id"))
senders_ui.supersessions(snap, "my_supersessions")

# ---------------------------------------------------------------- figures
st.subheader(tr("my_figures_title"))
shown_any = False
reports = data.my_annual_reports(snap)
if not reports.is_empty():
    shown_any = True
    st.markdown("#### " + tr("report_R5"))
    table = pl.DataFrame({
        tr("col_year"): [fmt.fmt_year(v, lang) for v in reports["report_year"].to_list()],
        tr("col_school"): reports["school_name"].to_list(),
        tr("col_enrolled"): [fmt.fmt_int(v) for v in reports["enrolled_students"].to_list()],
        tr("col_students_active"): [fmt.fmt_int(v) for v in reports["students_in_st_activities"].to_list()],
        tr("col_participation"): [fmt.fmt_pct(v) for v in reports["st_activity_percent"].to_list()],
        tr("col_vp_count"): [fmt.fmt_int(v) for v in reports["science_vice_principals"].to_list()],
        tr("my_col_source"): source(reports),
    })
    ui.table_with_download(table, "my_annual_reports", download=reports)

bases = data.my_bases(snap)
if not bases.is_empty():
    shown_any = True
    st.markdown("#### " + tr("report_R2"))
    table = pl.DataFrame({
        tr("col_year"): [fmt.fmt_year(v, lang) for v in bases["period"].to_list()],
        tr("col_base_code"): bases["base_code"].to_list(),
        tr("my_col_discipline"): [label("discipline", v) for v in bases["discipline"].to_list()],
        tr("my_col_status"): [label("base_status", v) for v in bases["base_status"].to_list()],
        tr("my_col_students_served"): [fmt.fmt_int(v) for v in bases["students_served"].to_list()],
        tr("my_col_source"): source(bases),
    })
    ui.table_with_download(table, "my_bases", download=bases)

events = data.my_shs_events(snap)
if not events.is_empty():
    shown_any = True
    st.markdown("#### " + tr("report_R1"))
    table = pl.DataFrame({
        tr("my_col_stage"): [label("shs_stage", v) for v in events["stage"].to_list()],
        tr("my_col_date"): ui.date_column(events["event_date"].to_list()),
        tr("my_col_approval"): [v or "" for v in events["approval_doc_no"].to_list()],
        tr("my_col_source"): source(events),
    })
    ui.table_with_download(table, "my_shs_events", download=events)

yip = data.my_yip(snap)
if not yip.is_empty():
    shown_any = True
    st.markdown("#### " + tr("report_R3"))
    st.caption(tr("my_yip_note"))
    shown = fmt.shown_counts(yip["participants"].to_list(), has_total=False)
    table = pl.DataFrame({
        tr("my_col_cohort"): [tr("cohort_label", year=v) for v in yip["cohort_year"].to_list()],
        tr("my_col_relation"): [tr(f"my_relation_{r}") for r in yip["relation"].to_list()],
        tr("my_col_status"): [label("yip_status", v) for v in yip["participant_status"].to_list()],
        tr("my_col_participants"): shown.texts,
    })
    # what is downloaded is what is shown: suppressed counts stay suppressed
    ui.table_with_download(table, "my_yip")

if not shown_any:
    st.info(tr("my_no_figures"))


# ---------------------------------------------------------------- templates to fill (issue 13 #1)
def template_downloads() -> None:
    """Each report this school or university sends, its own template (made on click from the
    published snapshot: its own code, name and last year's figures only): this year's, and the
    template of every period it still owes (a refused or overdue report is sent again whole)."""
    from pipelines.senders import templates as tpl

    year = tpl.reporting_year()
    st.subheader(tr("tpl_title"))
    sources = data.template_sources(snap)  # through the scoped connection: this school's rows only
    offers = [(r, year, c) for c in viewer.scope.schools for r in tpl.reports_for(sources, year, c)]
    owed = senders_data.my_obligations(snap) if senders_data.available(snap) else pl.DataFrame()
    if owed.height:
        still_owed = owed.filter(pl.col("status") != "accepted").select("report_type", "period", "school_code")
        offers += sorted({(r, p, c) for r, p, c in still_owed.iter_rows() if (r, p, c) not in offers
                          and c in viewer.scope.schools}, key=lambda o: (-o[1], o[0]))
    if not offers:
        st.info(tr("tpl_none"))
        return
    st.caption(tr("tpl_caption", year=year))
    for report, period, code in offers:
        name = tpl.name_for(sources, report, period, code)
        if name is None:
            continue
        ui.download_button(tr("tpl_download_period", report=tr(f"report_{report}"), period=period),
                           lambda report=report, period=period, code=code: tpl.template_for(
                               sources, report, period, code)[1],
                           name, key=f"tpl_{report}_{period}_{code}", what=f"template {report} {period}",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


template_downloads()
