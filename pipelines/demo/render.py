"""Rendering: canonical records -> the rows of a file, as one office writes them.

A `Style` is the choices one file makes (header variant, date form, number quirks, how schools,
yes and grades are written); `table` turns records into a header row and data rows (and a
合计 row), `one_sheet` and `instructions` make the `Sheet`s that `writers.write_workbook` lays
out in every format.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from pipelines.demo.world import DISTRICTS, SURNAMES, World, cn_number
from pipelines.demo.writers import Sheet
from pipelines.intake.schema import CODE_LISTS, GRADE_WORDS, REPORT_TYPES, Column, code_label

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


def contact_footer(rng: random.Random) -> list[list]:
    """填表人/联系电话 note; 022-0… is not a dialable Tianjin number."""
    return [[f"填表人：{rng.choice(SURNAMES)}老师  联系电话：022-0{rng.randint(0, 9999999):07d}"]]


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
