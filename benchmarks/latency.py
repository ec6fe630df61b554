"""The whole wait of a person who saves a file: into the inbox while Dagster's daemon runs (as
under `make dev` or the server's units), to its figure in the snapshot the dashboard reads.

    python -m benchmarks.latency [--sizes 1500,15000] [--reps 3] [--demo] [--data DIR] [--results DIR]
    python -m benchmarks.latency --render       # latency-latest.md again from latency-latest.json

For each size: the cached dataset (benchmarks/datasets.py) as a data folder's inbox (hard links),
a DAGSTER_HOME holding the project's `dagster.yaml` (as `make dev` copies it), then the real
`dagster-daemon run -m pipelines.definitions` with the environment `make dev` gives it. The inbox
sensor is on by default (`DefaultSensorStatus.RUNNING`, pipelines/operations/sensors.py): its first
tick sees every file and its run materializes the whole graph and publishes the snapshot (timed
as `setup`). Then, `--reps` times: once the sensor has ticked with nothing new, one school's
corrected annual report (benchmarks/run.py `new_file`, the `+1 file` case) is saved into the inbox
(written aside, renamed in: one atomic save), and the published snapshot
(`published/current.duckdb`, ATTACHed read-only in a fresh in-memory database as dashboards/scope.py
opens it) is polled every 0.5 s until it holds that file's submission, accepted, and the school's
figure in force is the file's.

Parts of each wait, from Dagster's run record and event log:
    sensor          saved -> the run the sensor asked for is created (queued)
    queue, launch   created -> taken off the run queue (checked every 5 s, dagster.yaml: Dagster's
                    STARTING event) -> the run worker has started (a new process loading the code
                    location: the run record's start time)
    run             started -> the snapshot step's materialization (`run to publish`); the run
                    goes on after it (checks, operations assets: `after publish`)
    visible         the snapshot's materialization -> the first poll that sees the figure

The file is saved just after a tick with nothing new: the next tick is ~30 s away, so `sensor` is
close to its worst case (the sensor ticks every 30 s; a file saved at a random moment waits 15 s
on average). Results: results/latency-latest.{md,json} and a stamped copy. Nothing is asserted.
The daemon and every process under it are stopped when the size is done, on failure too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import datasets
from benchmarks.measure import _children, machine, versions
from benchmarks.report import machine_was_shared, table, write_results

ROOT = Path(__file__).resolve().parent
PROJECT = ROOT.parent
BIN = Path(sys.executable).parent
BENCH_KEY = "benchmark-pseudonym-key-of-32-bytes-or-more"
DEFAULT_SIZES = (1500, 15000)
GOAL = {"seconds": 45.0, "schools": 150_000}
POLL_S = 0.5
SENSOR = "inbox_sensor"
R5_TABLE = "staging.r5_school_annual_reports_in_force"
SETUP_TIMEOUT_S = 3600  # upper bounds to give up waiting, not performance limits
REP_TIMEOUT_S = 900


class Failed(RuntimeError):
    pass


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], check=False, capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------------------- the daemon

class Daemon:
    """`dagster-daemon run -m pipelines.definitions` over one DAGSTER_HOME and data folder, in its
    own session; `stop()` ends it and every process under it (code server, run workers)."""

    def __init__(self, home: Path, data: Path, log: Path) -> None:
        self.home, self.data, self.log_path = home, data, log
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")  # as `make dev` does
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("KEJIAO_", "DAGSTER_", "PYTEST_")) and k != "COV_CORE_SOURCE"}
        self.env = {**env, "DAGSTER_HOME": str(home), "KEJIAO_DATA_DIR": str(data), "KEJIAO_DEMO": "1",
                    "KEJIAO_PSEUDONYM_KEY": os.environ.get("KEJIAO_PSEUDONYM_KEY", BENCH_KEY),
                    # the generated inbox is flat: its root is the data team's (deploy/README.md)
                    "KEJIAO_INBOX_ROOT_CHANNEL": "data_team"}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept for the process's life
        try:
            self.process = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "pipelines.definitions"],
                                            cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        finally:
            log.close()

    def alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise Failed(f"dagster-daemon exited ({self.process.returncode}):\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the daemon's process group and to every descendant (one that started its own
        session included), SIGKILL to whatever outstays 30 s."""
        if self.process is None:
            return
        process, self.process = self.process, None
        tree = self._tree_of(process.pid)
        for send in (lambda: os.killpg(process.pid, signal.SIGTERM), *(
                (lambda p=p: os.kill(p, signal.SIGTERM)) for p in tree)):
            try:
                send()
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (process.poll() is None or any(_exists(p) for p in tree[1:])):
            time.sleep(0.2)
        for pid in (*self._tree_of(process.pid), *tree):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            pass

    @staticmethod
    def _tree_of(root: int) -> list[int]:
        out, todo = [], [root]
        while todo:
            pid = todo.pop()
            if pid not in out and _exists(pid):
                out.append(pid)
                todo += _children(pid)
        return out


def _exists(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# ------------------------------------------------------------------------------- Dagster's records

def sensor_ticks(instance, after: float) -> list:
    """The inbox sensor's ticks after `after` (epoch seconds), oldest first."""
    states = [s for s in instance.all_instigator_state() if s.name == SENSOR]
    if not states:
        return []
    state = states[0]
    ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, after=after, limit=20)
    return sorted(ticks, key=lambda t: t.timestamp)


def sensor_runs(instance) -> list:
    from dagster import RunsFilter

    return list(instance.get_run_records(RunsFilter(tags={"kejiao/trigger": "inbox_sensor"}), ascending=True,
                                         order_by="create_timestamp"))


def run_times(instance, run_id: str) -> dict:
    """Epoch seconds of a finished run's milestones, from its record and event log."""
    from dagster import DagsterEventType

    record = instance.get_run_record_by_id(run_id)
    out = {"created": record.create_timestamp.timestamp(), "started": record.start_time, "ended": record.end_time,
           "status": record.dagster_run.status.value}
    for entry in instance.all_logs(run_id, of_type={DagsterEventType.RUN_STARTING,
                                                    DagsterEventType.ASSET_MATERIALIZATION}):
        event = entry.dagster_event
        if event.event_type == DagsterEventType.RUN_STARTING:
            out["launching"] = entry.timestamp  # taken off the queue, the worker being launched
        elif event.asset_key is not None and event.asset_key.path[-1] == "published_snapshot":
            out["published"] = entry.timestamp
        elif event.asset_key is not None and event.asset_key.path[-1] == "submissions":
            meta = event.event_specific_data.materialization.metadata
            out["intake"] = {k: meta[k].value for k in INTAKE_COUNTS if k in meta}
    return out


INTAKE_COUNTS = ("files_seen", "new_submissions", "accepted", "rejected", "not_a_report", "duplicates", "unchanged")


def wait(what: str, predicate, daemon: Daemon, timeout: float, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        daemon.alive()
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"gave up waiting for {what} after {timeout:.0f} s\n{daemon.log_tail()}")
        time.sleep(every)


def finished(instance, run_id: str):
    run = instance.get_run_by_id(run_id)
    if run is not None and run.is_finished:
        if not run.is_success:
            raise Failed(f"run {run_id} ended {run.status.value}")
        return run
    return None


# ------------------------------------------------------------------------------- the snapshot

def shows(snapshot: Path, name: str, school: str, year: int, value: int) -> bool:
    """Whether the published snapshot holds the file, accepted, and its figure in force: read as
    the dashboard reads (a fresh in-memory database ATTACHing the current file read-only)."""
    import duckdb

    if not snapshot.exists():
        return False
    con = duckdb.connect(":memory:")
    try:
        con.execute("attach $path as snap (read_only)", {"path": str(snapshot)})
        accepted = con.execute("select count(*) from snap.raw.submissions where original_name = $name "
                               "and status = 'accepted'", {"name": name}).fetchone()[0]
        figure = con.execute(f"select students_in_st_activities from snap.{R5_TABLE} "
                             "where school_code = $school and report_year = $year",
                             {"school": school, "year": year}).fetchall()
    except duckdb.Error:  # replaced while we opened it: the next poll
        return False
    finally:
        con.close()
    return bool(accepted) and [r[0] for r in figure] == [value]


def prepare_file(data: Path, aside: Path, rep: int) -> tuple[Path, str, str, int, int]:
    """The `+1 file` of benchmarks/run.py, written aside (named apart for each repetition): the
    file, its name in the inbox, the school, year and the figure it brings."""
    import fastexcel

    from benchmarks.run import new_file
    from pipelines.intake.schema import REPORT_TYPES

    shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir(parents=True)
    path = new_file(data, aside)
    sheet = fastexcel.read_excel(path.read_bytes()).load_sheet(0, header_row=None).to_polars()
    header, values = sheet.row(0), sheet.row(1)
    named = {str(h): v for h, v in zip(header, values, strict=True)}
    zh = {c.name: c.zh for c in REPORT_TYPES["R5"].columns}
    school, year = str(named[zh["school_code"]]), int(float(named[zh["report_year"]]))
    value = int(float(named[zh["students_in_st_activities"]]))
    target_name = path.name.replace("（更正）", f"（更正{rep}）")
    return path, target_name, school, year, value


# ------------------------------------------------------------------------------- one size

def measure_size(folder: Path, work: Path, reps: int, log) -> dict:
    from dagster import DagsterInstance
    from dagster._core.scheduler.instigation import TickStatus

    shutil.rmtree(work, ignore_errors=True)
    data, home = work / "data", work / "dagster_home"
    data.mkdir(parents=True)
    inbox = datasets.linked_inbox(folder, data / "inbox")
    daemon = Daemon(home, data, work / "daemon.log")
    out: dict = {"files_in_inbox": sum(1 for p in inbox.iterdir() if p.is_file()), "runs": []}
    previous_home = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)  # this process reads the instance the daemon writes
    try:
        # the instance's SQLite storage is made here, once, before the daemon and its code server
        # start: made by both at once, one of them can fail its schema check (alembic) and never run
        with DagsterInstance.get() as instance:
            started = time.time()
            daemon.start()
            log("    daemon started; the sensor's first tick materializes the inbox")
            first = wait("the sensor's first run", lambda: sensor_runs(instance), daemon, 600)[0]
            wait("the first run", lambda: finished(instance, first.dagster_run.run_id), daemon, SETUP_TIMEOUT_S)
            t = run_times(instance, first.dagster_run.run_id)
            out["setup"] = {"daemon_start_to_first_run_s": round(t["created"] - started, 2),
                            "first_run_s": round(t["ended"] - t["started"], 2), "run_id": first.dagster_run.run_id,
                            "intake": t.get("intake", {})}
            log(f"    first run (whole inbox): {out['setup']['first_run_s']:.1f} s, intake {t.get('intake')}")
            last_end = t["ended"]
            snapshot = data / "published" / "current.duckdb"
            for rep in range(1, reps + 1):
                skipped = wait("a tick with nothing new", lambda after=last_end: [
                    k for k in sensor_ticks(instance, after) if k.status == TickStatus.SKIPPED], daemon, 120, 0.25)
                ahead = datetime.now(UTC).timestamp() - skipped[-1].timestamp
                source, name, school, year, value = prepare_file(data, work / "aside", rep)
                known = {r.dagster_run.run_id for r in sensor_runs(instance)}
                load = os.getloadavg()[0]
                os.replace(source, inbox / name)  # saved: the file appears whole, at once
                saved = time.time()
                seen = wait("the figure in the snapshot", lambda n=name, s=school, y=year, v=value: shows(snapshot, n, s, y, v),
                            daemon, REP_TIMEOUT_S, POLL_S)
                visible = time.time()
                assert seen
                new = [r for r in sensor_runs(instance) if r.dagster_run.run_id not in known]
                if not new:
                    raise Failed("the figure is visible but no run of the sensor's is recorded")
                run_id = new[0].dagster_run.run_id
                wait("the run to finish", lambda r=run_id: finished(instance, r), daemon, REP_TIMEOUT_S, 0.5)
                t = run_times(instance, run_id)
                last_end = t["ended"]
                row = {
                    "file": name, "school": school, "report_year": year, "value": value, "run_id": run_id,
                    "new_runs": len(new), "load_avg_1m_before": round(load, 2),
                    "saved_after_skipped_tick_s": round(ahead, 2),
                    "total_s": round(visible - saved, 2),
                    "sensor_s": round(t["created"] - saved, 2),
                    "queue_s": round(t["launching"] - t["created"], 2),
                    "launch_s": round(t["started"] - t["launching"], 2),
                    "queue_launch_s": round(t["started"] - t["created"], 2),
                    "run_to_publish_s": round(t["published"] - t["started"], 2),
                    "publish_to_visible_s": round(visible - t["published"], 2),
                    "run_s": round(t["ended"] - t["started"], 2),
                    "after_publish_s": round(t["ended"] - t["published"], 2),
                    "saved_at": datetime.fromtimestamp(saved, UTC).isoformat(timespec="seconds"),
                    "intake": t.get("intake", {}),
                }
                out["runs"].append(row)
                log(f"    {rep}/{reps}: {row['total_s']:.1f} s (sensor {row['sensor_s']:.1f}, queue+launch "
                    f"{row['queue_launch_s']:.1f}, run to publish {row['run_to_publish_s']:.1f}, visible "
                    f"{row['publish_to_visible_s']:.1f}; whole run {row['run_s']:.1f}), load {load:.1f}")
    finally:
        daemon.stop()
        if previous_home is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous_home
        if out.get("runs") is not None:
            out["daemon_log_tail"] = daemon.log_tail(1500) if len(out["runs"]) < reps else ""
        shutil.rmtree(work, ignore_errors=True)
    out["median"] = {k: round(statistics.median(r[k] for r in out["runs"]), 2) for k in PARTS}
    out["repetitions"] = len(out["runs"])
    return out


PARTS = ("total_s", "sensor_s", "queue_s", "launch_s", "queue_launch_s", "run_to_publish_s", "publish_to_visible_s",
         "run_s", "after_publish_s")


# ------------------------------------------------------------------------------- report

def shared(results: dict) -> str:
    """Whether other work shared the machine, from the load average at the start and the end (1 min)."""
    cores = results["machine"].get("cores_usable") or os.cpu_count() or 1
    loads = [results.get("load_avg_at_start", [0])[0], results.get("load_avg_at_end", [0])[0]]
    if machine_was_shared(results):
        return (f"Taken under load: the 1-minute load average reached {max(loads):.2f} on {cores} cores, "
                "other work shared the machine and wall times are inflated.")
    return f"Taken on a quiet machine ({cores} cores, 1-minute load average at most {max(loads):.2f})."


def markdown(results: dict) -> str:
    g = results["goal"]
    lines = [
        "# A file saved into the inbox, to its figure on the dashboard",
        "",
        (f"Measured {results['started_at']} (UTC), `python -m benchmarks.latency`: the real `dagster-daemon` "
         f"(project `dagster.yaml`, SQLite storage, the inbox sensor every {results['parameters']['sensor_interval_s']} "
         "s), one school's corrected annual report saved into the inbox just after a tick with nothing new (so the "
         "sensor's wait is near its worst case), the published snapshot polled every "
         f"{results['parameters']['poll_s']:g} s as the dashboard opens it. Medians of "
         f"{results['parameters']['reps']} files a size."),
        "",
        (f"{shared(results)} `uptime` at start: `{results['uptime_at_start']}`; at end: "
         f"`{results['uptime_at_end']}`."),
        "",
    ]

    half_tick = results["parameters"]["sensor_interval_s"] / 2

    def row(size: str, r: dict) -> list[str]:
        m = r["median"]
        typical = statistics.median(x["total_s"] - x["sensor_s"] + half_tick for x in r["runs"])
        return [f"{int(size):,}" if size.isdigit() else size, f"{m['total_s']:.1f}", f"{typical:.1f}",
                f"{m['sensor_s']:.1f}",
                f"{m['queue_s']:.1f} + {m['launch_s']:.1f}", f"{m['run_to_publish_s']:.1f}",
                f"{m['publish_to_visible_s']:.1f}", f"{m['run_s']:.1f}", str(r["repetitions"]),
                " / ".join(f"{x['total_s']:.1f}" for x in r["runs"])]

    lines += table(["schools", "total s", "saved at a random moment s", "sensor s", "queue + launch s", "run to publish s", "publish to visible s",
                    "whole run s", "n", "each file s"], "rrrrrrrrrl",
                   (row(size, r) for size, r in results["sizes"].items()))
    lines += ["", ("total = sensor + queue + launch + run to publish + publish to visible (each a median: "
                   "their sum is near, not equal to, the median total). The run goes on after the snapshot is "
                   "published (checks, operations): `whole run` is its whole length. `publish to visible` is "
                   "from Dagster's record of the snapshot's materialization, written just after the file is "
                   "renamed into place: it may be a hair below zero. `saved at a random moment` is derived, "
                   f"not measured: the total with the sensor's wait replaced by its mean, half a tick "
                   f"({half_tick:g} s).")]
    lines += ["", "## Goal", ""]
    goals = []
    for size, r in results["sizes"].items():
        total = r["median"]["total_s"]
        label = f"{int(size):,}" if size.isdigit() else size
        goals.append((f"{label}: under {g['seconds']:g} s (the goal is set at {g['schools']:,} schools)",
                      f"{total:.1f} s", "met" if total < g["seconds"] else "**not met**"))
    if str(g["schools"]) not in results["sizes"]:
        goals.append((f"{g['schools']:,}: under {g['seconds']:g} s", ("not run this time "
                      f"(`python -m benchmarks.latency --sizes {g['schools']}`)"), "–"))
    lines += table(["goal", "measured", ""], "lll", goals)
    lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Kejiao 2030: a file saved into the inbox to its figure (issue 15)")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="schools per dataset, comma-separated (default 1500,15000)")
    parser.add_argument("--demo", action="store_true", help="the tiny demo inbox (seeds/demo) instead of --sizes")
    parser.add_argument("--reps", type=int, default=3, help="files saved, one after another, per size")
    parser.add_argument("--years", type=int, default=datasets.YEARS)
    parser.add_argument("--seed", type=int, default=datasets.SEED)
    parser.add_argument("--data", type=Path, default=datasets.DATA_DIR, help="dataset cache and work (git-ignored)")
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--render", action="store_true",
                        help="only write latency-latest.md again from latency-latest.json")
    args = parser.parse_args(argv)
    if args.render:
        import json

        results = json.loads((args.results / "latency-latest.json").read_text(encoding="utf-8"))
        (args.results / "latency-latest.md").write_text(markdown(results), encoding="utf-8")
        return results
    if args.reps < 1:
        parser.error("--reps: at least 1")
    sizes = ["demo"] if args.demo else [s for s in str(args.sizes).replace(" ", "").split(",") if s]

    def log(message: str) -> None:
        print(message, flush=True)

    from pipelines.operations.sensors import INBOX_SENSOR_INTERVAL_S

    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    results = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "parameters": {"sizes": sizes, "reps": args.reps, "years": args.years, "seed": args.seed, "poll_s": POLL_S,
                       "sensor_interval_s": INBOX_SENSOR_INTERVAL_S},
        "goal": GOAL,
        "uptime_at_start": uptime(),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "sizes": {},
    }
    for size in sizes:
        if size == "demo":
            from pipelines.settings import DEMO_DIR

            folder = DEMO_DIR
            info = {"schools": "demo", "path": "seeds/demo",
                    "files": sum(1 for p in (folder / "inbox").iterdir() if p.is_file())}
        else:
            folder = datasets.dataset(int(size), args.years, args.seed, args.data, log=log)
            info = datasets.info(folder)
        log(f"size {size}: {info.get('files', '')} files")
        measured = measure_size(folder, args.data / "work" / f"latency-{size}-{os.getpid()}", args.reps, log)
        measured["dataset"] = info
        measured["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["sizes"][size] = measured
        results["uptime_at_end"] = uptime()
        results["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        write_results(results, args.results, stamp, markdown, name="latency")
    log(f"wrote {args.results / 'latency-latest.md'}")
    return results


def _terminate(signum, frame):  # a SIGTERM unwinds like Ctrl-C: every `finally` stops its daemon
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    main()
