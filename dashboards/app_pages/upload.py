"""报送 Upload: drop a report, see at once the verdict `kejiao check` would give (every error with
its sheet, row and column, in Chinese), and, if it passes and is the sender's to send, send it
into the inbox, where the inbox sensor starts the intake.

For schools, universities, district bureaus (for their schools) and the data team."""

from __future__ import annotations

import copy
import hashlib
import math
from datetime import date

import polars as pl
import streamlit as st

from dashboards import auth, scope, ui
from dashboards import format as fmt
from dashboards.data import Snapshot, current_snapshot
from dashboards.ui import tr
from pipelines.access.roles import Permission, Role
from pipelines.intake import upload
from pipelines.intake.checking import format_verdict, reference_context
from pipelines.settings import get_settings

viewer = auth.current_viewer()
if viewer is None or not viewer.scope.may(Permission.UPLOAD):
    auth.refuse_page(viewer)

settings = get_settings()
limit_mb = upload.max_upload_bytes() / 1048576
st.title(tr("upload_title"))
st.markdown(tr("upload_intro", limit=fmt.fmt_number(limit_mb, 0 if limit_mb >= 1 else 2)))



@st.cache_resource(max_entries=4, show_spinner=False)
def _reference(snapshot: Snapshot | None, today: date):
    """The registry and last year's figures of the published snapshot: read once per snapshot
    (and day), not on every rerun of the page (at 150,000 schools that read takes a second)."""
    return reference_context(settings.published_dir / "current.duckdb")


def reference():
    """A copy of the reference for one check (a registry file in the batch teaches its copy)."""
    return copy.copy(_reference(current_snapshot(), date.today()))


# what this sender may send for
context = reference()
registry = context.schools
if viewer.role is Role.SCHOOL:
    mine = registry.filter(pl.col("school_code").is_in(list(viewer.scope.schools)))
    names = [f"{n}（{c}）" for c, n in zip(mine["school_code"].to_list(), mine["school_name"].to_list())]
    st.info(tr("upload_scope_school", schools="、".join(names or list(viewer.scope.schools))))
elif viewer.role is Role.DISTRICT:
    mine = registry.filter(pl.col("district_code").is_in(list(viewer.scope.districts)))
    st.info(tr("upload_scope_district", district=auth.scope_label(viewer), n=fmt.fmt_int(mine.height)))
else:
    st.info(tr("upload_scope_all"))
if registry.is_empty():
    st.warning(tr("upload_no_registry"))

# the widget states (and enforces in the browser) the product's own limit, not Streamlit's 200 MB default
files = st.file_uploader(tr("upload_drop"), accept_multiple_files=True, key="upload_files",
                         max_upload_size=max(1, math.ceil(limit_mb)))
names_by_digest: dict[str, str] = st.session_state.setdefault("_upload_names", {})
sent: dict[str, str] = st.session_state.setdefault("_upload_sent", {})
recorded: set[str] = st.session_state.setdefault("_upload_recorded", set())


def refuse(digest: str, original: str, code: str, reason_en: str, detail: dict | None = None) -> None:
    """Record a refusal once per file and reason in this session."""
    key = f"{digest}:{code}"
    if key not in recorded:
        auth.record("upload_refused", viewer, subject=original, outcome="refused",
                    detail={"reason": code, "message": reason_en, "sha256": digest, **(detail or {})})
        recorded.add(key)


def issues_table(verdict) -> pl.DataFrame:
    shown = verdict.issues.filter(pl.col("severity") != "info") if verdict.issues.height else verdict.issues
    return pl.DataFrame({
        tr("col_severity"): [tr(f"severity_{s}") for s in shown["severity"].to_list()],
        tr("col_sheet"): shown["sheet_name"].to_list(),
        tr("col_row"): [fmt.fmt_int(v) if v is not None else fmt.MISSING for v in shown["row_number"].to_list()],
        tr("col_column"): [f"{c or ''} {h or ''}".strip() for c, h in zip(shown["column_letter"].to_list(),
                                                                          shown["column_header"].to_list())],
        tr("col_value_seen"): [v or "" for v in shown["value_seen"].to_list()],
        tr("col_message"): shown["message_zh"].to_list(),
        tr("col_message_en"): shown["message_en"].to_list(),
    })


for index, item in enumerate(files or []):
    data = item.getvalue()
    original = item.name
    digest = hashlib.sha256(data).hexdigest()
    with st.container(border=True, key=f"upload_item_{index}"):
        st.markdown("**" + tr("upload_file_label") + "**")
        st.text(original)
        try:
            file_format = upload.screen(data)
        except upload.UploadRefused as refused:
            st.error(f"{refused.zh} / {refused.en}", icon=":material/block:")
            refuse(digest, original, refused.code, refused.en, {"size_bytes": len(data)})
            continue
        if digest not in names_by_digest:
            names_by_digest[digest] = upload.generated_name(original, file_format)
        name = names_by_digest[digest]
        # the sender's scope first: the check compares with the sender's own schools only, and says
        # of another school's rows only that the school is not theirs (pipelines/intake/upload.py)
        with st.spinner(tr("upload_checking")):  # the file is read in a worker process: a moment
            check = upload.check_as_sender(data, name, reference(), viewer.scope)
        verdict, reasons = check.verdict, check.refusals
        for zh, en in reasons:
            st.error(f"{zh} / {en}", icon=":material/block:")
        status_key = {"accepted": "upload_verdict_pass", "rejected": "upload_verdict_rejected",
                      "not_a_report": "upload_verdict_not_report"}[verdict.status]
        text = f"{tr(status_key)} — {verdict.report_type or '-'} · {verdict.message_zh} / {verdict.message_en}"
        (st.success if verdict.status == "accepted" and not reasons else st.error)(text)
        table = issues_table(verdict)
        if table.height:
            st.dataframe(table, hide_index=True, key=f"upload_issues_{index}")
            report = ui.csv_bytes(table)
            st.download_button(tr("upload_error_report"), data=report, file_name=f"{name.rsplit('.', 1)[0]}_errors.csv",
                               mime="text/csv", key=f"upload_report_{index}", icon=":material/download:",
                               on_click=auth.record_download, args=(f"{name}_errors.csv", "upload error report"))
        with st.expander(tr("upload_check_text")):
            st.code(format_verdict(original, verdict), language=None)

        if reasons:
            refuse(digest, original, "scope", "; ".join(en for _, en in reasons))
            continue
        if verdict.status != "accepted":
            refuse(digest, original, "verdict", verdict.message_en,
                   {"errors": verdict.count("error"), "report_type": verdict.report_type})
            st.warning(tr("upload_fix_first"))
            continue
        if digest in sent:
            st.success(tr("upload_sent", name=sent[digest]), icon=":material/check_circle:")
            continue
        if st.button(tr("upload_send"), key=f"upload_send_{index}", type="primary", icon=":material/send:"):
            schools = sorted(set().union(*upload.sending_schools(verdict).values()))
            districts = sorted({d for c, d in zip(registry["school_code"].to_list(), registry["district_code"].to_list())
                                if c in schools})
            sender = upload.Sender(identity=viewer.identity, role=viewer.role.value, schools=tuple(schools),
                                   districts=tuple(districts), mode=viewer.mode)
            delivered = upload.deliver(data, name, settings.inbox_dir, sender, original)
            auth.record("upload_sent", viewer, subject=original,
                        detail={"inbox_path": delivered.relative, "sha256": delivered.sha256,
                                "report_type": verdict.report_type, "rows": verdict.row_count, "schools": schools})
            sent[digest] = delivered.relative
            st.success(tr("upload_sent", name=delivered.relative), icon=":material/check_circle:")

# ---------------------------------------------------------------- received, waiting for the next run
published_snapshot = current_snapshot()
ui.waiting_uploads(viewer, None if published_snapshot is None else scope.scoped(published_snapshot, viewer.scope))


# ---------------------------------------------------------------- templates to fill (issue 13 #1)
def district_templates() -> None:
    """A district bureau: its schools' templates of each report, as one zip (R5 with the district's
    compiled workbook), made on click from the published snapshot (its own district's schools only)."""
    from dashboards.data import template_sources
    from pipelines.senders import templates as tpl

    if viewer.role is not Role.DISTRICT or published_snapshot is None:
        return
    year = tpl.reporting_year()
    st.subheader(tr("tpl_title"))
    st.caption(tr("tpl_caption", year=year))
    # through the scoped connection: the district's own schools' rows only
    sources = template_sources(scope.scoped(published_snapshot, viewer.scope))
    for district in viewer.scope.districts:
        for report in ("R5", "R1", "R2", "R3"):
            if not tpl.senders(sources, report, year, district):
                continue
            ui.download_button(tr("tpl_district_zip", report=tr(f"report_{report}")),
                               lambda report=report, district=district: tpl.district_zip(sources, report, year,
                                                                                         district),
                               f"{year}年{tpl.WHAT[report]}模板-{district}.zip", key=f"tpl_zip_{report}_{district}",
                               what=f"templates {report} {year}", mime="application/zip")


district_templates()
