"""R4, the alliance: the secretariat's founding register and a full update."""

from __future__ import annotations

import random
from datetime import date

from pipelines.demo.inbox import Inbox
from pipelines.demo.render import Style, table
from pipelines.demo.world import (
    ALLIANCE_ABSENT,
    ALLIANCE_FOUNDED,
    DISTRICTS,
    ENTERPRISE_WORDS,
    INSTITUTES,
    School,
    World,
    day_between,
    fake_credit_code,
)
from pipelines.demo.writers import Sheet

MEMBER_TYPE = {
    "primary": "primary",
    "junior_secondary": "junior",
    "nine_year": "junior",
    "senior_secondary": "senior",
    "complete_secondary": "complete_secondary",
    "twelve_year": "complete_secondary",
    "higher_education": "university",
}


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
