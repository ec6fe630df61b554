"""`kejiao briefing`: the monthly briefing outside Dagster."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from pipelines.operations.briefing import BriefingError, make_briefing, snapshot_path
from pipelines.operations.deadlines import today_in_tianjin
from pipelines.settings import get_settings


def _quiet(_: str) -> None:
    """What is being done, told to nobody."""


def briefing_command(out: Path, as_of: str | None, snapshot: Path | None, echo: Callable[..., None],
                     status: Callable[[str], None] = _quiet) -> int:
    """`status` hears what is being done (the command line shows it on a terminal: ~10 s over the demo)."""
    try:
        day = date.fromisoformat(as_of) if as_of else today_in_tianjin()
    except ValueError:
        echo(f"日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD: {as_of}", err=True)
        return 2
    source = (snapshot or snapshot_path(get_settings())).resolve()
    status(f"生成 {day:%Y-%m} 简报 making the briefing: 读取快照、绘制图表、用 Chromium 排版 PDF / reading "
           f"the snapshot, drawing the charts, printing the PDF with Chromium → {out.name}")
    try:
        data = make_briefing(source, out.resolve(), day)
    except BriefingError as exc:
        echo(f"无法生成简报 / Cannot make the briefing: {exc}", err=True)
        return 1
    echo(f"简报 Briefing: {out.resolve()}  ({data.month_label}; 数据截至 data as of {data.data_as_of_label})")
    for t in data.targets:
        echo(f"  {t.indicator_id}: {t.status}")
    return 0
