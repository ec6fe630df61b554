"""Files that are not reports (a notice, an empty and a corrupt workbook) and a byte-identical duplicate."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pipelines.demo.inbox import Inbox, local_day
from pipelines.demo.world import (
    World,
)
from pipelines.demo.writers import Sheet, write_workbook

NOTICE = """关于报送{year}年学校科技教育年报的通知

各区教育局：
    请于{year}年12月20日前，将辖区内中小学校{year}年科技教育年报汇总后报送市教委。
    年报模板见附件，带*号的为必填项。

天津市教育委员会（演示）
{year}年9月8日
"""


def not_reports(inbox: Inbox, world: World) -> None:
    """A notice in plain text, an empty workbook, a corrupt .xlsx (random bytes), and a byte
    copy of a district workbook sent again under another name."""
    rng = inbox.rng
    inbox.add_bytes(
        "关于报送2025年学校科技教育年报的通知.txt",
        inbox.arrival(date(2025, 9, 8)),
        NOTICE.format(year=2025).encode("gb18030"),
        "plain text notice, not a spreadsheet",
    )
    empty = inbox.folder / "新建 Microsoft Excel 工作表.xlsx"
    write_workbook(empty, [Sheet("Sheet1", [])])
    inbox.add_bytes(empty.name, inbox.arrival(date(2025, 11, 12)), empty.read_bytes(), "empty workbook")
    inbox.add_bytes(
        "2026年宝坻区学校科技教育年报（上传中断）.xlsx",
        inbox.arrival(date(2026, 11, 3)),
        rng.randbytes(4096),
        "corrupt file: random bytes",
    )
    compiled = [
        e
        for e in inbox.entries
        if e.report == "R5"
        and e.rows > 1
        and e.outcome == "accepted"
        and local_day(e).year == world.years[-2]
    ]
    original = min(compiled, key=lambda e: (e.format != "xlsx", e.arrived_at))
    copy = Path(original.file)
    inbox.add_copy(
        original,
        f"{copy.stem}(1){copy.suffix}",
        inbox.arrival(local_day(original) + timedelta(days=rng.randint(1, 3))),
    )
