"""Asset checks that run in the step of the asset they check, on its connection.

A check is a query over the warehouse and a verdict (`Check`); the asset declares the checks'
specs (`check_specs=` / `multi_asset(check_specs=...)`) and yields their results after its
materializations (`run_checks`). Dagster shows them as it shows `@asset_check`s, and a failed
blocking check (severity ERROR) still stops what is downstream: the step fails after recording
the materialization and every check result (dagster's execute_step). A check as its own step would
cost a step (~0.1 s of Dagster) and a warehouse connection per check (docs/scaling.md).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import duckdb
from dagster import AssetCheckKey, AssetCheckResult, AssetCheckSpec, AssetKey


@dataclass(frozen=True)
class Check:
    asset: AssetKey
    name: str
    description: str
    evaluate: Callable[[duckdb.DuckDBPyConnection], AssetCheckResult]
    blocking: bool = False

    @property
    def key(self) -> AssetCheckKey:
        return AssetCheckKey(self.asset, self.name)

    @property
    def spec(self) -> AssetCheckSpec:
        return AssetCheckSpec(name=self.name, asset=self.asset, description=self.description, blocking=self.blocking)

    def __call__(self, con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
        """The check's result over `con`, named for its asset (as a multi-asset must yield it)."""
        result = self.evaluate(con)
        return AssetCheckResult(asset_key=self.asset, check_name=self.name, passed=result.passed,
                                severity=result.severity, metadata=result.metadata,
                                description=result.description)


def check(asset: AssetKey | str, name: str, description: str, *, blocking: bool = False):
    """Decorator: a function of a connection returning an AssetCheckResult becomes a `Check`."""
    key = AssetKey.from_coercible(asset)

    def wrap(evaluate: Callable[[duckdb.DuckDBPyConnection], AssetCheckResult]) -> Check:
        return Check(key, name, description, evaluate, blocking)

    return wrap


def run_checks(context, con: duckdb.DuckDBPyConnection, checks: Iterable[Check]) -> Iterator[AssetCheckResult]:
    """The results of the checks this run selected (a subset run may leave some out)."""
    selected = context.selected_asset_check_keys
    for c in checks:
        if c.key in selected:
            yield c(con)


def specs(checks: Iterable[Check]) -> list[AssetCheckSpec]:
    return [c.spec for c in checks]
