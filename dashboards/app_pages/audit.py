"""审计与运行 Audit and run state (data team only): who signed in, sent, downloaded or changed
access, and when; what is waiting in the inbox; the files sent on the upload page and what the
intake made of them; recorded run failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import streamlit as st

from dashboards import auth, data, scope, ui
from dashboards import format as fmt
from dashboards.ui import tr
from pipelines.access import audit
from pipelines.access.roles import Permission
from pipelines.intake import files as inbox_files
from pipelines.intake import upload
from pipelines.settings import get_settings

EVENTS = ("sign_in", "sign_in_denied", "sign_out", "upload_sent", "upload_refused", "download",
          "assignments_changed", "access_denied")

viewer = auth.current_viewer()
if viewer is None or not viewer.scope.may(Permission.AUDIT):
    auth.refuse_page(viewer)

settings = get_settings()
lang = ui.lang()
st.title(tr("audit_title"))
st.caption(tr("audit_caption", path=str(audit.audit_path(settings))))

# ---------------------------------------------------------------- the log
left, right = st.columns(2)
event = left.selectbox(tr("audit_event"), options=[None, *EVENTS], key="audit_event",
                       format_func=lambda e: tr("audit_all_events") if e is None else tr(f"audit_event_{e}"))
actor = right.text_input(tr("audit_actor"), key="audit_actor").strip() or None
events = audit.recent(1000, event=event, actor=actor, path=audit.audit_path(settings))
st.metric(tr("audit_shown"), fmt.fmt_int(events.height))
shown = pl.DataFrame({
    tr("audit_col_time"): ui.time_column(events["occurred_at"].to_list()),
    tr("audit_col_event"): [tr(f"audit_event_{e}") if e in EVENTS else e for e in events["event"].to_list()],
    tr("audit_col_actor"): events["actor"].to_list(),
    tr("audit_col_role"): events["role"].to_list(),
    tr("audit_col_scope"): events["scope"].to_list(),
    tr("audit_col_mode"): events["mode"].to_list(),
    tr("audit_col_subject"): events["subject"].to_list(),
    tr("audit_col_outcome"): events["outcome"].to_list(),
    tr("audit_col_detail"): events["detail"].to_list(),
})
ui.dataframe(shown, "table_audit")
# the log's times are UTC text: as times, the file writes them in Beijing time and says so
ui.download_button(tr("download_csv"), lambda: events.with_columns(pl.Series("occurred_at", ui.time_column(
    events["occurred_at"].to_list()))), ui.download_name("audit_events"), key="download_audit",
                   what="audit log")

# ---------------------------------------------------------------- run state
st.subheader(tr("audit_run_title"))
published = data.current_snapshot()  # not the sidebar's: a school has no indicator years
snap = scope.scoped(published, viewer.scope) if published is not None else None
c1, c2, c3 = st.columns(3)
if snap is not None:
    meta = data.snapshot_meta(snap)
    c1.metric(tr("audit_as_of") + tr("beijing_time_suffix"), fmt.fmt_datetime(meta.get("as_of"), lang))
    c2.metric(tr("audit_published_at") + tr("beijing_time_suffix"), fmt.fmt_datetime(meta.get("published_at"), lang))
else:
    c1.metric(tr("audit_as_of"), fmt.MISSING)
inbox = settings.inbox_dir
published_at = (data.snapshot_meta(snap).get("published_at") if snap is not None else None)
waiting = []
if inbox.exists():
    for entry in inbox_files.walk(inbox):  # as intake walks it: no link followed, no FIFO opened
        if entry.kind != "file":
            continue
        modified = datetime.fromtimestamp(entry.mtime, UTC).replace(tzinfo=None)
        if published_at is None or modified > published_at:
            waiting.append({"inbox_path": entry.relative, "modified_at": modified})
c3.metric(tr("audit_waiting"), fmt.fmt_int(len(waiting)))
st.caption(tr("audit_waiting_note"))
if waiting:
    st.dataframe(pl.DataFrame(waiting), hide_index=True, key="table_waiting")

st.markdown("#### " + tr("audit_uploads_title"))
senders = upload.inbox_senders(inbox)
if not senders:
    st.info(tr("audit_no_uploads"))
else:
    statuses = {}
    if snap is not None:
        files = data.submissions(snap)
        statuses = dict(zip(files["inbox_path"].to_list(), files["status"].to_list()))
    rows = []
    for path, sender in sorted(senders.items(), reverse=True):
        who = json.loads(sender)
        rows.append({tr("col_file"): path, tr("audit_col_actor"): who.get("identity"),
                     tr("audit_col_role"): who.get("role"), tr("audit_col_scope"): ", ".join(who.get("schools") or []),
                     tr("my_col_status"): tr(f"my_status_{statuses[path]}") if path in statuses else tr("audit_pending")})
    st.dataframe(pl.DataFrame(rows), hide_index=True, key="table_uploads")

st.markdown("#### " + tr("audit_failures_title"))
failures = settings.data_dir / "ops" / "failures.jsonl"
lines = failures.read_text(encoding="utf-8").splitlines()[-20:] if failures.exists() else []
if not lines:
    st.success(tr("audit_no_failures"))
else:
    records = [json.loads(line) for line in reversed(lines) if line.strip()]
    st.dataframe(pl.DataFrame([{k: str(v) for k, v in r.items()} for r in records]), hide_index=True,
                 key="table_failures")
