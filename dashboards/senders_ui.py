"""What the senders' loop shows (issue 13), drawn on a school's own page and on the reporting page
(which is also a district bureau's page): refusals first with their error lists and the way to send
again, what is owed and where it stands, and which accepted file replaced which."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import format as fmt
from dashboards import senders_data, ui
from dashboards.scope import ScopedSnapshot
from dashboards.ui import tr
from pipelines.access.roles import Permission

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_PAGE = "app_pages/upload.py"
SHOWN_REFUSALS = 5  # the newest ones in full; the reporting page lists every one


def report_word(report_type: str | None) -> str:
    codes = [c for c in (report_type or "").split(",") if c]
    return "、".join(tr(f"report_{c}") for c in codes) if codes else tr("my_status_not_a_report")


def period_word(report_type: str, period: int | None) -> str:
    if period is None:
        return fmt.MISSING
    return tr("cohort_label", year=period) if report_type == "R3" else fmt.fmt_year(period, ui.lang())


def recipient_word(recipient: str, schools: list[str] | None = None) -> str:
    """Whom a refused file's error list is for: its uploader, else the schools it was sent for,
    else the district bureau whose folder it came through, else the data team (or unknown)."""
    kind, _, who = recipient.partition(":")
    if kind == "upload":
        return tr("snd_recipient_upload", who=who)
    if schools:
        return tr("snd_recipient_schools", who="、".join(schools))
    if kind == "district":
        return tr("snd_recipient_district", who=who)
    return tr(f"snd_recipient_{recipient}" if recipient in ("data_team", "unknown") else "snd_recipient_unknown")


def _problems_table(problems: pl.DataFrame) -> pl.DataFrame:
    lang = ui.lang()
    return pl.DataFrame({
        tr("col_severity"): [tr(f"severity_{s}") for s in problems["severity"].to_list()],
        tr("col_sheet"): problems["sheet_name"].to_list(),
        tr("col_row"): [fmt.fmt_int(v) if v is not None else fmt.MISSING for v in problems["row_number"].to_list()],
        tr("col_column"): [f"{c or ''} {h or ''}".strip() for c, h in zip(problems["column_letter"].to_list(),
                                                                          problems["column_header"].to_list())],
        tr("col_value_seen"): [v or "" for v in problems["value_seen"].to_list()],
        tr("col_message"): problems["message_zh" if lang == "zh" else "message_en"].to_list(),
    })


def workbook_button(snap: ScopedSnapshot, row: dict, key: str) -> None:
    """The error workbook of one refused file, to download (audited), or why it cannot be yet."""
    found = senders_data.error_workbook(snap, row["submission_id"])
    if found is None:
        st.caption(tr("snd_workbook_missing"))
        return
    name, body = found
    ui.download_button(tr("snd_download_errors"), lambda: body, name, key=key, mime=XLSX, what="error_workbook",
                       type="primary", icon=":material/download:")


def refusals_first(snap: ScopedSnapshot, viewer) -> bool:
    """The viewer's standing refusals, each with its arrival, reason, every problem, the error
    list to download and the way to send the whole corrected file again. True when there were any."""
    refusals = senders_data.standing_refusals(snap)
    if refusals.is_empty():
        return False
    lang = ui.lang()
    rows = refusals.head(SHOWN_REFUSALS).to_dicts()
    problems = senders_data.refusal_problems(snap, tuple(r["submission_id"] for r in rows))
    with st.container(border=True, key="refusals_first"):
        st.error(tr("snd_refused_title", n=fmt.fmt_int(refusals.height)), icon=":material/report:")
        for n, row in enumerate(rows):
            reason = row["message_zh" if lang == "zh" else "message_en"] or ""
            st.markdown(tr("snd_refused_file", file=row["original_name"], report=report_word(row["report_type"]),
                           arrived=fmt.fmt_datetime(row["arrived_at"], lang), reason=reason))
            st.caption(tr("snd_refused_counts", errors=fmt.fmt_int(row["error_count"]),
                          warnings=fmt.fmt_int(row["warning_count"])) + "  " +
                       tr("snd_for", who=recipient_word(row["recipient"], row["recipient_schools"])))
            left, right = st.columns(2)
            with left:
                workbook_button(snap, row, key=f"refusal_workbook_{n}")
            with right:
                if viewer is not None and viewer.scope.may(Permission.UPLOAD):
                    st.page_link(UPLOAD_PAGE, label=tr("snd_send_again"), icon=":material/upload_file:")
            own = problems.filter(pl.col("submission_id") == row["submission_id"]) if problems.height else problems
            if own.height:
                with st.expander(tr("snd_problems", n=fmt.fmt_int(own.height)), expanded=n == 0):
                    ui.dataframe(_problems_table(own), f"table_refusal_problems_{n}")
            if n < len(rows) - 1:
                st.divider()
    return True


def status_text(row: dict) -> str:
    text = tr(f"snd_status_{row['status']}")
    if row["is_overdue"] and row["overdue_since"] is not None:
        text += tr("snd_overdue_since", day=fmt.fmt_date(row["overdue_since"], ui.lang()))
    return text


def my_obligations(snap: ScopedSnapshot) -> None:
    """What the viewer's schools owe: each report and period, deadline, status, what arrived, why refused."""
    st.subheader(tr("snd_owe_title"))
    owed = senders_data.my_obligations(snap)
    if owed.is_empty():
        st.info(tr("snd_no_obligations"))
        return
    lang = ui.lang()
    st.caption(tr("snd_owe_caption", day=fmt.fmt_date(owed["judged_on"].max(), lang)))
    rows = owed.to_dicts()
    table = pl.DataFrame({
        tr("snd_col_report"): [report_word(r["report_type"]) for r in rows],
        tr("snd_col_period"): [period_word(r["report_type"], r["period"]) for r in rows],
        tr("col_school"): [r["school_name"] or r["school_code"] for r in rows],
        tr("snd_col_base"): [r["entity_code"] or "" for r in rows],
        tr("col_due_date"): ui.date_column([r["due_date"] for r in rows]),
        tr("snd_col_status"): [status_text(r) for r in rows],
        tr("snd_col_received"): ui.time_column([r["accepted_at"] or r["refused_at"] for r in rows]),
        tr("col_reason"): [(r["refusal_reason_zh" if lang == "zh" else "refusal_reason_en"] or "")
                           if r["status"] == "refused" else "" for r in rows],
    })
    # the file is the table as shown: the school's words (status, period, reason), not the codes
    ui.table_with_download(table, "my_obligations")


def supersessions(snap: ScopedSnapshot, key: str) -> None:
    """Which accepted file replaced which (the scope's)."""
    st.markdown("#### " + tr("snd_superseded_title"))
    found = senders_data.supersessions(snap)
    if found.is_empty():
        st.caption(tr("snd_superseded_none"))
        return
    rows = found.to_dicts()
    table = pl.DataFrame({
        tr("snd_col_report"): [report_word(r["report_type"]) for r in rows],
        tr("snd_col_period"): [period_word(r["report_type"], r["period"]) if r["period"] is not None else ""
                               for r in rows],
        tr("col_school_code"): [r["school_code"] for r in rows],
        tr("snd_col_base"): [r["entity_code"] or "" for r in rows],
        tr("snd_col_replaced"): [r["superseded_name"] for r in rows],
        tr("snd_col_replaced_arrived"): ui.time_column([r["superseded_arrived_at"] for r in rows]),
        tr("snd_col_replacing"): [r["original_name"] for r in rows],
        tr("snd_col_replacing_arrived"): ui.time_column([r["arrived_at"] for r in rows]),
    })
    ui.table_with_download(table, key, download=found)


def report_obligations(ctx: ui.Context, report_type: str, names: dict[str, str]) -> None:
    """The reporting page's obligations of one report and year: counts by status, who has not been
    accepted (a page at a time), and the overdue export of everything in scope."""
    snap, period, district = ctx.snap, ctx.year, ctx.district
    counts = senders_data.obligation_status(snap, report_type, period, district)
    st.markdown("#### " + tr("snd_obligations_title", report=tr(f"report_{report_type}"),
                             period=period_word(report_type, period)))
    if counts.is_empty():
        ui.no_data()
        return
    st.caption(tr("snd_obligations_caption", day=fmt.fmt_date(counts["judged_on"].max(), ctx.lang)))
    totals = {c: int(counts[c].sum()) for c in ("owed", "accepted", "refused", "overdue", "due")}
    columns = st.columns(5)
    for column, name in zip(columns, totals):
        column.metric(tr(f"snd_metric_{name}"), fmt.fmt_int(totals[name]))
    open_n = totals["refused"] + totals["overdue"] + totals["due"]

    def shown(frame: pl.DataFrame) -> pl.DataFrame:
        rows = frame.to_dicts()
        return pl.DataFrame({
            tr("col_school_code"): [r["school_code"] for r in rows],
            tr("col_school"): [r["school_name"] or "" for r in rows],
            tr("col_district"): [names.get(r["district_code"], r["district_code"] or fmt.MISSING) for r in rows],
            tr("snd_col_base"): [r["entity_code"] or "" for r in rows],
            tr("col_due_date"): ui.date_column([r["due_date"] for r in rows]),
            tr("snd_col_status"): [status_text(r) for r in rows],
            tr("col_reason"): [(r["refusal_reason_zh" if ctx.lang == "zh" else "refusal_reason_en"] or "")
                               for r in rows],
        }, schema={k: (pl.Date if k == tr("col_due_date") else pl.String) for k in (
            tr("col_school_code"), tr("col_school"), tr("col_district"), tr("snd_col_base"), tr("col_due_date"),
            tr("snd_col_status"), tr("col_reason"))})

    st.markdown("**" + tr("snd_open_list", n=fmt.fmt_int(open_n)) + "**")
    if not open_n:
        st.success(tr("snd_all_accepted"))
    else:
        ui.paged_table(
            f"obligations_{report_type}_{period}", open_n,
            lambda limit, offset: senders_data.obligations_open(snap, report_type, period, district, limit, offset),
            shown,
            download=lambda: senders_data.obligations_open(snap, report_type, period, district, None, 0),
            height=360,
        )
    ui.download_button(tr("snd_overdue_export"), lambda: senders_data.overdue_export(snap, district),
                       ui.download_name("overdue_reports"), key="download_overdue_export", what="overdue_export")


def refusals_list(ctx: ui.Context) -> None:
    """Every standing refusal in scope, and the error list of the one chosen (to pass on)."""
    refusals = senders_data.standing_refusals(ctx.snap)
    st.markdown("#### " + tr("snd_refusals_title", n=fmt.fmt_int(refusals.height)))
    if refusals.is_empty():
        st.success(tr("snd_refusals_none"))
        return
    st.caption(tr("snd_refusals_caption"))
    rows = refusals.to_dicts()
    ui.dataframe(pl.DataFrame({
        tr("col_file"): [r["original_name"] for r in rows],
        tr("snd_col_report"): [report_word(r["report_type"]) for r in rows],
        tr("col_arrived"): ui.time_column([r["arrived_at"] for r in rows]),
        tr("col_errors"): [fmt.fmt_int(r["error_count"]) for r in rows],
        tr("col_reason"): [r["message_zh" if ctx.lang == "zh" else "message_en"] or "" for r in rows],
        tr("snd_col_recipient"): [recipient_word(r["recipient"], r["recipient_schools"]) for r in rows],
    }), "table_standing_refusals", height=300)
    labels = {r["submission_id"]: f"{r['original_name']} · {fmt.fmt_datetime(r['arrived_at'], ctx.lang)}" for r in rows}
    chosen = st.selectbox(tr("snd_choose_refusal"), list(labels), format_func=labels.get, key="refusal_choice")
    if chosen:
        workbook_button(ctx.snap, next(r for r in rows if r["submission_id"] == chosen), key="refusal_workbook_chosen")
