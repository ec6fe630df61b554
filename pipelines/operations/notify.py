"""When a run fails: a line in DATA_DIR/ops/failures.jsonl and, where KEJIAO_WEBHOOK_URL is set,
a text message to a WeCom (企业微信) or DingTalk group robot.

The record lives outside the warehouse on purpose: the warehouse may be what failed.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines.settings import Settings, get_settings, webhook_url

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 600
WEBHOOK_TIMEOUT_S = 10


def ops_dir(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / "ops"


def failures_file(settings: Settings | None = None) -> Path:
    return ops_dir(settings) / "failures.jsonl"


@dataclass
class Failure:
    job_name: str
    run_id: str
    failed_steps: list[str]
    error: str
    failed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    trigger: str = ""  # what started the run: a schedule, a sensor, a person
    notified: bool | None = None  # None: no webhook configured

    def message_zh(self) -> str:
        at = datetime.fromisoformat(self.failed_at).astimezone(UTC) + timedelta(hours=8)
        steps = "、".join(self.failed_steps) or "（运行未进入步骤，见运行日志）"
        error = self.error.strip() or "（无错误信息）"
        lines = [
            "【科教2030】数据管道运行失败",
            f"作业：{self.job_name}",
            f"运行编号：{self.run_id}",
            f"失败步骤：{steps}",
            f"错误：{error[:MAX_ERROR_CHARS]}",
            f"时间：{at:%Y-%m-%d %H:%M}（北京时间）",
        ]
        if self.trigger:
            lines.insert(3, f"触发：{self.trigger}")
        lines.append("请在 Dagster 界面查看该运行的日志；已接收的数据不受影响，修复后可重新运行。")
        return "\n".join(lines)


def robot_payload(text: str) -> dict:
    """The text message both WeCom and DingTalk group robots accept."""
    return {"msgtype": "text", "text": {"content": text}}


def post_webhook(url: str, text: str, timeout: float = WEBHOOK_TIMEOUT_S) -> bool:
    """POST the robot message; True when the robot answered 2xx (and, if it says, errcode 0)."""
    body = json.dumps(robot_payload(text), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = response.read()
            if not 200 <= response.status < 300:
                return False
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        log.warning("webhook post failed: %s", type(exc).__name__)
        return False
    try:
        return int(json.loads(answer or b"{}").get("errcode", 0)) == 0
    except (ValueError, AttributeError):
        return True


def record_failure(failure: Failure, settings: Settings | None = None) -> Path:
    """Append the failure to failures.jsonl, notifying the robot first when one is configured."""
    url = webhook_url()
    if url:
        failure.notified = post_webhook(url, failure.message_zh())
    path = failures_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(failure), ensure_ascii=False) + "\n")
    return path


def read_failures(settings: Settings | None = None) -> list[dict]:
    path = failures_file(settings)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
