"""The data contract of shared/spec/reports.md as data: report types, columns, code lists.

Everything the parser, the validator, the demo generator and the error reports need to know
about a report lives here, once. Code lists (defined in pipelines/reference/codes.py, below
intake, and read through here) map the Chinese (and English) words a school may write to a
stable English code; the Chinese label of each code is kept for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipelines.reference.codes import CODE_LISTS

Kind = Literal["text", "int", "float", "date", "bool", "code", "school", "district", "list", "grade"]


@dataclass(frozen=True)
class Column:
    name: str  # canonical English snake_case name (also the staging column, unless renamed)
    zh: str  # canonical Chinese header
    kind: Kind
    required: bool = False
    code_list: str | None = None  # for kind == "code"
    aliases: tuple[str, ...] = ()  # other headers seen in the wild (Chinese or English)
    private: bool = False  # never stored, logged or echoed (names)
    pseudonymise: bool = False  # replaced by a keyed hash on ingest
    school_name_for: str | None = None  # this name column may stand in for that code column
    unit: str = ""  # unit of a number (人, 个, 课时…): shown in templates' headers as 在校生数(人)


@dataclass(frozen=True)
class ReportType:
    code: str  # R0 .. R5
    zh: str
    en: str
    table: str  # staging table (schema.table)
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # entity key (versioning), in staging column names
    row_key: tuple[str, ...]  # uniqueness within one file
    signature: tuple[str, ...] = field(default=())  # columns that identify the type from a header

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


SHS_STAGE_ORDER = ["applied", "district_recommended", "city_approved", "midterm_reviewed", "named"]

# Grades: 1..12; words schools write for them.
GRADE_WORDS: dict[str, int] = {
    **{f"{n}年级": i for i, n in enumerate("一二三四五六七八九", start=1)},
    "初一": 7, "初二": 8, "初三": 9, "高一": 10, "高二": 11, "高三": 12,
    **{f"{i}年级": i for i in range(1, 13)},
    **{f"{n}年级": 9 + i for i, n in enumerate(["十", "十一", "十二"], start=1)},
}

C = Column

R0 = ReportType(
    code="R0", zh="学校(机构)名录", en="School registry", table="staging.r0_schools",
    columns=(
        C("school_code", "学校标识码", "text", True, aliases=("学校代码", "标识码")),
        C("school_name", "学校名称", "text", True, aliases=("学校全称",)),
        C("aliases", "简称", "list", aliases=("别名", "学校简称")),
        C("district_code", "所在区", "district", True, aliases=("区", "所属区", "区代码")),
        C("school_type", "办学类型", "code", True, code_list="school_type"),
        C("ownership", "办别", "code", code_list="ownership", aliases=("举办者类型",)),
        C("enrolled_students", "在校生数", "int", aliases=("学生数",), unit="人"),
        C("valid_from", "启用日期", "date", aliases=("成立日期",)),
        C("valid_to", "停用日期", "date", aliases=("撤销日期",)),
    ),
    key=("school_code",), row_key=("school_code",),
    signature=("school_code", "school_name", "school_type", "district_code"),
)

R1 = ReportType(
    code="R1", zh="科学高中建设进展报告", en="Science high school progress", table="staging.r1_shs_stage_events",
    columns=(
        C("school_code", "学校标识码", "school", True, aliases=("学校代码",)),
        C("school_name", "学校名称", "text", school_name_for="school_code"),
        C("stage", "阶段", "code", True, code_list="shs_stage", aliases=("建设阶段",)),
        C("event_date", "日期", "date", True, aliases=("时间", "阶段日期")),
        C("approval_doc_no", "批准文号", "text", aliases=("文号",)),
        C("partner_universities", "合作高校", "text"),
        C("science_cohort_students", "科学班学生数", "int", unit="人"),
        C("dedicated_labs", "专用实验室数", "int", unit="个"),
    ),
    key=("school_code",), row_key=("school_code", "stage", "event_date"),
    signature=("stage", "event_date"),
)

R2 = ReportType(
    code="R2", zh="领航学科基地年度报告", en="Flagship discipline base report", table="staging.r2_flagship_base_reports",
    columns=(
        C("base_code", "基地编号", "text", True),
        C("host_school_code", "依托学校标识码", "school", True, aliases=("依托学校代码",)),
        C("host_school_name", "依托学校", "text", school_name_for="host_school_code", aliases=("依托学校名称",)),
        C("discipline", "学科", "code", True, code_list="discipline"),
        C("status", "状态", "code", True, code_list="base_status", aliases=("基地状态",)),
        C("report_year", "报告年度", "int", True, aliases=("年度",)),
        C("partners", "合作单位", "text"),
        C("students_served", "服务学生数", "int", unit="人"),
        C("courses_offered", "开设课程数", "int", unit="门"),
        C("schools_reached", "辐射学校数", "int", unit="所"),
        C("teacher_training_hours", "教师培训学时", "float", unit="学时"),
    ),
    key=("base_code", "report_year"), row_key=("base_code", "report_year"),
    signature=("base_code", "discipline"),
)

R3 = ReportType(
    code="R3", zh="青少年科创计划学员名册", en="Youth S&T programme roster", table="staging.r3_yip_participants",
    columns=(
        C("cohort_year", "届别", "int", True, aliases=("届", "年度")),
        C("student_id", "学生编号", "text", True, pseudonymise=True, aliases=("学籍号", "学生学籍号")),
        C("name", "姓名", "text", private=True, aliases=("学生姓名",)),
        C("gender", "性别", "code", code_list="gender"),
        C("school_code", "就读学校标识码", "school", True, aliases=("就读学校代码",)),
        C("school_name", "就读学校", "text", school_name_for="school_code", aliases=("就读学校名称",)),
        C("grade", "年级", "grade", True),
        C("host_university", "承办高校", "school", True, aliases=("承办高校名称", "高校")),
        C("research_field", "研究方向", "text"),
        C("university_mentor", "高校导师", "text", pseudonymise=True),
        C("school_mentor", "中学导师", "text", pseudonymise=True),
        C("start_date", "开始日期", "date", True),
        C("end_date", "结束日期", "date"),
        C("status", "状态", "code", True, code_list="yip_status", aliases=("学员状态",)),
        C("outputs", "成果", "text", aliases=("研究成果",)),
        C("guardian_consent", "监护人同意", "bool", True, aliases=("监护人是否同意",)),
    ),
    key=("host_university", "cohort_year"), row_key=("cohort_year", "student_id"),
    signature=("student_id", "host_university"),
)

R4 = ReportType(
    code="R4", zh="科技教育联盟成员名册", en="Alliance member register", table="staging.r4_alliance_members",
    columns=(
        C("member_code", "单位代码", "text", True, aliases=("统一社会信用代码", "成员单位代码")),
        C("member_name", "单位名称", "text", True, aliases=("成员单位名称",)),
        C("member_type", "类型", "code", True, code_list="member_type", aliases=("单位类型",)),
        C("district_code", "所在区", "district", True, aliases=("所属区",)),
        C("joined_date", "加入日期", "date", True),
        C("left_date", "退出日期", "date"),
        C("is_lead", "牵头单位", "bool", aliases=("是否牵头单位",)),
    ),
    key=("member_code",), row_key=("member_code",),
    signature=("member_code", "joined_date"),
)

R5 = ReportType(
    code="R5", zh="学校科技教育年报", en="School S&T education annual report", table="staging.r5_school_annual_reports",
    columns=(
        C("school_code", "学校标识码", "school", True, aliases=("学校代码",)),
        C("school_name", "学校名称", "text", school_name_for="school_code"),
        C("report_year", "报告年度", "int", True, aliases=("年度",)),
        C("enrolled_students", "在校生数", "int", True, aliases=("学生数",), unit="人"),
        C("science_hours_planned", "科学课计划课时", "float", unit="课时"),
        C("science_hours_delivered", "科学课实际课时", "float", unit="课时"),
        C("science_vice_principals", "科学副校长人数", "int", True, aliases=("科学副校长数",), unit="人"),
        C("science_teachers", "科学教师数", "int", unit="人"),
        C("stem_master_science_teachers", "理工科硕士科学教师数", "int", unit="人"),
        C("labs", "实验室数", "int", unit="个"),
        C("maker_spaces", "创客空间数", "int", unit="个"),
        C("st_clubs", "科技社团数", "int", unit="个"),
        C("st_club_members", "科技社团成员数", "int", unit="人"),
        C("students_in_st_activities", "参加科技活动学生数", "int", True, unit="人"),
        C("afterschool_st_programmes", "课后服务科技项目数", "int", unit="项"),
        C("awards_city_or_above", "市级以上获奖数", "int", unit="项"),
        C("teacher_st_training_hours", "教师科技培训学时", "float", unit="学时"),
    ),
    key=("school_code", "report_year"), row_key=("school_code", "report_year"),
    signature=("science_vice_principals", "students_in_st_activities"),
)

REPORT_TYPES: dict[str, ReportType] = {r.code: r for r in (R0, R1, R2, R3, R4, R5)}

# Blocking cross-column rules of shared/spec/reports.md, as data (validate.py applies them; the
# templates turn the cell red before the file is sent): a part may not exceed its whole, an end
# may not precede its start. Pairs are (part, whole) and (later, earlier).
PART_OF_WHOLE: dict[str, tuple[tuple[str, str], ...]] = {
    "R5": (("students_in_st_activities", "enrolled_students"), ("st_club_members", "enrolled_students"),
           ("stem_master_science_teachers", "science_teachers")),
}
NOT_BEFORE: dict[str, tuple[tuple[str, str], ...]] = {
    "R0": (("valid_to", "valid_from"),), "R3": (("end_date", "start_date"),), "R4": (("left_date", "joined_date"),),
}

# the column of each report type that names the school a row is sent for (R0 and R4 are the
# commission's own lists: no school sends them)
SENDER_COLUMN = {"R1": "school_code", "R2": "host_school_code", "R3": "host_university_code", "R5": "school_code"}


def sending_schools(rows: dict) -> dict[str, set[str]]:
    """Report type -> the school codes a file's rows (staging table -> frame) are sent for."""
    out: dict[str, set[str]] = {}
    for code, report in REPORT_TYPES.items():
        frame = rows.get(report.table)
        if frame is None or frame.is_empty():
            continue
        column = SENDER_COLUMN.get(code)
        out[code] = set(frame[column].drop_nulls().to_list()) if column and column in frame.columns else set()
    return out


def code_label(code_list: str, code: str, lang: str = "zh") -> str:
    zh, en, _ = CODE_LISTS[code_list][code]
    return zh if lang == "zh" else en


def is_code_column(col: Column) -> bool:
    """Whether a column holds an identifier (a school, district, member or base code, a
    student number): text that Excel users force with a leading apostrophe (`'3412000001`)."""
    return col.kind in ("school", "district") or col.name.endswith(("_code", "_id"))


def staging_name(col: Column) -> str:
    if col.pseudonymise:
        return col.name.removesuffix("_id") + "_key"
    if col.kind == "school" and not col.name.endswith("_code"):
        return col.name + "_code"
    return col.name
