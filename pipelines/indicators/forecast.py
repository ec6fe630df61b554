"""SHS_NAMED, looking forward: how many candidates now in each stage can be expected to be named
by the deadline, from the stage-to-stage moves observed so far (shared/spec/indicators.md:
"the candidates now in each stage, and the observed time between stages").

Method (also written into every output row, zh and en):

1. Observed moves. For every school and every candidate stage s (申报, 区推荐, 市立项, 中期评估) it
   entered (first entry since any withdrawal), the next decisive event is looked up: a later
   stage of higher rank (moved on, after d days; a skipped stage is passed through at once) or
   退出 (withdrew); 整改 in between only delays. Without one yet, the school is still in s
   (censored, left out of the rate).
2. Per stage: rate p_s = moved on / (moved on + withdrew), time d_s = median days to move on. A
   stage entered but with no move observed yet borrows the rate and median of all stages pooled
   (flagged); a stage no school has entered is skipped (rate 1, no time).
3. Chain to 验收命名: P_s = p_s × … × p_中期评估, D_s = d_s + … + d_中期评估.
4. A candidate whose furthest stage is s, entered on e, is expected named on e + D_s (at once if
   that is already past) with probability P_s; it adds P_s to the estimate when that date is
   on or before 31 December of the deadline year.
5. Expected named by the deadline = named now + the sum over candidates. Beside it, the linear
   extrapolation of SHS_NAMED (baseline year to latest year, read at the deadline year).
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from pipelines.indicators.progress import linear_projection
from pipelines.reference.codes import CITY
from warehouse import newest_arrival, transaction

CANDIDATE_STAGES = ("applied", "district_recommended", "city_approved", "midterm_reviewed")
STAGE_RANK = {"applied": 1, "district_recommended": 2, "city_approved": 3, "midterm_reviewed": 4, "named": 5}

METHOD_ZH = (
    "前瞻估计：对每所学校进入的每个候选阶段（申报、区推荐、市立项、中期评估；退出后重新计），找其后第一个决定性事件："
    "更高阶段（视为晋级，记所用天数；跳过的阶段视为瞬间通过）或退出；其间的整改只算耽搁；尚无者视为仍在该阶段，不计入比率。"
    "各阶段晋级率 = 晋级数 ÷（晋级数 + 退出数），用时取晋级天数中位数；某阶段已有学校进入但尚无晋级记录时借用全部阶段合并的比率和中位数，无任何学校进入的阶段视为跳过。"
    "自阶段 s 至验收命名的概率为其后各阶段晋级率之积，用时为各中位数之和。最远阶段为 s、于 e 日进入的候选校，预计于 e 加该用时"
    "（已过则视为即时）命名，若不晚于目标年度12月31日，则计入其概率。预计命名数 = 现已命名数 + 候选校贡献之和；"
    "并列给出按基线年至最新年直线外推至目标年度的数值。"
)
METHOD_EN = (
    "Forward-looking estimate: for every school and every candidate stage it entered (applied, district "
    "recommended, city approved, mid-term reviewed; afresh after a withdrawal), the next decisive event is a higher "
    "stage (moved on, after so many days; a skipped stage is passed through at once) or a withdrawal; rectification "
    "in between only delays; without one the school is still in the stage and left out of the rate. Per stage: "
    "rate = moved on / (moved on + withdrew), time = median days to move on; a stage entered but with no move "
    "observed yet borrows the pooled rate and median of all stages; a stage no school entered is skipped. From "
    "stage s to named: the product of the rates and the sum of the medians from s on. A candidate whose furthest "
    "stage is s, entered on e, is expected named on e + that time (at once if already past) and adds its "
    "probability when that is on or before 31 December of the deadline year. Expected named = named now + the "
    "candidates' sum; shown beside the straight line from the baseline year through the latest year, read at the "
    "deadline year."
)


@dataclass(frozen=True)
class Event:
    school_code: str
    stage: str
    event_date: date


@dataclass(frozen=True)
class Candidate:
    school_code: str
    stage: str  # furthest candidate stage since any withdrawal
    entered_date: date


@dataclass
class StageMoves:
    stage: str
    transitions: int = 0
    withdrawals: int = 0
    censored: int = 0
    days: tuple[int, ...] = ()


@dataclass(frozen=True)
class StageRate:
    stage: str
    rate: float | None
    median_days: float | None
    is_pooled: bool


def observe_moves(events: list[Event]) -> dict[str, StageMoves]:
    """Moves out of each candidate stage, observed over every school's history."""
    moves = {s: StageMoves(s) for s in CANDIDATE_STAGES}
    days: dict[str, list[int]] = {s: [] for s in CANDIDATE_STAGES}
    by_school: dict[str, list[Event]] = {}
    for e in events:
        by_school.setdefault(e.school_code, []).append(e)
    order = {**STAGE_RANK, "rectification": 6, "withdrawn": 7}
    for history in by_school.values():
        history.sort(key=lambda e: (e.event_date, order[e.stage]))
        seen: set[tuple[int, str]] = set()
        episode = 0
        for i, e in enumerate(history):
            if e.stage == "withdrawn":
                episode += 1
                continue
            if e.stage not in CANDIDATE_STAGES or (episode, e.stage) in seen:
                continue
            seen.add((episode, e.stage))
            outcome = None
            for later in history[i + 1:]:
                if later.stage == "withdrawn":
                    outcome = ("withdrew", 0)
                    break
                if STAGE_RANK.get(later.stage, 0) > STAGE_RANK[e.stage]:
                    outcome = ("moved", (later.event_date - e.event_date).days)
                    break
            m = moves[e.stage]
            if outcome is None:
                m.censored += 1
            elif outcome[0] == "withdrew":
                m.withdrawals += 1
            else:
                m.transitions += 1
                days[e.stage].append(outcome[1])
    for s in CANDIDATE_STAGES:
        moves[s].days = tuple(sorted(days[s]))
    return moves


def stage_rates(moves: dict[str, StageMoves]) -> dict[str, StageRate]:
    """Rate and median time per stage; a stage with no move observed borrows the pooled ones."""
    all_moved = sum(m.transitions for m in moves.values())
    all_resolved = sum(m.transitions + m.withdrawals for m in moves.values())
    all_days = [d for m in moves.values() for d in m.days]
    pooled_rate = all_moved / all_resolved if all_resolved else None
    pooled_days = float(statistics.median(all_days)) if all_days else None
    out = {}
    for s, m in moves.items():
        if m.transitions:
            out[s] = StageRate(s, m.transitions / (m.transitions + m.withdrawals), float(statistics.median(m.days)), False)
        elif m.withdrawals + m.censored == 0:  # no school ever entered it: everyone skips it
            out[s] = StageRate(s, 1.0, 0.0, False)
        else:
            out[s] = StageRate(s, pooled_rate if all_resolved else None, pooled_days, True)
    return out


def chain(rates: dict[str, StageRate], stage: str) -> tuple[float | None, float | None]:
    """Probability of reaching 验收命名 from `stage`, and the median days it takes."""
    p, d = 1.0, 0.0
    for s in CANDIDATE_STAGES[CANDIDATE_STAGES.index(stage):]:
        r = rates[s]
        if r.rate is None or r.median_days is None:
            return None, None
        p *= r.rate
        d += r.median_days
    return p, d


def expected_named(candidates: list[Candidate], rates: dict[str, StageRate], deadline: date) -> dict[str, float | None]:
    """Expected number of each stage's candidates named by `deadline` (None: nothing to go on)."""
    out: dict[str, float | None] = {}
    for s in CANDIDATE_STAGES:
        p, d = chain(rates, s)
        mine = [c for c in candidates if c.stage == s]
        if p is None or d is None:
            out[s] = None if mine else 0.0
            continue
        out[s] = sum(p for c in mine if c.entered_date + timedelta(days=round(d)) <= deadline)
    return out


OUTLOOK_RUNS = 2000
OUTLOOK_SEED = 2030  # the same warehouse gives the same outlook
OUTLOOK_RANGE = (0.10, 0.90)


@dataclass(frozen=True)
class Outlook:
    central: float  # median of the simulated totals named by the deadline
    low: float  # OUTLOOK_RANGE[0] quantile
    high: float  # OUTLOOK_RANGE[1] quantile
    runs: int
    stuck: int  # candidates waiting longer than every move observed out of their stage


def _quantile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))])


def simulate_outlook(events: list[Event], candidates: list[Candidate], named_now: int, as_of: date,
                     deadline: date, runs: int = OUTLOOK_RUNS, seed: int = OUTLOOK_SEED) -> Outlook | None:
    """One outlook for the deadline, with a range, the candidates still in a stage included.

    Per stage: the moves observed out of it (days taken), the withdrawals, and the candidates now
    in it that have waited longer than every observed move ("stuck": they count against the rate,
    as a withdrawal would, until they move). Each run draws every stage's rate from
    Beta(moved + 1, not moved + 1) (the rate's own uncertainty) and, for every candidate, whether
    and when it moves on from stage to stage: out of its current stage, a time drawn among the
    observed ones longer than it has already waited (afresh if none is); after it, any observed
    time. A stage with no move observed uses all stages' moves pooled. The total of a run is
    named now + the candidates named on or before the deadline; the outlook is the median of the
    runs and the range their 10th to 90th percentiles."""
    moves = observe_moves(events)
    pooled_days = [d for m in moves.values() for d in m.days]
    if not pooled_days and candidates:
        return None
    waited = {c.school_code: (as_of - c.entered_date).days for c in candidates}
    stuck_by_stage = {s: 0 for s in CANDIDATE_STAGES}
    for c in candidates:
        longest = max(moves[c.stage].days or pooled_days or (0,))
        if waited[c.school_code] > longest:
            stuck_by_stage[c.stage] += 1
    counts = {}
    for s in CANDIDATE_STAGES:
        m = moves[s]
        if m.transitions:
            counts[s] = (m.transitions, m.withdrawals + stuck_by_stage[s], m.days)
        elif m.withdrawals + m.censored == 0 and not stuck_by_stage[s]:
            counts[s] = None  # nobody ever entered it: passed through at once
        else:
            moved = sum(x.transitions for x in moves.values())
            not_moved = sum(x.withdrawals for x in moves.values()) + sum(stuck_by_stage.values())
            counts[s] = (moved, not_moved, tuple(pooled_days))
    rng = random.Random(seed)
    totals = []
    for _ in range(runs):
        rate = {s: (None if c is None else rng.betavariate(c[0] + 1, c[1] + 1)) for s, c in counts.items()}
        named = 0
        for c in candidates:
            day = as_of
            ok = True
            for i, s in enumerate(CANDIDATE_STAGES[CANDIDATE_STAGES.index(c.stage):]):
                if counts[s] is None:
                    continue
                if rng.random() >= rate[s]:
                    ok = False
                    break
                days = counts[s][2]
                if i == 0:
                    longer = [d - waited[c.school_code] for d in days if d > waited[c.school_code]]
                    day += timedelta(days=rng.choice(longer or list(days)))
                else:
                    day += timedelta(days=rng.choice(days))
                if day > deadline:
                    ok = False
                    break
            named += ok
        totals.append(named_now + named)
    return Outlook(central=_quantile(totals, 0.5), low=_quantile(totals, OUTLOOK_RANGE[0]),
                   high=_quantile(totals, OUTLOOK_RANGE[1]), runs=runs, stuck=sum(stuck_by_stage.values()))


def forecast_frame(events: list[Event], candidates: list[Candidate], named_now: int, as_of: datetime,
                   deadline_year: int, target: float | None, named_series: list[tuple[int, float]]) -> pl.DataFrame:
    """The rows of indicators.shs_forecast: one per candidate stage and a total ('')."""
    moves = observe_moves(events)
    rates = stage_rates(moves)
    deadline = date(deadline_year, 12, 31)
    expected = expected_named(candidates, rates, deadline)
    rows = []
    for n, s in enumerate(CANDIDATE_STAGES, start=1):
        m, r = moves[s], rates[s]
        p, d = chain(rates, s)
        rows.append({
            "stage": s, "stage_order": n, "candidates": sum(c.stage == s for c in candidates),
            "transitions_observed": m.transitions, "withdrawals_observed": m.withdrawals, "still_in_stage": m.censored,
            "transition_rate": r.rate, "median_days_to_next": r.median_days, "is_pooled": r.is_pooled,
            "probability_named": p, "median_days_to_named": d, "expected_named_by_deadline": expected[s],
            "named_now": None, "projected_named_by_deadline": None, "linear_projection_by_deadline": None,
        })
    parts = [expected[s] for s in CANDIDATE_STAGES]
    from_candidates = None if any(v is None for v in parts) else sum(parts)
    points = sorted((y, v) for y, v in named_series if v is not None)
    linear = None
    if len(points) >= 2:
        (t0, b), (t, v) = points[0], points[-1]
        linear = linear_projection(b, t0, v, t, deadline_year)
    rows.append({
        "stage": "", "stage_order": 0, "candidates": len(candidates),
        "transitions_observed": sum(m.transitions for m in moves.values()),
        "withdrawals_observed": sum(m.withdrawals for m in moves.values()),
        "still_in_stage": sum(m.censored for m in moves.values()),
        "transition_rate": None, "median_days_to_next": None, "is_pooled": False,
        "probability_named": None, "median_days_to_named": None, "expected_named_by_deadline": from_candidates,
        "named_now": named_now,
        "projected_named_by_deadline": None if from_candidates is None else named_now + from_candidates,
        "linear_projection_by_deadline": linear,
    })
    frame = pl.DataFrame(rows, schema={
        "stage": pl.String, "stage_order": pl.Int32, "candidates": pl.Int32, "transitions_observed": pl.Int32,
        "withdrawals_observed": pl.Int32, "still_in_stage": pl.Int32, "transition_rate": pl.Float64,
        "median_days_to_next": pl.Float64, "is_pooled": pl.Boolean, "probability_named": pl.Float64,
        "median_days_to_named": pl.Float64, "expected_named_by_deadline": pl.Float64, "named_now": pl.Int32,
        "projected_named_by_deadline": pl.Float64, "linear_projection_by_deadline": pl.Float64,
    })
    outlook = simulate_outlook(events, candidates, named_now, (as_of + timedelta(hours=8)).date(), deadline)
    total = pl.col("stage") == ""

    def on_total(value, dtype) -> pl.Expr:
        return pl.when(total).then(pl.lit(value, dtype)).otherwise(pl.lit(None, dtype))

    frame = frame.with_columns(
        outlook_central=on_total(outlook.central if outlook else None, pl.Float64),
        outlook_low=on_total(outlook.low if outlook else None, pl.Float64),
        outlook_high=on_total(outlook.high if outlook else None, pl.Float64),
        outlook_runs=on_total(outlook.runs if outlook else None, pl.Int32),
        stuck_in_stage=on_total(outlook.stuck if outlook else None, pl.Int32),
    )
    return frame.with_columns(
        as_of=pl.lit(as_of, pl.Datetime("us")), deadline_year=pl.lit(deadline_year, pl.Int32),
        target=pl.lit(target, pl.Float64), method_zh=pl.lit(METHOD_ZH), method_en=pl.lit(METHOD_EN),
    )


def compute_forecast(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rebuild indicators.shs_forecast from the marts and SHS_NAMED (in one transaction)."""
    target = con.sql("select target_value, target_year from ref.targets where indicator_id = 'SHS_NAMED'").fetchall()
    as_of = newest_arrival(con)
    events = [Event(*r) for r in con.sql(
        "select school_code, stage, event_date from marts.fct_shs_stage_events order by school_code, event_sequence"
    ).fetchall()]
    latest = con.sql(
        """select school_code, furthest_stage, furthest_stage_entered_date, latest_event_date
           from marts.fct_shs_school_year
           where is_candidate and period = (select max(period) from marts.fct_shs_school_year)
           order by school_code"""
    ).fetchall()
    candidates = [Candidate(code, stage if stage in CANDIDATE_STAGES else "applied", entered or latest_date)
                  for code, stage, entered, latest_date in latest]
    series = con.sql(
        """select period, value from indicators.indicator_values
           where indicator_id = 'SHS_NAMED' and geo_code = $city and breakdown = '' order by period""",
        params={"city": CITY}).fetchall()
    named_now = int(series[-1][1]) if series else 0
    frame = pl.DataFrame()
    if as_of is not None and target:
        target_value, deadline_year = target[0]
        frame = forecast_frame(events, candidates, named_now, as_of, deadline_year, target_value, series)
    with transaction(con):
        con.execute("delete from indicators.shs_forecast")
        if not frame.is_empty():
            con.register("_forecast", frame.to_arrow())
            con.execute("insert into indicators.shs_forecast by name select * from _forecast")
            con.unregister("_forecast")
    return frame
