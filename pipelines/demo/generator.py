"""Deterministic synthetic demo reports for the inbox, with the ground truth they imply.

`generate(out_dir, schools, years, seed)` writes

    out_dir/inbox/<files>   reports as schools, universities and district bureaus send them:
                            .xlsx/.xls/.ods/.csv (UTF-8, UTF-8 with BOM, GB18030), title rows,
                            填报说明 sheets, 合计 rows, header and value variants, corrections,
                            bad files, files that are not reports and a byte-identical duplicate
    out_dir/arrivals.csv    file,arrived_at (ISO 8601 UTC); each file's mtime is set to it
    out_dir/expected.json   the ground truth, computed from the generator's own state

`stage(demo_dir, inbox)` copies a generated inbox elsewhere and restores the mtimes from
arrivals.csv (a git checkout loses them). Everything is fictional: every school, university,
institute and company name contains 演示 ("demo"); student ids and credit codes carry a
deliberately wrong check character, so none can be a real person's or company's.

expected.json
    parameters       schools (rows of the first R0 file), years, seed, report_years, as_of
    indicators       {"120000": {ID: {"<year>": {"value": v, "numerator": n, "denominator": d}}}}
                     over the accepted data in force: per entity key of the spec, the rows of the
                     newest accepted file by arrival; rejected, not-a-report and duplicate files
                     ignored. Counts carry only "value"; shares are % rounded to 2 places, null
                     when the denominator is 0.
      SHS_NAMED            schools with a 验收命名 dated by 31 Dec not followed by a 退出 dated by then
      FLB_ACTIVE           bases whose newest report for a year <= Y says 立项建设, 中期评估 or 通过评估
      YIP_ENROLLED         roster rows of cohort Y, whatever their status
      YIP_DUAL_MENTOR      % of cohort Y with both 高校导师 and 中学导师
      YIP_COMPLETION       % 结业 of (结业 + 退出) in cohort Y: among those whose programme has ended
      ALLIANCE_MEMBERS     members joined by 31 Dec Y and not left by then
      ALLIANCE_DISTRICTS   districts with at least one such member (of 16)
      STE_VICE_PRINCIPAL   % of the accepted R5 of year Y with 科学副校长人数 >= 1
      STE_PARTICIPATION    sum 参加科技活动学生数 / sum 在校生数 over the accepted R5 of year Y, %
      REPORTING_COMPLETENESS  schools owing an R5 for Y that have an accepted one / schools owing
                           one; a school owes one when R0 (in force) gives a type other than 高校 and
                           其他 and it was active in Y: 启用日期 blank or <= 31 Dec Y, and 停用日期
                           blank or >= 1 Jan Y
    counts           files, files_by_format ("xlsx", "xls", "ods", "csv:<encoding>", "txt"),
                     files_by_outcome (accepted / rejected / not_a_report / duplicate),
                     rows_by_report {R: {in_files, accepted, in_force}}: data rows (no header, title,
                     total or footer rows) in every file of the type, in accepted files, and in force;
                     schools_owing_r5 {year: n}
    bad_files        [{file, report, rule, detail}]  must be rejected as a whole
    warning_files    [{file, report, rule, detail}]  must be accepted, with a warning
    not_a_report     [{file, reason}]
    duplicates       [{file, same_as}]               same bytes as an earlier file
    files            [{file, report, format, encoding, arrived_at, outcome, rows, supersedes}]
                     every inbox file by arrival; `supersedes` names the file it corrects or resends
                     (an R5 correction replaces only its school's row of a district workbook)

What the demo holds, and which quirks each file type uses, is told by the docstrings of
r0_registry ... r5_annual_reports and not_reports below.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import time
from collections import Counter, namedtuple
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from pipelines.demo.writers import Sheet, write_workbook
from pipelines.intake.schema import CODE_LISTS, GRADE_WORDS, REPORT_TYPES, Column, code_label
from pipelines.reference.codes import CITY
from pipelines.settings import SEEDS_DIR

LAST_YEAR = 2026
AS_OF = date(2026, 11, 30)
ALLIANCE_FOUNDED = date(2026, 2, 3)
PROGRAMME_YEARS = (2024, 2025, 2026)  # R1-R4 run from 2024; more `years` only add R0/R5 history
MIN_SCHOOLS = 100
BEIJING = timezone(timedelta(hours=8))
R5_FILE_SCHOOLS = 500  # a district bureau compiles at most this many schools into one workbook
R5_SHEET_PER_SCHOOL = 120  # each year one district this small sends one sheet per school

# GB/T 2260 code -> relative number of schools; the names come from seeds/districts.csv
DISTRICT_WEIGHTS = {
    "120101": 4, "120102": 6, "120103": 7, "120104": 8, "120105": 5, "120106": 4, "120110": 6, "120111": 8,
    "120112": 6, "120113": 7, "120114": 10, "120115": 8, "120116": 15, "120117": 4, "120118": 7, "120119": 9,
}


def _districts() -> dict[str, tuple[str, int]]:
    with (SEEDS_DIR / "districts.csv").open(encoding="utf-8") as fh:
        names = {row["district_code"]: row["district_name_zh"] for row in csv.DictReader(fh)}
    return {code: (names[code], weight) for code, weight in DISTRICT_WEIGHTS.items()}


DISTRICTS: dict[str, tuple[str, int]] = _districts()
ALLIANCE_ABSENT = ("120117", "120119")  # the two districts without an alliance member

# (full name, district); the last one is a vocational university (category 42)
UNIVERSITIES = (
    ("津沽演示理工大学", "120104"),
    ("海河演示大学", "120104"),
    ("渤海演示师范大学", "120111"),
    ("津门演示医科大学", "120103"),
    ("沽上演示科技大学", "120116"),
    ("卫津演示工业大学", "120112"),
    ("津滨演示外国语大学", "120103"),
    ("北运河演示农林大学", "120113"),
    ("七里海演示财经大学", "120110"),
    ("盘山演示职业技术大学", "120105"),
)
INSTITUTES = (
    "天津演示先进材料研究院",
    "天津演示海洋科技研究所",
    "天津演示人工智能研究院",
    "天津演示生物医药研究院",
    "天津演示新能源研究所",
    "天津演示智能制造研究院",
    "天津演示气象科学研究所",
    "天津演示航天技术研究院",
    "天津演示环境科学研究所",
)
ENTERPRISE_WORDS = (
    "智芯",
    "海川",
    "星图",
    "云帆",
    "津创",
    "博纳",
    "启明",
    "华科",
    "鲲鹏",
    "蓝鲸",
    "天工",
    "易联",
    "融智",
    "青禾",
    "远航",
    "极光",
    "睿思",
    "恒远",
)

# category -> (share of the schools that owe an R5, ((school type, weight), ...))
CATEGORIES = {
    "21": (0.59, (("primary", 1),)),
    "31": (0.22, (("junior_secondary", 7), ("nine_year", 3))),
    "34": (0.17, (("senior_secondary", 55), ("complete_secondary", 35), ("twelve_year", 10))),
    "51": (0.02, (("special_education", 1),)),
}
OTHER_CATEGORY = "36"  # vocational schools: type 其他, owe no R5
NAME_SUFFIX = {  # school type -> (suffix of the full name, of the short name)
    "primary": ("小学", "小"),
    "junior_secondary": ("中学", "中"),
    "senior_secondary": ("中学", "中"),
    "complete_secondary": ("中学", "中"),
    "nine_year": ("学校", "校"),
    "twelve_year": ("学校", "校"),
    "special_education": ("特殊教育学校", "特校"),
    "other": ("职业学校", "职校"),
}
ENROLMENT = {
    "primary": (300, 2500),
    "junior_secondary": (400, 2000),
    "nine_year": (600, 2600),
    "senior_secondary": (800, 3000),
    "complete_secondary": (1200, 3600),
    "twelve_year": (1500, 4200),
    "special_education": (60, 300),
    "other": (300, 3000),
    "higher_education": (8000, 40000),
}
SENIOR_TYPES = ("senior_secondary", "complete_secondary", "twelve_year")
JUNIOR_TYPES = ("junior_secondary", "nine_year", "complete_secondary", "twelve_year")
NO_R5_TYPES = ("higher_education", "other")
MEMBER_TYPE = {
    "primary": "primary",
    "junior_secondary": "junior",
    "nine_year": "junior",
    "senior_secondary": "senior",
    "complete_secondary": "complete_secondary",
    "twelve_year": "complete_secondary",
    "higher_education": "university",
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董潘袁"
    "蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆范金"
)
GIVEN = (
    "子涵浩然欣怡梓萱宇轩思远一诺雨桐俊杰佳明若曦博文诗天佑"
    "嘉锦程语皓晨阳昊泽睿哲瑞琪瑶雯婷宁静安航书悦可心乐知行"
)
RESEARCH_FIELDS = (
    "人工智能",
    "新材料",
    "合成生物学",
    "海洋科学",
    "量子信息",
    "智能制造",
    "生态环境",
    "天文观测",
    "医学影像",
    "机器人",
    "数学建模",
    "化学合成",
)
OUTPUTS = (
    "市级青少年科技创新大赛二等奖",
    "小论文1篇",
    "发明专利申请1项",
    "研究报告1份",
    "全国青少年科技创新大赛三等奖",
)
UNITS = {
    "enrolled_students": "人",
    "students_in_st_activities": "人",
    "st_club_members": "人",
    "science_vice_principals": "人",
    "science_teachers": "人",
    "science_cohort_students": "人",
    "students_served": "人",
    "science_hours_planned": "课时",
    "science_hours_delivered": "课时",
    "teacher_st_training_hours": "学时",
    "teacher_training_hours": "学时",
}
FULLWIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")
GRADE_NAMES = {v: k for k, v in GRADE_WORDS.items() if k[0] in "初高"}  # 7 -> 初一 ... 12 -> 高三
CN_DIGITS = "零一二三四五六七八九"


# --- small helpers ------------------------------------------------------------------------------


def cn_number(n: int) -> str:
    """Chinese numeral as in school names: 3 -> 三, 12 -> 十二, 105 -> 一百零五 (n < 100000)."""
    if n < 10:
        return CN_DIGITS[n]
    out, zero = "", False
    for value, unit in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += (
                ("零" if zero and out else "")
                + ("" if digit == 1 and unit == "十" and not out else CN_DIGITS[digit])
                + unit
            )
            zero = False
        elif out:
            zero = True
    return out


def short_district(code: str) -> str:
    return DISTRICTS[code][0].removesuffix("新区").removesuffix("区")


def day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def contact_footer(rng: random.Random) -> list[list]:
    """填表人/联系电话 note; 022-0… is not a dialable Tianjin number."""
    return [[f"填表人：{rng.choice(SURNAMES)}老师  联系电话：022-0{rng.randint(0, 9999999):07d}"]]


def _wrong_check(rng: random.Random, alphabet: str, correct: str) -> str:
    return alphabet[(alphabet.index(correct) + 1 + rng.randrange(len(alphabet) - 1)) % len(alphabet)]


def fake_student_id(rng: random.Random, district: str, born: date, male: bool) -> str:
    """'G' + an 18-character resident-ID look-alike whose ISO 7064 check character is wrong."""
    seq = rng.randrange(0, 999, 2) + (1 if male else 0)
    body = f"{district}{born:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    correct = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return "G" + body + _wrong_check(rng, "0123456789X", correct)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def fake_credit_code(rng: random.Random, prefix: str) -> str:
    """An 18-character unified social credit code whose GB 32100 check character is wrong."""
    body = prefix + "".join(rng.choice(USCC_CHARS) for _ in range(17 - len(prefix)))
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + _wrong_check(rng, USCC_CHARS, USCC_CHARS[(31 - total % 31) % 31])


# --- the world: schools and the registry's history --------------------------------------------


@dataclass(eq=False)
class School:
    code: str
    name: str
    aliases: tuple[str, ...]
    district: str
    school_type: str
    ownership: str
    enrolled: int
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def short(self) -> str:
        return self.aliases[0] if self.aliases else self.name

    def active_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= date(year, 12, 31)) and (
            self.valid_to is None or self.valid_to >= date(year, 1, 1)
        )

    def owes_r5(self, year: int) -> bool:
        return self.school_type not in NO_R5_TYPES and self.active_in(year)

    def record(self) -> dict:
        """This school as an R0 row now (a snapshot: the school may change later)."""
        return {
            "school_code": self.code,
            "school_name": self.name,
            "aliases": self.aliases,
            "district_code": self.district,
            "school_type": self.school_type,
            "ownership": self.ownership,
            "enrolled_students": self.enrolled,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
        }


@dataclass
class World:
    """Every school code ever issued, and the R0 rows each registry file carries."""

    rng: random.Random
    years: list[int]
    schools: list[School] = field(default_factory=list)
    by_code: dict[str, School] = field(default_factory=dict)
    registry_files: list[tuple[int, list[dict]]] = field(default_factory=list)
    renamed: set[str] = field(default_factory=set)  # codes sharing a name (category change)
    _seq: dict[str, int] = field(default_factory=dict)
    _numbers: Counter = field(default_factory=Counter)

    @property
    def universities(self) -> list[School]:
        return [s for s in self.schools if s.school_type == "higher_education"]

    def stable(self, types: tuple[str, ...]) -> list[School]:
        """Schools of these types active from the first year to the end, never renamed."""
        return [
            s
            for s in self.schools
            if s.school_type in types
            and s.code not in self.renamed
            and s.valid_to is None
            and (s.valid_from is None or s.valid_from.year < self.years[0])
        ]

    def label(self, code: str, how: str) -> str:
        school = self.by_code[code]
        return {"code": school.code, "alias": school.short}.get(how, school.name)

    def next_code(self, category: str) -> str:
        seq = self._seq.get(category, self.rng.randint(1, 300)) + self.rng.randint(1, 3)
        self._seq[category] = seq
        return f"{category}12{seq:06d}"

    def add(self, school: School) -> School:
        self.schools.append(school)
        self.by_code[school.code] = school
        return school

    def new_school(self, category: str, school_type: str, district: str, valid_from: date | None) -> School:
        suffix, short_suffix = NAME_SUFFIX[school_type]
        self._numbers[district, suffix] += 1
        n = self._numbers[district, suffix]
        name = f"天津市{DISTRICTS[district][0]}演示第{cn_number(n)}{suffix}"
        aliases = (
            (f"{short_district(district)}演示{cn_number(n)}{short_suffix}",)
            if self.rng.random() < 0.5
            else ()
        )
        low, high = ENROLMENT[school_type]
        return self.add(
            School(
                self.next_code(category),
                name,
                aliases,
                district,
                school_type,
                "private" if self.rng.random() < 0.1 else "public",
                round(self.rng.triangular(low, high, (low + high) / 3)),
                valid_from,
            )
        )


def build_world(rng: random.Random, n_schools: int, years: list[int]) -> World:
    """Schools of the first registry, then one registry update per later year."""
    world = World(rng, years)
    n_universities = min(len(UNIVERSITIES), max(3, n_schools // 150))
    for i, (name, district) in enumerate(UNIVERSITIES[:n_universities]):
        category = "42" if "职业" in name else "41"
        world.add(
            School(
                world.next_code(category),
                name,
                (name.removesuffix("大学"),),
                district,
                "higher_education",
                "public",
                rng.randint(*ENROLMENT["higher_education"]),
                date(1950 + 5 * i, 9, 1),
            )
        )
    n_other = max(1, round(n_schools * 0.01))
    rest = n_schools - n_universities - n_other
    counts = {category: round(rest * share) for category, (share, _) in CATEGORIES.items()}
    counts["21"] += rest - sum(counts.values())
    plan = [(OTHER_CATEGORY, "other")] * n_other
    for category, (_, types) in CATEGORIES.items():
        names, weights = zip(*types, strict=True)
        plan += [(category, t) for t in rng.choices(names, weights, k=counts[category])]
    rng.shuffle(plan)
    codes, weights = list(DISTRICTS), [w for _, w in DISTRICTS.values()]
    for i, (category, school_type) in enumerate(plan):
        district = codes[i] if i < len(codes) else rng.choices(codes, weights)[0]
        opened = date(rng.randint(1952, years[0] - 3), 9, 1) if rng.random() < 0.6 else None
        world.new_school(category, school_type, district, opened)
    world.registry_files.append((years[0], [s.record() for s in world.schools]))
    for year in years[1:]:
        world.registry_files.append((year, registry_update(world, year)))
    return world


def registry_update(world: World, year: int) -> list[dict]:
    """A year's changes: new schools, closures, (2025) a category change, (2026) new enrolments."""
    rng, n = world.rng, len(world.schools)
    codes, weights = list(DISTRICTS), [w for _, w in DISTRICTS.values()]
    changed = [
        world.new_school(
            *rng.choice((("21", "primary"), ("21", "primary"), ("31", "junior_secondary"))),
            rng.choices(codes, weights)[0],
            date(year, 2, 1),
        )
        for _ in range(max(2, round(n * 0.004)))
    ]
    closing = rng.sample(world.stable(("primary",)), max(2 if year == 2025 else 1, round(n * 0.0007)))
    for school in closing:
        school.valid_to = date(year - 1, 12, 31)
    changed += closing
    if year == 2025:
        old = rng.choice(world.stable(("junior_secondary",)))
        old.valid_to = date(2024, 12, 31)
        new = world.add(
            replace(
                old,
                code=world.next_code("34"),
                school_type="complete_secondary",
                enrolled=round(old.enrolled * 1.5),
                valid_from=date(2025, 1, 1),
                valid_to=None,
            )
        )
        world.renamed.update((old.code, new.code))
        changed += [old, new]
    if year == LAST_YEAR:
        for school in rng.sample(world.stable(("primary", "junior_secondary")), 3):
            school.enrolled = round(school.enrolled * rng.uniform(0.9, 1.12))
            changed.append(school)
    return [s.record() for s in changed]


# --- rendering: canonical records -> table rows -------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How one file writes headers and values (each field: the choices a file may make)."""

    headers: str = "zh"  # zh | decorated (spaces, *, unit in brackets) | alias | en
    dates: str = "iso"  # iso | slash | dot | cn | cn_month | excel (a real date cell)
    numbers: str = "plain"  # plain | text | thousands (1,234) | mixed (per cell: those or full-width digits)
    school_ref: str = "code"  # code | both (code + name) | name | alias (name column only)
    labels: str = "zh"  # code-list values: zh | en
    districts: str = "code"  # code | name
    consent: str = "是"  # how yes is written: 是 | Y | √
    grades: str = "word"  # word (初二) | ordinal (八年级) | number (8)


def random_style(
    rng: random.Random,
    fmt: str,
    headers: tuple[str, ...] = ("zh", "decorated", "alias"),
    refs: tuple[str, ...] = ("code", "both", "name", "alias"),
) -> Style:
    """A file's style: header variant, date form (real date cells only outside CSV), number quirks,
    how schools are named, how yes and grades are written."""
    dates = ["iso", "slash", "dot", "cn"] + (["excel", "excel"] if fmt != "csv" else [])
    return Style(
        headers=rng.choice(headers),
        dates=rng.choice(dates),
        numbers=rng.choices(("plain", "text", "thousands", "mixed"), (45, 20, 15, 20))[0],
        school_ref=rng.choice(refs),
        consent=rng.choice(("是", "Y", "√")),
        grades=rng.choice(("word", "ordinal", "number")),
    )


def report_columns(report: str, style: Style) -> list[Column]:
    """The report's columns this file has: a school name column stands in for the code or joins it."""
    columns = REPORT_TYPES[report].columns
    stood_in = {c.school_name_for for c in columns if c.school_name_for}
    by_name = style.school_ref in ("name", "alias")
    return [
        c
        for c in columns
        if (c.school_name_for and style.school_ref != "code")
        or (not c.school_name_for and not (c.name in stood_in and by_name))
    ]


def header(col: Column, style: Style, rng: random.Random) -> str:
    if style.headers == "en":
        return col.name
    if style.headers == "alias" and col.aliases:
        return col.aliases[0]
    if style.headers != "decorated":
        return col.zh
    label = rng.choice(("*{}", "{}*", "＊{}")).format(col.zh) if col.required else col.zh
    if col.name in UNITS:
        label += rng.choice(("（{}）", "({})")).format(UNITS[col.name])
    return rng.choice(("{}", " {}", "{} ", "  {} ")).format(label)


def number_text(value: float, how: str, rng: random.Random) -> int | float | str:
    if how == "mixed":
        how = rng.choice(("plain", "text", "thousands", "fullwidth"))
    if how == "plain":
        return value
    value = int(value) if isinstance(value, float) and value.is_integer() else value
    text = f"{value:,}" if how == "thousands" else str(value)
    if how == "fullwidth":
        text = text.translate(FULLWIDTH) + ("　" if rng.random() < 0.3 else "")
    return text


def date_text(value: date, how: str) -> date | str:
    if how == "excel":
        return value
    return {
        "iso": value.isoformat(),
        "slash": f"{value.year}/{value.month}/{value.day}",
        "dot": f"{value.year}.{value.month}.{value.day}",
        "cn": f"{value.year}年{value.month}月{value.day}日",
        "cn_month": f"{value.year}年{value.month}月",
    }[how]


def grade_text(grade: int, how: str) -> str | int:
    if how == "word":
        return GRADE_NAMES[grade]
    return f"{cn_number(grade)}年级" if how == "ordinal" else grade


def cell(col: Column, record: dict, style: Style, world: World, rng: random.Random):
    """One value as this file writes it. Values outside their type or code list pass through."""
    value = record.get(col.name)
    if col.school_name_for:
        return value or world.label(record[col.school_name_for], style.school_ref)
    if value is None or isinstance(value, str) and col.kind not in ("code", "district", "school"):
        return value
    if col.name == "host_university":
        return world.label(value, "alias" if style.school_ref == "alias" else "name")
    if col.name == "grade":
        return grade_text(value, style.grades)
    if col.kind in ("int", "float"):
        return value if col.name.endswith("year") else number_text(value, style.numbers, rng)
    if col.kind == "date":
        return date_text(value, style.dates)
    if col.kind == "code":
        return code_label(col.code_list, value, style.labels) if value in CODE_LISTS[col.code_list] else value
    if col.kind == "bool":
        return style.consent if value else ("N" if style.consent == "Y" else "否")
    if col.kind == "district":
        return value if style.districts == "code" else DISTRICTS[value][0]
    if col.kind == "list":
        return ";".join(value) or None
    return value


def table(
    report: str, records: list[dict], style: Style, world: World, rng: random.Random, total: str | None = None
) -> list[list]:
    """Header row + one row per record (+ a 合计/总计 row summing the counts, if `total`)."""
    cols = report_columns(report, style)
    rows = [[header(c, style, rng) for c in cols]]
    rows += [[cell(c, r, style, world, rng) for c in cols] for r in records]
    if total:
        sums = [
            sum(r.get(c.name) or 0 for r in records)
            if c.kind in ("int", "float") and not c.name.endswith("year")
            else None
            for c in cols
        ]
        rows.append([total, *sums[1:]])
    return rows


def instructions(*lines: str) -> Sheet:
    """A 填报说明 sheet: a heading and numbered lines."""
    return Sheet(
        "填报说明", [["填报说明"], *[[f"{i}. {line}"] for i, line in enumerate(lines, 1)]], instructions=True
    )


# --- the inbox: files, arrivals and the data in force -------------------------------------------

TRUTH_FIELDS = {  # what the ground truth needs of each accepted row
    "R0": ("school_type", "valid_from", "valid_to"),
    "R1": ("stage", "event_date"),
    "R2": ("status",),
    "R3": ("status", "university_mentor", "school_mentor"),
    "R4": ("district_code", "joined_date", "left_date"),
    "R5": ("enrolled_students", "students_in_st_activities", "science_vice_principals"),
}
TruthRow = {report: namedtuple(f"{report}Row", fields) for report, fields in TRUTH_FIELDS.items()}


@dataclass
class Entry:
    file: str
    report: str | None
    format: str
    encoding: str | None
    arrived_at: datetime
    outcome: str  # accepted | rejected | not_a_report | duplicate
    rows: int = 0
    rule: str | None = None  # rejected: the rule broken; accepted: the warning raised
    detail: str | None = None
    supersedes: str | None = None

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "report": self.report,
            "format": self.format,
            "encoding": self.encoding,
            "arrived_at": iso_utc(self.arrived_at),
            "outcome": self.outcome,
            "rows": self.rows,
            "supersedes": self.supersedes,
        }


def local_day(entry: Entry) -> date:
    """The day (in Tianjin) an entry arrived."""
    return entry.arrived_at.astimezone(BEIJING).date()


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Inbox:
    """Writes files, stamps their arrival, and keeps the accepted data in force per entity key."""

    def __init__(self, folder: Path, rng: random.Random):
        self.folder = folder
        self.rng = rng
        self.entries: list[Entry] = []
        self.in_force: dict[str, dict[tuple, tuple[datetime, tuple]]] = {r: {} for r in REPORT_TYPES}
        self._moments: set[datetime] = set()

    def arrival(self, day: date, after: datetime | None = None) -> datetime:
        """An office-hours moment (Beijing) on `day`, moved to the next working day if needed,
        unique in the inbox and later than `after`."""
        while day.weekday() >= 5:
            day += timedelta(days=1)
        moment = datetime(day.year, day.month, day.day, 8, 30, tzinfo=BEIJING) + timedelta(
            seconds=self.rng.randrange(9 * 3600)
        )
        moment = max(moment, after + timedelta(minutes=5)) if after else moment
        while moment in self._moments:
            moment += timedelta(seconds=1)
        self._moments.add(moment)
        return moment.astimezone(UTC)

    def _stamp(self, path: Path, entry: Entry) -> Entry:
        stamp = entry.arrived_at.timestamp()
        os.utime(path, (stamp, stamp))
        self.entries.append(entry)
        return entry

    def add(
        self,
        name: str,
        arrived: datetime,
        sheets: list[Sheet],
        report: str,
        records: list[dict],
        encoding: str = "utf-8",
        outcome: str = "accepted",
        rule: str | None = None,
        detail: str | None = None,
        supersedes: Entry | None = None,
    ) -> Entry:
        path = self.folder / name
        if path.exists():
            raise ValueError(f"two demo files named {name}")
        fmt = path.suffix.lstrip(".")
        write_workbook(path, sheets, encoding=encoding)
        if outcome == "accepted":
            self._keep(report, arrived, records)
        return self._stamp(
            path,
            Entry(
                name,
                report,
                fmt,
                encoding if fmt == "csv" else None,
                arrived,
                outcome,
                len(records),
                rule,
                detail,
                supersedes.file if supersedes else None,
            ),
        )

    def add_bytes(self, name: str, arrived: datetime, data: bytes, reason: str) -> Entry:
        path = self.folder / name
        path.write_bytes(data)
        return self._stamp(
            path, Entry(name, None, path.suffix.lstrip("."), None, arrived, "not_a_report", detail=reason)
        )

    def add_copy(self, original: Entry, name: str, arrived: datetime) -> Entry:
        shutil.copyfile(self.folder / original.file, self.folder / name)
        return self._stamp(
            self.folder / name,
            replace(
                original,
                file=name,
                arrived_at=arrived,
                outcome="duplicate",
                rule=None,
                detail=original.file,
                supersedes=None,
            ),
        )

    def _keep(self, report: str, arrived: datetime, records: list[dict]) -> None:
        """Per entity key, the rows of the newest accepted file replace what older files said."""
        key_columns, fields, row_type = REPORT_TYPES[report].key, TRUTH_FIELDS[report], TruthRow[report]
        groups: dict[tuple, list] = {}
        for r in records:
            groups.setdefault(tuple(r[k] for k in key_columns), []).append(row_type(*(r[f] for f in fields)))
        table_ = self.in_force[report]
        for key, rows in groups.items():
            if key not in table_ or table_[key][0] < arrived:
                table_[key] = (arrived, tuple(rows))


def pick_format(rng: random.Random, weights: dict[str, int]) -> tuple[str, str]:
    """(suffix, encoding) drawn from e.g. {"xlsx": 5, "csv": 3}; CSV encodings equally likely."""
    fmt = rng.choices(list(weights), list(weights.values()))[0]
    return fmt, rng.choice(("utf-8", "utf-8-sig", "gb18030")) if fmt == "csv" else "utf-8"


def one_sheet(
    fmt: str, name: str, rows: list[list], rng: random.Random, title: str | None = None, footer: bool = True
) -> list[Sheet]:
    """A single report sheet, titled and footed for workbooks (CSV only sometimes)."""
    titled = title and (fmt != "csv" or rng.random() < 0.3)
    return [
        Sheet(
            name,
            rows,
            [[title]] if titled else (),
            contact_footer(rng) if footer and rng.random() < 0.5 else (),
        )
    ]


# --- R0 school registry --------------------------------------------------------------------------


def r0_registry(inbox: Inbox, world: World) -> None:
    """The first file is the full registry (.xlsx, 填报说明 first); later files carry the year's
    changes only (CSV in GB18030 in 2025, .ods in 2026)."""
    rng = inbox.rng
    for i, (year, records) in enumerate(world.registry_files):
        if i == 0:
            day = date(year, 1, 8)
            sheets = [
                instructions(
                    "本表由市教委数据组从教育统计系统导出。",
                    "学校标识码为10位：类别2位+省份2位(12)+序号6位。",
                    "简称以分号分隔。",
                ),
                Sheet(
                    "学校名录",
                    table("R0", records, Style(dates="excel"), world, rng),
                    [[f"天津市学校（机构）名录（{year}年1月导出）"]],
                ),
            ]
            name, encoding = f"天津市学校名录_{year}年1月.xlsx", "utf-8"
        else:
            day = date(year, 2, rng.randint(16, 26))
            fmt, encoding = (
                ("csv", "gb18030")
                if year == 2025
                else ("ods", "utf-8")
                if year == LAST_YEAR
                else pick_format(rng, {"xlsx": 1, "csv": 1})
            )
            style = Style(headers="decorated", dates="slash") if fmt == "csv" else Style(dates="excel")
            sheets = one_sheet(
                fmt,
                "名录变更",
                table("R0", records, style, world, rng),
                rng,
                f"学校（机构）名录变更（{year}年）",
                footer=False,
            )
            name = f"学校名录变更_{year}.{fmt}"
        inbox.add(name, inbox.arrival(day), sheets, "R0", records, encoding)


# --- R1 science high schools ---------------------------------------------------------------------

# role -> ((stage, first day, last day), ...): each event dated in its window, in order
R1_SCRIPTS = {
    "named_2025": (
        ("applied", "2024-03-01", "2024-04-15"),
        ("district_recommended", "2024-05-01", "2024-06-20"),
        ("city_approved", "2024-09-01", "2024-10-31"),
        ("midterm_reviewed", "2025-04-01", "2025-06-15"),
        ("named", "2025-11-01", "2025-12-10"),
    ),
    "named_2026": (
        ("applied", "2024-03-01", "2024-05-31"),
        ("district_recommended", "2024-06-01", "2024-07-15"),
        ("city_approved", "2024-10-01", "2025-03-31"),
        ("midterm_reviewed", "2025-09-01", "2026-03-31"),
        ("named", "2026-06-01", "2026-10-15"),
    ),
    "rectification": (
        ("applied", "2024-04-01", "2024-05-31"),
        ("district_recommended", "2024-06-01", "2024-07-31"),
        ("city_approved", "2024-11-01", "2024-12-20"),
        ("midterm_reviewed", "2025-06-01", "2025-07-10"),
        ("rectification", "2025-11-01", "2025-12-20"),
    ),
    "withdrawn": (
        ("applied", "2024-04-01", "2024-06-30"),
        ("district_recommended", "2024-07-01", "2024-09-30"),
        ("withdrawn", "2025-03-01", "2025-09-30"),
    ),
    "bad_order": (
        ("applied", "2024-09-01", "2024-11-30"),
        ("district_recommended", "2025-01-06", "2025-03-31"),
        ("city_approved", "2025-10-08", "2025-12-15"),
    ),
    "bad_date": (
        ("applied", "2024-11-01", "2024-12-20"),
        ("district_recommended", "2025-02-10", "2025-02-25"),
        ("city_approved", "2025-09-01", "2025-11-30"),
    ),
    "future_date": (
        ("applied", "2024-05-01", "2024-06-30"),
        ("district_recommended", "2024-08-01", "2024-09-30"),
        ("city_approved", "2025-04-01", "2025-06-30"),
        ("midterm_reviewed", "2026-12-10", "2026-12-20"),
    ),
}
R1_SCRIPTS["named_withdrawn"] = (*R1_SCRIPTS["named_2025"], ("withdrawn", "2026-06-01", "2026-09-30"))
R1_ROLES = (
    "named_withdrawn",
    "named_2025",
    "named_2025",
    *["named_2026"] * 5,
    "rectification",
    "withdrawn",
    "withdrawn",
    "bad_order",
    "bad_date",
    "future_date",
)


def r1_events(rng: random.Random, role: str) -> list[tuple[str, date]]:
    if role == "progress":  # applied some time, then up to three more stages
        day = day_between(rng, date(2024, 3, 1), date(2026, 6, 30))
        events = [("applied", day)]
        for stage in ("district_recommended", "city_approved", "midterm_reviewed")[: rng.randint(0, 3)]:
            day += timedelta(days=rng.randint(90, 270))
            if day > date(2026, 10, 15):
                break
            events.append((stage, day))
        return events
    return [
        (stage, day_between(rng, date.fromisoformat(a), date.fromisoformat(b)))
        for stage, a, b in R1_SCRIPTS[role]
    ]


APPROVAL_PREFIX = {"city_approved": "津教政", "named": "津教委"}


def r1_record(school: School, stage: str, day: date, facts: dict) -> dict:
    later = stage not in ("applied", "district_recommended")
    doc = (
        f"{APPROVAL_PREFIX[stage]}〔{day.year}〕{facts['doc_no'][stage]}号"
        if stage in APPROVAL_PREFIX
        else None
    )
    return {
        "school_code": school.code,
        "stage": stage,
        "event_date": day,
        "approval_doc_no": doc,
        "partner_universities": facts["partners"],
        "science_cohort_students": facts["cohort"] if later else None,
        "dedicated_labs": facts["labs"] + (2 if later else 0),
    }


def r1_science_high_schools(inbox: Inbox, world: World) -> None:
    """Each candidate sends its whole stage history when a stage changes; newer files supersede."""
    rng = inbox.rng
    pool = world.stable(SENIOR_TYPES)
    if len(pool) < len(R1_ROLES):
        raise ValueError(f"{len(pool)} senior high schools: too few for the R1 storyline ({len(R1_ROLES)})")
    candidates = rng.sample(pool, min(40, len(pool)))
    roles = [*R1_ROLES, *["progress"] * (len(candidates) - len(R1_ROLES))]
    for school, role in zip(candidates, roles, strict=True):
        facts = {
            "partners": "、".join(u.name for u in rng.sample(world.universities, rng.randint(1, 2))),
            "cohort": rng.randint(40, 160),
            "labs": rng.randint(1, 4),
            "doc_no": {"city_approved": rng.randint(5, 60), "named": rng.randint(61, 120)},
        }
        records = [r1_record(school, stage, day, facts) for stage, day in r1_events(rng, role)]
        _r1_files(inbox, world, school, role, records)


def _r1_files(inbox: Inbox, world: World, school: School, role: str, records: list[dict]) -> None:
    """Files after some stage changes (always after the last, a 验收命名 or a 退出), plus the
    role's bad or warning file."""
    rng, previous = inbox.rng, None
    for i, record in enumerate(records):
        final = i == len(records) - 1
        must = (
            final
            or record["stage"] in ("named", "withdrawn")
            or (i == 1 and role in ("bad_order", "bad_date"))
        )
        if not must and rng.random() >= 0.6:
            continue
        day = min(record["event_date"] + timedelta(days=rng.randint(3, 20)), AS_OF - timedelta(days=5))
        history, first_try = records[: i + 1], None
        if role == "bad_date" and i == 1:
            typo = f"{record['event_date'].year}-02-30"
            first_try = previous = _r1_file(
                inbox,
                world,
                school,
                [*history[:-1], {**record, "event_date": typo}],
                day,
                previous,
                "rejected",
                "unparseable_date",
                f"日期 {typo} is not a date",
            )
            day = local_day(first_try) + timedelta(days=rng.randint(2, 6))
        future = role == "future_date" and final
        if future:
            day = date(2026, 10, rng.randint(19, 30))
        previous = _r1_file(
            inbox,
            world,
            school,
            history,
            day,
            previous,
            rule="date_in_future" if future else None,
            detail="中期评估 planned after the file was sent" if future else None,
            supersedes=first_try,
        )
        if role == "bad_order" and i == 1:  # re-applying after being named, with no 整改 or 退出 between
            start = records[0]["event_date"]
            bad = [
                records[0],
                {**records[0], "stage": "named", "event_date": start + timedelta(days=20)},
                {**records[0], "event_date": start + timedelta(days=40)},
            ]
            previous = _r1_file(
                inbox,
                world,
                school,
                bad,
                local_day(previous) + timedelta(days=rng.randint(5, 15)),
                previous,
                "rejected",
                "stage_order",
                "验收命名 then 申报 without 整改 or 退出 between",
            )


def _r1_file(
    inbox: Inbox,
    world: World,
    school: School,
    records: list[dict],
    day: date,
    previous: Entry | None,
    outcome: str = "accepted",
    rule: str | None = None,
    detail: str | None = None,
    supersedes: Entry | None = None,
) -> Entry:
    rng = inbox.rng
    fmt, encoding = pick_format(rng, {"xlsx": 45, "xls": 25, "csv": 30})
    style = random_style(rng, fmt)
    months = [
        (r["event_date"].year, r["event_date"].month) for r in records if isinstance(r["event_date"], date)
    ]
    if len(set(months)) == len(records) and rng.random() < 0.2:
        style = replace(style, dates="cn_month")
    arrived = inbox.arrival(day, previous.arrived_at if previous else None)
    when = arrived.astimezone(BEIJING)
    name = rng.choice(
        (
            f"科学高中建设进展报告_{school.name}_{when:%Y%m%d}",
            f"{school.short}科学高中建设进展（{when.year}年{when.month}月{when.day}日）",
            f"R1_{school.code}_{when:%Y%m%d}",
        )
    )
    sheets = one_sheet(
        fmt, "进展报告", table("R1", records, style, world, rng), rng, f"{school.name}科学高中建设进展报告"
    )
    return inbox.add(
        f"{name}.{fmt}", arrived, sheets, "R1", records, encoding, outcome, rule, detail, supersedes
    )


# --- R2 flagship discipline bases ----------------------------------------------------------------


@dataclass
class Base:
    code: str
    host: School
    discipline: str
    applied: int
    established: int | None
    fast: bool  # 中期评估 in its second year and 通过评估 in its third, else a year later
    partners: str
    revoked: int | None = None

    def status(self, year: int) -> str | None:
        """The status in the year's report; None when there is none (before applying, after revocation)."""
        if year < self.applied or (self.revoked and year > self.revoked):
            return None
        if self.revoked == year:
            return "revoked"
        if self.established is None or year < self.established:
            return "applied"
        steps = (
            ("established", "midterm_reviewed", "accredited")
            if self.fast
            else ("established", "established", "midterm_reviewed")
        )
        return steps[min(year - self.established, 2)]


R2_NEW_ACTIVE = {2024: 12, 2025: 8, 2026: 7}  # bases established each year (one revoked in 2026)
R2_WAITING = 2  # bases applying each year, established the next


def r2_bases(rng: random.Random, world: World) -> list[Base]:
    """About 12 active bases in 2024, 20 in 2025 and 26 in 2026, several per host school."""
    timeline: list[list] = []  # [applied, established]
    for year, count in R2_NEW_ACTIVE.items():
        waiting = [t for t in timeline if t[1] is None]
        for t in waiting:
            t[1] = year
        timeline += [[year, year] for _ in range(count - len(waiting))] + [
            [year, None] for _ in range(R2_WAITING)
        ]
    pool = world.stable(SENIOR_TYPES)
    hosts = rng.sample(pool, min(12, len(pool)))
    disciplines = list(CODE_LISTS["discipline"])
    numbers: Counter = Counter()
    bases = []
    for i, (applied, established) in enumerate(timeline):
        numbers[applied] += 1
        partners = [rng.choice(world.universities).name]
        if rng.random() < 0.4:
            partners.append(f"天津演示{rng.choice(ENTERPRISE_WORDS)}科技有限公司")
        bases.append(
            Base(
                f"LH-{applied}-{numbers[applied]:03d}",
                hosts[i % len(hosts)],
                disciplines[i] if i < len(disciplines) else rng.choice(disciplines),
                applied,
                established,
                rng.random() < 0.6,
                "、".join(partners),
            )
        )
    rng.choice([b for b in bases if b.established == 2024]).revoked = 2026
    return bases


def r2_record(rng: random.Random, base: Base, year: int) -> dict:
    status = base.status(year)
    age = 0 if base.established is None else max(0, year - base.established)
    counted = status not in ("applied", "revoked")
    return {
        "base_code": base.code,
        "host_school_code": base.host.code,
        "discipline": base.discipline,
        "status": status,
        "report_year": year,
        "partners": base.partners,
        "students_served": round(rng.randint(60, 220) * (1 + 0.4 * age)) if counted else None,
        "courses_offered": rng.randint(3, 8) + 3 * age if counted else None,
        "schools_reached": rng.randint(2, 12) + 4 * age if counted else None,
        "teacher_training_hours": rng.randint(40, 400) / 2 if counted else None,
    }


def r2_flagship_bases(inbox: Inbox, world: World) -> None:
    """Each host school reports its bases yearly; one district bureau compiles its hosts in 2025;
    a duplicate base (2025) and an unknown discipline (2026) are rejected, then resent."""
    rng = inbox.rng
    bases = r2_bases(rng, world)
    hosts = list(dict.fromkeys(b.host for b in bases))
    compiled_district = Counter(h.district for h in hosts).most_common(1)[0][0]
    for year in PROGRAMME_YEARS:
        window = (
            (date(year, 11, 1), date(year, 12, 15))
            if year < LAST_YEAR
            else (date(year, 10, 8), date(year, 11, 20))
        )
        per_host = {
            h: [r2_record(rng, b, year) for b in bases if b.host is h and b.status(year)] for h in hosts
        }
        if year == 2025:
            compiled = {h: rows for h, rows in per_host.items() if h.district == compiled_district}
            _r2_compiled(inbox, world, year, compiled_district, compiled, day_between(rng, *window))
            per_host = {h: rows for h, rows in per_host.items() if h not in compiled}
        bad_rule = {2025: "duplicate_key", LAST_YEAR: "code_not_in_list"}.get(year)
        for host, records in per_host.items():
            if not records:
                continue
            first_try = _r2_bad_first(inbox, world, host, records, day_between(rng, *window), bad_rule)
            bad_rule = None
            day = (
                local_day(first_try) + timedelta(days=rng.randint(3, 9))
                if first_try
                else day_between(rng, *window)
            )
            _r2_file(inbox, world, host, year, records, day, first_try)


def _r2_bad_first(
    inbox: Inbox, world: World, host: School, records: list[dict], day: date, rule: str | None
) -> Entry | None:
    """A host's first attempt that breaks `rule` (None: no such attempt)."""
    if rule == "duplicate_key":
        bad, detail = [*records, records[-1]], f"基地编号 {records[-1]['base_code']} twice"
    elif rule == "code_not_in_list":
        bad, detail = (
            [{**records[0], "discipline": "天文学"}, *records[1:]],
            "学科 天文学 is not a discipline",
        )
    else:
        return None
    return _r2_file(inbox, world, host, records[0]["report_year"], bad, day, None, "rejected", rule, detail)


def _r2_file(
    inbox: Inbox,
    world: World,
    host: School,
    year: int,
    records: list[dict],
    day: date,
    resends: Entry | None,
    outcome: str = "accepted",
    rule: str | None = None,
    detail: str | None = None,
) -> Entry:
    rng = inbox.rng
    fmt, encoding = pick_format(rng, {"xlsx": 45, "xls": 20, "csv": 25, "ods": 10})
    style = random_style(rng, fmt)
    stem = rng.choice(
        (
            f"{year}年度领航学科基地报告_{host.name}",
            f"领航学科基地{year}年度报告-{host.short}",
            f"LH_{host.code}_{year}",
        )
    )
    name = f"{stem}{'（修改版）' if resends else ''}.{fmt}"
    sheets = one_sheet(
        fmt,
        "基地报告",
        table("R2", records, style, world, rng),
        rng,
        f"{host.name}{year}年度领航学科基地报告",
    )
    arrived = inbox.arrival(day, resends.arrived_at if resends else None)
    return inbox.add(name, arrived, sheets, "R2", records, encoding, outcome, rule, detail, resends)


def _r2_compiled(
    inbox: Inbox, world: World, year: int, district: str, per_host: dict[School, list[dict]], day: date
) -> None:
    """A district bureau's workbook: 填报说明, then one sheet per host school."""
    rng = inbox.rng
    style = random_style(rng, "xlsx", refs=("code", "both"))
    sheets = [
        instructions("每个依托学校一张工作表。", "状态填写：申报、立项建设、中期评估、通过评估、撤销。")
    ]
    sheets += [
        Sheet(host.short, table("R2", rows, style, world, rng), [[host.name]])
        for host, rows in per_host.items()
        if rows
    ]
    records = [r for rows in per_host.values() for r in rows]
    name = f"{year}年{DISTRICTS[district][0]}领航学科基地年度报告汇总.xlsx"
    inbox.add(name, inbox.arrival(day), sheets, "R2", records)


# --- R3 youth programme rosters ------------------------------------------------------------------

R3_COHORTS = {2024: 90, 2025: 100, 2026: 104}
R3_NO_SCHOOL_MENTOR = {2024: 0.03, 2025: 0.08, 2026: 0.25}  # 中学导师 not yet assigned


def split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` shared over `parts` (the first two weigh double), each at least 1."""
    weights = [2.0 if i < 2 else 1.0 for i in range(parts)]
    shares = [max(1, int(total * w / sum(weights))) for w in weights]
    for _ in range(total - sum(shares)):
        shares[rng.randrange(parts)] += 1
    return shares


@dataclass
class Students:
    """Draws fictional students of a cohort, each with a unique id."""

    rng: random.Random
    juniors: list[School]
    seniors: list[School]
    used: set[str] = field(default_factory=set)

    def draw(self, cohort: int, university: School, mentors: list[str]) -> dict:
        rng = self.rng
        grade = rng.choices((7, 8, 9, 10, 11), (1, 3, 2, 4, 3))[0]
        school = rng.choice(self.juniors if grade <= 9 else self.seniors)
        male = rng.random() < 0.55
        born = date(cohort - grade - 6, 1, 1) + timedelta(days=rng.randint(240, 600))
        student_id = fake_student_id(rng, school.district, born, male)
        while student_id in self.used:
            student_id = fake_student_id(rng, school.district, born, male)
        self.used.add(student_id)
        return {
            "cohort_year": cohort,
            "student_id": student_id,
            "name": person_name(rng),
            "gender": "male" if male else "female",
            "school_code": school.code,
            "grade": grade,
            "host_university": university.code,
            "research_field": rng.choice(RESEARCH_FIELDS),
            "university_mentor": rng.choice(mentors) if cohort < 2026 or rng.random() > 0.05 else None,
            "school_mentor": None if rng.random() < R3_NO_SCHOOL_MENTOR[cohort] else person_name(rng),
            "start_date": None,
            "end_date": None,
            "status": "enrolled",
            "outputs": None,
            "guardian_consent": True,
        }


def r3_outcome(rng: random.Random, record: dict, start: date, sent: date, ended: bool) -> None:
    """Dates and status as of the day the roster is sent: 在读, 结业 or 退出 (blank 结束日期 while 在读)."""
    record["start_date"] = start
    if rng.random() < (0.07 if ended else 0.05 if start.year == 2025 else 0):
        record["status"] = "withdrawn"
        record["end_date"] = min(start + timedelta(days=rng.randint(60, 300)), sent - timedelta(days=1))
    elif ended:
        record["status"], record["end_date"] = "completed", start + timedelta(days=365 - rng.randint(0, 20))
        record["outputs"] = rng.choice(OUTPUTS) if rng.random() < 0.6 else None


def r3_youth_programme(inbox: Inbox, world: World) -> None:
    """One roster per host university per cohort, sent when the programme ends (2024, half of
    2025) or while it runs; one corrected, one rejected then resent, one with English headers."""
    rng = inbox.rng
    hosts = world.universities
    students = Students(rng, world.stable(JUNIOR_TYPES), world.stable(SENIOR_TYPES))
    mentors = {u.code: [person_name(rng) for _ in range(8)] for u in hosts}
    for cohort, size in R3_COHORTS.items():
        for i, (host, count) in enumerate(zip(hosts, split(rng, size, len(hosts)), strict=True)):
            start = date(cohort, 9, 1) + timedelta(days=rng.randint(0, 30))
            ended = cohort == 2024 or (cohort == 2025 and i % 2 == 1)
            if ended:
                sent = day_between(rng, start + timedelta(days=366), start + timedelta(days=400))
            elif cohort == 2025:
                sent = day_between(rng, date(2026, 3, 1), date(2026, 5, 29))
            else:
                sent = day_between(rng, start + timedelta(days=20), date(2026, 11, 25))
            records = [students.draw(cohort, host, mentors[host.code]) for _ in range(count)]
            for record in records:
                r3_outcome(rng, record, start, sent, ended)
            if (cohort, i) == (2025, 0):
                records[-1]["school_mentor"] = None  # named in the correction below
            style = (
                Style(headers="en", labels="en", consent="Y", grades="number")
                if (cohort, i) == (LAST_YEAR, 1)
                else None
            )
            first_try = None
            if (cohort, i) == (LAST_YEAR, 2):  # a guardian said no, another row is blank: resent without them
                refused = {
                    **students.draw(cohort, host, mentors[host.code]),
                    "start_date": start,
                    "guardian_consent": False,
                }
                bad = [*records[:-1], {**records[-1], "guardian_consent": None}, refused]
                first_try = _r3_file(
                    inbox,
                    world,
                    host,
                    cohort,
                    bad,
                    sent - timedelta(days=rng.randint(6, 12)),
                    None,
                    "rejected",
                    "missing_guardian_consent",
                    "监护人同意 否 on one row, blank on another",
                )
            entry = _r3_file(inbox, world, host, cohort, records, sent, style, supersedes=first_try)
            if (cohort, i) == (2025, 0):
                _r3_correction(inbox, world, host, records, entry)


def _r3_correction(inbox: Inbox, world: World, host: School, records: list[dict], original: Entry) -> None:
    """The host re-sends its roster: a student withdrew and a missing school mentor is named."""
    rng = inbox.rng
    corrected = [dict(r) for r in records]
    day = local_day(original) + timedelta(days=rng.randint(20, 40))
    leaver = next(r for r in corrected if r["status"] == "enrolled")
    leaver["status"], leaver["end_date"] = "withdrawn", day - timedelta(days=rng.randint(1, 10))
    corrected[-1]["school_mentor"] = person_name(rng)
    _r3_file(inbox, world, host, 2025, corrected, day, None, supersedes=original, suffix="（更正）")


def _r3_file(
    inbox: Inbox,
    world: World,
    host: School,
    cohort: int,
    records: list[dict],
    day: date,
    style: Style | None,
    outcome: str = "accepted",
    rule: str | None = None,
    detail: str | None = None,
    supersedes: Entry | None = None,
    suffix: str = "",
) -> Entry:
    rng = inbox.rng
    fmt, encoding = (
        ("xlsx", "utf-8") if style else pick_format(rng, {"xlsx": 50, "csv": 30, "xls": 15, "ods": 5})
    )
    style = style or random_style(rng, fmt)
    english = style.headers == "en"
    stem = (
        f"yip_roster_{cohort}_{host.code}"
        if english
        else rng.choice(
            (
                f"R3_{host.name}_{cohort}届学员名册",
                f"{host.name}{cohort}年青少年科创计划学员名册",
                f"{cohort}届科创计划名册-{host.short}",
            )
        )
    )
    suffix = suffix or ("_v2" if supersedes else "")
    sheets = one_sheet(
        fmt,
        "roster" if english else "学员名册",
        table("R3", records, style, world, rng),
        rng,
        None if english else f"{host.name}{cohort}届青少年科创计划学员名册",
    )
    arrived = inbox.arrival(day, supersedes.arrived_at if supersedes else None)
    return inbox.add(
        f"{stem}{suffix}.{fmt}", arrived, sheets, "R3", records, encoding, outcome, rule, detail, supersedes
    )


# --- R4 alliance members -------------------------------------------------------------------------


def r4_members(rng: random.Random, world: World) -> tuple[list[dict], list[dict], dict]:
    """~60 founding members (universities, institutes, enterprises, schools of 14 districts), four
    later joiners, and the founding enterprise that leaves."""
    districts = [d for d in DISTRICTS if d not in ALLIANCE_ABSENT]
    schools = [
        s
        for s in world.stable(tuple(MEMBER_TYPE))
        if s.district in districts and s.school_type != "higher_education"
    ]
    chosen = [rng.choice(found) for d in districts if (found := [s for s in schools if s.district == d])]
    taken = {s.code for s in chosen}
    chosen += rng.sample(
        [s for s in schools if s.code not in taken], 60 - len(world.universities) - 22 - len(chosen) + 1
    )
    enterprises = rng.sample(ENTERPRISE_WORDS, 16)

    def member(code: str, name: str, kind: str, district: str, joined: date, lead: bool = False) -> dict:
        return {
            "member_code": code,
            "member_name": name,
            "member_type": kind,
            "district_code": district,
            "joined_date": joined,
            "left_date": None,
            "is_lead": lead or None,
        }

    def organisation(name: str, kind: str, joined: date) -> dict:
        district = rng.choice(districts)
        return member(
            fake_credit_code(rng, ("12" if kind == "research_institute" else "91") + district),
            name,
            kind,
            district,
            joined,
        )

    def school(s: School, joined: date) -> dict:
        return member(s.code, s.name, MEMBER_TYPE[s.school_type], s.district, joined)

    def later() -> date:
        return day_between(rng, date(2026, 4, 1), date(2026, 9, 10))

    founding = [
        member(u.code, u.name, "university", u.district, ALLIANCE_FOUNDED, lead=i < 2)
        for i, u in enumerate(world.universities)
    ]
    founding += [organisation(n, "research_institute", ALLIANCE_FOUNDED) for n in INSTITUTES[:8]]
    founding += [
        organisation(f"天津演示{w}科技有限公司", "enterprise", ALLIANCE_FOUNDED) for w in enterprises[:14]
    ]
    founding += [school(s, ALLIANCE_FOUNDED) for s in chosen[:-1]]
    joiners = [organisation(f"天津演示{w}科技有限公司", "enterprise", later()) for w in enterprises[14:]]
    joiners += [organisation(INSTITUTES[8], "research_institute", later()), school(chosen[-1], later())]
    leaver = rng.choice([m for m in founding if m["member_type"] == "enterprise"])
    return founding, joiners, {**leaver, "left_date": day_between(rng, date(2026, 7, 15), date(2026, 8, 31))}


def r4_alliance(inbox: Inbox, world: World) -> None:
    """The secretariat's founding register (.xlsx, district names) and a full update (CSV, codes)."""
    rng = inbox.rng
    founding, joiners, leaver = r4_members(rng, world)
    style = Style(dates="excel", districts="name")
    sheets = [
        Sheet(
            "成员名册",
            table("R4", founding, style, world, rng),
            [["天津市大中小学科技教育联盟成员名册"], ["成立日期：2026年2月3日"]],
        )
    ]
    inbox.add(
        "天津市大中小学科技教育联盟成员名册（成立）.xlsx",
        inbox.arrival(date(2026, 2, 10)),
        sheets,
        "R4",
        founding,
    )
    update = [leaver if m["member_code"] == leaver["member_code"] else m for m in founding] + joiners
    sheets = [Sheet("成员名册", table("R4", update, Style(headers="decorated", dates="cn"), world, rng))]
    inbox.add(
        "联盟成员名册更新_202609.csv", inbox.arrival(date(2026, 9, 21)), sheets, "R4", update, "utf-8-sig"
    )


# --- R5 annual reports ---------------------------------------------------------------------------


@dataclass
class Profile:
    """What stays with a school from year to year."""

    participation: float
    vice_principal: float  # the school has a 科学副校长 once the year's share exceeds this
    hours: int


def r5_record(
    rng: random.Random, school: School, year: int, first_year: int, profile: Profile, vp_share: float
) -> dict:
    age = year - first_year
    enrolled = max(20, round(school.enrolled * (1 + 0.02 * age + rng.uniform(-0.03, 0.03))))
    part = min(
        enrolled, round(enrolled * min(1.0, profile.participation + 0.03 * age + rng.uniform(-0.04, 0.04)))
    )
    teachers = max(1, round(enrolled / rng.uniform(120, 260)))
    clubs = rng.randint(1, 4) + enrolled // 400
    return {
        "school_code": school.code,
        "report_year": year,
        "enrolled_students": enrolled,
        "science_hours_planned": profile.hours,
        "science_hours_delivered": round(profile.hours * rng.uniform(0.82, 1)),
        "science_vice_principals": 0
        if profile.vice_principal >= vp_share
        else 1 + (profile.vice_principal < 0.1),
        "science_teachers": teachers,
        "stem_master_science_teachers": rng.randint(0, teachers),
        "labs": rng.randint(1, 4) + enrolled // 600,
        "maker_spaces": rng.randint(0, 3),
        "st_clubs": clubs,
        "st_club_members": min(part, clubs * rng.randint(12, 40)),
        "students_in_st_activities": part,
        "afterschool_st_programmes": rng.randint(0, 10),
        "awards_city_or_above": rng.randint(0, 6)
        + (rng.randint(0, 20) if school.school_type in SENIOR_TYPES else 0),
        "teacher_st_training_hours": rng.randint(40, 800) / 2,
    }


# position of the year from the end -> the special schools of that year
R5_SPECIALS = {
    -3: ("negative_count",),
    -2: ("part_exceeds_whole", "correction"),
    -1: ("value_far_from_last_year",),
}


@dataclass
class R5Year:
    """Who sends what for one year."""

    year: int
    window: tuple[date, date]
    by_district: dict[str, list[dict]]  # compiled by the district bureau
    own: list[dict]  # sent by the school itself
    specials: dict[str, str]  # rule -> school code


def r5_annual_reports(inbox: Inbox, world: World) -> None:
    """Every school owing a report: most through the district bureau, ~1% on their own.
    Completeness ~93% the first year, ~97% later, ~85% for 2026 (some districts not sent yet);
    科学副校长 share rising from ~70% to ~90%."""
    rng, years = inbox.rng, world.years
    profiles: dict[str, Profile] = {}
    last_enrolled: dict[str, int] = {}  # of last year's senders
    used: set[str] = set()  # schools already given a special role
    for i, year in enumerate(years):
        senders, late = r5_senders(rng, world, year, first=i == 0)
        vp_share = 0.70 + 0.20 * i / (len(years) - 1)
        records = {}
        for s in senders:
            if s.code not in profiles:
                hours = 68 if s.school_type == "primary" else 102
                profiles[s.code] = Profile(
                    rng.uniform(0.25, 0.85), rng.random(), rng.randint(hours, hours * 2)
                )
            records[s.code] = r5_record(rng, s, year, years[0], profiles[s.code], vp_share)
        eligible = [s.code for s in senders if s.code not in world.renamed and s.code not in used]
        specials = {}
        for rule in R5_SPECIALS.get(i - len(years), ()):
            pool = [c for c in eligible if rule != "value_far_from_last_year" or c in last_enrolled]
            specials[rule] = rng.choice([c for c in pool if c not in used])
            used.add(specials[rule])
        if "value_far_from_last_year" in specials:
            code = specials["value_far_from_last_year"]
            enrolled = last_enrolled[code] * 3
            part = min(enrolled, records[code]["students_in_st_activities"] * 3)
            records[code] = {
                **records[code],
                "enrolled_students": enrolled,
                "students_in_st_activities": part,
            }
        own = set(rng.sample(eligible, max(3, len(eligible) // 100))) | set(specials.values())
        own.discard(specials.get("correction"))
        by_district: dict[str, list[dict]] = {}
        for s in senders:
            if s.code not in own:
                by_district.setdefault(s.district, []).append(records[s.code])
        window = (
            (date(year, 10, 15), date(year, 12, 18))
            if year < LAST_YEAR
            else (date(year, 9, 21), date(year, 11, 25))
        )
        own_records = [r for c, r in records.items() if c in own]
        plan = R5Year(year, window, dict(sorted(by_district.items())), own_records, specials)
        _r5_send(inbox, world, plan, sorted(set(DISTRICTS) - late))
        last_enrolled = {c: r["enrolled_students"] for c, r in records.items()}


def r5_senders(rng: random.Random, world: World, year: int, first: bool) -> tuple[list[School], set[str]]:
    """The schools whose report for `year` arrives (exactly the year's share of those owing one),
    and the districts whose 2026 compilation is still missing."""
    owing = [s for s in world.schools if s.owes_r5(year)]
    late = r5_late_districts(rng, owing) if year == LAST_YEAR else set()
    rate = 0.93 if first else 0.95 if year == LAST_YEAR else 0.97
    candidates = [s for s in owing if s.district not in late]
    chosen = set(rng.sample(range(len(candidates)), round(rate * len(candidates))))
    return [s for k, s in enumerate(candidates) if k in chosen], late


def r5_late_districts(rng: random.Random, owing: list[School]) -> set[str]:
    """Districts whose 2026 compilation has not arrived by the as-of date: 10-15% of the schools."""
    sizes = Counter(s.district for s in owing)
    late: set[str] = set()
    for district in rng.sample(sorted(sizes), len(sizes)):
        if sum(sizes[d] for d in late) + sizes[district] <= 0.15 * len(owing):
            late.add(district)
        if sum(sizes[d] for d in late) >= 0.10 * len(owing):
            break
    return late


def _r5_send(inbox: Inbox, world: World, plan: R5Year, on_time: list[str]) -> None:
    """The year's files: district workbooks (one correction, one resent as a byte copy), the
    schools' own files (two rejected then resent, one with a warning), an unknown school."""
    rng, specials = inbox.rng, plan.specials
    small = [d for d, records in plan.by_district.items() if len(records) <= R5_SHEET_PER_SCHOOL]
    sheet_per_school = rng.choice(small) if small else None
    for district, records in plan.by_district.items():
        chunks = [records[i : i + R5_FILE_SCHOOLS] for i in range(0, len(records), R5_FILE_SCHOOLS)]
        for k, chunk in enumerate(chunks, 1):
            entry = _r5_compiled(
                inbox,
                world,
                plan.year,
                district,
                chunk,
                f"（第{k}批）" if len(chunks) > 1 else "",
                day_between(rng, *plan.window),
                district == sheet_per_school,
            )
            corrected = next((r for r in chunk if r["school_code"] == specials.get("correction")), None)
            if corrected:
                _r5_correction(inbox, world, corrected, entry)
    for record in plan.own:
        school = world.by_code[record["school_code"]]
        rule = next((r for r, code in specials.items() if code == school.code), None)
        first_try = _r5_bad_first(inbox, world, school, record, rule, plan.window)
        day = (
            local_day(first_try) + timedelta(days=rng.randint(5, 15))
            if first_try
            else day_between(rng, *plan.window)
        )
        warning = rule == "value_far_from_last_year"
        _r5_own(
            inbox,
            world,
            school,
            record,
            day,
            supersedes=first_try,
            rule=rule if warning else None,
            detail=f"在校生数 {record['enrolled_students']}: three times last year's" if warning else None,
        )
    if plan.year == LAST_YEAR:
        ghost = f"天津市{DISTRICTS[rng.choice(on_time)][0]}演示未来实验学校"
        _r5_own(
            inbox,
            world,
            None,
            {**plan.own[0], "school_code": None, "school_name": ghost},
            day_between(rng, *plan.window),
            "rejected",
            "unknown_school",
            f"学校名称 {ghost} is not in R0",
            Style(school_ref="name"),
            ghost,
        )


def _r5_bad_first(
    inbox: Inbox, world: World, school: School, record: dict, rule: str | None, window: tuple[date, date]
) -> Entry | None:
    """A school's first attempt that breaks `rule` (None: no such attempt); the fixed file follows."""
    rng = inbox.rng
    if rule == "negative_count":
        labs = -rng.randint(1, 3)
        bad, detail = {**record, "labs": labs}, f"实验室数 {labs}"
    elif rule == "part_exceeds_whole":
        part = record["enrolled_students"] + rng.randint(10, 200)
        bad = {**record, "students_in_st_activities": part}
        detail = f"参加科技活动学生数 {part} > 在校生数 {record['enrolled_students']}"
    else:
        return None
    return _r5_own(
        inbox,
        world,
        school,
        bad,
        day_between(rng, window[0], window[1] - timedelta(days=16)),
        "rejected",
        rule,
        detail,
        Style(),
    )


def _r5_correction(inbox: Inbox, world: World, original: dict, compiled: Entry) -> None:
    """Early next year the school corrects what its district sent: one more 科学副校长, fewer participants."""
    rng = inbox.rng
    fixed = {
        **original,
        "science_vice_principals": original["science_vice_principals"] + 1,
        "students_in_st_activities": round(original["students_in_st_activities"] * 0.9),
    }
    day = date(local_day(compiled).year + 1, 1, 10) + timedelta(days=rng.randint(0, 40))
    _r5_own(
        inbox,
        world,
        world.by_code[original["school_code"]],
        fixed,
        day,
        supersedes=compiled,
        suffix="（更正）",
    )


def _r5_own(
    inbox: Inbox,
    world: World,
    school: School | None,
    record: dict,
    day: date,
    outcome: str = "accepted",
    rule: str | None = None,
    detail: str | None = None,
    style: Style | None = None,
    name: str | None = None,
    supersedes: Entry | None = None,
    suffix: str = "",
) -> Entry:
    """A school sending its own annual report (one row)."""
    rng = inbox.rng
    year = record["report_year"]
    fmt, encoding = pick_format(rng, {"csv": 50, "xlsx": 35, "xls": 15})
    style = style or random_style(rng, fmt, headers=("zh", "decorated", "alias", "en"))
    name = name or rng.choice((school.name, school.short, school.code))
    stem = rng.choice(
        (f"{year}年科技教育年报-{name}", f"{name}_科技教育年报_{year}", f"{name}_{year}年度科技教育年报")
    )
    suffix = suffix or ("（修改）" if supersedes else "")
    sheets = one_sheet(
        fmt,
        "年报",
        table("R5", [record], style, world, rng),
        rng,
        f"{school.name if school else name}{year}年科技教育年报",
    )
    arrived = inbox.arrival(day, supersedes.arrived_at if supersedes else None)
    return inbox.add(
        f"{stem}{suffix}.{fmt}", arrived, sheets, "R5", [record], encoding, outcome, rule, detail, supersedes
    )


def _r5_compiled(
    inbox: Inbox,
    world: World,
    year: int,
    district: str,
    records: list[dict],
    part: str,
    day: date,
    sheet_per_school: bool,
) -> Entry:
    """A district bureau's workbook: one sheet of all schools with a 合计 row, or one sheet per school."""
    rng, dname = inbox.rng, DISTRICTS[district][0]
    fmt = rng.choices(("xlsx", "xls", "ods"), (65, 20, 15))[0]
    fmt = "xlsx" if fmt == "ods" and len(records) > 300 else fmt
    style = random_style(rng, fmt, refs=("code", "both"))
    sheets = (
        [
            instructions(
                "本表由区教育局汇总辖区内中小学校填报数据。",
                "学校标识码为10位数字，请勿修改。",
                "带*号的为必填项。",
                "参加科技活动学生数不得大于在校生数。",
            )
        ]
        if rng.random() < 0.7
        else []
    )
    if sheet_per_school:
        for r in records:
            school = world.by_code[r["school_code"]]
            sheets.append(
                Sheet(
                    school.short if rng.random() < 0.7 else school.code,
                    table("R5", [r], style, world, rng),
                    [[f"{school.name}{year}年科技教育年报"]],
                    contact_footer(rng),
                )
            )
    else:
        titles = [[f"天津市{dname}{year}年学校科技教育年报汇总{part}"]]
        if rng.random() < 0.5:
            titles.append([f"填报单位（盖章）：天津市{dname}教育局", None, None, "单位：人、课时、个"])
        rows = table("R5", records, style, world, rng, total=rng.choice(("合计", "合计", "总计")))
        footer = contact_footer(rng) + [[f"填报日期：{day.year}年{day.month}月{day.day}日"]]
        sheets.append(Sheet("汇总", rows, titles, footer))
    stem = rng.choice(
        (
            f"{year}年{dname}学校科技教育年报汇总",
            f"{dname}教育局_{year}年度中小学科技教育年报",
            f"R5_{year}_{dname}",
        )
    )
    return inbox.add(f"{stem}{part}.{fmt}", inbox.arrival(day), sheets, "R5", records)


# --- files that are not reports, and a duplicate ------------------------------------------------

NOTICE = """关于报送{year}年学校科技教育年报的通知

各区教育局：
    请于{year}年12月20日前，将辖区内中小学校{year}年科技教育年报汇总后报送市教委。
    年报模板见附件，带*号的为必填项。

天津市教育委员会（演示）
{year}年9月8日
"""


def not_reports(inbox: Inbox, world: World) -> None:
    """A notice in plain text, an empty workbook, a corrupt .xlsx (random bytes), and a byte
    copy of a district workbook sent again under another name."""
    rng = inbox.rng
    inbox.add_bytes(
        "关于报送2025年学校科技教育年报的通知.txt",
        inbox.arrival(date(2025, 9, 8)),
        NOTICE.format(year=2025).encode("gb18030"),
        "plain text notice, not a spreadsheet",
    )
    empty = inbox.folder / "新建 Microsoft Excel 工作表.xlsx"
    write_workbook(empty, [Sheet("Sheet1", [])])
    inbox.add_bytes(empty.name, inbox.arrival(date(2025, 11, 12)), empty.read_bytes(), "empty workbook")
    inbox.add_bytes(
        "2026年宝坻区学校科技教育年报（上传中断）.xlsx",
        inbox.arrival(date(2026, 11, 3)),
        rng.randbytes(4096),
        "corrupt file: random bytes",
    )
    compiled = [
        e
        for e in inbox.entries
        if e.report == "R5"
        and e.rows > 1
        and e.outcome == "accepted"
        and local_day(e).year == world.years[-2]
    ]
    original = min(compiled, key=lambda e: (e.format != "xlsx", e.arrived_at))
    copy = Path(original.file)
    inbox.add_copy(
        original,
        f"{copy.stem}(1){copy.suffix}",
        inbox.arrival(local_day(original) + timedelta(days=rng.randint(1, 3))),
    )


# --- ground truth ------------------------------------------------------------------------------


def share(numerator: int, denominator: int) -> dict:
    value = round(100 * numerator / denominator, 2) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator}


def indicators(in_force: dict[str, dict], years: list[int]) -> dict[str, dict[str, dict]]:
    """The city's indicators per year over the accepted data in force."""
    rows = {r: {key: found for key, (_, found) in table_.items()} for r, table_ in in_force.items()}
    out: dict[str, dict[str, dict]] = {}

    def put(indicator: str, year: int, value: dict) -> None:
        out.setdefault(indicator, {})[str(year)] = value

    for year in years:
        start, end = date(year, 1, 1), date(year, 12, 31)
        owing = {
            code
            for (code,), (r,) in rows["R0"].items()
            if r.school_type not in NO_R5_TYPES
            and (r.valid_from is None or r.valid_from <= end)
            and (r.valid_to is None or r.valid_to >= start)
        }
        named = 0
        for events in rows["R1"].values():
            state = False
            for e in sorted(events, key=lambda e: e.event_date):
                if e.event_date <= end and e.stage in ("named", "withdrawn"):
                    state = e.stage == "named"
            named += state
        put("SHS_NAMED", year, {"value": named})
        latest: dict[str, tuple[int, str]] = {}
        for (base, report_year), (r,) in rows["R2"].items():
            if report_year <= year and report_year >= latest.get(base, (0, ""))[0]:
                latest[base] = (report_year, r.status)
        active = ("established", "midterm_reviewed", "accredited")
        put("FLB_ACTIVE", year, {"value": sum(status in active for _, status in latest.values())})
        cohort = [r for (_, c), found in rows["R3"].items() if c == year for r in found]
        put("YIP_ENROLLED", year, {"value": len(cohort)})
        put(
            "YIP_DUAL_MENTOR",
            year,
            share(sum(bool(r.university_mentor and r.school_mentor) for r in cohort), len(cohort)),
        )
        ended = [r for r in cohort if r.status in ("completed", "withdrawn")]
        put("YIP_COMPLETION", year, share(sum(r.status == "completed" for r in ended), len(ended)))
        members = [
            r
            for (r,) in rows["R4"].values()
            if r.joined_date <= end and not (r.left_date and r.left_date <= end)
        ]
        put("ALLIANCE_MEMBERS", year, {"value": len(members)})
        put("ALLIANCE_DISTRICTS", year, {"value": len({r.district_code for r in members})})
        annual = {code: r for (code, y), (r,) in rows["R5"].items() if y == year}
        put(
            "STE_VICE_PRINCIPAL",
            year,
            share(sum(r.science_vice_principals >= 1 for r in annual.values()), len(annual)),
        )
        put(
            "STE_PARTICIPATION",
            year,
            share(
                sum(r.students_in_st_activities for r in annual.values()),
                sum(r.enrolled_students for r in annual.values()),
            ),
        )
        put("REPORTING_COMPLETENESS", year, share(len(owing & annual.keys()), len(owing)))
    return out


def expected(inbox: Inbox, world: World, parameters: dict) -> dict:
    entries = sorted(inbox.entries, key=lambda e: e.arrived_at)
    by_format = Counter(f"csv:{e.encoding}" if e.format == "csv" else e.format for e in entries)
    rows_by_report = {
        r: {
            "in_files": sum(e.rows for e in entries if e.report == r),
            "accepted": sum(e.rows for e in entries if e.report == r and e.outcome == "accepted"),
            "in_force": sum(len(found) for _, found in inbox.in_force[r].values()),
        }
        for r in REPORT_TYPES
    }
    return {
        "parameters": parameters,
        "indicators": {CITY: indicators(inbox.in_force, world.years)},
        "counts": {
            "files": len(entries),
            "files_by_format": dict(sorted(by_format.items())),
            "files_by_outcome": dict(Counter(e.outcome for e in entries)),
            "rows_by_report": rows_by_report,
            "schools_owing_r5": {str(y): sum(s.owes_r5(y) for s in world.schools) for y in world.years},
        },
        "bad_files": [
            {"file": e.file, "report": e.report, "rule": e.rule, "detail": e.detail}
            for e in entries
            if e.outcome == "rejected"
        ],
        "warning_files": [
            {"file": e.file, "report": e.report, "rule": e.rule, "detail": e.detail}
            for e in entries
            if e.outcome == "accepted" and e.rule
        ],
        "not_a_report": [
            {"file": e.file, "reason": e.detail} for e in entries if e.outcome == "not_a_report"
        ],
        "duplicates": [{"file": e.file, "same_as": e.detail} for e in entries if e.outcome == "duplicate"],
        "files": [e.as_json() for e in entries],
    }


# --- public API ----------------------------------------------------------------------------------


def generate(out_dir: Path, schools: int = 1500, years: int = 3, seed: int = 2030) -> dict:
    """Write the demo inbox, arrivals.csv and expected.json under `out_dir`; return expected.json."""
    if years < len(PROGRAMME_YEARS):
        raise ValueError(f"years must be at least {len(PROGRAMME_YEARS)}: the programmes run 2024-2026")
    if schools < MIN_SCHOOLS:
        raise ValueError(f"schools must be at least {MIN_SCHOOLS}")
    out_dir = Path(out_dir)
    folder = _fresh_inbox(out_dir)
    rng = random.Random(seed)
    report_years = list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
    world = build_world(rng, schools, report_years)
    inbox = Inbox(folder, rng)
    for storyline in (
        r0_registry,
        r1_science_high_schools,
        r2_flagship_bases,
        r3_youth_programme,
        r4_alliance,
        r5_annual_reports,
    ):
        storyline(inbox, world)
    not_reports(inbox, world)
    truth = expected(
        inbox,
        world,
        {
            "schools": schools,
            "years": years,
            "seed": seed,
            "report_years": report_years,
            "as_of": AS_OF.isoformat(),
        },
    )
    with (out_dir / "arrivals.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "arrived_at"])
        writer.writerows([e["file"], e["arrived_at"]] for e in truth["files"])
    (out_dir / "expected.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return truth


def _fresh_inbox(out_dir: Path) -> Path:
    """An empty out_dir/inbox; a previous demo there is replaced, anything else is left alone."""
    folder = out_dir / "inbox"
    if folder.exists() and any(folder.iterdir()):
        if not (out_dir / "arrivals.csv").exists():
            raise FileExistsError(f"{folder} holds files that are not a generated demo; not overwriting")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_arrivals(demo_dir: Path) -> dict[str, datetime]:
    with (Path(demo_dir) / "arrivals.csv").open(encoding="utf-8", newline="") as f:
        return {row["file"]: datetime.fromisoformat(row["arrived_at"]) for row in csv.DictReader(f)}


def stage(demo_dir: Path, inbox: Path) -> int:
    """Copy demo_dir/inbox/* into `inbox`, each with its arrival time from arrivals.csv as mtime."""
    arrivals = read_arrivals(demo_dir)
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in (Path(demo_dir) / "inbox").iterdir() if p.is_file())
    missing = [p.name for p in files if p.name not in arrivals]
    if missing:
        raise ValueError(f"files without an arrival time in arrivals.csv: {missing[:5]}")
    for source in files:
        target = inbox / source.name
        shutil.copyfile(source, target)
        stamp = arrivals[source.name].timestamp()
        os.utime(target, (stamp, stamp))
    return len(files)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the deterministic demo inbox (演示数据).")
    parser.add_argument(
        "--out", type=Path, default=Path("seeds/demo"), help="output folder (default seeds/demo)"
    )
    parser.add_argument("--schools", type=int, default=1500, help="schools in the first registry file")
    parser.add_argument("--years", type=int, default=3, help="report years, ending 2026 (at least 3)")
    parser.add_argument("--seed", type=int, default=2030)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    truth = generate(args.out, args.schools, args.years, args.seed)
    size = sum(p.stat().st_size for p in (args.out / "inbox").iterdir())
    print(
        f"{truth['counts']['files']} files, {size:,} bytes in {args.out / 'inbox'} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    print(json.dumps(truth["counts"]["files_by_outcome"], ensure_ascii=False))


if __name__ == "__main__":
    main()
