"""R5, the schools' annual reports: district workbooks and schools' own files."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.demo.inbox import Entry, Inbox, local_day
from pipelines.demo.render import (
    Style,
    contact_footer,
    instructions,
    one_sheet,
    pick_format,
    random_style,
    table,
)
from pipelines.demo.world import (
    DISTRICTS,
    LAST_YEAR,
    SENIOR_TYPES,
    School,
    World,
    day_between,
)
from pipelines.demo.writers import Sheet

R5_FILE_SCHOOLS = 500  # a district bureau compiles at most this many schools into one workbook
R5_SHEET_PER_SCHOOL = 120  # each year one district this small sends one sheet per school


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
