"""The canonical indicators of shared/spec/indicators.md: ids, units, how they roll up, and their
definitions in words (loaded to indicators.indicator_definitions, shown in exports and docs).

This module is also the one vocabulary of what users read about an indicator — its name, its
unit's word, its status — in Chinese and English: the dashboard, the exports and the briefing all
read these tables, and tests/indicators/test_vocabulary.py holds every output to them.

Targets are not here: they live only in seeds/targets.csv (ref.targets), whose labels must be
the names below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    id: str
    group: str  # key of GROUPS
    name_zh: str
    name_en: str
    unit: str  # schools | bases | students | members | districts | %
    value_kind: str  # count | share
    has_districts: bool
    dimensions: tuple[str, ...]
    definition_zh: str
    definition_en: str

    @property
    def is_additive(self) -> bool:
        """City value = sum of district values (counts with district values)."""
        return self.value_kind == "count" and self.has_districts


GROUPS: dict[str, tuple[str, str]] = {
    "shs": ("科学高中", "Science high schools"),
    "flb": ("领航学科基地", "Flagship discipline bases"),
    "yip": ("青少年科创计划", "Youth S&T programme"),
    "alliance": ("科技教育联盟", "S&T education alliance"),
    "ste": ("面向人人的科技教育", "S&T education for everyone"),
    "reporting": ("报表完整性", "Reporting completeness"),
}

# the counting word after a number (25所, 100人) and the unit's name in a column header
UNIT_WORDS: dict[str, tuple[str, str]] = {
    "schools": ("所", "schools"),
    "bases": ("个", "bases"),
    "students": ("人", "students"),
    "members": ("家", "members"),
    "districts": ("个区", "districts"),
    "%": ("%", "%"),
}
UNIT_NAMES: dict[str, tuple[str, str]] = {
    "schools": ("所（学校）", "schools"),
    "bases": ("个（基地）", "bases"),
    "students": ("人（学生）", "students"),
    "members": ("家（成员单位）", "members"),
    "districts": ("个（区）", "districts"),
    "%": ("%", "%"),
}

DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "stage": ("阶段", "Stage"),
    "discipline": ("学科", "Discipline"),
    "host_university": ("承办高校", "Host university"),
    "gender": ("性别", "Gender"),
    "member_type": ("成员类型", "Member type"),
    "school_type": ("办学类型", "School type"),
}

# code list of each breakdown dimension (for labels); host_university is a school code
DIMENSION_CODE_LISTS = {"stage": "shs_stage", "discipline": "discipline", "gender": "gender",
                        "member_type": "member_type", "school_type": "school_type"}

YIP_COMPLETION_DEFINITION_ZH = (
    "结业人数 ÷（结业人数 + 退出人数），仅计一年期已结束的学员：学员的期限截至开始日期后满一年（结束日期更晚时以结束日期为准），"
    "按数据截至日判断；中途退出者亦待其所属一年期结束后才计入，以免只见早退者；期满仍标“在读”者（状态未更新）不计。"
)
YIP_COMPLETION_DEFINITION_EN = (
    "completed / (completed + withdrawn) among participants whose one-year term has ended by the as-of date: the "
    "term ends one year after the start date, or on the end date if that is later; an early leaver is counted only "
    "once the term they belonged to is over, so a running cohort is not judged on its early leavers alone; "
    "participants still marked enrolled after their term are left out (status not yet updated)."
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "SHS_NAMED", "shs", "已命名科学高中", "Science high schools named", "schools", "count", True, (),
        "年末处于“验收命名”且此后未“退出”的学校数：自验收命名之日起计，至其后退出之日止（同日退出视为未命名）。",
        "Schools named (验收命名) by the end of the year and not withdrawn (退出) since: a school counts from the "
        "date it is named until a later withdrawal (a withdrawal on the same day cancels the naming).",
    ),
    Indicator(
        "SHS_PIPELINE", "shs", "科学高中候选校", "Science high school candidates", "schools", "count", True, ("stage",),
        "年末各阶段学校数（按最近一次事件的阶段；已命名者计为“验收命名”，含整改、退出）；合计为仍在培育的候选校（未命名且未退出）。",
        "Schools by their stage at the end of the year (the latest event's; named schools count as named, "
        "rectification and withdrawn shown too); the total counts candidates still in progress: neither named "
        "nor withdrawn.",
    ),
    Indicator(
        "FLB_ACTIVE", "flb", "在建领航学科基地", "Flagship discipline bases active", "bases", "count", True,
        ("discipline",),
        "以截至当年的最近一份年度报告为准（未报送的年份沿用上次状态），状态为立项建设、中期评估或通过评估的基地数；撤销者不计。",
        "Bases whose newest report for a year up to this one (a year without a report carries the last status "
        "forward) says established, mid-term reviewed or accredited; revoked bases do not count.",
    ),
    Indicator(
        "YIP_ENROLLED", "yip", "青少年科创计划入选人数", "Youth programme students selected", "students", "count", True,
        ("host_university", "gender"),
        "当届入选学生数，不论其后状态（同一学生被两所高校名册列入只计一次）；按就读学校所在区分区。",
        "Students selected into the cohort of the year, whatever their status since (a student on two "
        "universities' rosters counts once); districts by the student's school.",
    ),
    Indicator(
        "YIP_DUAL_MENTOR", "yip", "双导师配备率", "Share of a cohort with both mentors", "%", "share", True,
        ("host_university", "gender"),
        "当届学员中同时配有高校导师与中学导师者所占比例（%）。",
        "Share of the cohort with both a university mentor and a school mentor (%).",
    ),
    Indicator(
        "YIP_COMPLETION", "yip", "结业率", "Completion rate", "%", "share", True, ("host_university", "gender"),
        YIP_COMPLETION_DEFINITION_ZH, YIP_COMPLETION_DEFINITION_EN,
    ),
    Indicator(
        "ALLIANCE_MEMBERS", "alliance", "联盟成员数", "Alliance members", "members", "count", True, ("member_type",),
        "年末已加入（加入日期不晚于12月31日）且未退出（无退出日期或退出日期晚于12月31日）的成员单位数。",
        "Members joined by 31 December and not left by then (no left date, or a later one).",
    ),
    Indicator(
        "ALLIANCE_DISTRICTS", "alliance", "联盟覆盖区数", "Districts with alliance members", "districts", "count",
        False, (),
        "年末至少有一家联盟成员的区数（共16个区；分母为16）。",
        "Districts with at least one member at the end of the year, of Tianjin's 16 (denominator 16).",
    ),
    Indicator(
        "STE_VICE_PRINCIPAL", "ste", "科学副校长配备率", "Share of schools with a science vice-principal", "%",
        "share", True, ("school_type",),
        "当年有已接收年报的学校中，填报科学副校长人数至少为1的学校所占比例（%）。",
        "Of the schools with an accepted annual report (R5) for the year, the share reporting at least one "
        "science vice-principal (%).",
    ),
    Indicator(
        "STE_PARTICIPATION", "ste", "学生科技活动参与率", "Students taking part in S&T activities", "%", "share", True,
        ("school_type",),
        "当年已接收年报中参加科技活动学生数之和 ÷ 在校生数之和（%）。",
        "Sum of students in S&T activities / sum of enrolled students over the accepted annual reports of the "
        "year (%).",
    ),
    Indicator(
        "REPORTING_COMPLETENESS", "reporting", "年报报送完整率", "Annual report completeness", "%", "share", True,
        ("school_type",),
        "当年已有已接收年报的学校 ÷ 应报学校（名录中除高校、其他外、当年在办的中小学校）（%）。",
        "Schools with an accepted annual report for the year / schools owing one: every registry school but "
        "universities and 'other', open at some point in the year (%).",
    ),
)
INDICATORS_BY_ID = {i.id: i for i in INDICATORS}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "achieved": ("已实现", "Achieved"),
    "on_track": ("按期推进", "On track"),
    "acceleration_needed": ("需加快", "Acceleration needed"),
    "limited_progress": ("进展有限", "Limited progress"),
    "deterioration": ("倒退", "Deterioration"),
    "insufficient_data": ("数据不足", "Insufficient data"),
    "met": ("已完成", "Met"),
    "not_met": ("未完成", "Not met"),
    "in_progress": ("进行中", "In progress"),
}


def definitions_rows() -> list[dict]:
    return [
        {
            "indicator_id": i.id, "indicator_group": i.group, "group_name_zh": GROUPS[i.group][0],
            "name_zh": i.name_zh, "name_en": i.name_en, "unit": i.unit, "value_kind": i.value_kind,
            "has_districts": i.has_districts, "is_additive": i.is_additive,
            "breakdown_dimensions": list(i.dimensions), "definition_zh": i.definition_zh,
            "definition_en": i.definition_en, "sort_order": n,
        }
        for n, i in enumerate(INDICATORS, start=1)
    ]
