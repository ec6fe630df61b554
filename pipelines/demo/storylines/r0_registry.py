"""R0, the school registry: the first file is the whole registry, later files the year's changes."""

from __future__ import annotations

from datetime import date

from pipelines.demo.inbox import Inbox
from pipelines.demo.render import Style, instructions, one_sheet, pick_format, table
from pipelines.demo.world import (
    LAST_YEAR,
    World,
)
from pipelines.demo.writers import Sheet


def r0_registry(inbox: Inbox, world: World) -> None:
    """The first file is the full registry (.xlsx, 填报说明 first); later files carry the year's
    changes only (CSV in GB18030 in 2025, .ods in 2026)."""
    rng = inbox.rng
    for i, (year, records) in enumerate(world.registry_files):
        if i == 0:
            day = date(year, 1, 8)
            sheets = [
                instructions(
                    "本表由市教委数据组从教育统计系统导出。",
                    "学校标识码为10位：类别2位+省份2位(12)+序号6位。",
                    "简称以分号分隔。",
                ),
                Sheet(
                    "学校名录",
                    table("R0", records, Style(dates="excel"), world, rng),
                    [[f"天津市学校（机构）名录（{year}年1月导出）"]],
                ),
            ]
            name, encoding = f"天津市学校名录_{year}年1月.xlsx", "utf-8"
        else:
            day = date(year, 2, rng.randint(16, 26))
            fmt, encoding = (
                ("csv", "gb18030")
                if year == 2025
                else ("ods", "utf-8")
                if year == LAST_YEAR
                else pick_format(rng, {"xlsx": 1, "csv": 1})
            )
            style = Style(headers="decorated", dates="slash") if fmt == "csv" else Style(dates="excel")
            sheets = one_sheet(
                fmt,
                "名录变更",
                table("R0", records, style, world, rng),
                rng,
                f"学校（机构）名录变更（{year}年）",
                footer=False,
            )
            name = f"学校名录变更_{year}.{fmt}"
        inbox.add(name, inbox.arrival(day), sheets, "R0", records, encoding)
