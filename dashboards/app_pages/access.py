"""角色分配 Role assignments (data team only): who may see and send what. The table is the data
team's reference data, `$KEJIAO_DATA_DIR/access/role_assignments.csv` (first a copy of
`seeds/role_assignments.csv`); a change takes effect on the viewer's next interaction and is
recorded in the audit log with what was added and removed."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import auth, ui
from dashboards.ui import tr
from pipelines.access import roles
from pipelines.access.roles import COLUMNS, MATCH_BY, Permission, Role

viewer = auth.current_viewer()
if viewer is None or not viewer.scope.may(Permission.MANAGE_ROLES):
    auth.refuse_page(viewer)

st.title(tr("access_title"))
st.markdown(tr("access_intro"))
districts = auth.known_districts()
table = roles.load_assignments(known_districts=districts)
live = roles.assignments_path()
st.caption(tr("access_source", path=str(table.path), live=str(live)))
for line, zh, en in table.problems:
    st.warning(tr("access_problem", line=line, message=zh if ui.lang() == "zh" else en))

current = pl.DataFrame([{c: getattr(r, c).value if c == "role" else getattr(r, c) for c in COLUMNS}
                        for r in table.rows], schema={c: pl.String for c in COLUMNS})
edited = st.data_editor(
    current, num_rows="dynamic", hide_index=True, key="access_editor", width="stretch",
    column_config={
        "match_by": st.column_config.SelectboxColumn(tr("access_col_match_by"), options=list(MATCH_BY), required=True),
        "identity": st.column_config.TextColumn(tr("access_col_identity"), required=True),
        "role": st.column_config.SelectboxColumn(tr("access_col_role"), options=[r.value for r in Role], required=True),
        "scope_code": st.column_config.TextColumn(tr("access_col_scope")),
        "display_name": st.column_config.TextColumn(tr("access_col_name")),
    },
)
if st.button(tr("access_save"), type="primary", icon=":material/save:", key="access_save"):
    rows = edited.to_dicts() if isinstance(edited, pl.DataFrame) else edited.to_dict("records")
    text = roles.render_assignments(rows)
    checked = roles.parse_assignments(text, districts)
    if checked.problems:
        for line, zh, en in checked.problems:
            st.error(tr("access_problem", line=line, message=zh if ui.lang() == "zh" else en))
        st.stop()
    before = {(r.match_by, r.identity, r.role.value, r.scope_code) for r in table.rows}
    after = {(r.match_by, r.identity, r.role.value, r.scope_code) for r in checked.rows}
    roles.save_assignments(text, live)
    auth.record("assignments_changed", viewer, subject=str(live),
                detail={"added": sorted(map(list, after - before)), "removed": sorted(map(list, before - after))})
    st.success(tr("access_saved", added=len(after - before), removed=len(before - after)))
