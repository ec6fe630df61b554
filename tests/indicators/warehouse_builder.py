"""Hand-made warehouses for the marts and indicator tests: submissions and staging rows are
inserted directly (no files), then the rows in force, the marts and the indicators are rebuilt
exactly as the pipeline does."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import duckdb
import polars as pl

from pipelines.indicators.compute import compute_indicators
from pipelines.intake.schema import REPORT_TYPES
from pipelines.marts.build import build_marts
from pipelines.staging.tables import refresh_in_force

TABLES = {code: r.table for code, r in REPORT_TYPES.items()}

DEFAULTS = {
    "R0": {"aliases": None, "ownership": "public", "enrolled_students": None, "valid_from": None, "valid_to": None},
    "R1": {"school_name": None, "event_date_precision": "day", "approval_doc_no": None, "partner_universities": None,
           "science_cohort_students": None, "dedicated_labs": None},
    "R2": {"host_school_name": None, "partners": None, "students_served": None, "courses_offered": None,
           "schools_reached": None, "teacher_training_hours": None},
    "R3": {"gender": None, "school_name": None, "grade": 11, "research_field": None, "university_mentor_key": "um",
           "school_mentor_key": "sm", "end_date": None, "outputs": None, "guardian_consent": True},
    "R4": {"left_date": None, "is_lead": False},
    "R5": {"school_name": None, "science_hours_planned": None, "science_hours_delivered": None, "science_teachers": None,
           "stem_master_science_teachers": None, "labs": None, "maker_spaces": None, "st_clubs": None,
           "st_club_members": None, "afterschool_st_programmes": None, "awards_city_or_above": None,
           "teacher_st_training_hours": None},
}


def _date(v):
    return date.fromisoformat(v) if isinstance(v, str) else v


class Warehouse:
    """`submit(code, name, arrived, rows)` records one submission and its rows; `refresh()` rebuilds."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def submit(self, code: str, name: str, arrived: str, rows: list[dict], status: str = "accepted",
               sheet_name: str = "数据") -> str:
        submission_id = hashlib.sha256(f"{name}|{arrived}".encode()).hexdigest()
        at = datetime.fromisoformat(arrived)
        self.con.execute(
            """insert into raw.submissions values ($id, $name, $name, 'xlsx', 100, $at, $at, $archive, $type, $status,
               $rows, 0, 0, ['数据'], [], '', '', null, $at, null)""",
            {"id": submission_id, "name": name, "at": at, "archive": f"{submission_id}.xlsx", "type": code,
             "status": status, "rows": len(rows)},
        )
        if status == "accepted" and rows:
            frame = []
            for n, row in enumerate(rows, start=2):
                full = {**DEFAULTS[code], **row, "submission_id": submission_id, "sheet_name": sheet_name, "row_number": n}
                frame.append({k: _date(v) if k.endswith(("_date", "valid_from", "valid_to")) else v
                              for k, v in full.items()})
            df = pl.DataFrame(frame, infer_schema_length=None)
            self.con.register("_rows", df.to_arrow())
            self.con.execute(f"insert into {TABLES[code]} by name select * from _rows")
            self.con.unregister("_rows")
        return submission_id

    def refresh(self):
        for report in REPORT_TYPES.values():  # as the pipeline does: only what received files
            refresh_in_force(self.con, report)
        build_marts(self.con)
        return compute_indicators(self.con)

    def values(self, indicator_id: str, geo_code: str = "120000", breakdown: str = "") -> dict[int, float | None]:
        rows = self.con.execute(
            "select period, value from indicators.indicator_values where indicator_id = $i and geo_code = $g "
            "and breakdown = $b order by period",
            {"i": indicator_id, "g": geo_code, "b": breakdown},
        ).fetchall()
        return {p: v for p, v in rows}

    def row(self, indicator_id: str, period: int, geo_code: str = "120000", breakdown: str = "") -> dict:
        frame = self.con.sql(
            "select * from indicators.indicator_values where indicator_id = $i and period = $p and geo_code = $g "
            "and breakdown = $b",
            params={"i": indicator_id, "p": period, "g": geo_code, "b": breakdown},
        ).pl()
        assert frame.height == 1, f"no single row for {indicator_id} {period} {geo_code} {breakdown!r}"
        return frame.row(0, named=True)


# a small registry: two high schools in 和平区, one in 河西区, a junior school, a primary school
# that closes in 2025, a university and a special school
SCHOOLS = [
    {"school_code": "3412000001", "school_name": "演示一中", "district_code": "120101", "school_type": "senior_secondary"},
    {"school_code": "3412000002", "school_name": "演示二中", "district_code": "120101", "school_type": "complete_secondary"},
    {"school_code": "3412000003", "school_name": "演示三中", "district_code": "120103", "school_type": "senior_secondary"},
    {"school_code": "3112000004", "school_name": "演示初中", "district_code": "120103", "school_type": "junior_secondary"},
    {"school_code": "2112000005", "school_name": "演示小学", "district_code": "120104", "school_type": "primary",
     "valid_to": "2025-08-31"},
    {"school_code": "4112000006", "school_name": "津沽演示大学", "district_code": "120104", "school_type": "higher_education"},
    {"school_code": "5112000007", "school_name": "演示特教学校", "district_code": "120104", "school_type": "special_education",
     "valid_from": "2025-09-01"},
]
