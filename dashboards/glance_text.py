"""Words of the dashboard added for issue 16 ("the dashboard tells staff the truth at a glance"):
sortable dates and days in stage, a district's view of city totals, one outlook for the science
high schools, lineage behind a figure, report-ready downloads. They join the one translation table
of dashboards/i18n.py (zh first, en); kept apart only to ease merging."""

from __future__ import annotations

GLANCE_TEXT: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------ times and dates
    "beijing_time_suffix": ("（北京时间）", " (Beijing time)"),
    "col_days_in_stage": ("在当前阶段天数", "Days in stage"),
    "shs_days_note": ("“在当前阶段天数”自最近一次阶段事件起算，至 {until}（所选年度年末与数据截至日中较早者）。点击列标题可排序。",
                      ("Days in stage count from the latest stage event to {until} (the end of the chosen year or the "
                      "data's as-of, whichever is earlier). Click a column header to sort.")),
}
