"""The one translation table of the dashboard: every word a reader sees, in Chinese (the default)
and English. Labels of codes (stages, disciplines, school types, districts) come from the
snapshot's ref.code_labels and ref.districts; indicator names and definitions from
indicators.indicator_definitions; everything else is here.

`t(key, lang, **values)` looks a key up and fills `{placeholders}`; a missing key raises, so a
test that opens every page in both languages finds any gap.
"""

from __future__ import annotations

from dashboards.access_text import ACCESS_TEXT
from dashboards.glance_text import GLANCE_TEXT
from pipelines.indicators.catalog import STATUS_LABELS, UNIT_NAMES, UNIT_WORDS

DEFAULT_LANG = "zh"
LANGUAGES = {"zh": "中文", "en": "English"}

TEXT: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------ the app and its sidebar
    "app_title": ("科教2030", "Kejiao 2030"),
    "page_overview": ("总览", "Overview"),
    "page_shs": ("科学高中", "Science high schools"),
    "page_flb": ("领航学科基地", "Flagship bases"),
    "page_yip": ("青少年科创计划", "Youth S&T programme"),
    "page_everyone": ("面向人人", "S&T for everyone"),
    "page_reporting": ("数据报送", "Reporting"),
    "page_method": ("方法说明", "Methodology"),
    "page_export": ("导出", "Export"),
    "year_label": ("年度", "Year"),
    "district_label": ("区", "District"),
    "whole_city": ("全市", "Whole city"),
    "reload": ("刷新数据", "Reload data"),
    "sidebar_as_of": ("数据截至 {as_of}（北京时间）  \n快照 `{snapshot}`，发布于 {published_at}",
                      "Data as of {as_of} (Beijing time)  \nSnapshot `{snapshot}`, published {published_at}"),
    "provenance": ("{year} · {place} ｜ 数据截至 {as_of}（北京时间，最新报表到达时间）｜ 快照 {snapshot}，发布于 {published_at}",
                   ("{year} · {place} | Data as of {as_of} (Beijing time, newest report arrival) | snapshot "
                   "{snapshot}, published {published_at}")),
    "no_snapshot": ("尚无已发布的数据快照。请先运行 `kejiao materialize`，发布后刷新本页。",
                    "No published snapshot yet. Run `kejiao materialize`, then reload this page."),
    "no_years": ("快照中没有任何年度的指标。", "The snapshot holds no indicator for any year."),
    "no_data_short": ("无数据", "no data"),
    "no_data": ("所选年度和区暂无数据。", "No data for the chosen year and district."),
    "chart_table": ("图表数据（表格）", "Data behind the chart (table)"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "table_page": ("页码（共 {pages} 页）", "Page (of {pages})"),
    "table_rows_shown": ("显示第 {first}–{last} 行，共 {total} 行；下载 CSV 可得全部行。",
                         "Rows {first}–{last} of {total}; the CSV holds every row."),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unknown": ("未填报", "not given"),
    "share_hidden_small": ("不足5人，不显示比例", "fewer than 5 students: not shown"),
    "students_word": ("人", "students"),
    "carried_forward": ("（沿用）", "(carried forward)"),
    "cohort_label": ("{year}届", "{year} cohort"),
    "city_target_note": ("目标为全市目标；选择区时，目标对比仍按全市计算，区内数字单独列出。",
                         ("Targets are city-wide: with a district chosen, progress is still judged for the city; "
                         "the district's figures are shown beside it.")),
    # ------------------------------------------------------------ statuses (same words as the exports)
    "status_none": ("无目标", "No target"),
    # statuses and units are the one vocabulary of pipelines.indicators.catalog, joined below
    "kind_stock": ("存量目标（到期限达到）", "stock (reach by the deadline)"),
    "kind_annual_quota": ("年度目标（每年/每届）", "annual (every year or cohort)"),
    "dimension_stage": ("阶段", "stage"),
    "dimension_discipline": ("学科", "discipline"),
    "dimension_host_university": ("承办高校", "host university"),
    "dimension_gender": ("性别", "gender"),
    "dimension_member_type": ("成员类型", "member type"),
    "dimension_school_type": ("办学类型", "school type"),
    # ------------------------------------------------------------ report types
    "report_R0": ("R0 学校(机构)名录", "R0 School registry"),
    "report_R1": ("R1 科学高中建设进展报告", "R1 Science high school progress"),
    "report_R2": ("R2 领航学科基地年度报告", "R2 Flagship base annual report"),
    "report_R3": ("R3 青少年科创计划学员名册", "R3 Youth programme roster"),
    "report_R4": ("R4 科技教育联盟成员名册", "R4 Alliance member register"),
    "report_R5": ("R5 学校科技教育年报", "R5 School S&T annual report"),
    # ------------------------------------------------------------ axes (always with units)
    "axis_year": ("年份", "Year"),
    "axis_report_year": ("报告年度", "Report year"),
    "axis_cohort": ("届别", "Cohort"),
    "axis_district": ("区", "District"),
    "axis_schools": ("学校数（所）", "Schools (number)"),
    "axis_bases": ("基地数（个）", "Bases (number)"),
    "axis_students": ("学生数（人）", "Students (number)"),
    "axis_members": ("成员单位数（家）", "Members (number)"),
    "axis_member_type": ("成员类型", "Member type"),
    "axis_stage": ("建设阶段", "Stage"),
    "axis_discipline": ("学科", "Discipline"),
    "axis_university": ("承办高校", "Host university"),
    "axis_gender": ("性别", "Gender"),
    "axis_school_type": ("办学类型", "School type"),
    "axis_percent": ("比例（%）", "Share (%)"),
    "axis_percent_share": ("占全市比例（%）", "Share of the city (%)"),
    "axis_participation_rate": ("学生科技活动参与率（%）", "Students in S&T activities (%)"),
    "axis_vp_count": ("科学副校长人数（人）", "Science vice-principals (number)"),
    "axis_senders_R5": ("学校数（所）", "Schools (number)"),
    "axis_senders_R2": ("基地数（个）", "Bases (number)"),
    "axis_senders_R3": ("高校数（所）", "Universities (number)"),
    # ------------------------------------------------------------ legends
    "legend_actual_named": ("实际已命名", "Named (actual)"),
    "legend_actual_active": ("实际在建", "Active (actual)"),
    "legend_path": ("按期路径（{deadline}年达到{target}）", "Straight path ({target} by {deadline})"),
    "legend_projection": ("按目前速度外推", "Pace so far, carried on"),
    "legend_forecast": ("候选校前瞻估计", "Forward estimate from candidates"),
    "legend_target": ("目标", "Target"),
    "legend_target_assumed": ("目标（期限为假定）", "Target (deadline assumed)"),
    "legend_named": ("已命名", "Named"),
    "legend_candidates": ("候选校", "Candidates"),
    "legend_share_participants": ("学员占比", "Share of participants"),
    "legend_share_pupils": ("中学在校生占比", "Share of secondary pupils"),
    "legend_vp": ("科学副校长配备率", "Schools with a science vice-principal"),
    "legend_participation": ("学生科技活动参与率", "Students in S&T activities"),
    "legend_sent": ("已报送", "Sent"),
    "legend_missing": ("未报送", "Not sent"),
    # ------------------------------------------------------------ table columns
    "col_indicator": ("指标", "Indicator"),
    "col_indicator_id": ("指标代码", "Indicator id"),
    "col_value": ("当前值", "Value"),
    "col_target": ("目标", "Target"),
    "col_deadline": ("期限", "Deadline"),
    "col_status": ("进展状态", "Status"),
    "col_change": ("比上年", "Change on last year"),
    "col_note": ("说明", "Note"),
    "col_kind": ("目标类型", "Kind"),
    "col_source_words": ("原文表述", "Words of the source"),
    "col_source": ("出处", "Source"),
    "col_condition": ("条件", "Condition"),
    "col_unit": ("单位", "Unit"),
    "col_definition": ("定义", "Definition"),
    "col_breakdowns": ("分组", "Breakdowns"),
    "col_by_district": ("分区计算", "By district"),
    "col_year": ("年度", "Year"),
    "col_named": ("已命名（所）", "Named (schools)"),
    "col_path": ("按期路径", "Straight path"),
    "col_projection": ("按目前速度外推", "Pace carried on"),
    "col_stage": ("阶段", "Stage"),
    "col_stage_now": ("年末所处阶段", "Stage at year end"),
    "col_candidates": ("候选校（所）", "Candidates (schools)"),
    "col_transition_rate": ("进入下一阶段的比例", "Share moving on"),
    "col_median_days": ("到下一阶段的中位天数", "Median days to next stage"),
    "col_probability_named": ("最终命名的概率", "Probability of being named"),
    "col_expected_named": ("预计期限内命名（所）", "Expected named by the deadline"),
    "col_pooled": ("借用全体阶段数据", "Pooled"),
    "col_schools": ("学校数（所）", "Schools"),
    "col_school": ("学校", "School"),
    "col_school_code": ("学校标识码", "School code"),
    "col_district": ("区", "District"),
    "col_latest_event": ("最近事件日期", "Latest event"),
    "col_named_since": ("命名日期", "Named since"),
    "col_history": ("阶段历程", "Stage history"),
    "col_active_bases": ("在建基地（个）", "Active bases"),
    "col_discipline": ("学科", "Discipline"),
    "col_total": ("合计", "Total"),
    "col_bases_reporting": ("报送基地（个）", "Bases reporting"),
    "col_students_served": ("服务学生数（人）", "Students served"),
    "col_schools_reached": ("辐射学校数（所）", "Schools reached"),
    "col_courses": ("开设课程数（门）", "Courses offered"),
    "col_training_hours": ("教师培训学时", "Teacher training hours"),
    "col_base_code": ("基地编号", "Base code"),
    "col_host_school": ("依托学校", "Host school"),
    "col_base_status": ("状态", "Status"),
    "col_counts": ("计入目标", "Counts toward target"),
    "col_status_from": ("状态依据（报告年度）", "Status from report of"),
    "col_cohort": ("届别", "Cohort"),
    "col_selected": ("入选人数", "Selected"),
    "col_quota": ("目标人数", "Quota"),
    "col_university": ("承办高校", "Host university"),
    "col_students": ("学生数（人）", "Students"),
    "col_participants": ("学员数（人）", "Participants"),
    "col_share_participants": ("学员占比", "Share of participants"),
    "col_pupils": ("中学在校生数（人）", "Secondary pupils"),
    "col_share_pupils": ("在校生占比", "Share of pupils"),
    "col_representation": ("代表性指数（学员占比÷在校生占比）", "Representation (participants share ÷ pupils share)"),
    "col_dual_numerator": ("配齐双导师（人）", "With both mentors"),
    "col_dual_denominator": ("学员数（人）", "Participants"),
    "col_completion_numerator": ("结业（人）", "Completed"),
    "col_completion_denominator": ("期满学员（结业＋退出，人）", "Term ended (completed + withdrawn)"),
    "col_share": ("比例", "Share"),
    "col_gender": ("性别", "Gender"),
    "col_vp_share": ("科学副校长配备率", "Science vice-principal coverage"),
    "col_participation": ("科技活动参与率", "S&T participation"),
    "col_district_participation": ("所在区参与率", "District's participation"),
    "col_difference": ("与所在区相比", "Against district"),
    "col_students_active": ("参加科技活动学生数（人）", "Students in S&T activities"),
    "col_enrolled": ("在校生数（人）", "Enrolled students"),
    "col_school_type": ("办学类型", "School type"),
    "col_rate_band": ("参与率区间", "Participation band"),
    "col_vp_count": ("科学副校长人数", "Science vice-principals"),
    "col_member_type": ("成员类型", "Member type"),
    "col_members": ("成员单位（家）", "Members"),
    "col_sent": ("已报送", "Sent"),
    "col_owed": ("应报送", "Owed"),
    "col_missing": ("未报送", "Not sent"),
    "col_report": ("报表", "Report"),
    "col_files": ("收到文件", "Files"),
    "col_accepted": ("已接收", "Accepted"),
    "col_rejected": ("已退回", "Rejected"),
    "col_last_arrival": ("最近到达", "Last arrival"),
    "col_last_accepted": ("最近接收", "Last accepted"),
    "col_file": ("文件", "File"),
    "col_arrived": ("到达时间", "Arrived"),
    "col_errors": ("错误数", "Errors"),
    "col_reason": ("退回原因", "Reason"),
    "col_sheet": ("工作表", "Sheet"),
    "col_row": ("行", "Row"),
    "col_column": ("列", "Column"),
    "col_value_seen": ("填写的值", "Value seen"),
    "col_message": ("问题", "Problem"),
    "col_in_force": ("是否有效", "In force"),
    "in_force_yes": ("现行有效", "in force"),
    "in_force_replaced": ("已全部被之后的版本替代", "wholly replaced by a later file"),
    "in_force_partly": ("{total} 行中 {n} 行已被之后的版本替代", "{n} of {total} rows replaced by a later file"),
    "col_rows": ("行数", "Rows"),
    # ------------------------------------------------------------ overview
    "overview_title": ("总览：2030目标进展", "Overview: progress toward the 2030 targets"),
    "overview_intro": ("每张卡片给出一项目标的当前值与目标值、进展状态及其依据、比上年变化，以及到期限前每年还需完成多少。",
                       ("Each card shows a target's value against the target, its status and why, the change on last "
                       "year, and what each remaining year must add.")),
    "overview_targets": ("目标进展", "Targets"),
    "overview_summary_table": ("目标进展一览表（可复制、可下载）", "All targets in one table (copy or download)"),
    "overview_assumed_footnote": ("* 原文未载明期限，按2030年假定。", "* No deadline in the source; 2030 assumed."),
    "overview_alliance": ("科技教育联盟", "The S&T education alliance"),
    "overview_completeness": ("报送完整性", "Reporting completeness"),
    "card_deadline": ("期限：{deadline}年", "Deadline: {deadline}"),
    "card_every_year": ("每年", "Every year"),
    "card_change": ("比上年 {change}", "{change} on last year"),
    "card_required_per_year": ("距{deadline}年还有{years}年，每年需新增 **{need}** {unit}。",
                               "{years} years to {deadline}: **{need}** more {unit} needed each year."),
    "card_target_reached": ("已达到目标。", "Target reached."),
    "card_why_ratio": ("进展比 R = {ratio}：自{baseline_year}年（基数{baseline}）以来已完成距离的 {covered}，已用时间 {elapsed}。",
                       ("Progress ratio R = {ratio}: {covered} of the distance covered since {baseline_year} "
                       "(baseline {baseline}) in {elapsed} of the time.")),
    "card_quota_gap": ("本年度距目标还差 **{gap}** {unit}。", "**{gap}** {unit} short of the target this year."),
    "card_missing_YIP_DUAL_MENTOR": ("尚有 **{count}** 名学员未配齐双导师（差 {points} 个百分点）。",
                                     "**{count}** participants lack one of their two mentors ({points} points short)."),
    "card_missing_STE_VICE_PRINCIPAL": ("已报年报的学校中尚有 **{count}** 所未配备科学副校长（差 {points} 个百分点）。",
                                        ("**{count}** reporting schools have no science vice-principal "
                                        "({points} points short).")),
    "card_district_value": ("其中{place}：{value} {unit}", "Of which {place}: {value} {unit}"),
    "card_deadline_assumed": ("注：原文未载明该目标期限，此处按{deadline}年假定。",
                              "Note: the source states no deadline for this target; {deadline} is assumed."),
    "alliance_members": ("联盟成员单位（{place}）", "Alliance members ({place})"),
    "alliance_districts": ("有成员单位的区", "Districts with members"),
    "alliance_by_type_title": ("{year}年末联盟成员单位类型（{place}）", "Alliance members by type, end of {year} ({place})"),
    "completeness_metric": ("{year}年学校科技教育年报报送率（{place}）", "School annual reports in, {year} ({place})"),
    "completeness_detail": ("应报 {owed} 所，已报 {sent} 所，**未报 {missing} 所**（名单见“数据报送”页）。",
                            ("{owed} schools owe the report, {sent} have sent it, **{missing} have not** (list on "
                            "the Reporting page).")),
    "completeness_by_district_title": ("{year}年各区年报报送率", "Annual reports in by district, {year}"),
    # ------------------------------------------------------------ science high schools
    "shs_title": ("科学高中", "Science high schools"),
    "shs_intro": ("目标：到2030年建成25所左右科学高中。下图对比每年已命名学校数与按期路径，并给出一个到期展望（含区间）。",
                  ("Target: about 25 science high schools by 2030. Named schools each year against the straight path, "
                  "with one outlook for the deadline (and its range).")),
    "shs_named_metric": ("{year}年末已命名", "Named at the end of {year}"),
    "shs_status_label": ("进展状态", "Status"),
    "shs_ratio": ("进展比 R = {ratio}", "Progress ratio R = {ratio}"),
    "shs_required_metric": ("到{deadline}年每年需新增", "Needed each year to {deadline}"),
    "shs_forecast_metric": ("前瞻估计：{deadline}年可达", "Forward estimate for {deadline}"),
    "shs_projection_metric": ("按目前速度：{deadline}年可达", "At the pace so far, by {deadline}"),
    "shs_path_title": ("已命名科学高中与按期路径（{deadline}年目标{target}所）",
                       "Science high schools named against the path to {target} by {deadline}"),
    "shs_forecast_title": ("到{deadline}年的两种估计", "Two estimates for {deadline}"),
    "shs_forecast_sentence": (
        ("现已命名 **{named_now}** 所。**前瞻估计**：按目前各阶段候选校数量及以往各阶段间的推进比例和用时，预计到{deadline}年"
        "还将命名 **{expected}** 所，合计约 **{projected}** 所。**按目前速度外推**：{linear} 所。"),
        ("**{named_now}** named now. **Forward estimate**: from the candidates now in each stage, and the share "
        "moving on and time taken between stages so far, **{expected}** more are expected to be named by "
        "{deadline}, about **{projected}** in all. **Pace so far carried on**: {linear}.")),
    "shs_pipeline_title": ("{year}年末候选校所处阶段（{place}）", "Candidates by stage, end of {year} ({place})"),
    "shs_pipeline_chart": ("{year}年末科学高中各阶段学校数（{place}）", "Schools by stage, end of {year} ({place})"),
    "shs_candidates_total": ("仍在培育的候选校（未命名、未退出）共 {n} 所。",
                             "{n} candidates still in progress (neither named nor withdrawn)."),
    "shs_district_title": ("{year}年末各区科学高中", "Science high schools by district, end of {year}"),
    "shs_district_chart": ("{year}年末各区已命名及候选学校数", "Named and candidate schools by district, end of {year}"),
    "shs_table_title": ("候选校及阶段历程（{year}年末，{place}）", ("Candidates and their stage history (end of {year}, "
                                                          "{place})")),
    # ------------------------------------------------------------ flagship bases
    "flb_title": ("领航学科基地", "Flagship discipline bases"),
    "flb_intro": ("目标：建好32个普通高中创新人才培养领航学科基地。处于立项建设、中期评估或通过评估状态的基地计入。",
                  "Target: 32 flagship discipline bases. Bases established, mid-term reviewed or accredited count."),
    "flb_active_metric": ("{year}年末在建基地", "Active at the end of {year}"),
    "flb_path_title": ("在建领航学科基地与按期路径（目标{target}个，期限{deadline}年为假定）",
                       "Active flagship bases against the path to {target} (deadline {deadline} assumed)"),
    "flb_heatmap_title": ("{year}年末在建基地：学科 × 区", "Active bases by discipline and district, end of {year}"),
    "flb_heatmap_chart": ("{year}年末各学科、各区在建基地数", "Active bases by discipline and district, end of {year}"),
    "flb_status_title": ("基地状态（{place}）", "Bases by status ({place})"),
    "flb_status_chart": ("各年末基地状态（{place}）", "Bases by status at each year end ({place})"),
    "flb_status_note": ("某年未报送年度报告的基地沿用其上一次报告的状态。",
                        "A base that did not report for a year keeps the status of its last report."),
    "flb_annual_title": ("基地年度报告数据（{place}）", "What the bases reported ({place})"),
    "flb_students_chart": ("各年度服务学生数（{place}）", "Students served per year ({place})"),
    "flb_schools_chart": ("各年度辐射学校数（{place}）", "Schools reached per year ({place})"),
    "flb_table_title": ("基地一览（{year}年末，{place}）", "All bases (end of {year}, {place})"),
    # ------------------------------------------------------------ youth programme
    "yip_title": ("青少年科创计划", "Youth S&T programme"),
    "yip_intro": ("目标：每年选拔100名中学生走进高校，以“双导师培养”开展为期一年的科研实践。",
                  ("Target: 100 secondary pupils a year into universities for a year of research, each with a "
                  "university mentor and a school mentor.")),
    "yip_suppression_note": ("学员均为未成年人：少于5人的数字显示为“<5”，必要时另隐去一格，以防通过合计推算；基于不足5人计算的比例不显示。",
                             ("Participants are minors: counts under 5 are shown as \"<5\", with a second cell hidden "
                             "where the first could be worked out from a total; shares resting on fewer than 5 "
                             "students are not shown.")),
    "yip_cohort_metric": ("{year}届入选人数（{place}）", "Selected into the {year} cohort ({place})"),
    "yip_no_completion_yet": ("本届尚无期满学员（一年期未结束），暂无结业率。",
                              "No participant's one-year term has ended yet: no completion rate."),
    "yip_dual_metric": ("{year}届双导师配备率", "{year} cohort with both mentors"),
    "yip_completion_metric": ("{year}届结业率", "{year} cohort completion"),
    "yip_quota_city_note": ("每届{quota}人为全市目标。", "The quota of {quota} per cohort is city-wide."),
    "yip_cohorts_title": ("各届入选人数与目标（每届{quota}人）", "Each cohort against the quota of {quota}"),
    "yip_cohorts_chart": ("各届入选人数（目标每届{quota}人）", "Students selected per cohort (quota {quota})"),
    "yip_quota_line": ("目标 {quota} 人", "Quota {quota}"),
    "yip_hosts_title": ("{year}届承办高校（{place}）", "Host universities, {year} cohort ({place})"),
    "yip_hosts_chart": ("{year}届各承办高校学员数（{place}）", "Participants per host university, {year} cohort ({place})"),
    "yip_equity_title": ("{year}届学员来源区：学员占比与在校生占比", ("Districts of origin, {year} cohort: share of "
                                                             "participants against share of pupils")),
    "yip_equity_chart": ("{year}届各区学员占比与中学在校生占比", ("Share of participants and of secondary pupils by "
                                                        "district, {year} cohort")),
    "yip_equity_note": ("代表性指数大于1表示该区学员比例高于其在校生比例，小于1表示偏低。在校生数取学校名录中当年在办、设有中学学段的学校在校生数。",
                        ("A representation above 1 means the district has more participants than its share of pupils, "
                        "below 1 fewer. Pupils: registry enrolment of schools with secondary grades open that year.")),
    "yip_quality_title": ("双导师与结业（{place}）", "Mentors and completion ({place})"),
    "yip_dual_chart": ("各届双导师配备率（{place}）", "Share with both mentors, per cohort ({place})"),
    "yip_dual_target": ("目标 100%", "Target 100%"),
    "yip_completion_chart": ("各届结业率（{place}）", "Completion rate per cohort ({place})"),
    "yip_completion_note": ("结业率 = 结业人数 ÷（结业＋退出），仅计一年期已结束的学员；期满仍显示“在读”者不计。",
                            ("Completion = completed / (completed + withdrawn), among participants whose one-year term "
                            "has ended; those still marked enrolled after their term are left out.")),
    "yip_gender_title": ("{year}届学员性别（{place}）", "Participants by gender, {year} cohort ({place})"),
    "yip_gender_chart": ("{year}届学员性别构成（{place}）", "Participants by gender, {year} cohort ({place})"),
    # ------------------------------------------------------------ S&T for everyone
    "everyone_title": ("面向人人的科技教育", "S&T education for everyone"),
    "everyone_intro": ("按学校科技教育年报（R5）统计：科学副校长配备情况、学生参加科技活动的比例，以及各校与所在区的比较。",
                       ("From the schools' annual reports (R5): science vice-principals, the share of pupils in S&T "
                       "activities, and each school beside its district.")),
    "everyone_vp_metric": ("{year}年科学副校长配备率（{place}）", "Schools with a science vice-principal, {year} ({place})"),
    "everyone_vp_detail": ("已报年报 {denominator} 所中 {numerator} 所已配备，**{missing} 所未配备**。",
                           "{numerator} of the {denominator} reporting schools have one; **{missing} do not**."),
    "everyone_vp_target": ("（《中小学科学教育工作指南》：每校至少1名）", "(guideline: at least one per school)"),
    "everyone_part_metric": ("{year}年学生科技活动参与率（{place}）", "Students in S&T activities, {year} ({place})"),
    "everyone_part_detail": ("在校生 {denominator} 人中 {numerator} 人参加科技活动。",
                             "{numerator} of {denominator} enrolled students take part in S&T activities."),
    "everyone_basis_note": ("比例只计已接收年报的学校；尚未报送的学校见“数据报送”页。",
                            ("Shares count only schools whose annual report was accepted; see the Reporting page "
                            "for those missing.")),
    "everyone_district_title": ("{year}年各区情况", "By district, {year}"),
    "everyone_district_chart": ("{year}年各区科学副校长配备率与学生科技活动参与率",
                                "Science vice-principal coverage and S&T participation by district, {year}"),
    "everyone_type_title": ("{year}年各办学类型（{place}）", "By school type, {year} ({place})"),
    "everyone_type_chart": ("{year}年各办学类型配备率与参与率（{place}）",
                            "Coverage and participation by school type, {year} ({place})"),
    "everyone_distribution_title": ("{year}年学校分布（{place}）", "How schools are spread, {year} ({place})"),
    "everyone_hist_chart": ("{year}年各校学生科技活动参与率分布（{place}）",
                            "Schools by share of pupils in S&T activities, {year} ({place})"),
    "everyone_overall_marker": ("{place}总体", "{place} overall"),
    "everyone_vp_hist_chart": ("{year}年各校科学副校长人数分布（{place}）",
                               "Schools by number of science vice-principals, {year} ({place})"),
    "everyone_schools_title": ("各校与所在区比较（{year}年，{place}）", "Each school beside its district ({year}, {place})"),
    "everyone_schools_note": ("按与所在区参与率之差从低到高排列；差值以百分点计。",
                              ("Sorted from furthest below the district's participation; differences in percentage "
                              "points.")),
    # ------------------------------------------------------------ reporting
    "reporting_title": ("数据报送", "Reporting"),
    "reporting_intro": ("各类报表谁已报、谁未报，被退回的文件及其错误位置（不含个人信息），更正情况和最近到达时间。",
                        ("Who has sent each report and who has not, the files rejected and where their errors are "
                        "(no personal data), corrections, and the last arrival.")),
    "reporting_no_files": ("该年度未收到任何报表文件。", "No report file arrived in this year."),
    "reporting_overview_title": ("{year}年收到的报表", "Reports received in {year}"),
    "reporting_arrival_year_note": ("按文件到达时间归入{year}年。", "Files counted by their arrival in {year}."),
    "reporting_choose": ("报表类型", "Report type"),
    "reporting_type_title": ("{report}：{year}年", "{report}: {year}"),
    "reporting_owed_rule_R5": ("应报：学校名录中当年在办的中小学校（高校、其他除外），每校每年一份。",
                               ("Owed by every primary and secondary school of the registry open in the year (not "
                               "universities or 'other'), one a year.")),
    "reporting_owed_rule_R2": ("应报：截至上年未被撤销的每个基地，由依托学校报送当年年度报告。",
                               "Owed by every base not revoked by the year before, sent by its host school."),
    "reporting_owed_rule_R3": ("应报：本届或上届承办过计划的高校，报送本届学员名册。",
                               "Owed by every university hosting this cohort or the previous one."),
    "reporting_event_based_R0": ("学校名录由市教委数据组在有变动时报送，无固定应报名单。",
                                 ("The registry is sent by the commission's data team when it changes; no one owes it "
                                 "on a date.")),
    "reporting_event_based_R1": ("科学高中建设进展在阶段变化时报送，无固定应报名单；各校阶段见“科学高中”页。",
                                 ("Science high school progress is sent when a stage changes; see the Science high "
                                 "schools page for each school's stage.")),
    "reporting_event_based_R4": ("联盟成员名册由联盟秘书处在有变动时报送，无固定应报名单。",
                                 "The alliance register is sent by its secretariat when it changes."),
    "reporting_owed": ("应报（{place}）", "Owed ({place})"),
    "reporting_sent": ("已报送", "Sent"),
    "reporting_missing": ("未报送", "Not sent"),
    "reporting_district_chart": ("{report}：{year}年各区报送情况", "{report}: sent and not sent by district, {year}"),
    "reporting_not_sent_list": ("未报送（{n}）", "Not sent ({n})"),
    "reporting_sent_list": ("已报送（{n}）", "Sent ({n})"),
    "reporting_all_sent": ("全部已报送。", "All sent."),
    "reporting_files_year": ("{year}年到达的文件", "Files arrived in {year}"),
    "reporting_last_arrival": ("最近一份到达：**{when}**（北京时间）", "Last file arrived: **{when}** (Beijing time)"),
    "reporting_rejected_title": ("被退回的文件", "Rejected files"),
    "reporting_no_rejected": ("没有被退回的文件。", "No file was rejected."),
    "reporting_untyped_title": ("{year}年无法识别或无法读取的文件", "Files of {year} that are no report or could not be read"),
    "reporting_untyped_note": (
        ("这些文件不属于任何报表类型：不是报表，或无法读取（损坏、超出大小限制、读取异常）。每个文件只影响它自己，其余文件照常入库。"
        "链接、管道等非普通文件从不读取，见运行记录。"),
        ("These files belong to no report type: not a report, or could not be read (damaged, over a limit, a reader that "
        "failed). Each costs only itself; every other file is taken in as usual. Links, FIFOs and other special files "
        "are never read: see the run's record.")),
    "reporting_untyped_none": ("没有这类文件。", "No such file."),
    "col_outcome": ("处理结果", "Outcome"),
    "untyped_status_rejected": ("无法读取（已退回）", "Could not be read (rejected)"),
    "untyped_status_not_a_report": ("不是报表", "Not a report"),
    "untyped_status_accepted": ("已接收", "Accepted"),
    "reporting_errors_expander": ("逐格错误（{n}条）", "Every error, cell by cell ({n})"),
    "reporting_errors_privacy": ("学员名册（R3）的填写值一律不显示；其他报表中姓名等个人信息在入库时已隐去。",
                                 ("Values of the youth roster (R3) are never shown; personal data in other reports "
                                 "was masked on intake.")),
    "reporting_corrections_title": ("更正与替代", "Corrections"),
    "reporting_corrections_sentence": ("本年度接收的 {accepted} 个文件中，{replaced} 个文件的 {rows} 行已被之后报送的版本（更正）替代。",
                                       ("Of the {accepted} files accepted in the year, {replaced} have had {rows} rows "
                                       "replaced by files sent later (corrections).")),
    "reporting_corrections_r1": ("科学高中建设进展每次报送都包含该校完整的阶段历程，新报告替代旧报告属正常更新。",
                                 ("Each science high school progress report carries the school's whole stage "
                                 "history: a newer report replacing an older one is a normal update.")),
    "reporting_accepted_expander": ("已接收的文件（{n}）", "Accepted files ({n})"),
    # ------------------------------------------------------------ methodology
    "method_title": ("方法说明", "Methodology"),
    "method_intro": ("本页说明各项指标的口径、进展判定方法及阈值来源、目标原文和已知局限。",
                     ("How each indicator is defined, how progress is judged and where the thresholds come from, the "
                     "targets in the source's words, and known limitations.")),
    "method_targets_title": ("目标及原文", "The targets, in the source's words"),
    "method_targets_note": (("目标值保存在参考文件 seeds/targets.csv（ref.targets）中，不写在程序里：目标调整时只需修改该文件。"
                            "领航学科基地原文未载明期限，按2030年假定，并在各处注明。"),
                            ("Targets live in one reference file (seeds/targets.csv, ref.targets), not in code. The "
                            "source gives no deadline for the flagship bases: 2030 is assumed and said so wherever "
                            "shown.")),
    "deadline_assumed_short": ("（假定）", "(assumed)"),
    "method_progress_title": ("进展判定方法", "How progress is judged"),
    "method_progress_body": (
        ("对有期限的存量目标（科学高中、领航学科基地），以首个报告年度 t₀ 的数值为基数 b，最新年度 t 的数值为 v，"
        "期限 D 的目标值为 T，计算“已完成距离的比例”与“已用时间的比例”之比 R："),
        ("For stock targets with a deadline (science high schools, flagship bases), with baseline b the value in the "
        "first reported year t₀, v the latest value in year t and T the target at deadline D, the ratio R of the "
        "share of the distance covered to the share of the time elapsed:")),
    "method_fewer_points": ("少于两个时间点", "fewer than two time points"),
    "method_thresholds_origin": (
        ("阈值（0.95、0.6、0）**采用**加拿大统计局（Statistics Canada）的进展判定方法，即 Open SDG 平台 sdg-build 中 "
        "`ProgressMeasure.py` 所用阈值。与 Open SDG 采用增长率不同，本处按线性计算，因此基数为0时同样适用"
        "（Open SDG 以0.001代替0）。"),
        ("The thresholds (0.95, 0.6, 0) are **adopted** from Statistics Canada's progress method as used by Open SDG "
        "(sdg-build `ProgressMeasure.py`). Unlike Open SDG's growth rates, the ratio here is linear, so a baseline "
        "of 0 works (Open SDG replaces 0 by 0.001).")),
    "method_worked_example": (
        ("**算例**：2025年基数 b = 0，2027年 v = 6，2030年目标 T = 25：R = (6/25) ÷ (2/5) = 0.6 → 需加快；"
        "若 v = 10，R = 1.0 → 按期推进。"),
        ("**Worked example**: b = 0 in 2025, v = 6 in 2027, T = 25 in 2030: R = (6/25) / (2/5) = 0.6 → "
        "acceleration needed; with v = 10, R = 1.0 → on track.")),
    "method_quota_body": ("对每年（每届）都有目标的年度目标（每届100人、双导师、科学副校长配备率），逐年判定：",
                          ("Annual targets (100 per cohort, both mentors, a science vice-principal in every school) "
                          "are judged year by year:")),
    "method_quota_met": ("当年数值达到目标", "the year's value reaches the target"),
    "method_quota_in_progress": ("未达到，且该年度尚未结束（数据截至年度）", "not reached, and the year is still running"),
    "method_quota_not_met": ("未达到，且该年度已结束", "not reached, and the year is over"),
    "method_colours": ("图表配色采用 Okabe–Ito 色盲友好色板；状态始终同时以文字标出，不单靠颜色区分。",
                       ("Charts use the Okabe–Ito palette, readable with colour-vision deficiencies; every status is "
                       "also written in words, never told by colour alone.")),
    "method_forecast_title": ("科学高中的前瞻估计", "The forward estimate for science high schools"),
    "method_forecast_body": (
        ("除按目前速度外推外，另按候选校推算：对目前处于各阶段的候选校，用以往观察到的各阶段推进比例（进入下一阶段 ÷"
        "（进入下一阶段＋退出））及阶段间中位用时，估计其在期限前获得命名的概率，求和后加上现已命名的学校数。"
        "两种估计并列显示。"),
        ("Beside the pace carried on, an estimate from the candidates: for those now in each stage, the share seen "
        "moving on from that stage (moved on / (moved on + withdrew)) and the median time between stages give the "
        "chance of being named by the deadline; the sum, plus the schools named now, is the estimate. Both are "
        "shown side by side.")),
    "method_definitions_title": ("指标口径", "Indicator definitions"),
    "method_privacy_title": ("小数保护", "Small counts"),
    "method_privacy_body": (
        ("青少年科创计划学员为未成年人。与官方统计的做法一致，1至4人的单元格显示为“<5”；当合计已公布且只有一格被隐去时，"
        "另隐去最小的一个非零单元格，防止相减推算；基于不足5人计算的比例不显示。学生姓名在入库时即删除，"
        "学籍号和导师信息以密钥散列替代，不会出现在本仪表盘、导出文件或日志中。"),
        ("Youth programme participants are minors. As official statistics do, cells of 1 to 4 are shown as \"<5\"; "
        "where a total is published and only one cell is hidden, the smallest other non-zero cell is hidden too, so "
        "it cannot be worked out by subtraction; shares resting on fewer than 5 students are not shown. Names are "
        "dropped on intake and student and mentor identifiers replaced by keyed hashes: none reaches this dashboard, "
        "an export or a log.")),
    "method_limitations_title": ("已知局限", "Known limitations"),
    "method_limitations_body": (
        ("- 所有数字只反映已接收的报表：未报送或被退回的报表不计入，比例类指标的分母只含已报学校（报送完整率单独列出）。\n"
        "- 数据截至时间为最新报表的到达时间，而非今天；当年度的年报可能尚未报齐。\n"
        "- 领航学科基地未报送某年报告时，沿用其上一次报告的状态，可能滞后于实际。\n"
        "- 科学高中的两种到期估计都基于少量历史观察，早期尤其不稳定；阶段无观察时借用全体阶段的数据（表中注明）。\n"
        "- 学员来源区的在校生数取学校名录中设有中学学段学校的在校生数，九年一贯制、十二年一贯制学校含小学学段学生。\n"
        "- 更正按行统计：某文件中有多少行已被之后报送的文件替代；无法指明是哪一个文件替代了它。"),
        ("- Every figure reflects accepted reports only: missing or rejected reports are not counted, and shares are "
        "over the schools that reported (completeness is shown separately).\n"
        "- The as-of is the newest report's arrival, not today; the current year's reports may not all be in.\n"
        "- A flagship base that skips a year's report keeps its last reported status, which may lag reality.\n"
        "- Both deadline estimates for science high schools rest on few observations, unstable early on; a stage "
        "without observations borrows from all stages (marked in the table).\n"
        "- Pupils for districts of origin are registry enrolment of schools with secondary grades; nine- and "
        "twelve-year schools include their primary pupils.\n"
        "- Corrections are counted by rows: how many of a file's rows a later file has replaced; which later file "
        "did so is not shown.")),
    "method_sources_title": ("来源", "Sources"),
    "method_sources_body": (
        ("- 目标：《中国教育报》2026年2月10日关于天津市大中小学科技教育联盟成立（2026年2月3日）的报道；"
        "科学副校长：《中小学科学教育工作指南》（2025）。\n"
        "- 进展判定阈值：Statistics Canada；Open SDG sdg-build `ProgressMeasure.py`（采用）。\n"
        "- 数据：各校、各高校、联盟秘书处报送的报表（R0–R5），经校验入库后发布为只读快照。"),
        ("- Targets: 中国教育报 (China Education Daily), 10 February 2026, on the founding of the Tianjin S&T "
        "education alliance (3 February 2026); science vice-principals: the 2025 guideline on science education "
        "in primary and secondary schools.\n"
        "- Progress thresholds: Statistics Canada; Open SDG sdg-build `ProgressMeasure.py` (adopted).\n"
        "- Data: the reports (R0–R5) of schools, universities and the alliance secretariat, validated and published "
        "as a read-only snapshot.")),
    # ------------------------------------------------------------ export
    "export_title": ("导出", "Export"),
    "export_intro": ("下载指标数据（CSV、Excel、Parquet），可选当前快照或任一历史快照（按数据截至时间）。",
                     ("Download the indicators (CSV, Excel, Parquet) for the current snapshot or any earlier one, "
                     "chosen by its as-of.")),
    "export_choose": ("选择快照（数据截至）", "Snapshot (data as of)"),
    "export_current": ("当前", "current"),
    "export_archived": ("历史", "archived"),
    "export_snapshot_option": ("{as_of}（{kind}）", "{as_of} ({kind})"),
    "export_chosen": ("数据截至 {as_of}（北京时间），快照 {name}，发布于 {published_at}。",
                      "Data as of {as_of} (Beijing time), snapshot {name}, published {published_at}."),
    "export_download": ("下载 {name}", "Download {name}"),
    "export_size": ("{size} KB", "{size} KB"),
    "export_made_by_cli": ("文件由导出模块生成，与命令 `kejiao export` 输出相同。",
                           "Files made by the export module, the same as `kejiao export` writes."),
    "export_made_here": ("文件由仪表盘根据 indicators.indicator_values 生成。",
                         "Files built by the dashboard from indicators.indicator_values."),
    "export_small_counts_warning": (
        ("注意：导出文件与命令 `kejiao export` 的输出相同，按区、高校、性别分组的学员数未做小数保护（含1至4人的单元格），"
        "仅供内部使用；对外发布前须将少于5人的单元格改为“<5”。下方预览已作保护。"),
        ("Note: the files are those of `kejiao export`; youth programme counts by district, university and gender are "
        "not suppressed (cells of 1 to 4 students included): for internal use only; before publishing, show cells "
        "under 5 as \"<5\". The preview below is protected.")),
    "export_preview": ("预览（共 {n} 行，显示前200行）", "Preview ({n} rows, first 200 shown)"),
}

DASHBOARD_KEYS = frozenset(TEXT)  # the entries above (before other modules' words join)


def _join(table: dict[str, tuple[str, str]], where: str) -> None:
    """Words kept in their own module join the one table. A key is defined once: the same key
    with other words is a mistake (the page would say one thing here and another there), so the
    dashboard refuses to start on it."""
    for key, words in table.items():
        if TEXT.setdefault(key, words) != words:
            raise RuntimeError(f"dashboards.i18n: {key!r} is defined twice, differently ({where}: {words}, "
                               f"here: {TEXT[key]}); keep one")


_join({f"status_{status}": words for status, words in STATUS_LABELS.items()}, "pipelines.indicators.catalog")
_join({f"unit_{unit}": words for unit, words in UNIT_WORDS.items() if unit != "%"}, "pipelines.indicators.catalog")
_join({f"unit_name_{unit}": words for unit, words in UNIT_NAMES.items()}, "pipelines.indicators.catalog")
_join(ACCESS_TEXT, "dashboards.access_text")  # sign-in, upload, my school, audit, role assignments
_join(GLANCE_TEXT, "dashboards.glance_text")  # issue 16's orderings, outlook, lineage, downloads

from dashboards.senders_text import SENDERS_TEXT

for _key, _words in SENDERS_TEXT.items():
    TEXT.setdefault(_key, _words)


def t(key: str, lang: str = DEFAULT_LANG, **values) -> str:
    """The text of `key` in `lang` ('zh' or 'en'), with `{placeholders}` filled."""
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text
