"""Schedules, in Tianjin time: a nightly refresh of everything, the monthly briefing, and reminders."""


from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, SkipReason, schedule

from pipelines.operations.deadlines import TIMEZONE

TIMEZONE_NAME = str(TIMEZONE)  # Asia/Shanghai
REFRESH_JOB = "refresh_all"
BRIEFING_JOB = "monthly_briefing_job"
DAILY_REFRESH_CRON = "0 6 * * *"  # 06:00 every day, before the working day
MONTHLY_BRIEFING_CRON = "0 8 1 * *"  # 08:00 on the 1st, after that day's refresh


@schedule(
    job_name=REFRESH_JOB,
    cron_schedule=DAILY_REFRESH_CRON,
    execution_timezone=TIMEZONE_NAME,
    default_status=DefaultScheduleStatus.RUNNING,
    description="每天 06:00（北京时间）全量刷新 / Refresh everything daily at 06:00 Beijing time.",
)
def daily_refresh(context: ScheduleEvaluationContext) -> RunRequest:
    day = context.scheduled_execution_time.astimezone(TIMEZONE).date()
    return RunRequest(run_key=f"daily-{day.isoformat()}", tags={"kejiao/trigger": "daily_refresh"})


@schedule(
    job_name=BRIEFING_JOB,
    cron_schedule=MONTHLY_BRIEFING_CRON,
    execution_timezone=TIMEZONE_NAME,
    default_status=DefaultScheduleStatus.RUNNING,
    description="每月1日 08:00（北京时间）生成《天津市科技教育2030目标进展简报》/ "
                "Produce the monthly briefing on the 1st at 08:00 Beijing time.",
)
def monthly_briefing_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    day = context.scheduled_execution_time.astimezone(TIMEZONE).date()
    return RunRequest(
        run_key=f"briefing-{day:%Y-%m}",
        run_config={"ops": {"monthly_briefing": {"config": {"as_of": day.isoformat()}}}},
        tags={"kejiao/trigger": "monthly_briefing_schedule", "kejiao/briefing_month": f"{day:%Y-%m}"},
    )


REMINDERS_JOB = "reminders_job"
REMINDER_CRON = "0 9 * * *"  # 09:00 every day; most days the schedule skips


@schedule(
    job_name=REMINDERS_JOB,
    cron_schedule=REMINDER_CRON,
    execution_timezone=TIMEZONE_NAME,
    default_status=DefaultScheduleStatus.RUNNING,
    description="催报：截止日前 N 天（KEJIAO_REMIND_DAYS_BEFORE，默认7）及逾期期间每周一 09:00（北京时间）/ "
                "Reminders N days before each deadline and every Monday while anything is overdue, 09:00 Beijing time.",
)
def reminder_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    from pipelines.operations.reminders import (
        ROBOTS_FILE,
        RemindError,
        days_before,
        read_robot_table,
        reminder_day,
        robots,
    )
    from pipelines.senders.deadlines import load_deadlines

    day = context.scheduled_execution_time.astimezone(TIMEZONE).date()
    try:
        why = reminder_day(day, load_deadlines(), days_before())
        if why is None:
            return SkipReason(f"{day}: 不是催报日 / not a reminder day")
        by_district, fallback, _ = robots(read_robot_table(ROBOTS_FILE))
    except RemindError as exc:
        return SkipReason(str(exc))
    if not by_district and fallback is None:  # fail closed, without a failed run every Monday
        return SkipReason("未配置任何群机器人，不催报 / no group robot configured: no reminder sent")
    return RunRequest(
        run_key=f"remind-{day.isoformat()}",
        run_config={"ops": {"send_reminders": {"config": {"as_of": day.isoformat(), "weekly": why == "weekly"}}}},
        tags={"kejiao/trigger": "reminder_schedule", "kejiao/reminder": why},
    )
