"""R1, science high schools: each candidate's stage history, sent when a stage changes."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from pipelines.demo.inbox import BEIJING, Entry, Inbox, local_day
from pipelines.demo.render import one_sheet, pick_format, random_style, table
from pipelines.demo.world import (
    AS_OF,
    SENIOR_TYPES,
    School,
    World,
    day_between,
)

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
