"""The Dagster code location: gathers each domain's definitions and applies project policy."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from pipelines.indicators.assets import district_progress, indicator_values, shs_forecast
from pipelines.intake.assets import submissions
from pipelines.marts.assets import mart_assets
from pipelines.operations.definitions import (
    BRIEFING_GROUP,
    OPERATIONS_ASSETS,
    OPERATIONS_CHECKS,
    WRITER_RETRY_POLICY,
    apply_operations_policy,
    operations_definitions,
)
from pipelines.publish.assets import published_snapshot
from pipelines.reference.assets import reference_data
from pipelines.resources import default_resources
from pipelines.senders.assets import obligations
from pipelines.staging.assets import staging_assets

ALL_ASSETS = [reference_data, submissions, *staging_assets, *mart_assets, indicator_values, shs_forecast,
              district_progress, obligations, published_snapshot, *OPERATIONS_ASSETS]
# the checks of staging, marts and indicators run in their asset's step (pipelines/checks.py)
ALL_CHECKS = [*OPERATIONS_CHECKS]

refresh_all = define_asset_job(
    "refresh_all",
    selection=AssetSelection.all() - AssetSelection.groups(BRIEFING_GROUP),
    description="Inbox → submissions → staging (→ marts → indicators → published snapshot).",
    tags={"kejiao/writes_warehouse": "true"},
    op_retry_policy=WRITER_RETRY_POLICY,
)

defs = apply_operations_policy(Definitions.merge(Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[refresh_all],
    resources=default_resources(),
    # the multiprocess executor costs ~2.5 s a step (a process each); the warehouse has one writer anyway
    executor=in_process_executor,
), operations_definitions()))
