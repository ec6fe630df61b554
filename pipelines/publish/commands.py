"""The logic of `kejiao explain` and `kejiao progress`: both read the published snapshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb

from pipelines.indicators.catalog import STATUS_LABELS
from pipelines.indicators.compute import headline
from pipelines.indicators.lineage import explain, format_explanation
from pipelines.publish.snapshot import snapshot_for


def _open(published_dir: Path, snapshot: Path | None, echo: Callable[..., None]) -> duckdb.DuckDBPyConnection | None:
    try:
        source = snapshot.resolve() if snapshot else snapshot_for(published_dir)
    except FileNotFoundError as exc:
        echo(f"未找到发布快照 / {exc}", err=True)
        return None
    return duckdb.connect(str(source), read_only=True)


def explain_command(indicator_id: str, period: int, geo: str, breakdown: str, published_dir: Path,
                    snapshot: Path | None, show_all: bool, echo: Callable[..., None]) -> int:
    con = _open(published_dir, snapshot, echo)
    if con is None:
        return 1
    try:
        e = explain(con, indicator_id, period, geo, breakdown)
    finally:
        con.close()
    echo(format_explanation(e, limit=None if show_all else 50))
    return 0 if e.value is not None else 1


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    return f"{v:.1f}%" if unit == "%" else f"{v:,.0f}"


def progress_command(published_dir: Path, snapshot: Path | None, echo: Callable[..., None]) -> int:
    """The headline: each target's latest city value, target and status, and the SHS forecast."""
    con = _open(published_dir, snapshot, echo)
    if con is None:
        return 1
    try:
        heads = headline(con)
        forecast = con.sql(
            "select named_now, outlook_central, outlook_low, outlook_high, linear_projection_by_deadline, "
            "deadline_year, target "
            "from indicators.shs_forecast where stage = ''"
        ).fetchall()
    finally:
        con.close()
    if heads.is_empty():
        echo("快照中没有带目标的指标值 / no indicator values with a target in the snapshot")
        return 1
    as_of = heads["as_of"].max()
    as_of_text = f"{as_of + timedelta(hours=8):%Y-%m-%d %H:%M:%S}（北京时间 Beijing time）" if as_of else "—"
    echo(f"数据截至 as of {as_of_text}")
    for r in heads.iter_rows(named=True):
        status = STATUS_LABELS.get(r["status"], (r["status"], r["status"]))
        target = _fmt(r["target"], r["unit"]) + (f" by {r['target_year']}" if r["target_year"] else " per year")
        ratio = f"  R={r['progress_ratio']:.2f}" if r["progress_ratio"] is not None else ""
        echo(f"  {r['indicator_id']:<20} {r['period']}  {_fmt(r['value'], r['unit']):>8} / {target:<14} "
             f"{status[0]} {r['status']}{ratio}")
    if forecast:
        named_now, central, low, high, linear, deadline, target = forecast[0]
        echo(f"  SHS_NAMED outlook   已命名 named now {named_now}; 展望{deadline}年底 outlook for {deadline}: "
             f"{_fmt(central, '')} ({_fmt(low, '')}–{_fmt(high, '')}, 80%) · 直线参照 straight line "
             f"{_fmt(linear, '')} · target {_fmt(target, '')}")
    return 0
