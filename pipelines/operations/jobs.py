"""Jobs of operations that are not asset materializations: sending the reminders (催报)."""

from datetime import date

from dagster import Config, Failure, MetadataValue, OpExecutionContext, job, op

from pipelines.operations.reminders import RemindError, remind
from pipelines.operations.schedules import REMINDERS_JOB
from pipelines.resources import ProjectPaths
from pipelines.senders.deadlines import today_in_tianjin


class RemindConfig(Config):
    """`as_of`: the day (Tianjin) to remind as of, empty for today; `weekly`: only what is overdue."""

    as_of: str = ""
    weekly: bool = False


@op(description="向各区教育局群机器人发送催报（读取发布快照）/ Send each district bureau its reminder through its robot.")
def send_reminders(context: OpExecutionContext, config: RemindConfig, paths: ProjectPaths) -> None:
    day = date.fromisoformat(config.as_of) if config.as_of else today_in_tianjin()
    try:
        outcome = remind(paths.settings(), day, weekly=config.weekly)
    except RemindError as exc:
        raise Failure(description=str(exc), allow_retries=False) from exc
    # districts and robots' names only: the texts name schools and stay in the store
    context.log.info(f"reminders {day}: {len(outcome.sent)} sent, {len(outcome.failed)} failed, "
                     f"{outcome.resent} sent again")
    if outcome.failed:
        raise Failure(
            description=f"{len(outcome.failed)} 条催报发送失败，已保存，下次运行重发 / {len(outcome.failed)} reminders failed "
                        "(stored; sent again next run)",
            metadata={"failed": MetadataValue.json([{"district": r["district_code"], "robot": r["robot"],
                                                     "answer": r["answer"]} for r in outcome.failed])},
            allow_retries=False,
        )


@job(name=REMINDERS_JOB, tags={"kejiao/writes_warehouse": "false"},
     description="催报：读取发布快照，按区发送群机器人消息 / Reminders from the published snapshot, one message a district.")
def reminders_job() -> None:
    send_reminders()
