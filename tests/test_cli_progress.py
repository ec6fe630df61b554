"""What a person running `kejiao materialize` sees (issue 15 #4): on a terminal, the steps and
intake's file counts, no Dagster event log; without one, a few plain lines; intake's progress
reaches a listener in the same process without intake knowing who listens."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from pipelines.cli import STEP_LABELS, RunProgress, app
from pipelines.intake.progress import JUDGE, READ, listening, throttled, to_listeners
from tests.conftest import put, put_registry
from tests.intake.test_rules import R5_HEADER

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\r")


def _two_files(inbox: Path) -> None:
    put_registry(inbox)
    put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 1900]])


def _run_in_a_terminal(args: list[str], timeout: float = 300) -> str:
    """The command in a pseudo-terminal of 160 columns (as a person runs it); all it wrote there."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"}
    env.pop("NO_COLOR", None)
    child = subprocess.Popen([sys.executable, "-m", "pipelines.cli", *args], stdin=slave, stdout=slave, stderr=slave,
                             cwd=ROOT, env=env, close_fds=True)
    os.close(slave)
    out, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif child.poll() is not None:
                break
        assert child.wait(timeout=30) == 0, out.decode(errors="replace")[-3000:]
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    return out.decode(errors="replace")


def test_on_a_terminal_the_steps_and_the_file_counts_show_and_no_dagster_log(inbox, tmp_path):
    _two_files(inbox)
    raw = _run_in_a_terminal(["materialize", "--inbox", str(inbox), "--warehouse", str(tmp_path / "w" / "w.duckdb")])
    text = ANSI.sub("", raw)
    assert "\x1b[" in raw  # drawn by rich on the terminal, not printed as plain lines
    assert re.search(r"步骤 step \d+/12 ", text), text[-3000:]
    for step in ("submissions", "marts", "published_snapshot"):
        assert STEP_LABELS[step] in text, step
    # intake's counters, at their end: both new files read and judged
    assert re.search(r"已读取 files read\s.*2/2", text) and re.search(r"已判定 files judged\s.*2/2", text), text[-3000:]
    assert "步骤 steps 12/12 已完成 finished" in text
    assert "接收 accepted 1" in text and "退回 rejected 1" in text  # the summary as before
    assert "DEBUG" not in text and "STEP_START" not in text and "STEP_SUCCESS" not in text
    assert not re.search(r"^\[\d+ s\] ", text, re.MULTILINE)  # no plain progress lines on a terminal


def test_without_a_terminal_a_few_plain_lines(inbox, tmp_path):
    _two_files(inbox)
    started = time.monotonic()
    result = CliRunner().invoke(app, ["materialize", "--inbox", str(inbox), "--warehouse", str(tmp_path / "w.duckdb")])
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    progress = [line for line in lines if re.match(r"\[\d+ s\] 步骤 step \d+/12 ", line)]
    assert 1 <= len(progress) <= seconds / 5 + 1, result.output  # one at most every 5 s
    assert "\x1b[" not in result.output and "DEBUG" not in result.output
    assert "步骤 steps 12/12 已完成 finished" in result.output
    assert len(lines) <= len(progress) + 6, result.output  # progress, the steps line, the summary


def _entry(kind: str, step: str):
    from dagster import DagsterEventType

    class Event:
        event_type = DagsterEventType[kind]
        step_key = step

    class Entry:
        dagster_event = Event()

    return Entry()


def test_plain_lines_come_at_most_every_few_seconds_and_failures_always(capsys):
    console = Console(file=sys.stdout, width=200, force_terminal=False)
    with RunProgress(interactive=False, every_s=3600, console=console) as shown:
        shown.event(_entry("STEP_START", "reference_data"), 3)
        shown.event(_entry("STEP_SUCCESS", "reference_data"), 3)
        shown.event(_entry("STEP_START", "submissions"), 3)
        for done in range(101):
            shown.intake(READ, done, 100)
        shown.event(_entry("STEP_FAILURE", "submissions"), 3)
        shown.event(_entry("STEP_SKIPPED", "marts"), 3)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("步骤 step 1/3 参考数据 reference data")
    assert lines[1] == f"✗ 失败 failed: {STEP_LABELS['submissions']}"
    assert lines[2].endswith(f"步骤 step 2/3 {STEP_LABELS['submissions']} · 已读取 files read 100/100")
    assert lines[3:] == ["步骤 steps 3/3 已完成 finished，1 失败 failed"]


def test_plain_lines_name_the_files_while_intake_runs(capsys):
    console = Console(file=sys.stdout, width=200, force_terminal=False)
    with RunProgress(interactive=False, every_s=0, console=console) as shown:
        shown.event(_entry("STEP_START", "submissions"), 2)
        shown.intake(READ, 40, 100)
        shown.intake(JUDGE, 0, 100)
    out = capsys.readouterr().out
    assert "步骤 step 1/2 收件 intake: 读取、检查、入库 read, judge, store · 已读取 files read 40/100" in out
    assert "已读取 files read 40/100 · 已判定 files judged 0/100" in out


def test_verbose_shows_nothing_of_its_own(capsys):
    console = Console(file=sys.stdout, width=200, force_terminal=False)
    with RunProgress(enabled=False, interactive=False, every_s=0, console=console) as shown:
        shown.event(_entry("STEP_START", "submissions"), 2)
        shown.intake(READ, 1, 2)
    assert capsys.readouterr().out == ""


def test_intake_reports_files_read_and_judged_to_a_listener(con, inbox, tmp_path):
    from pipelines.intake.ingest import ingest

    _two_files(inbox)
    (inbox / "说明.txt").write_text("不是报表", encoding="utf-8")
    heard: list[tuple[str, int, int]] = []
    with listening(lambda *a: heard.append(a)):
        ingest(con, inbox, tmp_path / "archive", b"k" * 32, progress=to_listeners)
    ingest(con, inbox, tmp_path / "archive", b"k" * 32, progress=to_listeners)  # nobody listens now
    reads = [(d, t) for s, d, t in heard if s == READ]
    judged = [(d, t) for s, d, t in heard if s == JUDGE]
    assert reads[0] == (0, 3) and reads[-1] == (3, 3) and [d for d, _ in reads] == sorted(d for d, _ in reads)
    assert judged[0] == (0, 3) and judged[-1] == (3, 3)
    assert (1, 3) in judged  # the registry is judged first, on its own
    assert len(heard) == len(reads) + len(judged)


def test_a_listener_that_fails_does_not_stop_intake():
    def broken(*_):
        raise RuntimeError("display gone")

    heard = []
    with listening(broken), listening(lambda *a: heard.append(a)):
        to_listeners(READ, 1, 2)
    assert heard == [(READ, 1, 2)]


def test_the_run_log_gets_a_line_every_few_seconds_per_stage():
    now = [0.0]
    lines = []
    report = throttled(lambda *a: lines.append(a), every_s=5.0, clock=lambda: now[0])
    for done in range(11):
        now[0] = done * 1.0
        report(READ, done, 10)
    report(JUDGE, 0, 10)
    assert lines == [(READ, 0, 10), (READ, 5, 10), (READ, 10, 10), (JUDGE, 0, 10)]


# ------------------------------------------------------- export and briefing: a spinner saying what is done

def test_a_spinner_says_what_is_being_done_once_the_work_takes_a_while():
    import io

    from pipelines.cli import Working

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160)
    with Working("导出 exporting", after_s=0, interactive=True, console=console) as working:
        time.sleep(0.3)
        working.say("写 writing indicators.xlsx")
        time.sleep(0.3)
    assert "导出 exporting" in screen.getvalue() and "写 writing indicators.xlsx" in screen.getvalue()

    for quick in (Working("导出 exporting", after_s=60, interactive=True, console=console),  # done before it shows
                  Working("导出 exporting", after_s=0, interactive=False, console=console)):  # not a terminal
        screen.seek(0)
        screen.truncate()
        with quick as working:
            time.sleep(0.2)
            working.say("写 writing indicators.csv")
        assert screen.getvalue() == ""


@pytest.mark.browser  # Chromium prints the PDF: make check leaves it to make test
def test_briefing_on_a_terminal_shows_what_it_is_doing(tmp_path):
    import pytest

    from pipelines.operations.briefing import find_chromium
    from tests.operations.snapshot import make_snapshot

    if find_chromium() is None:
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    snapshot = make_snapshot(tmp_path / "published" / "current.duckdb")
    out = tmp_path / "简报.pdf"
    raw = _run_in_a_terminal(["briefing", "--as-of", "2026-12-01", "--out", str(out), "--snapshot", str(snapshot)])
    text = ANSI.sub("", raw)
    assert "生成 2026-12 简报 making the briefing" in text, text[-2000:]  # it takes ~10 s: the spinner shows
    assert "简报 Briefing:" in text and out.read_bytes()[:5] == b"%PDF-"
