"""Sensors: new files in the inbox start `refresh_all`; a failed run is recorded and announced.

The inbox sensor never opens the warehouse (a run may hold its one write lock): it hashes the
inbox and keeps, in its cursor, the content hashes it has already asked a run for. A new file,
or a changed one (new bytes under the same name), starts one run; the same bytes again (touched,
copied, renamed) never start a second. Files still being written (modified in the last few
seconds) wait for the next tick.
"""


import hashlib
import json
import time
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from pipelines.intake import files
from pipelines.intake.files import sha256_of
from pipelines.operations.notify import Failure, record_failure
from pipelines.resources import ProjectPaths

REFRESH_JOB = "refresh_all"
INBOX_SENSOR_INTERVAL_S = 30  # a new file starts a run within a minute
SETTLE_SECONDS = 3  # a file modified more recently than this may still be being copied
HASH_PREFIX = 16  # hex chars of sha256 kept in the cursor (64 bits: no accidental collision)
TAG_TRIGGER = "kejiao/trigger"

# (path, size, mtime_ns) -> sha256; lives as long as the code server, so unchanged files are
# not re-read every tick
_hash_cache: dict[tuple[str, int, int], str] = {}


def _content_hash(entry: files.Entry) -> str:
    key = (str(entry.path), entry.size, entry.mtime)
    if key not in _hash_cache:
        if len(_hash_cache) > 100_000:
            _hash_cache.clear()
        _hash_cache[key] = sha256_of(entry.path)
    return _hash_cache[key]


def load_cursor(cursor: str | None) -> set[str]:
    if not cursor:
        return set()
    return set(json.loads(cursor).get("seen", []))


def dump_cursor(seen: set[str]) -> str:
    return json.dumps({"seen": sorted(seen)}, separators=(",", ":"))


def new_inbox_files(inbox: Path, seen: set[str], now: float | None = None) -> tuple[dict[str, str], int]:
    """({hash prefix: relative path} of files whose bytes no run was asked for yet, files settling)."""
    now = time.time() if now is None else now
    new: dict[str, str] = {}
    settling = 0
    if not inbox.exists():
        return new, settling
    # the inbox as intake walks it (pipelines/intake/files.py): only regular files are opened,
    # never through a link nor blocking on a FIFO; what is no regular file is intake's to list
    for entry in files.walk(inbox):
        if entry.kind != "file":
            continue
        try:
            if now - entry.mtime < SETTLE_SECONDS:
                settling += 1
                continue
            digest = _content_hash(entry)[:HASH_PREFIX]
        except (FileNotFoundError, files.NotRegular):  # removed, or swapped, while we looked
            continue
        if digest not in seen and digest not in new:
            new[digest] = entry.relative
    return new, settling


@sensor(
    job_name=REFRESH_JOB,
    minimum_interval_seconds=INBOX_SENSOR_INTERVAL_S,
    default_status=DefaultSensorStatus.RUNNING,
    description="收件箱有新文件或文件内容变化时启动 refresh_all（按内容哈希去重）/ "
                "Starts refresh_all when a new or changed file lands in the inbox (deduplicated by content hash).",
)
def inbox_sensor(context: SensorEvaluationContext, paths: ProjectPaths):
    inbox = paths.inbox()
    seen = load_cursor(context.cursor)
    new, settling = new_inbox_files(inbox, seen)
    if not new:
        reason = f"收件箱无新内容 / nothing new in {inbox}"
        if settling:
            reason += f"（{settling} 个文件仍在写入 / {settling} file(s) still being written）"
        return SkipReason(reason)
    hashes = sorted(new)
    # one run per batch: the run key is the file's hash, or the hash of the batch's hashes
    run_key = hashes[0] if len(hashes) == 1 else hashlib.sha256(",".join(hashes).encode()).hexdigest()[:HASH_PREFIX]
    names = [new[h] for h in hashes]
    context.log.info(f"inbox: {len(names)} new or changed file(s); run key {run_key}")
    return SensorResult(
        run_requests=[RunRequest(
            run_key=f"inbox-{run_key}",
            tags={TAG_TRIGGER: "inbox_sensor", "kejiao/new_files": str(len(names)),
                  "kejiao/first_new_file": names[0][:200]},
        )],
        cursor=dump_cursor(seen | set(hashes)),
    )


def _innermost_error(error) -> str:
    """The user's own error message at the bottom of Dagster's wrapping errors."""
    while error is not None and getattr(error, "cause", None) is not None:
        error = error.cause
    if error is None:
        return ""
    message = (error.message or "").strip()  # already "ClassName: text" for Python exceptions
    if error.cls_name and not message.startswith(error.cls_name):
        message = f"{error.cls_name}: {message}"
    return message


def failure_from_context(context: RunFailureSensorContext) -> Failure:
    run = context.dagster_run
    steps, errors = [], []
    for event in context.get_step_failure_events():
        steps.append(event.step_key or "")
        data = event.event_specific_data
        err = getattr(data, "error", None)
        if err is not None:
            errors.append(_innermost_error(err))
    if not errors:
        errors.append(context.failure_event.message or "")
    trigger = run.tags.get(TAG_TRIGGER) or run.tags.get("dagster/schedule_name") or run.tags.get("dagster/sensor_name") or ""
    return Failure(job_name=run.job_name, run_id=run.run_id, failed_steps=steps, error="\n".join(errors),
                   trigger=trigger)


@run_failure_sensor(
    name="run_failure_recorder",
    default_status=DefaultSensorStatus.RUNNING,
    description="记录失败运行（DATA_DIR/ops/failures.jsonl），并在配置了 KEJIAO_WEBHOOK_URL 时通知群机器人 / "
                "Records failed runs and notifies the group robot when KEJIAO_WEBHOOK_URL is set.",
)
def run_failure_recorder(context: RunFailureSensorContext):
    failure = failure_from_context(context)
    path = record_failure(failure)
    context.log.info(f"recorded failure of {failure.job_name} {failure.run_id} in {path}; notified={failure.notified}")
