"""When a run fails: the failure is recorded outside the warehouse and a group robot is told."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import dagster as dg
import pytest

from pipelines.operations.notify import read_failures
from pipelines.operations.sensors import run_failure_recorder
from pipelines.settings import WEBHOOK_ENV


class RobotHandler(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"content_type": self.headers["Content-Type"], "json": json.loads(body)})
        answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def robot():
    """A WeCom/DingTalk-style robot endpoint on 127.0.0.1, stopped after the test."""
    RobotHandler.received = []
    server = HTTPServer(("127.0.0.1", 0), RobotHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", RobotHandler.received
    server.shutdown()
    server.server_close()
    thread.join()


@dg.asset
def upstream_ok() -> int:
    return 1


@dg.asset(deps=[upstream_ok])
def warehouse_writer() -> None:
    raise RuntimeError("Could not set lock on file warehouse.duckdb（仓库被另一进程锁定）")


def failed_run_context():
    instance = dg.DagsterInstance.ephemeral()
    job = dg.define_asset_job("refresh_all", selection=dg.AssetSelection.all())
    defs = dg.Definitions(assets=[upstream_ok, warehouse_writer], jobs=[job])
    result = defs.resolve_job_def("refresh_all").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_recorder",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    return context, result.dagster_run


def test_failure_is_recorded_and_the_robot_is_told_in_chinese(robot, monkeypatch):
    url, received = robot
    monkeypatch.setenv(WEBHOOK_ENV, url)
    context, run = failed_run_context()
    run_failure_recorder(context)

    [record] = read_failures()
    assert record["job_name"] == "refresh_all"
    assert record["run_id"] == run.run_id
    assert record["failed_steps"] == ["warehouse_writer"]
    assert "Could not set lock" in record["error"] and "RuntimeError" in record["error"]
    assert record["notified"] is True

    [message] = received
    assert message["content_type"].startswith("application/json")
    assert message["json"]["msgtype"] == "text"
    content = message["json"]["text"]["content"]
    assert content.startswith("【科教2030】数据管道运行失败")
    assert "作业：refresh_all" in content
    assert f"运行编号：{run.run_id}" in content
    assert "失败步骤：warehouse_writer" in content
    assert "错误：RuntimeError: Could not set lock on file warehouse.duckdb（仓库被另一进程锁定）" in content
    assert "北京时间" in content


def test_failure_is_recorded_without_a_webhook_and_when_the_robot_is_down(monkeypatch, tmp_path):
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    context, _ = failed_run_context()
    run_failure_recorder(context)
    assert [r["notified"] for r in read_failures()] == [None]

    # a robot that does not answer: the failure is still recorded, marked as not notified
    server = HTTPServer(("127.0.0.1", 0), RobotHandler)
    port = server.server_port
    server.server_close()
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{port}/send")
    run_failure_recorder(context)
    assert [r["notified"] for r in read_failures()] == [None, False]

