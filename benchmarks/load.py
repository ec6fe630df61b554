"""Many readers at once (issue 15 #2): K signed-in viewers of the dashboard, at the protocol level.

    python -m benchmarks.load [--viewers 10,25,50,100] [--processes 1,2] [--seconds 60]
                              [--think 2,5] [--data-dir DIR] [--results DIR]

Each viewer is what a browser tab is to Streamlit, without the browser: a websocket to
`/_stcore/stream` speaking Streamlit's own protobuf messages. It opens as a demo identity (the
identity rides in the address, `?demo=…`, as in a bookmarked page), then every few seconds (a
think time drawn from --think) switches to another of the pages its role may open — a
`BackMsg.rerun_script` naming the page, as the browser's menu sends it — and times the page from
the request to the `ForwardMsg.script_finished` that ends its run. Viewers are a mix of the demo
roles: commission staff, a district bureau, a school and a university (seeds/role_assignments.csv).

The dashboard runs as P Streamlit processes over the same published snapshot, as
deploy/nginx/kejiao-dashboard.conf serves it: viewers are dealt to the processes in turn, and a
viewer stays on its process (what the proxy's sticky cookie does). The snapshot is the demo's
(seeds/demo through the whole pipeline), built once per run in a temporary folder.

Per (P, K): page times (p50, p95, max), pages served, errors (a page that raised, showed an
error, was not found, did not finish within --timeout, or a dropped connection), the servers'
peak resident memory and CPU, the load generator's own CPU (it shares the machine). Written to
results/load-latest.json, results/load-latest.md and a stamped copy. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.measure import machine, tree_rss, versions
from benchmarks.report import table, write_results

ROOT = Path(__file__).resolve().parent
PROJECT = ROOT.parent
APP = PROJECT / "dashboards" / "streamlit_app.py"
# (role, demo identity, first page): the demo role table (seeds/role_assignments.csv)
IDENTITIES = [
    ("commission", "shijiaowei@demo.kejiao.invalid", "overview"),
    ("district", "hexi@demo.kejiao.invalid", "overview"),
    ("school", "hexi12zhong@demo.kejiao.invalid", "my_school"),
    ("university", "jinmen@demo.kejiao.invalid", "my_school"),
]
FINISHED = ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].enum_type.values_by_name
DONE = FINISHED["FINISHED_SUCCESSFULLY"].number
RERUN = FINISHED["FINISHED_EARLY_FOR_RERUN"].number
COMPILE_ERROR = FINISHED["FINISHED_WITH_COMPILE_ERROR"].number
GOAL = {"viewers": 50, "p95_s": 2.0}


# ---------------------------------------------------------------- the protocol

def rerun_script(identity: str, page_hash: str = "", page_name: str = "") -> bytes:
    """What the browser sends to run a page: the address's query string, the page, no widget
    changed (the sidebar's choices stay in the session's state)."""
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = f"demo={identity}"
    state.page_script_hash = page_hash
    state.page_name = page_name
    state.widget_states.SetInParent()
    state.context_info.timezone = "Asia/Shanghai"
    state.context_info.timezone_offset = -480
    state.context_info.locale = "zh-CN"
    return msg.SerializeToString()


@dataclass
class PageResult:
    seconds: float
    error: str | None = None
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page hash, from `navigation`
    nbytes: int = 0


async def run_page(ws, payload: bytes, timeout: float) -> PageResult:
    """Send one rerun and read until its script has finished; an exception or an error shown on
    the page, a page not found or a compile error is the page's error."""
    t0 = time.perf_counter()
    await ws.send(payload)
    error: str | None = None
    pages: dict[str, str] = {}
    nbytes = 0
    deadline = t0 + timeout
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return PageResult(time.perf_counter() - t0, "timeout", pages, nbytes)
        try:
            raw = await asyncio.wait_for(ws.recv(), remaining)
        except TimeoutError:
            return PageResult(time.perf_counter() - t0, "timeout", pages, nbytes)
        nbytes += len(raw)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element.WhichOneof("type")
            if element == "exception" and error is None:
                error = "exception: " + msg.delta.new_element.exception.message[:200]
            elif element == "alert" and msg.delta.new_element.alert.format == 1 and error is None:  # ERROR
                error = "error shown: " + msg.delta.new_element.alert.body[:200]
        elif kind == "navigation":
            pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages if not p.is_hidden}
        elif kind == "page_not_found":
            error = error or "page not found"
        elif kind == "script_finished":
            if msg.script_finished == RERUN:  # the page asked for another run (st.rerun/switch_page)
                continue
            if msg.script_finished == COMPILE_ERROR:
                error = error or "compile error"
            return PageResult(time.perf_counter() - t0, error, pages, nbytes)


@dataclass
class Viewer:
    number: int
    role: str
    identity: str
    first_page: str
    url: str
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pages_seen: dict[str, int] = field(default_factory=dict)
    bytes_received: int = 0


async def view(viewer: Viewer, start_at: float, stop_at: float, think: tuple[float, float], timeout: float,
               rng: random.Random) -> None:
    """One viewer: open the first page, then switch page every few seconds until `stop_at`."""
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    host = viewer.url.split("//", 1)[1]
    try:
        async with websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                      origin=viewer.url, max_size=None, open_timeout=timeout,
                                      ping_interval=20, ping_timeout=timeout) as ws:
            result = await run_page(ws, rerun_script(viewer.identity, page_name=viewer.first_page), timeout)
            pages = result.pages
            record(viewer, viewer.first_page, result)
            order = [p for p in pages if p != viewer.first_page]
            rng.shuffle(order)
            order.append(viewer.first_page)
            turn = 0
            while True:
                await asyncio.sleep(rng.uniform(*think))
                if time.monotonic() >= stop_at or not order:
                    break
                page = order[turn % len(order)]
                turn += 1
                result = await run_page(ws, rerun_script(viewer.identity, pages[page], page), timeout)
                record(viewer, page, result)
                if result.error == "timeout":  # the session is stuck in that run: give up on it
                    break
    except (OSError, websockets.WebSocketException) as exc:
        viewer.errors.append(f"connection: {type(exc).__name__}: {exc}"[:200])


def record(viewer: Viewer, page: str, result: PageResult) -> None:
    viewer.times.append(result.seconds)
    viewer.pages_seen[page] = viewer.pages_seen.get(page, 0) + 1
    viewer.bytes_received += result.nbytes
    if result.error:
        viewer.errors.append(f"{page}: {result.error}")


# ---------------------------------------------------------------- the servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        for child in Path(f"/proc/{pid}/task").glob("*/children"):
            pids += [int(c) for c in child.read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Servers:
    """P Streamlit processes over one data folder, as the systemd units start them (demo mode)."""

    def __init__(self, count: int, data_dir: Path, logs: Path) -> None:
        self.ports = [free_port() for _ in range(count)]
        env = {**os.environ, "KEJIAO_DATA_DIR": str(data_dir), "KEJIAO_DEMO": "1"}
        env.pop("KEJIAO_PSEUDONYM_KEY", None)
        logs.mkdir(parents=True, exist_ok=True)
        self.processes = []
        for port in self.ports:
            log = open(logs / f"streamlit-{port}.log", "wb")  # noqa: SIM115 - lives as long as the process
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1",
                 "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
                cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for url, process in zip(self.urls, self.processes, strict=True):
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit at {url} exited ({process.returncode})")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit at {url} not ready after {timeout:.0f} s")
                time.sleep(0.5)

    def rss_mib(self) -> list[float]:
        return [tree_rss(p.pid) / 2**20 for p in self.processes]

    def cpu_s(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


# ---------------------------------------------------------------- one level of load

def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def _level(servers: Servers, viewers: int, seconds: float, think: tuple[float, float], timeout: float,
                 ramp: float, seed: int) -> dict:
    rng = random.Random(seed)
    crowd = [Viewer(i, *IDENTITIES[i % len(IDENTITIES)], url=servers.urls[i % len(servers.urls)])
             for i in range(viewers)]
    memory: list[list[float]] = []

    async def sample() -> None:
        while True:
            memory.append(servers.rss_mib())
            await asyncio.sleep(1.0)

    sampler = asyncio.create_task(sample())
    now = time.monotonic()
    stop_at = now + ramp + seconds
    cpu0, own0, t0 = servers.cpu_s(), time.process_time(), time.perf_counter()
    await asyncio.gather(*(view(v, now + ramp * i / max(1, viewers), stop_at, think, timeout,
                                random.Random(rng.random())) for i, v in enumerate(crowd)))
    wall = time.perf_counter() - t0
    cpu1, own1 = servers.cpu_s(), time.process_time()
    sampler.cancel()
    times = [t for v in crowd for t in v.times]
    errors = [e for v in crowd for e in v.errors]
    by_role: dict[str, list[float]] = {}
    for v in crowd:
        by_role.setdefault(v.role, []).extend(v.times)
    kinds: dict[str, int] = {}
    for e in errors:
        kind = e.split(":", 1)[0] if e.startswith("connection") else e.split(": ", 1)[1].split(":", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    peak = [max(col) for col in zip(*memory, strict=True)] if memory else servers.rss_mib()
    return {
        "viewers": viewers,
        "processes": len(servers.urls),
        "wall_s": round(wall, 1),
        "pages": len(times),
        "pages_per_s": round(len(times) / wall, 2) if wall else None,
        "p50_s": _round(percentile(times, 50)),
        "p95_s": _round(percentile(times, 95)),
        "max_s": _round(max(times) if times else None),
        "by_role_p95_s": {role: _round(percentile(ts, 95)) for role, ts in by_role.items()},
        "errors": len(errors),
        "error_kinds": kinds,
        "error_examples": sorted(set(errors))[:5],
        "server_peak_rss_mib": round(sum(peak), 1),
        "server_peak_rss_mib_each": [round(p, 1) for p in peak],
        "server_cpu_s": round(cpu1 - cpu0, 1),
        "server_cpu_share": round((cpu1 - cpu0) / wall / (os.cpu_count() or 1), 2) if wall else None,
        "generator_cpu_s": round(own1 - own0, 1),
        "mib_received": round(sum(v.bytes_received for v in crowd) / 2**20, 1),
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def level(servers: Servers, viewers: int, seconds: float, think: tuple[float, float], timeout: float,
          seed: int = 2030) -> dict:
    ramp = min(10.0, 0.2 * viewers)  # viewers arrive over a few seconds, not in the same millisecond
    return asyncio.run(_level(servers, viewers, seconds, think, timeout, ramp, seed))


async def _walk(url: str, role: str, identity: str, first: str, timeout: float) -> Viewer:
    """One viewer opening every page its role may open, once, one after the other."""
    viewer = Viewer(0, role, identity, first, url)
    async with websockets.connect(f"ws://{url.split('//', 1)[1]}/_stcore/stream", subprotocols=["streamlit"],
                                  origin=url, max_size=None, open_timeout=timeout) as ws:
        result = await run_page(ws, rerun_script(identity, page_name=first), timeout)
        record(viewer, first, result)
        for page, page_hash in result.pages.items():
            if page != first:
                record(viewer, page, await run_page(ws, rerun_script(identity, page_hash, page), timeout))
    return viewer


def warm_up(servers: Servers, timeout: float) -> dict:
    """Before the load, on each process: a viewer of each identity opens every page its role may
    open, then a second viewer of the same identity (a new session, the same scope) does the same.
    The first walk pays for the first run of the app and for the scope (its connection's views,
    its queries); the second shows what the cache of that scope leaves to pay."""
    out = []
    for url in servers.urls:
        per_role = {}
        for role, identity, first in IDENTITIES:
            walks = [asyncio.run(_walk(url, role, identity, first, timeout)) for _ in range(2)]
            per_role[role] = {
                "first_page_s": round(walks[0].times[0], 3), "pages": len(walks[0].times),
                "first_viewer_mean_s": round(statistics.mean(walks[0].times), 3),
                "first_viewer_max_s": round(max(walks[0].times), 3),
                "second_viewer_mean_s": round(statistics.mean(walks[1].times), 3),
                "second_viewer_max_s": round(max(walks[1].times), 3),
                "errors": (walks[0].errors + walks[1].errors)[:3]}
        out.append(per_role)
    return {"per_process": out}


# ---------------------------------------------------------------- data, report, main

def build_snapshot(data_dir: Path) -> Path:
    """The demo inbox (seeds/demo) through the whole pipeline into `data_dir`, as `make demo` does."""
    from pipelines.cli import run_all
    from pipelines.demo.generator import stage
    from pipelines.settings import DEMO_DIR, Settings

    settings = Settings(data_dir)
    stage(DEMO_DIR, settings.inbox_dir)
    os.environ.setdefault("KEJIAO_PSEUDONYM_KEY", "benchmark-pseudonym-key-of-32-bytes-or-more")
    os.environ.setdefault("KEJIAO_INBOX_ROOT_CHANNEL", "data_team")
    result = run_all(settings, settings.inbox_dir, settings.warehouse_path, raise_on_error=True, log_level="WARNING")
    if not result.success:
        raise RuntimeError("the demo pipeline failed: no snapshot to serve")
    return settings.published_dir / "current.duckdb"


def markdown(results: dict) -> str:
    rows = results["levels"]
    lines = [
        "# Many readers at once: the dashboard under K concurrent viewers",
        "",
        (f"Measured {results['started_at']} (UTC) on {results['machine'].get('cores_usable')} cores, "
         f"`python -m benchmarks.load` ({results['parameters']['seconds']:.0f} s of load per row, a page every "
         f"{results['parameters']['think'][0]:g}–{results['parameters']['think'][1]:g} s per viewer, viewers "
         "mixed commission / district / school / university, demo snapshot). Goal: "
         f"{GOAL['viewers']} viewers at p95 < {GOAL['p95_s']:g} s with no error. Load average (1 min) at "
         f"start {results['load_avg_at_start'][0]}: the machine is shared, see the last column."),
        "",
    ]
    lines += table(["processes", "viewers", "pages", "pages/s", "p50 s", "p95 s", "max s", "errors",
                    "server peak RSS MiB", "server CPU (share of all cores)", "generator CPU s", "load after"],
                   "r" * 12,
                   ([r["processes"], r["viewers"], r["pages"], r["pages_per_s"], _fmt(r["p50_s"]), _fmt(r["p95_s"]),
                     _fmt(r["max_s"]), r["errors"], f"{r['server_peak_rss_mib']:.0f}",
                     f"{r['server_cpu_s']:.0f} s ({r['server_cpu_share']:.0%})", f"{r['generator_cpu_s']:.0f}",
                     r["load_avg_1m_after"]] for r in rows))
    met = [r for r in rows if r["viewers"] >= GOAL["viewers"] and r["errors"] == 0
           and r["p95_s"] is not None and r["p95_s"] < GOAL["p95_s"]]
    lines += ["", "Goal met by: " + (", ".join(f"{r['processes']} process(es) at {r['viewers']} viewers"
                                               for r in met) or "none") + "."]
    failed = [r for r in rows if r["errors"]]
    if failed:
        lines += ["", "Errors:"]
        for r in failed:
            lines.append(f"- {r['processes']} process(es), {r['viewers']} viewers: {r['error_kinds']} — "
                         f"e.g. {r['error_examples'][:2]}")
    if results.get("warm_up"):
        lines += ["", ("A scope's first viewer and its second (before the load, one process, one viewer at a time: "
                  "every page the role may open, mean / slowest page):"), ""]
        lines += table(["processes", "role", "pages", "first viewer", "second viewer, same scope"], "llrll",
                       ([count, role, w["pages"], f"{w['first_viewer_mean_s']:.2f} / {w['first_viewer_max_s']:.2f} s",
                         f"{w['second_viewer_mean_s']:.2f} / {w['second_viewer_max_s']:.2f} s"]
                        for count, warm in results["warm_up"].items() for role, w in warm["per_process"][0].items()))
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _ints(text: str) -> list[int]:
    return [int(x) for x in str(text).replace(" ", "").split(",") if x]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Kejiao 2030: K concurrent dashboard viewers (issue 15)")
    parser.add_argument("--viewers", default="10,25,50,100", help="K, comma-separated")
    parser.add_argument("--processes", default="1,2", help="Streamlit processes, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="load per (processes, viewers)")
    parser.add_argument("--think", default="2,5", help="seconds between a viewer's pages: min,max")
    parser.add_argument("--timeout", type=float, default=60.0, help="a page not finished by then is an error")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="a data folder with a published demo snapshot (default: build one)")
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--no-warm-up", action="store_true")
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # a SIGTERM (kill, Ctrl-C from make) still stops the Streamlit processes in `finally`
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    think = tuple(float(x) for x in args.think.split(","))
    started = datetime.now(UTC)

    def log(message: str) -> None:
        print(message, flush=True)

    work = Path(tempfile.mkdtemp(prefix="kejiao-load-"))
    try:
        data_dir = args.data_dir
        if data_dir is None:
            log("building the demo snapshot ...")
            data_dir = work / "data"
            build_snapshot(data_dir)
        results: dict = {
            "started_at": started.isoformat(timespec="seconds"),
            "machine": machine(),
            "versions": versions(),
            "parameters": {"viewers": _ints(args.viewers), "processes": _ints(args.processes),
                           "seconds": args.seconds, "think": list(think), "timeout": args.timeout,
                           "identities": [i[:2] for i in IDENTITIES]},
            "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
            "warm_up": {},
            "levels": [],
        }
        for count in _ints(args.processes):
            for viewers in _ints(args.viewers):
                servers = Servers(count, data_dir, work / "logs")
                try:
                    servers.wait_ready()
                    if not args.no_warm_up:
                        warm = warm_up(servers, args.timeout)
                        results["warm_up"].setdefault(str(count), warm)
                    log(f"{count} process(es), {viewers} viewers, {args.seconds:.0f} s ...")
                    row = level(servers, viewers, args.seconds, think, args.timeout)
                finally:
                    servers.stop()
                results["levels"].append(row)
                log(f"  {row['pages']} pages, p50 {_fmt(row['p50_s'])} s, p95 {_fmt(row['p95_s'])} s, "
                    f"errors {row['errors']}, peak {row['server_peak_rss_mib']:.0f} MiB, "
                    f"server CPU {row['server_cpu_share']:.0%} of {os.cpu_count()} cores")
                write(results, args.results, started.strftime("%Y%m%dT%H%M%SZ"))
        results["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        write(results, args.results, started.strftime("%Y%m%dT%H%M%SZ"))
        log(f"wrote {args.results / 'load-latest.md'}")
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write(results: dict, folder: Path, stamp: str) -> None:
    """<stamp>-load.json, load-latest.json and load-latest.md."""
    write_results(results, folder, stamp, markdown, name="load")


if __name__ == "__main__":
    main()
