"""Freshness policies (Dagster 1.13's FreshnessPolicy, which superseded freshness checks in 1.12):
the indicators and the published snapshot are refreshed every night, so they warn after 25 hours
without an update and fail after 36 (a missed nightly refresh). Evaluated by the daemon when
dagster.yaml has `freshness: enabled: true`.

Applied to whichever of these assets exist, so the code location loads before and after the
indicators and publish domains land.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from dagster import AssetKey, Definitions, FreshnessPolicy, apply_freshness_policy

FRESH_KEYS = ("indicator_values", "indicators/indicator_values", "published_snapshot")
FRESH_GROUPS = ("indicators", "publish")
DAILY_FRESHNESS = FreshnessPolicy.time_window(fail_window=timedelta(hours=36), warn_window=timedelta(hours=25))


def fresh_asset_keys(defs: Definitions) -> list[AssetKey]:
    """Keys of existing assets the policy applies to: by name, or by group."""
    keys = []
    for spec in defs.resolve_all_asset_specs():
        if spec.key.to_user_string() in FRESH_KEYS or spec.group_name in FRESH_GROUPS:
            keys.append(spec.key)
    return keys


def with_freshness(defs: Definitions) -> Definitions:
    keys = fresh_asset_keys(defs)
    if not keys:
        return defs
    with warnings.catch_warnings():  # a preview API in 1.13, the documented way to attach policies
        warnings.filterwarnings("ignore", message=".*map_resolved_asset_specs.*")
        return defs.map_resolved_asset_specs(
            func=lambda spec: apply_freshness_policy(spec, DAILY_FRESHNESS), selection=keys
        )
