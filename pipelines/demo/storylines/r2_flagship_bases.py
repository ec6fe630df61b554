"""R2, flagship discipline bases: each host school's yearly report of its bases."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.demo.inbox import Entry, Inbox, local_day
from pipelines.demo.render import instructions, one_sheet, pick_format, random_style, table
from pipelines.demo.world import (
    DISTRICTS,
    ENTERPRISE_WORDS,
    LAST_YEAR,
    PROGRAMME_YEARS,
    SENIOR_TYPES,
    School,
    World,
    day_between,
)
from pipelines.demo.writers import Sheet
from pipelines.intake.schema import CODE_LISTS


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
