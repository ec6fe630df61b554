"""Schedules, in Tianjin time: a nightly refresh of everything, and the monthly briefing."""


from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

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
