"""A small published snapshot with indicators.indicator_values, as issue 3's publish step makes it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

import warehouse
from pipelines.reference.load import load_reference

AS_OF = datetime(2026, 11, 20, 2, 30)  # UTC: 10:30 in Tianjin
DISTRICTS = ["120101", "120102", "120103", "120104", "120105", "120106", "120110", "120111",
             "120112", "120113", "120114", "120115", "120116", "120117", "120118", "120119"]


def _row(indicator, period, value, unit, *, geo="120000", target=None, target_year=None, status=None,
         ratio=None, numerator=None, denominator=None, breakdown=""):
    return {
        "indicator_id": indicator, "period": period, "geo_code": geo, "breakdown": breakdown,
        "breakdown_dimension": None, "breakdown_value": None, "value": value, "numerator": numerator,
        "denominator": denominator, "unit": unit, "target": target, "target_year": target_year, "status": status,
        "progress_ratio": ratio, "as_of": AS_OF, "submission_count": 3,
        "submission_ids": [f"{indicator[:3].lower()}{period}a", f"{indicator[:3].lower()}{period}b", "r0sub"],
    }


def indicator_rows() -> list[dict]:
    rows = [
        _row("SHS_NAMED", 2025, 0, "schools", target=25, target_year=2030, status="insufficient_data"),
        _row("SHS_NAMED", 2026, 6, "schools", target=25, target_year=2030, status="on_track", ratio=1.2),
        _row("FLB_ACTIVE", 2025, 10, "bases", target=32, target_year=2030, status="insufficient_data"),
        _row("FLB_ACTIVE", 2026, 14, "bases", target=32, target_year=2030, status="acceleration_needed", ratio=0.91),
        _row("YIP_ENROLLED", 2025, 96, "students", target=100, status="not_met"),
        _row("YIP_ENROLLED", 2026, 100, "students", target=100, status="met"),
        _row("YIP_DUAL_MENTOR", 2025, 88.0, "%", target=100, status="not_met", numerator=84, denominator=96),
        _row("YIP_DUAL_MENTOR", 2026, 93.0, "%", target=100, status="in_progress", numerator=93, denominator=100),
        _row("STE_VICE_PRINCIPAL", 2025, 72.0, "%", target=100, status="not_met", numerator=1000, denominator=1389),
        _row("STE_VICE_PRINCIPAL", 2026, 81.0, "%", target=100, status="not_met", numerator=1136, denominator=1402),
        _row("STE_PARTICIPATION", 2026, 64.0, "%", numerator=640000, denominator=1000000),
        _row("REPORTING_COMPLETENESS", 2026, 93.5, "%", numerator=1402, denominator=1500),
        _row("ALLIANCE_MEMBERS", 2026, 48, "members"),
        _row("ALLIANCE_DISTRICTS", 2026, 12, "districts"),
    ]
    for i, d in enumerate(DISTRICTS):
        rows.append(_row("REPORTING_COMPLETENESS", 2026, 80.0 + i * 1.5, "%", geo=d, numerator=80 + i, denominator=100))
        rows.append(_row("STE_VICE_PRINCIPAL", 2026, 70.0 + i * 2, "%", geo=d, target=100, status="not_met"))
        rows.append(_row("STE_PARTICIPATION", 2026, 50.0 + i * 1.5, "%", geo=d))
    return rows


def make_snapshot(path: Path) -> Path:
    """A snapshot database holding the warehouse schema, the reference tables and indicator values."""
    con = warehouse.connect(path)
    try:
        load_reference(con)
        frame = pl.DataFrame(indicator_rows(), schema_overrides={
            "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64, "target": pl.Float64,
            "target_year": pl.Int32, "progress_ratio": pl.Float64, "breakdown_dimension": pl.String,
            "breakdown_value": pl.String, "status": pl.String})
        con.register("_rows", frame.to_arrow())
        con.execute("insert into indicators.indicator_values by name select * from _rows")
        con.unregister("_rows")
    finally:
        con.close()
    return path
