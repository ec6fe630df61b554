"""The answer key: what the pipeline must find in the demo inbox (expected.json).

A second, independent implementation of the indicators, written from the spec over the
generator's own state (the rows each accepted file carried), never over the warehouse: it imports
nothing of pipelines.indicators, marts or staging (tests/demo/test_answer_key.py), so a fault in
the pipeline's SQL shows as a difference from it (tests/indicators/test_demo_expected.py).

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
"""

from __future__ import annotations

from collections import Counter, namedtuple
from datetime import date, datetime
from typing import TYPE_CHECKING

from pipelines.demo.world import NO_R5_TYPES, World
from pipelines.intake.schema import REPORT_TYPES
from pipelines.reference.codes import CITY

if TYPE_CHECKING:
    from pipelines.demo.inbox import Inbox


TRUTH_FIELDS = {  # what the ground truth needs of each accepted row
    "R0": ("school_type", "valid_from", "valid_to"),
    "R1": ("stage", "event_date"),
    "R2": ("status",),
    "R3": ("status", "university_mentor", "school_mentor"),
    "R4": ("district_code", "joined_date", "left_date"),
    "R5": ("enrolled_students", "students_in_st_activities", "science_vice_principals"),
}
TruthRow = {report: namedtuple(f"{report}Row", fields) for report, fields in TRUTH_FIELDS.items()}


def keep_in_force(table: dict[tuple, tuple[datetime, tuple]], report: str, arrived: datetime,
                  records: list[dict]) -> None:
    """Per entity key, the rows of the newest accepted file replace what older files said."""
    key_columns, fields, row_type = REPORT_TYPES[report].key, TRUTH_FIELDS[report], TruthRow[report]
    groups: dict[tuple, list] = {}
    for r in records:
        groups.setdefault(tuple(r[k] for k in key_columns), []).append(row_type(*(r[f] for f in fields)))
    for key, rows in groups.items():
        if key not in table or table[key][0] < arrived:
            table[key] = (arrived, tuple(rows))


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
