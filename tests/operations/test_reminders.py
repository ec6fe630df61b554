"""Reminders (催报, issue 13 #4): one message per district bureau through its own group robot,
stored, retried, never lost; tested against a local HTTP server standing in for the robots."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from dagster import RunRequest, SkipReason, build_schedule_context
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.operations.jobs import reminders_job
from pipelines.operations.reminders import (
    MAX_BYTES,
    RemindError,
    plan,
    remind,
    reminder_day,
    stored,
    url_problem,
)
from pipelines.operations.schedules import reminder_schedule
from pipelines.resources import ProjectPaths
from pipelines.senders.deadlines import load_deadlines
from pipelines.settings import Settings
from tests.small_inbox import STUDENT_ID, STUDENT_NAME, put_nankai_correction, run_graph, run_small_inbox

HEXI, HEDONG, NANKAI, HEPING = "120103", "120102", "120104", "120101"
DAY = date(2025, 12, 3)  # 2025's annual reports were due on 30 November


class Robot:
    """A local HTTP server answering as a WeCom robot would; `script[path]` lists the answers to
    give in turn (status, errcode), the last one repeated."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        self.script: dict[str, list[tuple[int, int]]] = {}
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                robot.received.append((self.path, body))
                answers = robot.script.get(self.path, [(200, 0)])
                status, errcode = answers.pop(0) if len(answers) > 1 else answers[0]
                payload = json.dumps({"errcode": errcode, "errmsg": "ok" if errcode == 0 else "busy"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def texts(self, path: str) -> list[str]:
        return [body["text"]["content"] for p, body in self.received if p == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    r = Robot()
    yield r
    r.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The small inbox through the graph (snapshot kept aside as `before`), then 南开's refused
    file corrected and accepted, and the graph run again (`after`)."""
    root = tmp_path_factory.mktemp("remind")
    run = run_small_inbox(root)
    before = root / "before.duckdb"
    shutil.copyfile(run.settings.published_dir / "current.duckdb", before)
    put_nankai_correction(run.inbox, "2025-12-02T08:00:00")
    run_graph(run.settings, run.inbox)
    return run.settings, before


@pytest.fixture
def data(runs, tmp_path):
    """A data folder of its own holding the first run's snapshot (no message store yet)."""
    _, before = runs
    settings = Settings(tmp_path / "data")
    settings.published_dir.mkdir(parents=True)
    shutil.copyfile(before, settings.published_dir / "current.duckdb")
    return settings


def test_one_message_per_district_with_anything_open(runs):
    _, before = runs
    reminders = {r.district_code: r for r in plan(before, DAY, before=7)}
    # 和平's school was accepted: nothing to remind it of
    assert set(reminders) == {HEXI, HEDONG, NANKAI}
    hexi = reminders[HEXI].text
    assert hexi.startswith("【科教2030 催报】河西区教育局：")
    assert "学校科技教育年报（2025年度），截止 2025年11月30日，已逾期 3 天（自 12月1日 起）" in hexi
    assert "应报 1 份：已报送 1 份（通过 0，被退回 1），未报送 0 份。" in hexi
    assert "天津市河西区演示第二中学（3412000002）：" in hexi and "被退回" in hexi
    hedong = reminders[HEDONG].text
    assert "未报送：\n· 天津市河东区演示小学（2112000004）" in hedong
    # schools are named; students never are
    for r in reminders.values():
        assert STUDENT_NAME not in r.text and STUDENT_ID not in r.text
        assert len(r.text.encode("utf-8")) <= MAX_BYTES
    # 2026's base reports are due on 15 December 2026: on 3 December, 12 days ahead, they are
    # reminded of with 14 days' notice, not with 7, nor weekly (only what is overdue)
    later = date(2026, 12, 3)
    assert any("领航学科基地年度报告（2026年度），截止 2026年12月15日，还有 12 天" in r.text
               for r in plan(before, later, before=14))
    assert not any("领航学科基地" in r.text for r in plan(before, later, before=7))
    assert not any("领航学科基地" in r.text for r in plan(before, later, before=14, weekly=True))


def test_after_the_corrected_file_is_accepted_its_district_gets_none(runs):
    settings, before = runs
    assert NANKAI in {r.district_code for r in plan(before, DAY, before=7)}
    after = {r.district_code for r in plan(settings.published_dir / "current.duckdb", DAY, before=7)}
    assert NANKAI not in after and {HEXI, HEDONG} <= after


def test_sent_through_each_districts_robot_and_the_data_teams_for_the_rest(data, robot):
    env = {f"KEJIAO_ROBOT_{HEXI}": robot.url("/hexi"), f"KEJIAO_ROBOT_{HEDONG}": robot.url("/hedong"),
           "KEJIAO_WEBHOOK_URL": robot.url("/team")}
    outcome = remind(data, DAY, before=7, env=env, sleep=lambda s: None)
    assert not outcome.failed and len(outcome.sent) == 3
    assert len(robot.texts("/hexi")) == 1 and len(robot.texts("/hedong")) == 1
    [team] = robot.texts("/team")
    assert team.startswith("（转交南开区教育局：本区未配置群机器人）\n【科教2030 催报】南开区教育局：")
    assert all(body["msgtype"] == "text" for _, body in robot.received)
    rows = {r["district_code"]: r for r in stored(data)}
    assert {r["status"] for r in rows.values()} == {"sent"}
    assert rows[HEXI]["robot"] == f"KEJIAO_ROBOT_{HEXI}" and rows[NANKAI]["robot"] == "data_team"
    assert rows[HEXI]["answer"].startswith("HTTP 200") and '"errcode": 0' in rows[HEXI]["answer"]
    assert rows[HEXI]["text"] == robot.texts("/hexi")[0] and rows[HEXI]["sent_at"]
    # the URL (a secret) is stored nowhere
    assert not any("127.0.0.1" in json.dumps(r, ensure_ascii=False) for r in rows.values())


def test_a_failed_send_is_retried_stored_reported_and_sent_again_next_run(data, robot):
    robot.script["/hexi"] = [(500, 0), (200, 45009), (200, 0)]  # a server error, a busy robot, then ok
    robot.script["/hedong"] = [(200, 93000)]  # refuses every time
    env = {f"KEJIAO_ROBOT_{HEXI}": robot.url("/hexi"), f"KEJIAO_ROBOT_{HEDONG}": robot.url("/hedong"),
           "KEJIAO_WEBHOOK_URL": robot.url("/team")}
    slept = []
    outcome = remind(data, DAY, before=7, env=env, sleep=slept.append)
    assert {r["district_code"] for r in outcome.sent} == {HEXI, NANKAI}
    [failed] = outcome.failed
    assert failed["district_code"] == HEDONG and failed["status"] == "failed" and failed["attempts"] == 3
    assert "93000" in failed["answer"]
    assert len(robot.texts("/hexi")) == 3 and slept  # retried, with a pause between tries
    hexi = next(r for r in stored(data) if r["district_code"] == HEXI)
    assert hexi["status"] == "sent" and hexi["attempts"] == 3

    # the next run on a day with nothing new to say sends the failed message again
    robot.script["/hedong"] = [(200, 0)]
    again = remind(data, date(2025, 10, 1), before=7, env=env, sleep=lambda s: None)
    assert not again.planned and again.resent == 1 and [r["district_code"] for r in again.sent] == [HEDONG]
    assert robot.texts("/hedong")[-1] == failed["text"]
    assert {r["status"] for r in stored(data) if r["district_code"] == HEDONG} == {"sent"}


def test_a_new_message_to_the_same_district_replaces_a_failed_one(data, robot):
    robot.script["/hedong"] = [(503, 0)]
    env = {f"KEJIAO_ROBOT_{HEDONG}": robot.url("/hedong"), "KEJIAO_WEBHOOK_URL": robot.url("/team")}
    remind(data, DAY, before=7, env=env, sleep=lambda s: None)
    robot.script["/hedong"] = [(200, 0)]
    second = remind(data, date(2025, 12, 8), before=7, env=env, sleep=lambda s: None)
    assert second.resent == 0 and not second.failed
    statuses = sorted(r["status"] for r in stored(data) if r["district_code"] == HEDONG)
    assert statuses == ["sent", "superseded"]


def test_no_robot_fails_closed_and_says_what_to_set(data, robot):
    with pytest.raises(RemindError, match="KEJIAO_ROBOT_120101.*KEJIAO_WEBHOOK_URL"):
        remind(data, DAY, before=7, env={})
    # an http URL to another machine is refused like a missing one
    assert url_problem("http://robot.example.com/send?key=x") and not url_problem("https://qyapi.weixin.qq.com/x")
    with pytest.raises(RemindError, match="https"):
        remind(data, DAY, before=7, env={f"KEJIAO_ROBOT_{HEXI}": "http://robot.example.com/x"})
    assert stored(data) == [] and robot.received == []


def test_cli_dry_run_prints_and_sends_nothing_and_exit_codes(data, robot, monkeypatch):
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(data.data_dir))
    for name in ("KEJIAO_WEBHOOK_URL", f"KEJIAO_ROBOT_{HEXI}"):
        monkeypatch.delenv(name, raising=False)
    cli = CliRunner()
    dry = cli.invoke(app, ["remind", "--dry-run", "--as-of", DAY.isoformat()])
    assert dry.exit_code == 0, dry.output
    assert "【科教2030 催报】河西区教育局" in dry.output and "试运行：3 条催报未发送" in dry.output
    assert robot.received == [] and stored(data) == []
    closed = cli.invoke(app, ["remind", "--as-of", DAY.isoformat()])
    assert closed.exit_code == 2 and "没有配置任何群机器人" in closed.output
    monkeypatch.setenv("KEJIAO_WEBHOOK_URL", robot.url("/team"))
    robot.script["/team"] = [(200, 0), (200, 0), (500, 0)]
    partly = cli.invoke(app, ["remind", "--as-of", DAY.isoformat()])
    assert partly.exit_code == 1 and "发送失败 FAILED" in partly.output


def test_schedule_days_and_the_job(data, robot, monkeypatch):
    deadlines = load_deadlines()
    assert reminder_day(date(2026, 11, 23), deadlines, 7) == "deadline"  # 7 days before 30 November
    assert reminder_day(date(2026, 12, 7), deadlines, 7) == "weekly"  # a Monday
    assert reminder_day(date(2026, 12, 8), deadlines, 7) == "deadline"  # 7 days before 15 December
    assert reminder_day(date(2026, 12, 9), deadlines, 7) is None
    tianjin = ZoneInfo("Asia/Shanghai")
    for name in ("KEJIAO_WEBHOOK_URL", *(f"KEJIAO_ROBOT_{c}" for c in (HEXI, HEDONG, NANKAI, HEPING))):
        monkeypatch.delenv(name, raising=False)
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 23, 9, tzinfo=tianjin))
    assert isinstance(reminder_schedule(context), SkipReason)  # no robot: fail closed, no failed run
    monkeypatch.setenv("KEJIAO_WEBHOOK_URL", robot.url("/team"))
    request = reminder_schedule(context)
    assert isinstance(request, RunRequest) and request.run_key == "remind-2026-11-23"
    assert request.run_config["ops"]["send_reminders"]["config"] == {"as_of": "2026-11-23", "weekly": False}
    quiet = build_schedule_context(scheduled_execution_time=datetime(2026, 12, 9, 9, tzinfo=tianjin))
    assert isinstance(reminder_schedule(quiet), SkipReason)

    result = reminders_job.execute_in_process(
        resources={"paths": ProjectPaths(data_dir=str(data.data_dir))},
        run_config={"ops": {"send_reminders": {"config": {"as_of": DAY.isoformat(), "weekly": True}}}})
    assert result.success and len(robot.texts("/team")) == 3
