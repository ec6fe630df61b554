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
    # ------------------------------------------------------------ what a viewer may not see
    "not_visible_to_you": ("您无权查看", "not visible to you"),
    "yip_equity_withheld": (
        "占比按全市合计计算（快照中全市本身的数字）。其余 {n} 个区（{districts}）的数字您无权查看，故不在图中，并非为零。",
        ("Shares are of the city's own totals (the city's row in the snapshot). The figures of the other {n} "
         "districts ({districts}) are not visible to you: they are left out of the chart, not zero.")),
    "rows_place": ("{districts}（您可见的学校）", "{districts} (schools visible to you)"),
}
