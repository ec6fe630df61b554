"""The monthly briefing 《天津市科技教育2030目标进展简报》: a printable A4 PDF in Chinese made from
the published snapshot, by the `monthly_briefing` asset (monthly schedule) or `kejiao briefing`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.operations.briefing.data import BriefingData, BriefingError
from pipelines.operations.briefing.render import TITLE, find_chromium, make_briefing
from pipelines.settings import Settings

__all__ = ["TITLE", "BriefingData", "BriefingError", "briefing_path", "find_chromium", "make_briefing",
           "snapshot_path"]


def snapshot_path(settings: Settings) -> Path:
    return settings.published_dir / "current.duckdb"


def briefing_path(settings: Settings, as_of: date) -> Path:
    return settings.data_dir / "briefings" / f"{as_of:%Y-%m}_{TITLE}.pdf"
