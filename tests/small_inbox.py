"""The small inbox that the senders', dashboard and operations tests share, and one run of it
through the whole graph: the test registry; 一中's 2025 annual report accepted, 河西二中's refused
(a negative count, an unknown school, under a title row) and 南开's refused (more participants than
students, a GB18030 CSV); a roster of cohort 2025 accepted and its supplement refused (a minor
without guardian consent); a base report for 2025; a text file that is no report. The corrections
sent after it are here too, for the tests that need them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.cli import run_all
from pipelines.settings import Settings
from tests.conftest import KEY, put, put_registry
from tests.intake.test_formats import REPORTS
from tests.intake.test_rules import R5_HEADER

R3_HEADER, R3_ROWS = REPORTS["R3"][0], REPORTS["R3"][1]
R2_HEADER, R2_ROWS = REPORTS["R2"][0], REPORTS["R2"][1]
STUDENT_NAME, STUDENT_ID = R3_ROWS[0][2], R3_ROWS[0][1]
MARKER = 1777  # a figure only the accepted school's file holds


def small_inbox(inbox: Path) -> dict[str, Path]:
    """Write the small inbox into `inbox`; the files by what they are (good, bad_xlsx, ...)."""
    put_registry(inbox)
    files = {
        "good": put(inbox, "2025年报_一中.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, MARKER]],
                    arrived="2025-11-20T08:00:00"),
        # rejected: a negative count (E3) and an unknown school (A4), under a title row
        "bad_xlsx": put(inbox, "2025年报_河西二中.xlsx", R5_HEADER,
                        [["3412000002", "", 2025, 2100, -1, 10, 2, 900],
                         ["", "天津市不存在演示中学", 2025, 100, 1, 1, 0, 10]],
                        arrived="2025-11-21T08:00:00", title_rows=[["天津市2025年学校科技教育年报"]]),
        # rejected: more participants than students, in a GB18030 CSV
        "bad_csv": put(inbox, "南开初中年报.csv", R5_HEADER, [["3112000003", "", 2025, 900, 1, 5, 0, 1200]],
                       arrived="2025-11-22T08:00:00", fmt="csv", encoding="gb18030"),
        # accepted roster of cohort 2025 (hosted by 4112000005), and a base report for 2025
        "roster": put(inbox, "2025届名册.xlsx", R3_HEADER, R3_ROWS, arrived="2025-10-20T08:00:00"),
        "bases": put(inbox, "基地2025.xlsx", R2_HEADER, R2_ROWS, arrived="2025-12-01T08:00:00"),
        # rejected roster: no guardian consent on the second row (it names a minor)
        "bad_roster": put(inbox, "2025届名册_补报.xlsx", R3_HEADER,
                          [R3_ROWS[0], [*R3_ROWS[1][:14], "否"]], arrived="2025-10-25T08:00:00"),
    }
    (inbox / "说明.txt").write_text("这不是报表", encoding="utf-8")
    return files


def put_heping_correction(inbox: Path, arrived: str = "2025-11-25T08:00:00") -> Path:
    """一中's accepted 2025 report, corrected once more (accepted)."""
    return put(inbox, "2025年报_一中_更正.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 1700]],
               arrived=arrived)


def put_nankai_correction(inbox: Path, arrived: str) -> Path:
    """南开's refused CSV, corrected (accepted)."""
    return put(inbox, "南开初中年报_修改.xlsx", R5_HEADER, [["3112000003", "", 2025, 900, 1, 5, 0, 800]],
               arrived=arrived)


def run_graph(settings: Settings, inbox: Path):
    """The whole graph once over `inbox` into `settings`' data folder, with that folder and the
    tests' pseudonym key in the environment for the run only; the run must succeed."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KEJIAO_DATA_DIR", str(settings.data_dir))
        mp.setenv("KEJIAO_PSEUDONYM_KEY", KEY.decode())
        result = run_all(settings, inbox, settings.warehouse_path, raise_on_error=True)
    assert result.success
    return result


@dataclass(frozen=True)
class SmallRun:
    settings: Settings  # the data folder: root/data
    inbox: Path  # root/inbox
    files: dict[str, Path]  # small_inbox's files
    result: object  # the run's Dagster result


def run_small_inbox(root: Path, *more: Callable[[Path], object]) -> SmallRun:
    """The small inbox in `root`/inbox, and what each of `more` puts beside it (e.g.
    `put_heping_correction`), run through the whole graph once into `root`/data."""
    settings = Settings(root / "data")
    inbox = root / "inbox"
    inbox.mkdir()
    files = small_inbox(inbox)
    for put_more in more:
        put_more(inbox)
    return SmallRun(settings, inbox, files, run_graph(settings, inbox))
