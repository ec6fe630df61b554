"""Reminders (催报): one message to each district bureau's group robot listing, for every report
due soon or overdue, how many of its schools have sent, who has not, and who was refused and why.

Reads the published snapshot's senders.obligations (never the live warehouse), judged again as
of the day the reminder goes out (Tianjin time). A district with nothing open gets no message.

Robots (WeCom 企业微信 / DingTalk 钉钉 group robots) are named in `seeds/reminder_robots.csv`:
each district's row names the environment variable holding its webhook URL, a secret that never
reaches git, a log or the message store. The data team's robot (`KEJIAO_WEBHOOK_URL`, the one
that hears about failed runs) takes the message of a district without a robot, saying so. With
no robot at all configured nothing is sent and the run says what to set (fail closed); a URL
that is neither https nor http to this machine is refused the same way.

Every message is stored before it is sent (`DATA_DIR/ops/reminders.sqlite`: the district, the
robot's name, the text, when, the attempts and the robot's answer) and marked sent only on the
robot's own "ok" (HTTP 2xx and errcode 0). A failed send is retried at once a few times, then
kept as failed and reported; the next run sends it again unless a newer message to the same
district takes its place. Messages name schools (name and code), never a student.
"""

from __future__ import annotations

import ipaddress
import json
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipelines.operations.notify import ops_dir, robot_payload
from pipelines.senders.deadlines import REPORT_ZH, Deadline
from pipelines.settings import (
    REMIND_DAYS_BEFORE_ENV,
    SEEDS_DIR,
    WEBHOOK_ENV,
    Settings,
    remind_days_before_text,
    robot_urls,
)

ROBOTS_FILE = SEEDS_DIR / "reminder_robots.csv"
DAYS_BEFORE_ENV = REMIND_DAYS_BEFORE_ENV
DEFAULT_DAYS_BEFORE = 7
STORE_NAME = "reminders.sqlite"
MAX_BYTES = 2000  # a WeCom text message takes 2048 bytes of UTF-8 (DingTalk more)
ATTEMPTS = 3
TIMEOUT_S = 10
DATA_TEAM = "data_team"
BEIJING = timedelta(hours=8)


class RemindError(RuntimeError):
    """Reminders cannot go out at all (no snapshot, no robot): the message says what to do."""


def days_before(value: str | None = None) -> int:
    raw = (value if value is not None else remind_days_before_text()).strip()
    if not raw:
        return DEFAULT_DAYS_BEFORE
    if not raw.isdigit() or not 0 < int(raw) <= 60:
        raise RemindError(f"{DAYS_BEFORE_ENV}={raw!r} 无效：须为 1–60 的整数（截止日前几天催报）/ "
                          f"must be a whole number of days from 1 to 60")
    return int(raw)


def reminder_day(day: date, deadlines: dict[str, Deadline], before: int) -> str | None:
    """Why `day` is a reminder day: 'deadline' (some report is due in `before` days), 'weekly'
    (a Monday: reminders of what is overdue), or None."""
    if any(d.due(day.year) - timedelta(days=before) == day for d in deadlines.values()):
        return "deadline"
    return "weekly" if day.weekday() == 0 else None


# ---------------------------------------------------------------- robots

@dataclass(frozen=True)
class Robot:
    name: str  # the environment variable naming it (or data_team): what is stored, never the URL
    url: str = field(repr=False)
    is_fallback: bool = False


def url_problem(url: str) -> str | None:
    """Why a webhook URL may not be used (None: it may): https anywhere, http only to this machine."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            if host == "localhost" or ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            pass
    return "须为 https 地址 / must be an https URL"


def read_robot_table(path: Path = ROBOTS_FILE) -> pl.DataFrame:
    if not path.is_file():
        raise RemindError(f"找不到机器人设置表 {path}：每区一行（district_code, robot_kind, url_env）/ "
                          f"the robot settings table {path} is missing")
    return pl.read_csv(path, schema_overrides={"district_code": pl.String}, infer_schema=False)


def robots(table: pl.DataFrame, env: dict[str, str] | None = None) -> tuple[dict[str, Robot], Robot | None, list[str]]:
    """Each district's robot from the table and the environment, the data team's fallback, and
    the problems found (unset variables are not problems: the fallback covers them)."""
    env = robot_urls() if env is None else env
    found, problems = {}, []
    for row in table.iter_rows(named=True):
        name = (row.get("url_env") or "").strip()
        if name and not name.startswith("KEJIAO_"):
            problems.append(f"{name}：机器人地址的变量名须以 KEJIAO_ 开头（如 KEJIAO_ROBOT_{row['district_code']}）/ "
                            "a robot's variable must start with KEJIAO_")
            continue
        url = env.get(name, "").strip() if name else ""
        if not url:
            continue
        problem = url_problem(url)
        if problem:
            problems.append(f"{name}：{problem}")
            continue
        found[row["district_code"]] = Robot(name, url)
    fallback_url = env.get(WEBHOOK_ENV, "").strip()
    fallback = None
    if fallback_url:
        problem = url_problem(fallback_url)
        if problem:
            problems.append(f"{WEBHOOK_ENV}：{problem}")
        else:
            fallback = Robot(DATA_TEAM, fallback_url, is_fallback=True)
    return found, fallback, problems


def post_robot(url: str, text: str, timeout: float = TIMEOUT_S) -> tuple[bool, str]:
    """POST a text message; (ok, the robot's answer). ok: HTTP 2xx and errcode 0 (or no errcode)."""
    body = json.dumps(robot_payload(text), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, answer = response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code} {exc.read(500).decode('utf-8', 'replace')}".strip()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return False, f"未送达 not delivered: {type(exc).__name__}"
    if not 200 <= status < 300:
        return False, f"HTTP {status} {answer}".strip()
    try:
        ok = int(json.loads(answer or "{}").get("errcode", 0)) == 0
    except (ValueError, AttributeError, TypeError):
        ok = True
    return ok, f"HTTP {status} {answer}".strip()[:500]


# ---------------------------------------------------------------- what to say

@dataclass
class Reminder:
    district_code: str
    district_name: str
    text: str
    schools_open: int  # schools that owe something open in it


def open_obligations(owed: pl.DataFrame, today: date, before: int, weekly: bool) -> pl.DataFrame:
    """(report, period) groups to remind of, per district: overdue ones, and (unless weekly) those
    due within `before` days. Every obligation of such a group is kept, to count who has sent."""
    owed = owed.with_columns(
        late=pl.col("accepted_submission_id").is_null() & (pl.lit(today) > pl.col("due_date")),
        soon=(pl.col("due_date") >= pl.lit(today)) & (pl.col("due_date") <= pl.lit(today + timedelta(days=before))),
    )
    wanted = owed.filter(pl.col("accepted_submission_id").is_null() & (pl.col("late") | (pl.col("soon") & (not weekly))))
    keys = wanted.select("district_code", "report_type", "period").unique()
    return owed.join(keys, on=["district_code", "report_type", "period"], how="semi")


def _who(row: dict) -> str:
    name = row["school_name"] or "（名录中无此单位）"
    base = f"，基地 {row['entity_code']}" if row.get("entity_code") else ""
    return f"{name}（{row['school_code']}{base}）"


def compose(district_name: str, owed: pl.DataFrame, today: date, data_as_of: str, cap: int) -> str:
    """The message to one district bureau; lists of schools cut at `cap` names each."""
    lines = [f"【科教2030 催报】{district_name}教育局：",
             f"截至 {today:%Y年%-m月%-d日}（北京时间），本区以下报表尚未报齐："]
    groups = owed.group_by("report_type", "period", "due_date").agg().sort("due_date", "report_type", "period")
    for n, (report_type, period, due) in enumerate(groups.iter_rows(), start=1):
        rows = owed.filter((pl.col("report_type") == report_type) & (pl.col("period") == period))
        accepted = rows.filter(pl.col("accepted_submission_id").is_not_null())
        refused = rows.filter(pl.col("accepted_submission_id").is_null() & pl.col("refused_submission_id").is_not_null())
        missing = rows.filter(pl.col("accepted_submission_id").is_null() & pl.col("refused_submission_id").is_null())
        when = (f"已逾期 {(today - due).days} 天（自 {due + timedelta(days=1):%-m月%-d日} 起）" if today > due
                else "今天截止" if today == due else f"还有 {(due - today).days} 天")
        period_label = f"{period}届" if report_type == "R3" else f"{period}年度"
        lines.append("")
        lines.append(f"{n}. {REPORT_ZH.get(report_type, report_type)}（{period_label}），截止 {due:%Y年%-m月%-d日}，{when}")
        lines.append(f"应报 {rows.height} 份：已报送 {accepted.height + refused.height} 份"
                     f"（通过 {accepted.height}，被退回 {refused.height}），未报送 {missing.height} 份。")
        if refused.height:
            lines.append("被退回（请按错误清单修改后重新报送整个文件）：")
            for row in refused.sort("school_code").head(cap).iter_rows(named=True):
                reason = (row["refusal_reason_zh"] or "").splitlines()[0][:60] if row["refusal_reason_zh"] else ""
                lines.append(f"· {_who(row)}：{reason}")
            if refused.height > cap:
                lines.append(f"……另有 {refused.height - cap} 份，见仪表盘“数据报送”页")
        if missing.height:
            lines.append("未报送：")
            for row in missing.sort("school_code").head(cap).iter_rows(named=True):
                lines.append(f"· {_who(row)}")
            if missing.height > cap:
                lines.append(f"……另有 {missing.height - cap} 份，见仪表盘“数据报送”页")
    lines.append("")
    lines.append("请督促以上单位在仪表盘“报送”页上传；被退回的单位可在“本校”页下载错误清单。")
    lines.append(f"（数据截至 {data_as_of}，北京时间）")
    return "\n".join(lines)


def fitted(district_name: str, owed: pl.DataFrame, today: date, data_as_of: str) -> str:
    """The message, with lists cut short enough for a robot to take it (MAX_BYTES of UTF-8)."""
    for cap in (30, 20, 12, 8, 5, 3, 1, 0):
        text = compose(district_name, owed, today, data_as_of, cap)
        if len(text.encode("utf-8")) <= MAX_BYTES:
            return text
    return text.encode("utf-8")[:MAX_BYTES].decode("utf-8", "ignore")


def plan(snapshot: Path, today: date, before: int, weekly: bool = False) -> list[Reminder]:
    """One reminder per district with anything open, from the published snapshot."""
    if not snapshot.is_file():
        raise RemindError(f"尚无发布快照 {snapshot}：请先运行 kejiao materialize / no published snapshot yet")
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        has_table = con.sql("select count(*) from duckdb_tables() where schema_name = 'senders' "
                            "and table_name = 'obligations'").fetchall()[0][0]
        if not has_table:
            raise RemindError("发布快照中没有应报清单（senders.obligations）：请运行 kejiao materialize 后重试 / "
                              "the snapshot has no obligations: run kejiao materialize")
        owed = con.sql("select * from senders.obligations").pl()
        districts = dict(con.sql("select district_code, district_name_zh from ref.districts").fetchall())
        as_of = con.sql("select as_of from meta.snapshot").fetchall()
    finally:
        con.close()
    data_as_of = f"{as_of[0][0] + BEIJING:%Y-%m-%d %H:%M}" if as_of and as_of[0][0] else "—"
    chosen = open_obligations(owed, today, before, weekly)
    found = []
    for district_code in sorted(chosen["district_code"].drop_nulls().unique().to_list()):
        rows = chosen.filter(pl.col("district_code") == district_code)
        name = districts.get(district_code, district_code)
        open_rows = rows.filter(pl.col("accepted_submission_id").is_null())
        found.append(Reminder(district_code, name, fitted(name, rows, today, data_as_of),
                              open_rows["school_code"].n_unique()))
    return found


# ---------------------------------------------------------------- the store

SCHEMA = """
create table if not exists messages (
    message_id text primary key,
    created_at text not null,          -- UTC, ISO 8601
    reminder_date text not null,       -- the day (Tianjin) the reminder is for
    district_code text not null,
    robot text not null,               -- the robot's name (its variable, or data_team): never the URL
    text text not null,
    status text not null,              -- pending | sent | failed | superseded
    attempts integer not null default 0,
    last_attempt_at text,
    sent_at text,
    answer text                        -- the robot's answer to the last attempt
)
"""


def store_path(settings: Settings) -> Path:
    return ops_dir(settings) / STORE_NAME


def open_store(settings: Settings) -> sqlite3.Connection:
    path = store_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30)
    con.row_factory = sqlite3.Row
    con.execute("pragma journal_mode=wal")
    con.execute(SCHEMA)
    return con


def stored(settings: Settings) -> list[dict]:
    """Every stored message, oldest first."""
    if not store_path(settings).exists():
        return []
    con = open_store(settings)
    try:
        return [dict(r) for r in con.execute("select * from messages order by created_at, message_id")]
    finally:
        con.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- sending

@dataclass
class Outcome:
    planned: list[Reminder]
    sent: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    resent: int = 0
    problems: list[str] = field(default_factory=list)


def _deliver(con: sqlite3.Connection, message: dict, robot: Robot | None, post: Callable, sleep: Callable,
             attempts: int) -> bool:
    answer = ("未配置机器人 no robot: 请设置该区的变量（seeds/reminder_robots.csv）或数据组的 "
              f"{WEBHOOK_ENV} / set the district's variable or {WEBHOOK_ENV}")
    ok = False
    tries = 0
    if robot is not None:
        for tries in range(1, attempts + 1):
            ok, answer = post(robot.url, message["text"])
            if ok:
                break
            if tries < attempts:
                sleep(2 ** (tries - 1))
    total = message.get("attempts", 0) + tries
    now = _now()
    con.execute("update messages set status = ?, attempts = ?, last_attempt_at = ?, sent_at = ?, answer = ?, robot = ? "
                "where message_id = ?",
                ("sent" if ok else "failed", total, now if tries else message.get("last_attempt_at"),
                 now if ok else None, answer, robot.name if robot else message["robot"], message["message_id"]))
    con.commit()
    return ok


def remind(settings: Settings, today: date, *, dry_run: bool = False, weekly: bool = False,
           before: int | None = None, env: dict[str, str] | None = None, post: Callable = post_robot,
           sleep: Callable = time.sleep, attempts: int = ATTEMPTS, robot_table: Path = ROBOTS_FILE) -> Outcome:
    """Plan the day's reminders and (unless `dry_run`) send them, stored first; failed ones of
    earlier runs are sent again unless a new message to the same district replaces them."""
    before = days_before() if before is None else before
    reminders = plan(settings.published_dir / "current.duckdb", today, before, weekly)
    outcome = Outcome(reminders)
    if dry_run:
        return outcome
    by_district, fallback, problems = robots(read_robot_table(robot_table), env)
    outcome.problems = problems
    if not by_district and fallback is None:
        raise RemindError("未发送任何催报：没有配置任何群机器人。请为各区设置 seeds/reminder_robots.csv 中的变量"
                          f"（如 KEJIAO_ROBOT_120101），或至少设置数据组的 {WEBHOOK_ENV}。"
                          + ("；".join([""] + problems) if problems else "")
                          + " / No reminder sent: no group robot is configured.")
    con = open_store(settings)
    try:
        new_districts = {r.district_code for r in reminders}
        earlier = [dict(r) for r in con.execute("select * from messages where status in ('failed', 'pending')")]
        for message in earlier:
            if message["district_code"] in new_districts:
                con.execute("update messages set status = 'superseded' where message_id = ?", (message["message_id"],))
        con.commit()
        queue = [m for m in earlier if m["district_code"] not in new_districts]
        outcome.resent = len(queue)
        for reminder in reminders:
            robot = by_district.get(reminder.district_code, fallback)
            text = reminder.text
            if robot is not None and robot.is_fallback:
                text = f"（转交{reminder.district_name}教育局：本区未配置群机器人）\n" + text
            message = {"message_id": uuid.uuid4().hex, "created_at": _now(), "reminder_date": today.isoformat(),
                       "district_code": reminder.district_code, "robot": robot.name if robot else "none",
                       "text": text, "status": "pending", "attempts": 0, "last_attempt_at": None}
            con.execute("insert into messages (message_id, created_at, reminder_date, district_code, robot, text, status) "
                        "values (:message_id, :created_at, :reminder_date, :district_code, :robot, :text, :status)",
                        message)
            con.commit()  # stored before it is sent: a crash mid-send loses nothing
            queue.append(message)
        for message in queue:
            robot = by_district.get(message["district_code"], fallback)
            ok = _deliver(con, message, robot, post, sleep, attempts)
            row = dict(con.execute("select * from messages where message_id = ?", (message["message_id"],)).fetchone())
            (outcome.sent if ok else outcome.failed).append(row)
    finally:
        con.close()
    return outcome


def remind_command(settings: Settings, as_of: str | None, dry_run: bool, weekly: bool, echo: Callable) -> int:
    """`kejiao remind`: 0 when every message went out (or none was due), 1 when one failed, 2
    when nothing could be sent (no snapshot, no robot, a bad setting)."""
    from pipelines.senders.deadlines import today_in_tianjin

    try:
        today = date.fromisoformat(as_of) if as_of else today_in_tianjin()
    except ValueError:
        echo(f"--as-of {as_of!r} 不是日期：请写成 2026-11-23 / not a date: write it as 2026-11-23")
        return 2
    try:
        outcome = remind(settings, today, dry_run=dry_run, weekly=weekly)
    except RemindError as exc:
        echo(str(exc))
        return 2
    if not outcome.planned and not outcome.resent:
        echo(f"{today}：各区均无需催报 / no district has anything open to remind of")
        return 0
    if dry_run:
        for reminder in outcome.planned:
            echo(f"—— {reminder.district_name}（{reminder.district_code}），{reminder.schools_open} 个单位未报齐 ——")
            echo(reminder.text)
            echo("")
        echo(f"试运行：{len(outcome.planned)} 条催报未发送 / dry run: {len(outcome.planned)} messages not sent")
        return 0
    for problem in outcome.problems:
        echo(f"设置问题 setting problem: {problem}")
    for row in outcome.sent:
        echo(f"已发送 sent  {row['district_code']} → {row['robot']}（{row['attempts']} 次尝试 attempts）")
    for row in outcome.failed:
        echo(f"发送失败 FAILED {row['district_code']} → {row['robot']}：{row['answer']}（已保存，下次运行重发 / "
             "stored, sent again next run）")
    echo(f"催报 reminders: {len(outcome.sent)} 已发送 sent, {len(outcome.failed)} 失败 failed"
         + (f"（含重发 incl. {outcome.resent} resent）" if outcome.resent else ""))
    return 1 if outcome.failed else 0
