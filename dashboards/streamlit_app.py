"""科教2030 仪表盘 — first page: what was ingested and rejected (read-only)."""

from __future__ import annotations

import duckdb
import streamlit as st

from pipelines.settings import get_settings

st.set_page_config(page_title="科教2030", layout="wide")
st.title("科教2030 · 报送情况 Submissions")


@st.cache_resource
def connection() -> duckdb.DuckDBPyConnection | None:
    settings = get_settings()
    for path in (settings.published_dir / "current.duckdb", settings.warehouse_path):
        if path.exists():
            try:
                return duckdb.connect(str(path), read_only=True)
            except duckdb.Error:
                continue
    return None


con = connection()
if con is None:
    st.warning("尚无数据：请先运行 `kejiao materialize`。 No data yet: run `kejiao materialize` first.")
    st.stop()
st.dataframe(
    con.sql(
        "select original_name as 文件, report_type as 报表, status as 状态, row_count as 行数, "
        "error_count as 错误, warning_count as 提示, arrived_at as 到达时间, message_zh as 说明 "
        "from raw.submissions order by arrived_at"
    ).pl(),
    hide_index=True,
)
