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
    # ------------------------------------------------------------ one outlook for the science high schools
    "shs_outlook_metric": ("{deadline}年底预计命名（展望）", "Expected named by end of {deadline} (outlook)"),
    "shs_outlook_value": ("约{central}所（{low}–{high}）", "about {central} ({low}–{high})"),
    "shs_outlook_sentence": (
        ("**结论**：按规范的线性方法（进展比 R = {ratio}），状态为**{status}**。{year}年末已命名 {named} 所；"
         "按此前速度直线外推（仅作参照），{deadline}年约 {linear} 所。以各阶段实际的晋级率与用时模拟全部 {candidates} 所"
         "候选校（仍在阶段中的学校计入，其中 {stuck} 所的等待时间已超过以往任何一次晋级用时），"
         "{deadline}年底预计命名约 **{central}** 所，80%可能落在 **{low}–{high}** 所之间。"),
        ("**In short**: by the spec's linear method (progress ratio R = {ratio}) the status is **{status}**. "
         "{named} were named by the end of {year}; the straight line of the pace so far (a reference only) reaches "
         "{linear} by {deadline}. Simulating all {candidates} candidates from the observed stage-to-stage rates and "
         "times (those still in a stage included; {stuck} of them have waited longer than any move seen so far), "
         "about **{central}** are expected named by the end of {deadline}, with 80% likelihood between **{low} and "
         "{high}**.")),
    "shs_outlook_goal_above": ("目标 {goal} 所高于这一区间：按现有进度难以如期达到，需加快候选校的推进。",
                               ("The target of {goal} lies above that range: at the present pace it will not be met "
                               "in time without faster progress of the candidates.")),
    "shs_outlook_goal_within": ("目标 {goal} 所在这一区间之内：能否达到取决于候选校能否按期通过其后各阶段。",
                                ("The target of {goal} lies within that range: whether it is met depends on the "
                                "candidates passing their next stages in time.")),
    "shs_outlook_goal_below": ("目标 {goal} 所低于这一区间：按现有进度可望如期达到。",
                               "The target of {goal} lies below that range: at the present pace it should be met."),
    "legend_outlook": ("展望（区间 {low}–{high}）", "Outlook (range {low}–{high})"),
    "shs_outlook_title": ("展望的依据：各阶段的晋级与用时（到{deadline}年）", "What the outlook rests on: moves and times per stage (to {deadline})"),
    "shs_outlook_method": (
        ("方法：对每个候选阶段，统计以往晋级、退出的学校和晋级用时；等待时间已超过该阶段所有已观察晋级用时的在读候选校按未晋级计入比率。"
         "每次模拟从 Beta(晋级+1, 未晋级+1) 抽取各阶段晋级率，逐校抽取是否晋级及用时（当前阶段只从长于其已等待时间的用时中抽取），"
         "统计截止年底前命名的学校数；共模拟2000次（固定随机种子，结果可复现），取中位数为展望，10%–90%分位为区间。"
         "状态仍按规范的线性方法判定，直线外推仅作参照。"),
        ("Method: per candidate stage, the schools seen moving on or withdrawing and the days moves took; a candidate now "
         "in the stage that has waited longer than every move observed out of it counts as not moving on. Each run draws "
         "each stage's rate from Beta(moved + 1, not moved + 1) and, school by school, whether and when it moves on (out "
         "of its current stage, only among times longer than it has waited), and counts the schools named by the end of "
         "the deadline year; 2,000 runs with a fixed seed (reproducible); the median is the outlook, the 10th–90th "
         "percentiles its range. The status is still judged by the spec's linear method; the straight line is a "
         "reference only.")),
    "col_moved_on": ("已观察晋级（所）", "Seen moving on"),
    "col_withdrew": ("已观察退出（所）", "Seen withdrawing"),
    "col_still_in_stage": ("仍在该阶段（所）", "Still in stage"),
}
