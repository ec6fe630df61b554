"""One writer at a time: two refresh_all runs submitted together go through the instance's queue
(dagster.yaml: QueuedRunCoordinator, tag kejiao/writes_warehouse=true limited to 1), the second
waits for the first, and both succeed.

Real pieces throughout: the project's dagster.yaml on a temporary DAGSTER_HOME, runs submitted with
`dagster job launch` (as a person or a script would), the daemon's own queue processing
(QueuedRunCoordinatorDaemon), runs executed by the default run launcher in their own processes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.test_utils import create_test_daemon_workspace_context, poll_for_finished_run
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

from pipelines.settings import PROJECT_ROOT
from tests.conftest import put, put_registry
from tests.intake.test_rules import R5_HEADER

DAGSTER_CLI = Path(sys.executable).parent / "dagster"
RUN_WAIT_S = 600  # an upper bound to give up waiting, never a performance assertion
IN_PROGRESS = {DagsterRunStatus.STARTING, DagsterRunStatus.STARTED}


def launch(env: dict) -> None:
    subprocess.run(
        [str(DAGSTER_CLI), "job", "launch", "-m", "pipelines.definitions", "-j", "refresh_all"],
        cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, timeout=RUN_WAIT_S,
    )


def dequeue(daemon: QueuedRunCoordinatorDaemon, workspace) -> None:
    list(daemon.run_iteration(workspace))


@pytest.mark.slow
def test_two_writer_runs_wait_for_each_other_and_both_succeed(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    data = tmp_path / "data"
    inbox = data / "inbox"
    inbox.mkdir(parents=True)
    put_registry(inbox)
    put(inbox, "2025年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]])
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(data))
    monkeypatch.delenv("KEJIAO_WEBHOOK_URL", raising=False)
    env = {**os.environ}

    # two runs submitted at once: both wait in the queue
    launch(env)
    launch(env)
    with DagsterInstance.get() as instance:
        runs = sorted(instance.get_runs(), key=lambda r: instance.get_run_record_by_id(r.run_id).create_timestamp)
        assert len(runs) == 2
        assert all(r.status == DagsterRunStatus.QUEUED for r in runs)
        assert all(r.tags.get("kejiao/writes_warehouse") == "true" for r in runs)

        target = ModuleTarget(module_name="pipelines.definitions", attribute=None,
                              working_directory=str(PROJECT_ROOT), location_name=None)
        with create_test_daemon_workspace_context(target, instance) as workspace:
            daemon = QueuedRunCoordinatorDaemon(interval_seconds=1)
            # the daemon's pass over the queue launches one writer and holds the other back
            dequeue(daemon, workspace)
            statuses = {r.run_id: instance.get_run_by_id(r.run_id).status for r in runs}
            launched = [rid for rid, s in statuses.items() if s in IN_PROGRESS | {DagsterRunStatus.SUCCESS}]
            waiting = [rid for rid, s in statuses.items() if s == DagsterRunStatus.QUEUED]
            assert len(launched) == 1 and len(waiting) == 1, statuses
            first, second = launched[0], waiting[0]

            # while the first is in progress, further passes keep the second queued
            if instance.get_run_by_id(first).status in IN_PROGRESS:
                dequeue(daemon, workspace)
                assert instance.get_run_by_id(second).status == DagsterRunStatus.QUEUED

            first_run = poll_for_finished_run(instance, first, timeout=RUN_WAIT_S)
            assert first_run.status == DagsterRunStatus.SUCCESS
            # the slot is free: the next pass launches the second
            dequeue(daemon, workspace)
            second_run = poll_for_finished_run(instance, second, timeout=RUN_WAIT_S)
            assert second_run.status == DagsterRunStatus.SUCCESS

        one, two = (instance.get_run_record_by_id(first), instance.get_run_record_by_id(second))
        assert two.start_time >= one.end_time, "the second writer started only after the first had finished"
    # the runs really wrote the warehouse, one after the other
    assert (data / "warehouse.duckdb").exists() and (data / "published" / "current.duckdb").exists()
