"""R3, the youth programme: one roster per host university and cohort."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipelines.demo.inbox import Entry, Inbox, local_day
from pipelines.demo.render import Style, one_sheet, pick_format, random_style, table
from pipelines.demo.world import (
    JUNIOR_TYPES,
    LAST_YEAR,
    SENIOR_TYPES,
    School,
    World,
    day_between,
    fake_student_id,
    person_name,
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
