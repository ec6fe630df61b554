"""Dagster on PostgreSQL, as deploy/README.md sets it up on the commission's server, run for real.

The steps are the admin's: a PostgreSQL role and database `dagster` (tests/deploy/postgres.py: a
throwaway cluster of Debian's postgresql package), `deploy/dagster.postgres.yaml` copied to
`$DAGSTER_HOME/dagster.yaml`, the environment of `deploy/kejiao.env.example`, then the two
programs the systemd units start: `dagster-daemon run -w deploy/workspace.yaml` and
`dagster-webserver -h 127.0.0.1 -p … -w deploy/workspace.yaml` (the workspace's
`/opt/kejiao2030` mapped to this checkout). Nothing of Dagster is called in process except to
read the instance, as the UI does.

What it shows, in order:
1. the schedules are registered in Tianjin time (Asia/Shanghai; next ticks at 06:00 and 08:00);
2. the inbox sensor starts a run for a new file, and the run publishes the snapshot;
3. two files arriving one after the other while a run is in progress queue one writer at a time
   (the first run is held mid-way by a person's session holding the warehouse's lock: the
   second run stays queued for as long as the first is in progress, then runs);
4. a run killed mid-way (its process killed) is marked failed and recorded by the failure sensor;
5. after a restart of the daemon the run history and the sensor's cursor are still there: the
   next new file starts a run of that one file only, and it succeeds.

`slow` (a few minutes: every run is a new process loading the code location, the sensor ticks
every 30 s): `make test` and CI run it, `make check` does not.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from pipelines.settings import PROJECT_ROOT
from tests.conftest import KEY, put, put_registry
from tests.deploy.postgres import Cluster, free_port
from tests.intake.test_rules import R5_HEADER

pytestmark = pytest.mark.slow

DEPLOY = PROJECT_ROOT / "deploy"
BIN = Path(sys.executable).parent
SERVER_ROOT = "/opt/kejiao2030"
TIANJIN = ZoneInfo("Asia/Shanghai")
WAIT_S = 420  # upper bounds to give up waiting, never a performance assertion
IN_PROGRESS = {DagsterRunStatus.STARTING, DagsterRunStatus.STARTED}
LOCATION = "kejiao2030"


class Deployment:
    """The server's programs over one DAGSTER_HOME, data folder and Postgres database."""

    def __init__(self, root: Path, pg_env: dict[str, str]) -> None:
        self.home = root / "dagster_home"
        self.data = root / "data"
        self.inbox = self.data / "inbox" / "datateam"  # the data team's folder of the inbox share
        self.logs = root / "logs"
        for folder in (self.home, self.inbox, self.logs):
            folder.mkdir(parents=True)
        # deploy/README.md, Install: the instance file is deploy/dagster.postgres.yaml as it is
        shutil.copy(DEPLOY / "dagster.postgres.yaml", self.home / "dagster.yaml")
        workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text(encoding="utf-8"))
        for entry in workspace["load_from"]:
            module = entry["python_module"]
            assert module["working_directory"] == SERVER_ROOT
            module["working_directory"] = str(PROJECT_ROOT)
        self.workspace = root / "workspace.yaml"
        self.workspace.write_text(yaml.safe_dump(workspace), encoding="utf-8")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("KEJIAO_", "DAGSTER_", "PYTEST_")) and k != "COV_CORE_SOURCE"}
        self.env = {**env, **pg_env, "DAGSTER_HOME": str(self.home), "KEJIAO_DATA_DIR": str(self.data),
                    "KEJIAO_PSEUDONYM_KEY": KEY.decode()}
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.starts = 0

    def start(self, name: str, *args: str) -> None:
        self.starts += 1
        log = open(self.logs / f"{name}-{self.starts}.log", "wb")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen([str(BIN / name), *args], cwd=PROJECT_ROOT, env=self.env,
                                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_daemon(self) -> None:
        self.start("dagster-daemon", "run", "-w", str(self.workspace))

    def start_webserver(self) -> None:
        self.start("dagster-webserver", "-h", "127.0.0.1", "-p", str(self.port), "-w", str(self.workspace))

    def stop(self, name: str, wait_s: float = 60) -> None:
        """As systemd stops a unit: SIGTERM to the process group, SIGKILL if it outstays."""
        process = self.processes.pop(name)
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(wait_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name, wait_s=20)

    def log_tail(self) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert "errors" not in answer, answer
        return answer["data"]

    def wait(self, what: str, predicate, timeout: float = WAIT_S, every: float = 1.0):
        deadline = time.monotonic() + timeout
        while True:
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} exited ({process.returncode}):\n{self.log_tail()}"
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s\n{self.log_tail()}")
            time.sleep(every)


def sensor_runs(instance: DagsterInstance) -> list:
    """Runs the inbox sensor asked for, oldest first."""
    runs = instance.get_runs(RunsFilter(tags={"kejiao/trigger": "inbox_sensor"}))
    return sorted(runs, key=lambda r: instance.get_run_record_by_id(r.run_id).create_timestamp)


def record(instance: DagsterInstance, run_id: str):
    return instance.get_run_record_by_id(run_id)


def finished(instance: DagsterInstance, run_id: str):
    run = instance.get_run_by_id(run_id)
    return run if run.is_finished else None


def cursor_of(instance: DagsterInstance, name: str) -> str | None:
    [state] = [s for s in instance.all_instigator_state() if s.name == name]
    return state.instigator_data.cursor if state.instigator_data else None


def worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    """The run worker's process id, from the run's own event log ("Started process for run (pid: N).")."""
    for entry in instance.all_logs(run_id):
        found = re.search(r"Started process for run \(pid: (\d+)\)", entry.message or "")
        if found:
            return int(found.group(1))
    return None


def r5(inbox: Path, school: str, students: int) -> Path:
    """One school's 2025 annual report (bytes of its own: a new file for the sensor)."""
    return put(inbox, f"2025年报-{school}-{students}.xlsx", R5_HEADER,
               [[school, "", 2025, students, 1, 10, 2, students // 2]])


SCHEDULES = """
query ($selector: RepositorySelector!) {
  schedulesOrError(repositorySelector: $selector) {
    __typename
    ... on Schedules { results { name cronSchedule executionTimezone scheduleState { status }
                                 futureTicks(limit: 2) { results { timestamp } } } }
  }
}
"""
RUNS = "{ runsOrError { __typename ... on Runs { results { runId status } } } }"


def clear_of_schedule_ticks(margin_s: float = 12 * 60) -> None:
    """The schedules are real: a 06:00 refresh (or a briefing at 08:00 on the 1st) firing during the
    test would take the writer's slot. Should the test start within `margin_s` of one (Tianjin
    time), it waits until that tick has passed; a daemon started later does not run it."""
    now = datetime.now(TIANJIN)
    ticks = [now.replace(hour=6, minute=0, second=0, microsecond=0)]
    if now.day == 1:
        ticks.append(now.replace(hour=8, minute=0, second=0, microsecond=0))
    for tick in ticks:
        for candidate in (tick, tick + timedelta(days=1)):
            ahead = (candidate - now).total_seconds()
            if 0 <= ahead < margin_s:
                time.sleep(ahead + 60)
                return


@pytest.fixture
def postgres():
    cluster = Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def test_dagster_on_postgres_runs_the_inbox_queue_schedules_and_survives_a_restart(tmp_path, postgres, monkeypatch):
    site = Deployment(tmp_path, postgres.env())
    for key, value in {**postgres.env(), "DAGSTER_HOME": str(site.home)}.items():
        monkeypatch.setenv(key, value)  # this process reads the same instance, as the UI does
    put_registry(site.inbox)
    first = r5(site.inbox, "3412000001", 1800)
    clear_of_schedule_ticks()
    site.start_daemon()
    site.start_webserver()
    try:
        with DagsterInstance.get() as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
            check_schedules_in_tianjin_time(site)
            check_sensor_starts_a_run(site, instance, first)
            check_one_writer_at_a_time(site, instance)
            killed = check_a_killed_run_is_failed(site, instance)
            check_restart_keeps_history_and_cursor(site, instance, killed)
    finally:
        site.stop_all()


def check_schedules_in_tianjin_time(site: Deployment) -> None:
    def schedules():
        try:
            answer = site.graphql(SCHEDULES, {"selector": {"repositoryLocationName": LOCATION,
                                                           "repositoryName": "__repository__"}})
        except OSError:  # the webserver is still starting
            return None
        found = answer["schedulesOrError"]
        return {s["name"]: s for s in found["results"]} if found["__typename"] == "Schedules" else None

    by_name = site.wait("the webserver to list the schedules", schedules)
    assert set(by_name) == {"daily_refresh", "monthly_briefing_schedule", "reminder_schedule"}
    for name, hour in (("daily_refresh", 6), ("monthly_briefing_schedule", 8), ("reminder_schedule", 9)):
        schedule = by_name[name]
        assert schedule["executionTimezone"] == "Asia/Shanghai"
        assert schedule["scheduleState"]["status"] == "RUNNING", schedule
        ticks = [datetime.fromtimestamp(t["timestamp"], TIANJIN) for t in schedule["futureTicks"]["results"]]
        assert ticks and all((t.hour, t.minute) == (hour, 0) for t in ticks), (name, ticks)
    assert all(t.day == 1 for t in [datetime.fromtimestamp(t["timestamp"], TIANJIN) for t in
                                    by_name["monthly_briefing_schedule"]["futureTicks"]["results"]])


def check_sensor_starts_a_run(site: Deployment, instance: DagsterInstance, first: Path) -> None:
    [run] = site.wait("the inbox sensor's first run", lambda: sensor_runs(instance))
    assert run.job_name == "refresh_all" and run.tags["kejiao/writes_warehouse"] == "true"
    assert run.tags["kejiao/new_files"] == "2"  # the registry and the first report, one run
    done = site.wait("the first run to finish", lambda: finished(instance, run.run_id))
    assert done.status == DagsterRunStatus.SUCCESS, site.log_tail()
    assert (site.data / "published" / "current.duckdb").exists()
    con = duckdb.connect(str(site.data / "warehouse.duckdb"), read_only=True)
    try:
        accepted = con.sql("select count(*) from raw.submissions where status = 'accepted'").fetchall()[0][0]
    finally:
        con.close()
    assert accepted == 2, f"{first.name} and the registry accepted"


def check_one_writer_at_a_time(site: Deployment, instance: DagsterInstance) -> None:
    before = {r.run_id for r in sensor_runs(instance)}
    # a person's session holds the warehouse's write lock: the next run waits for it, mid-way
    session = duckdb.connect(str(site.data / "warehouse.duckdb"))
    try:
        r5(site.inbox, "3412000002", 2100)
        held = site.wait("a run for the second file", lambda: [r for r in sensor_runs(instance)
                                                                 if r.run_id not in before])[0]
        site.wait("the second file's run to start", lambda: instance.get_run_by_id(held.run_id).status
                  in IN_PROGRESS)
        r5(site.inbox, "3112000003", 900)
        queued = site.wait("a run for the third file", lambda: [r for r in sensor_runs(instance)
                                                                  if r.run_id not in before | {held.run_id}])[0]
        assert queued.tags["kejiao/new_files"] == "1" and queued.tags["kejiao/first_new_file"].endswith("900.xlsx")
        # several passes of the queue (every 5 s) keep the second writer back while the first is in progress
        for _ in range(4):
            time.sleep(5)
            assert instance.get_run_by_id(queued.run_id).status == DagsterRunStatus.QUEUED
            assert instance.get_run_by_id(held.run_id).status in IN_PROGRESS
    finally:
        session.close()
    for run in (held, queued):
        done = site.wait(f"run {run.run_id} to finish", lambda run=run: finished(instance, run.run_id))
        assert done.status == DagsterRunStatus.SUCCESS, site.log_tail()
    one, two = record(instance, held.run_id), record(instance, queued.run_id)
    assert two.start_time >= one.end_time, "the second writer started only after the first had finished"


def check_a_killed_run_is_failed(site: Deployment, instance: DagsterInstance) -> str:
    before = {r.run_id for r in sensor_runs(instance)}
    session = duckdb.connect(str(site.data / "warehouse.duckdb"))  # holds the run mid-way again
    try:
        r5(site.inbox, "3412000001", 1750)
        run = site.wait("a run for the fourth file", lambda: [r for r in sensor_runs(instance)
                                                                if r.run_id not in before])[0]
        pid = site.wait("the run's worker process", lambda: worker_pid(instance, run.run_id))
        assert instance.get_run_by_id(run.run_id).status in IN_PROGRESS
        os.kill(pid, signal.SIGKILL)  # the worker dies mid-way (out of memory, a reboot, kill -9)
        done = site.wait("the killed run to be marked finished", lambda: finished(instance, run.run_id))
        assert done.status == DagsterRunStatus.FAILURE
    finally:
        session.close()
    failures = site.data / "ops" / "failures.jsonl"

    def recorded():
        if not failures.exists():
            return False
        return any(json.loads(line).get("run_id") == run.run_id
                   for line in failures.read_text(encoding="utf-8").splitlines() if line.strip())

    site.wait("the run-failure sensor to record the killed run", recorded)
    return run.run_id


def check_restart_keeps_history_and_cursor(site: Deployment, instance: DagsterInstance, killed: str) -> None:
    history = {r.run_id: r.status for r in instance.get_runs()}
    cursor = cursor_of(instance, "inbox_sensor")
    assert cursor and len(json.loads(cursor)["seen"]) == 5  # registry and four reports
    site.stop("dagster-daemon")
    site.start_daemon()
    # the webserver (never restarted) and the instance still see every run, as it ended
    listed = {r["runId"]: r["status"] for r in site.graphql(RUNS)["runsOrError"]["results"]}
    assert listed == {run_id: status.value for run_id, status in history.items()}
    assert listed[killed] == "FAILURE"
    assert cursor_of(instance, "inbox_sensor") == cursor
    # the next file starts a run of that file alone (a lost cursor would take every file as new)
    before = set(history)
    last = r5(site.inbox, "3412000002", 2050)
    run = site.wait("a run after the restart", lambda: [r for r in sensor_runs(instance) if r.run_id not in before])[0]
    assert run.tags["kejiao/new_files"] == "1" and run.tags["kejiao/first_new_file"].endswith(last.name)
    done = site.wait("the run after the restart to finish", lambda: finished(instance, run.run_id))
    assert done.status == DagsterRunStatus.SUCCESS, site.log_tail()
    assert len(json.loads(cursor_of(instance, "inbox_sensor"))["seen"]) == 6
