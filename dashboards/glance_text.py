"""Words of the dashboard's at-a-glance parts: sortable dates and days in stage, a district's view
of city totals, one outlook for the science high schools, lineage behind a figure, report-ready
downloads and their column headers. They are part of the one translation table of
dashboards/i18n.py (zh first, en)."""

from __future__ import annotations

GLANCE_TEXT: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------ times and dates
    "beijing_time_suffix": ("（北京时间）", " (Beijing time)"),
    "as_of_word": ("截至", "as-of_"),
    # ------------------------------------------------------------ the monthly briefing
    "briefing_title": ("月度简报（PDF）", "Monthly briefing (PDF)"),
    "briefing_intro": ("所选快照（数据截至 {as_of}，北京时间）的《天津市科技教育2030目标进展简报》，A4 中文版，可直接打印或报送。",
                       ("The briefing of the chosen snapshot (data as of {as_of}, Beijing time), A4 in Chinese, "
                       "ready to print or send.")),
    "briefing_download": ("下载月度简报（PDF）", "Download the monthly briefing (PDF)"),
    "briefing_file_stem": ("科技教育2030目标进展简报", "kejiao2030_briefing"),
    "briefing_note": ("点击后生成，约需十余秒。", "Made when you click: it takes some seconds."),
    "briefing_city_only": ("月度简报为全市简报，仅市教委和数据组可下载。", "The briefing is the city's: for commission staff and the data team."),
    # ------------------------------------------------------------ questions a staffer asks
    "flb_gaps_title": ("{year}年末：哪些学科、哪些区还没有在建基地", "End of {year}: which disciplines and districts have no base"),
    "flb_disciplines_without": ("没有在建基地的学科（{n}个）：{names}", "Disciplines without an active base ({n}): {names}"),
    "flb_every_discipline": ("每个学科都有在建基地。", "Every discipline has an active base."),
    "flb_districts_without": ("没有在建基地的区（{n}个）：{names}", "Districts without an active base ({n}): {names}"),
    "flb_every_district_seen": ("您可查看的各区都有在建基地。", "Every district you can see has an active base."),
    "flb_districts_withheld": ("另有 {n} 个区的数字您无权查看，未计入上述名单。",
                               "The figures of {n} other districts are not visible to you and are not in the list."),
    "yip_lacking_title": ("{year}届学员缺哪位导师（{place}）", "Which mentor the {year} cohort lacks ({place})"),
    "col_mentor_lacking": ("所缺导师", "Mentor lacking"),
    "yip_lacks_university": ("缺高校导师（已有中学导师）", "University mentor (has a school mentor)"),
    "yip_lacks_school": ("缺中学导师（已有高校导师）", "School mentor (has a university mentor)"),
    "yip_lacks_both": ("两位导师都缺", "Both mentors"),
    "yip_lacking_note": ("名册中导师一栏为空即视为尚未配备；1至4人记为“<5”。",
                         "A blank mentor cell on the roster counts as not yet assigned; 1 to 4 are shown as \"<5\"."),
    "reporting_overdue": ("截止日期 {due}；自 {since} 起逾期，到数据截至日（{as_of}）已逾期 {days} 天，仍有 {n} 个单位未报。",
                          "Due {due}; overdue since {since}: {days} days by the data's as-of ({as_of}), {n} still missing."),
    "reporting_not_yet_due": ("截止日期 {due}，尚未到期（还有 {days} 天）。", "Due {due}: not yet due ({days} days left)."),
    "col_due_date": ("截止日期", "Due"),
    "col_overdue_since": ("逾期起始日", "Overdue since"),
    # ------------------------------------------------------------ where a figure comes from
    "lineage_button": ("来源", "Source"),
    "lineage_explorer_title": ("查看任一数值的来源", "Where any figure of this page comes from"),
    "lineage_breakdown": ("分组", "Breakdown"),
    "lineage_total": ("合计", "Total"),
    "my_col_source": ("来源（本校文件·工作表·行）", "Source (your file · sheet · row)"),
    "my_source_shared_file": ("汇总报送的文件（含其他学校的数据，故不列出文件名）",
                              "a compiled file (it holds other schools' rows, so its name is not shown)"),
    "my_source_cell": ("{file} · {sheet} · 第{row}行", "{file} · {sheet} · row {row}"),
    "lineage_heading": ("**{indicator}** · {year}年 · {place}", "**{indicator}** · {year} · {place}"),
    "lineage_rule": ("口径：{rule}", "Rule: {rule}"),
    "lineage_in_force": ("合并规则：每个报送单位、每个报表键只取最新到达的已接收文件中的行（旧版本保留备查）；下列为据以计算本数值的文件。",
                         ("How rows are combined: for each sender and report key, the rows of the newest accepted file "
                         "are in force (older versions are kept for audit); below, the files this value was computed from.")),
    "lineage_summary": ("共 **{files}** 份文件，**{rows}** 行数据。", "**{files}** files, **{rows}** rows."),
    "lineage_col_sender": ("报送人", "Sender"),
    "lineage_col_rows": ("所用行数", "Rows used"),
    "lineage_shared_inbox": ("共享收件箱", "shared inbox"),
    "lineage_none": ("该数值不依据任何报送行（例如为0）。", "No submitted row is behind this value (e.g. it is 0)."),
    "lineage_not_visible": ("全市数值的来源文件涉及其他区的学校，您的角色无权查看；选择本区可查看本区数值的来源。",
                            ("The files behind the city's value include other districts' schools and are not visible "
                            "to your role; choose your district to see the sources of its value.")),
    "page_closed_title": ("无权查看此页面", "Not open to you"),
    "page_closed_to_role": ("本页不对您的角色（{role}）开放。请从左侧菜单选择您可查看的页面。",
                            "This page is not open to your role ({role}). Choose one of your pages in the menu."),
    # ------------------------------------------------------------ files received, waiting for a run; what is withheld
    "waiting_title": ("已收到、等待下一次处理的文件（{n}）", "Received, waiting for the next run ({n})"),
    "waiting_status": ("已收到，等待下一次处理", "received, waiting for the next run"),
    "waiting_note": ("文件已进入收件箱；下一次数据处理（收件箱监测每隔几分钟一次）完成后，将在“我的文件”中显示是否接收及逐格错误。",
                     ("The file is in the inbox; once the next run has read it (the inbox is watched every few "
                     "minutes) it appears under your files as accepted or rejected, with every error.")),
    "col_uploaded": ("上传时间", "Uploaded"),
    "errors_withheld": (
        ("本类报表被退回的文件共有 **{n}** 处错误。逐格错误（行、列与所见值）仅数据组和报送单位本身可见：其中可能含学生信息，"
        "您的角色不可查看；如需核对，请联系数据组。"),
        ("The rejected files of this report hold **{n}** errors in all. The cell-by-cell list (row, column, value seen) "
        "is visible only to the data team and to the sender itself, as it may hold students' details: your role "
        "does not see it; ask the data team if you need it checked.")),
    "my_rejected_note": (
        ("此处列出本校的文件：经报送页上传的文件，以及内容只涉及本校的文件（含经共享收件箱报送、被退回的文件）。"
        "区教育局汇总多校的文件、以及无法读取或不是报表的文件无法确认为本校所有，不在此列，如有疑问请联系数据组。"),
        ("Listed are your school's files: those sent on the upload page, and those whose rows are all your "
        "school's, files refused through the shared inbox included. A bureau's file compiling several schools, and a "
        "file that could not be read or is no report, cannot be told to be yours and are not listed: ask the data "
        "team if in doubt.")),
    "export_small_counts_done": (
        ("青少年科创计划的学员是未成年人：各文件中1至4人的计数已记为“<5”（同一组仅一格隐去时另隐去一格，分子或分母隐去时比例不列出），"
        "与仪表盘一致；时间均为北京时间；文件名含数据截至时间。"),
        ("Participants of the youth programme are minors: in every file counts of 1 to 4 are written \"<5\" (with a "
        "second cell hidden beside a lone one, and no share on a hidden numerator or denominator), as on the "
        "dashboard; times are Beijing time; the file names carry the as-of.")),
    "col_days_in_stage": ("在当前阶段天数", "Days in stage"),
    "shs_days_note": ("“在当前阶段天数”自最近一次阶段事件起算，至 {until}（所选年度年末与数据截至日中较早者）。点击列标题可排序。",
                      ("Days in stage count from the latest stage event to {until} (the end of the chosen year or the "
                      "data's as-of, whichever is earlier). Click a column header to sort.")),
    # ------------------------------------------------------------ what a viewer may not see
    "not_visible_to_you": ("您无权查看", "not visible to you"),
    "districts_withheld": ("其余 {n} 个区（{districts}）的数字您无权查看，未画出（并非为零或无数据）。",
                           ("The figures of the other {n} districts ({districts}) are not visible to you and are not "
                           "drawn (they are not zero, nor missing).")),
    "yip_equity_withheld": (
        "占比按全市合计计算（快照中全市本身的数字）。其余 {n} 个区（{districts}）的数字您无权查看，故不在图中，并非为零。",
        ("Shares are of the city's own totals (the city's row in the snapshot). The figures of the other {n} "
         "districts ({districts}) are not visible to you: they are left out of the chart, not zero.")),
    "rows_place": ("{districts}（您可见的学校）", "{districts} (schools visible to you)"),
    # ------------------------------------------------------------ one outlook for the science high schools
    "shs_outlook_metric": ("{deadline}年底预计命名（展望）", "Expected named by end of {deadline} (outlook)"),
    "shs_outlook_value": ("约{central}所", "about {central}"),
    "shs_outlook_range": ("区间 {low}–{high} 所（80%）", "range {low}–{high} (80%)"),
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
         "状态仍按规范的线性方法判定，直线外推仅作参照。"
         "整改中的学校按其已到达的最高阶段计入候选校，因此本表某阶段的候选校数可能多于下图按当前阶段的统计。"),
        ("Method: per candidate stage, the schools seen moving on or withdrawing and the days moves took; a candidate now "
         "in the stage that has waited longer than every move observed out of it counts as not moving on. Each run draws "
         "each stage's rate from Beta(moved + 1, not moved + 1) and, school by school, whether and when it moves on (out "
         "of its current stage, only among times longer than it has waited), and counts the schools named by the end of "
         "the deadline year; 2,000 runs with a fixed seed (reproducible); the median is the outlook, the 10th–90th "
         "percentiles its range. The status is still judged by the spec's linear method; the straight line is a "
         "reference only. A school in rectification counts as a candidate of the furthest stage it reached, so a "
         "stage here may hold more schools than the chart below, which counts each school's current stage.")),
    "col_moved_on": ("已观察晋级（所）", "Seen moving on"),
    "col_withdrew": ("已观察退出（所）", "Seen withdrawing"),
    "col_still_in_stage": ("仍在该阶段（所）", "Still in stage"),
}

# raw field names of the CSV downloads -> headers: Chinese by default, English in English mode
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "accepted": ("已接收", "Accepted"),
    "active": ("在建", "Active"),
    "active_bases": ("在建基地数", "Active bases"),
    "actor": ("操作人", "Actor"),
    "arrived_at": ("到达时间", "Arrived at"),
    "as_of": ("数据截至", "As of"),
    "awards_city_or_above": ("市级以上获奖数", "Awards (city or above)"),
    "band_from": ("区间起", "Band from"),
    "band_to": ("区间止", "Band to"),
    "base_code": ("基地编号", "Base code"),
    "base_status": ("基地状态", "Base status"),
    "bases": ("基地数", "Bases"),
    "bases_reporting": ("报送基地数", "Bases reporting"),
    "breakdown_dimensions": ("分组维度", "Breakdowns"),
    "breakdown_value": ("分组值", "Breakdown value"),
    "candidates": ("候选校数", "Candidates"),
    "change": ("变化", "Change"),
    "column_header": ("列标题", "Column header"),
    "column_letter": ("列", "Column"),
    "courses_offered": ("开设课程数", "Courses offered"),
    "days_in_stage": ("在当前阶段天数", "Days in stage"),
    "deadline": ("截止日期", "Deadline"),
    "deadline_assumed": ("截止年度为假定", "Deadline assumed"),
    "deadline_year": ("截止年度", "Deadline year"),
    "definition_en": ("口径（英文）", "Definition (English)"),
    "definition_zh": ("口径", "Definition (Chinese)"),
    "denominator": ("分母", "Denominator"),
    "detail": ("详情", "Detail"),
    "difference_points": ("与所在区之差（百分点）", "Difference from the district (points)"),
    "direction": ("方向", "Direction"),
    "discipline": ("学科", "Discipline"),
    "district_code": ("区划代码", "District code"),
    "district_name": ("区", "District"),
    "district_name_en": ("区名（英文）", "District (English)"),
    "district_name_zh": ("区名（中文）", "District (Chinese)"),
    "district_participation_percent": ("所在区参与率（%）", "District participation (%)"),
    "district_target": ("本区目标", "District target"),
    "district_vice_principal_percent": ("所在区配备科学副校长的学校占比（%）",
                                        "District schools with a science vice-principal (%)"),
    "due_date": ("截止日期", "Due date"),
    "enrolled_students": ("在校生数", "Enrolled students"),
    "entity_code": ("基地/单位代码", "Base or unit code"),
    "error_count": ("错误数", "Errors"),
    "event": ("事件", "Event"),
    "event_id": ("事件编号", "Event id"),
    "expected_named_by_deadline": ("预计期限内命名", "Expected named by deadline"),
    "files": ("文件数", "Files"),
    "geo_code": ("区划代码", "Area code"),
    "geo_name": ("区域", "Area"),
    "group_name_zh": ("指标组", "Indicator group (Chinese)"),
    "has_districts": ("分区计算", "By district"),
    "has_report": ("是否已报送", "Report received"),
    "has_science_vice_principal": ("是否配备科学副校长", "Has a science vice-principal"),
    "has_share": ("是否已分配份额", "Share assigned"),
    "history": ("阶段历程", "Stage history"),
    "host_school_code": ("依托学校标识码", "Host school code"),
    "host_school_name": ("依托学校", "Host school"),
    "indicator_group": ("指标组代码", "Indicator group"),
    "indicator_id": ("指标代码", "Indicator id"),
    "is_active": ("是否在建", "Is active"),
    "is_additive": ("可加总", "Is additive"),
    "is_candidate": ("是否候选校", "Is candidate"),
    "is_carried_forward": ("沿用往年报告", "Carried forward"),
    "is_example": ("是否示例份额", "Example share"),
    "is_named": ("是否已命名", "Is named"),
    "is_overdue": ("是否逾期", "Overdue"),
    "is_pooled": ("借用全体阶段数据", "Pooled"),
    "is_under_rectification": ("是否整改中", "Under rectification"),
    "is_withdrawn": ("是否已退出", "Withdrawn"),
    "judged_on": ("判定日期", "Judged on"),
    "kind": ("目标类型", "Kind"),
    "label_en": ("名称（英文）", "Label (English)"),
    "label_zh": ("名称", "Label (Chinese)"),
    "labs": ("实验室数", "Labs"),
    "last_accepted_at": ("最近接收", "Last accepted"),
    "last_arrived_at": ("最近到达", "Last arrival"),
    "latest_event_date": ("最近事件日期", "Latest event date"),
    "latest_stage": ("最近阶段", "Latest stage"),
    "linear_projection": ("直线外推", "Linear projection"),
    "linear_projection_by_deadline": ("直线外推至截止年度", "Linear projection to deadline"),
    "maker_spaces": ("创客空间数", "Maker spaces"),
    "median_days_to_named": ("至命名用时中位数（天）", "Median days to named"),
    "median_days_to_next": ("晋级用时中位数（天）", "Median days to next stage"),
    "message_en": ("说明（英文）", "Message (English)"),
    "message_zh": ("说明", "Message (Chinese)"),
    "missing": ("未报", "Missing"),
    "mode": ("方式", "Mode"),
    "name_en": ("名称（英文）", "Name (English)"),
    "name_zh": ("名称", "Name (Chinese)"),
    "named": ("已命名", "Named"),
    "named_now": ("现已命名", "Named now"),
    "named_since_date": ("命名日期", "Named since"),
    "numerator": ("分子", "Numerator"),
    "occurred_at": ("发生时间", "Occurred at"),
    "original_name": ("文件名", "File name"),
    "outcome": ("结果", "Outcome"),
    "outlook_central": ("展望（中位数）", "Outlook (median)"),
    "outlook_high": ("区间上限（90%）", "Range high (90%)"),
    "outlook_low": ("区间下限（10%）", "Range low (10%)"),
    "outlook_runs": ("模拟次数", "Simulated runs"),
    "overdue_since": ("逾期起始日", "Overdue since"),
    "participation_percent": ("科技活动参与率（%）", "Participation (%)"),
    "period": ("年度", "Year"),
    "pipeline_stage": ("所处阶段", "Stage"),
    "probability_named": ("最终命名的概率", "Probability named"),
    "progress_ratio": ("进度比", "Progress ratio"),
    "projected_named_by_deadline": ("各阶段全部晋级时的命名总数（旧估计）", "Named if all pass (old estimate)"),
    "ratio": ("比率", "Ratio"),
    "refusal_reason_en": ("退回原因（英文）", "Reason refused"),
    "refusal_reason_zh": ("退回原因", "Reason refused (Chinese)"),
    "rejected": ("已退回", "Rejected"),
    "report_type": ("报表", "Report"),
    "report_year": ("报告年度", "Report year"),
    "reported_at": ("报送时间", "Reported at"),
    "role": ("角色", "Role"),
    "row_count": ("行数", "Rows"),
    "row_number": ("行号", "Row"),
    "rows_in_force": ("生效行数", "Rows in force"),
    "rows_replaced": ("被替代行数", "Rows replaced"),
    "rule_code": ("规则", "Rule"),
    "school_code": ("学校标识码", "School code"),
    "school_name": ("学校名称", "School name"),
    "school_type": ("学校类型", "School type"),
    "schools": ("学校数", "Schools"),
    "schools_reached": ("辐射学校数", "Schools reached"),
    "science_teachers": ("科学教师数", "Science teachers"),
    "science_vice_principals": ("科学副校长人数", "Science vice-principals"),
    "scope": ("范围", "Scope"),
    "sent": ("已报送", "Sent"),
    "severity": ("级别", "Severity"),
    "sheet_name": ("工作表", "Sheet"),
    "sort_order": ("排序", "Sort order"),
    "source": ("出处", "Source"),
    "source_quote_zh": ("原文", "Source words (Chinese)"),
    "st_activity_percent": ("科技活动参与率（%）", "Participation (%)"),
    "st_clubs": ("科技社团数", "S&T clubs"),
    "stage": ("阶段", "Stage"),
    "stage_order": ("阶段序号", "Stage order"),
    "status": ("状态", "Status"),
    "status_report_year": ("状态所据报告年度", "Status report year"),
    "still_in_stage": ("仍在该阶段", "Still in stage"),
    "straight_path": ("按期路径", "Straight path"),
    "stuck_in_stage": ("等待已超过已观察晋级用时", "Waiting past every observed move"),
    "students_in_st_activities": ("参加科技活动学生数", "Students in S&T activities"),
    "students_served": ("服务学生数", "Students served"),
    "subject": ("对象", "Subject"),
    "superseded_name": ("被替代的文件", "File replaced"),
    "target": ("目标值", "Target"),
    "target_value": ("目标值", "Target value"),
    "target_year": ("目标年度", "Target year"),
    "teacher_training_hours": ("教师培训学时", "Teacher training hours"),
    "transition_rate": ("晋级率", "Transition rate"),
    "transitions_observed": ("已观察晋级", "Moves observed"),
    "unit": ("单位", "Unit"),
    "value": ("数值", "Value"),
    "value_kind": ("数值类型", "Value kind"),
    "value_seen": ("所见值", "Value seen"),
    "vice_principal_percent": ("科学副校长配备率（%）", "Vice-principal coverage (%)"),
    "warning_count": ("警告数", "Warnings"),
    "withdrawals_observed": ("已观察退出", "Withdrawals observed"),
    "year": ("年度", "Year"),
}
