"""Lineage: which submissions and staging rows are behind one indicator value (`kejiao explain`).

Reads indicators.value_lineage (written with the values) and raw.submissions, from the published
snapshot or the warehouse alike. Rows are named by table, sheet, row number and key columns:
no name and no student key is ever shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import polars as pl

import warehouse
from pipelines.reference.codes import CITY

CITY_WORDS = {"city", "全市", "天津", "天津市", CITY}


@dataclass
class Explanation:
    indicator_id: str
    period: int
    geo_code: str
    breakdown: str
    value: dict | None  # the indicator_values row, None when there is no such value
    submissions: pl.DataFrame  # file_name, arrived_at, report_type, status, rows, submission_id
    rows: pl.DataFrame  # staging_table, sheet_name, row_number, entity_key, contribution, file_name


def resolve_geo(con: duckdb.DuckDBPyConnection, geo: str) -> str:
    """A district code, a district name (和平区, 和平, Heping) or the city."""
    geo = geo.strip()
    if geo.lower() in CITY_WORDS:
        return CITY
    found = con.execute(
        """select district_code from ref.districts
           where district_code = $g or district_name_zh = $g or lower(district_name_en) = lower($g)
              or regexp_replace(district_name_zh, '(新区|区)$', '') = $g""",
        {"g": geo},
    ).fetchall()
    return found[0][0] if found else geo


def explain(con: duckdb.DuckDBPyConnection, indicator_id: str, period: int, geo: str,
            breakdown: str = "") -> Explanation:
    geo_code = resolve_geo(con, geo)
    key = {"indicator_id": indicator_id.upper(), "period": period, "geo_code": geo_code, "breakdown": breakdown}
    value = con.sql(warehouse.sql("indicators/explain_value"), params=key).pl()
    submissions = con.sql(warehouse.sql("indicators/explain_submissions"), params=key).pl()
    rows = con.sql(warehouse.sql("indicators/explain_rows"), params=key).pl()
    return Explanation(key["indicator_id"], period, geo_code, breakdown, value.row(0, named=True) if value.height else None,
                       submissions, rows)


def _beijing(value) -> str:
    """A warehouse time (UTC) as Beijing time, saying so."""
    if value is None:
        return "—"
    return f"{value + timedelta(hours=8):%Y-%m-%d %H:%M:%S}（北京时间）"


def _num(v) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def format_explanation(e: Explanation, limit: int | None = None) -> str:
    """Plain text for the terminal (zh / en)."""
    label = e.breakdown or "合计 total"
    if e.value is None:
        return f"没有该指标值 / no such value: {e.indicator_id} {e.period} {e.geo_code} {label}"
    v = e.value
    lines = [
        f"{e.indicator_id} {v['name_zh']} / {v['name_en']}",
        f"年度 period {e.period} · 区域 geo {e.geo_code} · 分组 breakdown {label}",
        f"数值 value {_num(v['value'])} {v['unit']}"
        + (f" (= {_num(v['numerator'])} / {_num(v['denominator'])})" if v["denominator"] is not None else "")
        + (f" · 目标 target {_num(v['target'])} ({v['target_year'] or '每年 yearly'}) · 状态 status {v['status']}"
           if v["target"] is not None else ""),
        f"数据截至 as of {_beijing(v['as_of'])} · 报送 submissions {v['submission_count']}",
        "",
        f"提交 Submissions ({e.submissions.height}):",
    ]
    for s in e.submissions.iter_rows(named=True):
        lines.append(f"  {_beijing(s['arrived_at'])}  {s['report_type'] or '?':<3} {s['file_name']}  ({s['rows']} 行 rows)  "
                     f"{s['submission_id'][:12]}")
    lines += ["", f"暂存行 Staging rows ({e.rows.height}):"]
    shown = e.rows if limit is None else e.rows.head(limit)
    for r in shown.iter_rows(named=True):
        lines.append(f"  {r['staging_table']}  {r['file_name']} · {r['sheet_name']} 第{r['row_number']}行  "
                     f"{r['entity_key']}  [{r['contribution']}]")
    if limit is not None and e.rows.height > limit:
        lines.append(f"  … 另有 {e.rows.height - limit} 行 / {e.rows.height - limit} more (--all to list every row)")
    return "\n".join(lines)
