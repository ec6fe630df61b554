"""The inbox being filled: each file written, its arrival stamped, and what it is (`Entry`).

`Inbox.add` writes a report and records it; the rows of an accepted one go to the answer key's
data in force (`answer_key.keep_in_force`). Arrivals are office hours in Beijing time, unique in
the inbox, stored in UTC; each file's mtime is set to its arrival.
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from pipelines.demo.answer_key import keep_in_force
from pipelines.demo.writers import Sheet, write_workbook
from pipelines.intake.schema import REPORT_TYPES

BEIJING = timezone(timedelta(hours=8))


@dataclass
class Entry:
    file: str
    report: str | None
    format: str
    encoding: str | None
    arrived_at: datetime
    outcome: str  # accepted | rejected | not_a_report | duplicate
    rows: int = 0
    rule: str | None = None  # rejected: the rule broken; accepted: the warning raised
    detail: str | None = None
    supersedes: str | None = None

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "report": self.report,
            "format": self.format,
            "encoding": self.encoding,
            "arrived_at": iso_utc(self.arrived_at),
            "outcome": self.outcome,
            "rows": self.rows,
            "supersedes": self.supersedes,
        }


def local_day(entry: Entry) -> date:
    """The day (in Tianjin) an entry arrived."""
    return entry.arrived_at.astimezone(BEIJING).date()


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Inbox:
    """Writes files, stamps their arrival, and keeps the accepted data in force per entity key."""

    def __init__(self, folder: Path, rng: random.Random):
        self.folder = folder
        self.rng = rng
        self.entries: list[Entry] = []
        self.in_force: dict[str, dict[tuple, tuple[datetime, tuple]]] = {r: {} for r in REPORT_TYPES}
        self._moments: set[datetime] = set()

    def arrival(self, day: date, after: datetime | None = None) -> datetime:
        """An office-hours moment (Beijing) on `day`, moved to the next working day if needed,
        unique in the inbox and later than `after`."""
        while day.weekday() >= 5:
            day += timedelta(days=1)
        moment = datetime(day.year, day.month, day.day, 8, 30, tzinfo=BEIJING) + timedelta(
            seconds=self.rng.randrange(9 * 3600)
        )
        moment = max(moment, after + timedelta(minutes=5)) if after else moment
        while moment in self._moments:
            moment += timedelta(seconds=1)
        self._moments.add(moment)
        return moment.astimezone(UTC)

    def _stamp(self, path: Path, entry: Entry) -> Entry:
        stamp = entry.arrived_at.timestamp()
        os.utime(path, (stamp, stamp))
        self.entries.append(entry)
        return entry

    def add(
        self,
        name: str,
        arrived: datetime,
        sheets: list[Sheet],
        report: str,
        records: list[dict],
        encoding: str = "utf-8",
        outcome: str = "accepted",
        rule: str | None = None,
        detail: str | None = None,
        supersedes: Entry | None = None,
    ) -> Entry:
        path = self.folder / name
        if path.exists():
            raise ValueError(f"two demo files named {name}")
        fmt = path.suffix.lstrip(".")
        write_workbook(path, sheets, encoding=encoding)
        if outcome == "accepted":
            keep_in_force(self.in_force[report], report, arrived, records)
        return self._stamp(
            path,
            Entry(
                name,
                report,
                fmt,
                encoding if fmt == "csv" else None,
                arrived,
                outcome,
                len(records),
                rule,
                detail,
                supersedes.file if supersedes else None,
            ),
        )

    def add_bytes(self, name: str, arrived: datetime, data: bytes, reason: str) -> Entry:
        path = self.folder / name
        path.write_bytes(data)
        return self._stamp(
            path, Entry(name, None, path.suffix.lstrip("."), None, arrived, "not_a_report", detail=reason)
        )

    def add_copy(self, original: Entry, name: str, arrived: datetime) -> Entry:
        shutil.copyfile(self.folder / original.file, self.folder / name)
        return self._stamp(
            self.folder / name,
            replace(
                original,
                file=name,
                arrived_at=arrived,
                outcome="duplicate",
                rule=None,
                detail=original.file,
                supersedes=None,
            ),
        )
