"""数据报送 Reporting: per report type and year — who has sent and who has not, the files rejected
and why (cells named, no personal data), corrections, and the last arrival."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import streamlit as st

from dashboards import charts, data, senders_ui, ui
from dashboards import format as fmt
from dashboards.i18n import t
from dashboards.ui import tr
from pipelines.access.roles import Permission

REPORT_TYPES = ("R5", "R2", "R3", "R1", "R4", "R0")
OBLIGATIONS = {"R5": data.r5_obligations, "R2": data.r2_obligations, "R3": data.r3_obligations}

ctx = ui.context()
ui.page_header(ctx, "reporting_title", "reporting_intro", of_rows=True)  # every figure here counts rows
names = ui.district_names(ctx)

# ---------------------------------------------------------------- all report types at a glance
arrivals = data.last_arrivals(ctx.snap, ctx.year)
st.subheader(tr("reporting_overview_title", year=ctx.year))
if arrivals.is_empty():
    ui.no_data("reporting_no_files")
else:
    overview = pl.DataFrame({
        tr("col_report"): [tr(f"report_{r}") for r in arrivals["report_type"].to_list()],
        tr("col_files"): [fmt.fmt_int(v) for v in arrivals["files"].to_list()],
        tr("col_accepted"): [fmt.fmt_int(v) for v in arrivals["accepted"].to_list()],
        tr("col_rejected"): [fmt.fmt_int(v) for v in arrivals["rejected"].to_list()],
        tr("col_last_arrival"): ui.time_column(arrivals["last_arrived_at"].to_list()),
        tr("col_last_accepted"): ui.time_column(arrivals["last_accepted_at"].to_list()),
    })
    ui.table_with_download(overview, f"reporting_overview_{ctx.year}", download=arrivals)
    st.caption(tr("reporting_arrival_year_note", year=ctx.year))

# ---------------------------------------------------------------- one report type
st.divider()
report_type = st.segmented_control(tr("reporting_choose"), options=list(REPORT_TYPES), key="report_type",
                                   default="R5", format_func=lambda r: t(f"report_{r}", ctx.lang), required=True) or "R5"
st.subheader(tr("reporting_type_title", report=tr(f"report_{report_type}"), year=ctx.year))

if report_type in OBLIGATIONS:
    # counted in SQL by district; the listings below are read a page at a time
    per_district = data.obligation_counts(ctx.snap, report_type, ctx.year, ctx.district)
    st.caption(tr(f"reporting_owed_rule_{report_type}"))
    sent_n, missing_n = int(per_district["sent"].sum()), int(per_district["missing"].sum())
    if not sent_n + missing_n:
        ui.no_data()
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric(tr("reporting_owed", place=ui.rows_place(ctx)), fmt.fmt_int(sent_n + missing_n))
        c2.metric(tr("reporting_sent"), fmt.fmt_int(sent_n))
        c3.metric(tr("reporting_missing"), fmt.fmt_int(missing_n))
        due = data.report_deadline(report_type, ctx.year)
        as_of = data.snapshot_meta(ctx.snap).get("as_of")
        if due is not None and as_of is not None:
            today = fmt.to_beijing(as_of).date()  # judged on the data's as-of, not the wall clock
            if today > due:
                st.warning(tr("reporting_overdue", due=fmt.fmt_date(due, ctx.lang),
                              since=fmt.fmt_date(due + timedelta(days=1), ctx.lang), days=fmt.fmt_int((today - due).days),
                              n=fmt.fmt_int(missing_n), as_of=fmt.fmt_date(today, ctx.lang)), icon=":material/schedule:")
            else:
                st.info(tr("reporting_not_yet_due", due=fmt.fmt_date(due, ctx.lang), days=fmt.fmt_int((due - today).days)),
                        icon=":material/schedule:")

        codes = per_district["district_code"].to_list()
        labels = [names.get(g, g or fmt.MISSING) for g in codes]
        fig = charts.grouped_bars(labels, {tr("legend_sent"): per_district["sent"].to_list(),
                                           tr("legend_missing"): per_district["missing"].to_list()},
                                  stacked=True, title=tr("reporting_district_chart", report=tr(f"report_{report_type}"),
                                                         year=ctx.year),
                                  x_title=tr("axis_district"), y_title=tr(f"axis_senders_{report_type}"))
        table = pl.DataFrame({tr("col_district"): labels,
                              tr("col_sent"): [fmt.fmt_int(v) for v in per_district["sent"].to_list()],
                              tr("col_missing"): [fmt.fmt_int(v) for v in per_district["missing"].to_list()]})
        ui.chart_with_table(fig, table, f"reporting_{report_type}_{ctx.year}_by_district", download=per_district)

        def listing(frame: pl.DataFrame) -> pl.DataFrame:
            columns = {
                tr("col_school_code"): frame["school_code"].to_list(),
                tr("col_school"): frame["school_name"].to_list(),
                tr("col_district"): [names.get(g, g or fmt.MISSING) for g in frame["district_code"].to_list()],
            }
            if "base_code" in frame.columns:
                columns[tr("col_base_code")] = frame["base_code"].to_list()
            if "reported_at" in frame.columns:
                columns[tr("col_arrived")] = ui.time_column(frame["reported_at"].to_list())
            if due is not None:  # when it was due, and since when it is overdue
                columns[tr("col_due_date")] = ui.date_column([due] * frame.height)
                if "reported_at" not in frame.columns or frame["reported_at"].null_count() == frame.height:
                    columns[tr("col_overdue_since")] = ui.date_column(
                        [due + timedelta(days=1) if today_date > due else None] * frame.height)
            return pl.DataFrame(columns)

        today_date = fmt.to_beijing(as_of).date() if as_of is not None else None
        owed = OBLIGATIONS[report_type]
        snap, year, district = ctx.snap, ctx.year, ctx.district

        def senders(has_report: bool, total: int, key: str) -> None:
            ui.paged_table(
                f"reporting_{report_type}_{year}_{key}", total,
                lambda limit, offset: owed(snap, year, district, has_report, limit, offset),
                listing,
                download=lambda: data.uncached(owed)(snap, year, district, has_report, None, 0),
                height=360,
            )

        left, right = st.columns(2)
        with left:
            st.markdown("**" + tr("reporting_not_sent_list", n=fmt.fmt_int(missing_n)) + "**")
            if not missing_n:
                st.success(tr("reporting_all_sent"))
            else:
                senders(False, missing_n, "missing")
        with right:
            st.markdown("**" + tr("reporting_sent_list", n=fmt.fmt_int(sent_n)) + "**")
            if sent_n:
                senders(True, sent_n, "sent")
    # where each obligation stands (accepted, refused and why, overdue since, due) and the overdue export
    senders_ui.report_obligations(ctx, report_type, names)
else:
    st.info(tr(f"reporting_event_based_{report_type}"))

# ---------------------------------------------------------------- files of this type
files = data.submissions(ctx.snap, report_type, ctx.year)
c1, c2, c3 = st.columns(3)
c1.metric(tr("reporting_files_year", year=ctx.year), fmt.fmt_int(files.height))
c2.metric(tr("col_accepted"), fmt.fmt_int(files.filter(pl.col("status") == "accepted").height))
c3.metric(tr("col_rejected"), fmt.fmt_int(files.filter(pl.col("status") == "rejected").height))
st.markdown(tr("reporting_last_arrival", when=fmt.fmt_datetime(files["arrived_at"].max(), ctx.lang)
               if files.height else fmt.MISSING))

st.markdown("#### " + tr("reporting_rejected_title"))
rejected = files.filter(pl.col("status") == "rejected")
if rejected.is_empty():
    st.success(tr("reporting_no_rejected"))
else:
    shown = pl.DataFrame({
        tr("col_file"): rejected["original_name"].to_list(),
        tr("col_arrived"): ui.time_column(rejected["arrived_at"].to_list()),
        tr("col_errors"): [fmt.fmt_int(v) for v in rejected["error_count"].to_list()],
        tr("col_reason"): rejected["message_zh" if ctx.lang == "zh" else "message_en"].to_list(),
    })
    ui.table_with_download(shown, f"reporting_{report_type}_{ctx.year}_rejected",
                           download=rejected.select("original_name", "arrived_at", "error_count", "message_zh",
                                                    "message_en"))
    errors = data.rejection_errors(ctx.snap, report_type, ctx.year)
    if not ctx.snap.scope.may(Permission.REJECTION_ERRORS):  # say what is withheld and why, not "0 errors"
        st.info(tr("errors_withheld", n=fmt.fmt_int(rejected["error_count"].sum())), icon=":material/visibility_off:")
    else:
        with st.expander(tr("reporting_errors_expander", n=fmt.fmt_int(errors.height))):
            st.caption(tr("reporting_errors_privacy"))
            detail = pl.DataFrame({
                tr("col_file"): errors["original_name"].to_list(),
                tr("col_sheet"): errors["sheet_name"].to_list(),
                tr("col_row"): [fmt.fmt_int(v) if v is not None else fmt.MISSING for v in errors["row_number"].to_list()],
                tr("col_column"): [f"{c or ''} {h or ''}".strip() for c, h in zip(errors["column_letter"].to_list(),
                                                                                  errors["column_header"].to_list())],
                tr("col_value_seen"): [v if v is not None else "" for v in errors["value_seen"].to_list()],
                tr("col_message"): errors["message_zh" if ctx.lang == "zh" else "message_en"].to_list(),
            })
            ui.table_with_download(detail, f"reporting_{report_type}_{ctx.year}_errors",
                                   download=errors.drop("submission_id"), height=360)

st.markdown("#### " + tr("reporting_corrections_title"))
versions = data.accepted_versions(ctx.snap, report_type, ctx.year)
replaced = versions.filter(pl.col("rows_replaced") > 0)
st.markdown(tr("reporting_corrections_sentence", accepted=fmt.fmt_int(versions.height),
               replaced=fmt.fmt_int(replaced.height), rows=fmt.fmt_int(replaced["rows_replaced"].sum())))
if report_type == "R1":
    st.caption(tr("reporting_corrections_r1"))
if not versions.is_empty():

    def state(row: dict) -> str:
        if row["rows_replaced"] == 0:
            return tr("in_force_yes")
        if row["rows_in_force"] == 0:
            return tr("in_force_replaced")
        return tr("in_force_partly", n=fmt.fmt_int(row["rows_replaced"]), total=fmt.fmt_int(row["row_count"]))

    rows = versions.to_dicts()
    shown = pl.DataFrame({
        tr("col_file"): [r["original_name"] for r in rows],
        tr("col_arrived"): ui.time_column([r["arrived_at"] for r in rows]),
        tr("col_rows"): [fmt.fmt_int(r["row_count"]) for r in rows],
        tr("col_in_force"): [state(r) for r in rows],
    })
    with st.expander(tr("reporting_accepted_expander", n=fmt.fmt_int(versions.height))):
        ui.table_with_download(shown, f"reporting_{report_type}_{ctx.year}_accepted", download=versions, height=360)

if ctx.snap.scope.may(Permission.REJECTION_ERRORS):  # a district's (or the data team's) error lists to pass on
    senders_ui.refusals_list(ctx)
senders_ui.supersessions(ctx.snap, f"reporting_supersessions_{ctx.year}")

# ---------------------------------------------------------------- files of no report type
st.markdown("#### " + tr("reporting_untyped_title", year=ctx.year))
untyped = data.untyped_submissions(ctx.snap, ctx.year)
st.caption(tr("reporting_untyped_note"))
if untyped.is_empty():
    st.success(tr("reporting_untyped_none"))
else:
    ui.table_with_download(pl.DataFrame({
        tr("col_file"): untyped["original_name"].to_list(),
        tr("col_arrived"): [fmt.fmt_datetime(v, ctx.lang) for v in untyped["arrived_at"].to_list()],
        tr("col_outcome"): [tr(f"untyped_status_{v}") for v in untyped["status"].to_list()],
        tr("col_reason"): untyped["message_zh" if ctx.lang == "zh" else "message_en"].to_list(),
    }), f"reporting_untyped_{ctx.year}", download=untyped)
