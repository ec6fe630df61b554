"""Everything operations adds to the code location, gathered for pipelines/definitions.py."""

from __future__ import annotations

from dagster import AssetSelection, Backoff, Definitions, Jitter, RetryPolicy, define_asset_job

from pipelines.operations.assets import error_workbooks, monthly_briefing, overdue_reports
from pipelines.operations.checks import operations_checks
from pipelines.operations.freshness import with_freshness
from pipelines.operations.jobs import reminders_job
from pipelines.operations.schedules import (
    BRIEFING_JOB,
    daily_refresh,
    monthly_briefing_schedule,
    reminder_schedule,
)
from pipelines.operations.sensors import inbox_sensor, run_failure_recorder

# run with the rest of the graph (kejiao materialize, refresh_all)
OPERATIONS_ASSETS = [overdue_reports, error_workbooks]
OPERATIONS_CHECKS = [*operations_checks]
# only on its own schedule: it needs Chromium and reads the published snapshot
BRIEFING_ASSETS = [monthly_briefing]
BRIEFING_GROUP = "briefing"

# transient failures (the warehouse lock held past DuckDBResource's own ~100 s of retries, a
# file share hiccup) are retried; every writer step is one transaction, so a retry is safe
WRITER_RETRY_POLICY = RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

monthly_briefing_job = define_asset_job(
    BRIEFING_JOB,
    selection=AssetSelection.assets(monthly_briefing),
    description="月度简报（读取发布快照，不写仓库）/ The monthly briefing (reads the published snapshot only).",
    tags={"kejiao/writes_warehouse": "false"},
)


def operations_definitions() -> Definitions:
    return Definitions(
        assets=BRIEFING_ASSETS,
        jobs=[monthly_briefing_job, reminders_job],
        sensors=[inbox_sensor, run_failure_recorder],
        schedules=[daily_refresh, monthly_briefing_schedule, reminder_schedule],
    )


def apply_operations_policy(defs: Definitions) -> Definitions:
    """Project-wide operations policy on the merged definitions: freshness where it applies."""
    return with_freshness(defs)
