"""Parse workers kept between calls (pipelines/intake/workers.py, `_Warm`): reused only as the same
process would be started again, never once they failed, and never left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines.intake import workers as W
from pipelines.intake.limits import MB, Limits
from tests.hostile.corpus import _huge_dimension
from tests.intake.test_rules import R5_HEADER

ROOT = Path(__file__).resolve().parents[2]


def csv(year: int) -> bytes:
    rows = [R5_HEADER, ["3412000001", "", year, 1800, 1, 10, 2, 900]]
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode()


def parse(*sources: bytes, limits: Limits | None = None) -> list:
    return W.parse_many([(s, f"年报{i}.csv") for i, s in enumerate(sources)], [len(s) for s in sources], 1,
                        limits or Limits())


def kept(limits: Limits | None = None) -> list[int]:
    """Pids of the workers kept for calls with these limits."""
    key = W._Spec(limits or Limits()).key
    return [p.popen.pid for p in W._WARM.idle if p.key == key]


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for its parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def wait_until(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def fresh_pool():
    """No kept worker before the test, none after it."""
    W._WARM.end_all()
    yield W._WARM
    W._WARM.end_all()


def test_the_next_call_reuses_the_worker_and_reads_as_a_new_one_would(fresh_pool):
    first = parse(csv(2024))
    (pid,) = kept()
    again = parse(csv(2025), csv(2024))
    assert kept() == [pid]  # the same process, kept between the calls
    assert [p.report_types for p in again] == [["R5"], ["R5"]]
    for a, b in ((first[0], again[1]),):  # the same file reads the same after another one
        assert (a.file_format, a.report_types, a.skipped, a.not_a_report) == \
            (b.file_format, b.report_types, b.skipped, b.not_a_report)
        assert all(ga.frame.equals(gb.frame) for (ga, *_), (gb, *_) in zip(a.sheets, b.sheets, strict=True))


def test_a_worker_is_kept_per_limits_and_its_memory_cap_is_that_of_its_limits(fresh_pool):
    small = Limits(parse_memory_bytes=1536 * MB)
    parse(csv(2024))
    parse(csv(2024), limits=small)
    (default_pid,), (small_pid,) = kept(), kept(small)
    assert default_pid != small_pid

    def cap(pid: int) -> int:
        line = next(x for x in Path(f"/proc/{pid}/limits").read_text().splitlines() if x.startswith("Max address space"))
        return int(line.split()[3])

    assert cap(default_pid) == Limits().parse_memory_bytes and cap(small_pid) == small.parse_memory_bytes


def test_a_worker_holds_none_of_the_projects_settings(fresh_pool, monkeypatch):
    monkeypatch.setenv("KEJIAO_WEBHOOK_TEST_DISTRICT", "https://example.invalid/secret-token")
    parse(csv(2024))
    (pid,) = kept()
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert not [v for v in environ if v.startswith(b"KEJIAO_")]  # neither the pseudonym key nor a webhook
    assert any(v.startswith(b"POLARS_MAX_THREADS=") for v in environ)


def test_a_file_that_kills_a_kept_worker_is_retried_in_a_new_process_and_the_dead_one_is_not_kept(fresh_pool):
    parse(csv(2024))
    (warm,) = kept()
    parsed = parse(csv(2023), _huge_dimension(declare=False), csv(2025))
    assert [p.report_types for p in parsed] == [["R5"], [], ["R5"]]
    assert parsed[1].unreadable[0] == "parse_crashed"
    assert warm not in kept() and not running(warm)
    assert all(running(pid) for pid in kept())


def test_a_kept_worker_that_died_while_idle_is_replaced_and_no_file_pays_for_it(fresh_pool):
    parse(csv(2024))
    (warm,) = kept()
    os.kill(warm, signal.SIGKILL)
    assert wait_until(lambda: not running(warm))
    parsed = parse(csv(2025))
    assert parsed[0].report_types == ["R5"] and parsed[0].unreadable is None
    assert kept() and warm not in kept()


def test_a_worker_that_has_grown_or_sat_idle_is_ended(fresh_pool, monkeypatch):
    monkeypatch.setattr(W, "WARM_MAX_RSS", 1)  # every worker has grown past this
    parse(csv(2024))
    assert kept() == [] and not [p for p in W._WARM.live if p.running()]
    monkeypatch.setattr(W, "WARM_MAX_RSS", 256 << 20)
    monkeypatch.setattr(W, "WARM_IDLE_S", 0.2)
    parse(csv(2024))
    (pid,) = kept()
    assert wait_until(lambda: not running(pid), 10) and kept() == []


EXITS = textwrap.dedent("""
    import os, sys, time
    from pipelines.intake.workers import parse_many, _WARM
    parse_many([(b"a,b\\n1,2\\n", "x.csv")], [8], 1)
    workers = [p.popen.pid for p in _WARM.idle]
    if sys.argv[1] == "fork":
        child = os.fork()
        if child == 0:  # a child that outlives its parent holds none of the workers' pipes
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            time.sleep(60)
            os._exit(0)
        print(*workers, "child", child, flush=True)
        os._exit(0)  # no atexit: the worker must end on its own when its input closes
    print(*workers, flush=True)
""")


@pytest.mark.parametrize("how", ["exit", "fork"])
def test_no_worker_outlives_the_process_that_started_it(how):
    done = subprocess.run([sys.executable, "-c", EXITS, how], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    child = int(words[words.index("child") + 1]) if "child" in words else None
    workers = [int(w) for w in (words[:words.index("child")] if child else words)]
    try:
        assert len(workers) == 1
        if how == "exit":  # ended by the process itself at exit (atexit), before it was gone
            assert not any(running(p) for p in workers)
        else:  # ended on its own when its input closed, though the fork's child holds a copy of it
            assert wait_until(lambda: not any(running(p) for p in workers))
        assert child is None or running(child)  # ... while the fork's child still runs
    finally:
        if child is not None:
            os.kill(child, signal.SIGKILL)
