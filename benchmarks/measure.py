"""Running one benchmark case in a fresh Python process, measuring its time and peak memory.

Each case runs as `python -m benchmarks.cases <case> <json args>` and prints one JSON line with
its own timings. The parent samples the resident memory of the child's whole process tree (the
child and any worker processes it starts) every 20 ms from /proc, and also reads the child's
own `ru_maxrss`. A fresh process per run keeps runs independent: no warm caches, no memory left
over from the previous case.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, now (Linux /proc)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss(p)
        todo += _children(p)
    return total


def run_case(case: str, args: dict, env: dict | None = None, timeout: float = 3600) -> dict:
    """Run a case in a child process; its JSON result plus wall time and peak memory."""
    full_env = {**os.environ, **(env or {})}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "benchmarks.cases", case, json.dumps(args)], cwd=ROOT,
                             env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(child.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = child.communicate(timeout=timeout)
    finally:
        stop.set()
        sampler.join()
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"benchmark case {case} failed ({child.returncode}):\n{err[-4000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1])
    result["process_wall_s"] = round(wall, 3)
    # the sampled tree can miss a short spike; the child's own high-water mark cannot
    result["peak_rss_mib"] = round(max(peak / 2**20, result.get("self_maxrss_mib", 0.0)), 1)
    return result


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": cpu,
        "cores_logical": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("dagster", "duckdb", "polars", "fastexcel", "pyarrow", "streamlit", "pandas", "openpyxl", "xlrd",
                 "odfpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out
