"""The words of the senders' loop (issue 13): obligations, refused files and their error lists,
corrections. Part of the dashboard's one translation table (dashboards/i18n.py merges them)."""

from __future__ import annotations

SENDERS_TEXT: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------ a refusal, first thing on the page
    "snd_refused_title": ("有 {n} 份报送文件被退回，请改正后重新报送", "{n} of your files were refused: correct and send again"),
    "snd_refused_file": ("**{file}**（{report}）于 {arrived}（北京时间）到达，未被接收：{reason}",
                         "**{file}** ({report}) arrived {arrived} (Beijing time) and was not taken in: {reason}"),
    "snd_refused_counts": (("共 {errors} 处错误须改正、{warnings} 处提示请核对，逐条列在下方和错误清单中。"
                           "本次文件没有任何部分入库：请在原文件中全部改正后，重新报送整个文件。"),
                           ("{errors} errors to fix and {warnings} warnings to check, each listed below and in the "
                           "error list. Nothing of this file was taken in: correct them all in your file and send the "
                           "whole file again.")),
    "snd_download_errors": ("下载错误清单（Excel，错误单元格已标红并附批注）",
                            "Download the error list (Excel: each wrong cell marked red, with a comment)"),
    "snd_workbook_missing": ("错误清单尚未生成（下次数据运行后即可下载）；问题已全部列在下方。",
                             ("The error list is not ready yet (it is written by the next run); every problem is listed "
                             "below.")),
    "snd_send_again": ("重新报送整个改正后的文件", "Send the whole corrected file again"),
    "snd_problems": ("全部问题（{n} 条）", "Every problem ({n})"),
    "snd_for": ("收件人：{who}", "For: {who}"),
    "snd_recipient_upload": ("上传者 {who}", "the uploader {who}"),
    "snd_recipient_district": ("区教育局 {who}", "the district bureau {who}"),
    "snd_recipient_schools": ("学校 {who}", "the school {who}"),
    "snd_recipient_data_team": ("市教委数据组", "the data team"),
    "snd_recipient_unknown": ("未知（数据组核实后转交）", "unknown (the data team checks first)"),
    # ------------------------------------------------------------ what a school owes
    "snd_owe_title": ("本校应报：欠什么、收到什么、哪里有问题", "What we owe, what you have of ours, what was wrong"),
    "snd_owe_caption": ("每份应报报表的截止日期与状态，截至 {day}（北京时间）判断；“被退回”的原因为最近一次退回文件的原因。",
                        ("Each report owed, its deadline and status, judged as of {day} (Beijing time); a refusal's "
                        "reason is that of the newest refused file.")),
    "snd_no_obligations": ("快照中没有本单位的应报记录（名录中尚无本单位，或快照早于此功能）。",
                           "The snapshot holds nothing owed by you (not in the registry yet, or an older snapshot)."),
    "snd_col_report": ("报表", "Report"),
    "snd_col_period": ("年度/届别", "Year / cohort"),
    "snd_col_status": ("状态", "Status"),
    "snd_col_received": ("收到时间", "Received"),
    "snd_col_base": ("基地", "Base"),
    "snd_status_accepted": ("已接收", "Accepted"),
    "snd_status_refused": ("被退回", "Refused"),
    "snd_status_overdue": ("逾期未报", "Overdue"),
    "snd_status_due": ("待报", "Due"),
    "snd_overdue_since": ("，自 {day} 起逾期", ", overdue since {day}"),
    # ------------------------------------------------------------ corrections
    "snd_superseded_title": ("更正记录：哪份文件取代了哪份", "Corrections: which accepted file replaced which"),
    "snd_superseded_none": ("尚无被更正文件取代的文件。", "No accepted file has been replaced by a correction yet."),
    "snd_col_replaced": ("被取代的文件", "Replaced file"),
    "snd_col_replaced_arrived": ("其到达时间", "It arrived"),
    "snd_col_replacing": ("取代它的文件", "Replaced by"),
    "snd_col_replacing_arrived": ("到达时间", "Arrived"),
    # ------------------------------------------------------------ the reporting page (and a district's view of it)
    "snd_obligations_title": ("应报清单：{report}（{period}）", "Obligations: {report} ({period})"),
    "snd_obligations_caption": ("谁应报、截止日期、现状；截至 {day}（北京时间）判断。逾期清单可下载为 CSV。",
                                ("Who owes it, by when, and where it stands, as of {day} (Beijing time). The overdue "
                                "list downloads as CSV.")),
    "snd_metric_owed": ("应报", "Owed"),
    "snd_metric_accepted": ("已接收", "Accepted"),
    "snd_metric_refused": ("被退回", "Refused"),
    "snd_metric_overdue": ("逾期未报", "Overdue"),
    "snd_metric_due": ("待报", "Due"),
    "snd_open_list": ("尚未接收（{n}）", "Not yet accepted ({n})"),
    "snd_all_accepted": ("全部已接收。", "Everything owed has been accepted."),
    "snd_overdue_export": ("下载逾期清单（CSV，本范围全部报表）", "Download the overdue list (CSV, every report in scope)"),
    "snd_no_deadline": ("该报表“有变化时报送”，没有截止日期，不列应报清单。",
                        "This report is sent when something changes: no deadline, so no obligations."),
    "snd_refusals_title": ("退回的文件与错误清单（{n}）", "Refused files and their error lists ({n})"),
    "snd_refusals_caption": ("退回仍然有效（其后尚无被接收的改正文件）的文件；错误清单可下载后转交报送单位。",
                             ("Files whose refusal stands (no accepted correction since); download an error list to "
                             "pass it on to its sender.")),
    "snd_refusals_none": ("没有仍然有效的退回。", "No refusal stands."),
    "snd_choose_refusal": ("选择文件", "Choose a file"),
    "snd_col_recipient": ("收件人", "For"),
    # ------------------------------------------------------------ district targets (目标分解)
    "dt_title": ("目标分解：各区对照本区目标", "District targets: each district against its own share"),
    "dt_caption": (("各区份额由市教委在 seeds/district_targets.csv 中分配；未分配份额的区如实标注，不按全市目标平均推算。"
                   "进展比：存量目标为“已完成距离占比 ÷ 已过时间占比”，年度名额为“当年人数 ÷ 本区名额”。"),
                   ("Each district's share is assigned by the commission (seeds/district_targets.csv); a district "
                   "without one is shown as such, never given an equal split of the city's target. Progress ratio: "
                   "for stock targets the share of the distance covered over the share of the time elapsed; for yearly "
                   "quotas the year's count over the district's quota.")),
    "dt_indicator": ("{name}（全市目标 {target}）", "{name} (city target {target})"),
    "dt_col_value": ("本区现值", "District value"),
    "dt_col_target": ("本区目标", "District target"),
    "dt_col_ratio": ("进展比", "Progress ratio"),
    "dt_col_status": ("对照本区目标", "Against its target"),
    "dt_no_share": ("未分配份额", "No share assigned"),
    "dt_no_share_district": ("市教委尚未给{district}分配“{name}”的目标份额：此处不作推算。",
                             "The commission has assigned {district} no share of \"{name}\": nothing is estimated here."),
    "dt_district_line": ("{district}：{value}（{year}），本区目标 {target} — {status}",
                         "{district}: {value} ({year}); its target {target} — {status}"),
    "dt_by_year": ("（{year}年）", " by {year}"),
    "dt_example": ("（示例份额）", " (example share)"),
    "dt_example_note": ("标注“示例份额”的为演示用示例，并非市教委正式分解。",
                        "Shares marked \"example share\" are demo examples, not the commission's assignment."),
    "dt_none_anywhere": ("尚无任何区分配“{name}”的目标份额。", "No district has a share of \"{name}\" yet."),
}
