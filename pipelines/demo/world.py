"""The demo's world: districts, schools and universities, and the school registry's history.

Every school code ever issued is a `School`; `build_world` draws the schools of the first
registry file (R0) and one update per later year: new schools, closures, (2025) a category
change under a new code, (2026) new enrolments. The storylines draw from this world.

Everything is fictional: every school, university, institute and company name contains 演示
("demo"); student ids and credit codes carry a deliberately wrong check character, so none can
be a real person's or company's.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from pipelines.settings import SEEDS_DIR

LAST_YEAR = 2026
AS_OF = date(2026, 11, 30)
ALLIANCE_FOUNDED = date(2026, 2, 3)
PROGRAMME_YEARS = (2024, 2025, 2026)  # R1-R4 run from 2024; more `years` only add R0/R5 history
MIN_SCHOOLS = 100


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


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董潘袁"
    "蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆范金"
)
GIVEN = (
    "子涵浩然欣怡梓萱宇轩思远一诺雨桐俊杰佳明若曦博文诗天佑"
    "嘉锦程语皓晨阳昊泽睿哲瑞琪瑶雯婷宁静安航书悦可心乐知行"
)


CN_DIGITS = "零一二三四五六七八九"


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
