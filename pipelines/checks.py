"""Asset checks that run in the step of the asset they check, on its connection.

A check is a query over the warehouse and a verdict (`Check`); the asset declares the checks'
specs (`check_specs=` / `multi_asset(check_specs=...)`) and yields their results after its
materializations (`run_checks`). Dagster shows them as it shows `@asset_check`s, and a failed
blocking check (severity ERROR) still stops what is downstream: the step fails after recording
the materialization and every check result (dagster's execute_step). A check as its own step would
cost a step (~0.1 s of Dagster) and a warehouse connection per check (docs/scaling.md).

A check whose verdict is per school (`by_school`, e.g. one row per school and year) remembers the
fingerprints of the tables it read when it passed (meta.check_passes); when those tables have
since changed only for some schools (warehouse.changed_schools), the next run looks at those
schools' rows only, and its metadata says which it looked at (`checked`).
"""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import duckdb
from dagster import AssetCheckKey, AssetCheckResult, AssetCheckSpec, AssetKey, MetadataValue

from warehouse import changed_schools, stored_fingerprint


@dataclass(frozen=True)
class Check:
    asset: AssetKey
    name: str
    description: str
    evaluate: Callable[..., AssetCheckResult]
    blocking: bool = False
    # the warehouse tables it reads, each with a build fingerprint (meta.table_builds)
    reads: tuple[str, ...] = ()
    # its verdict is per school: evaluate(con, schools) looks at the rows of those schools only
    # (None: all), and a school's rows can fail it only by what changed in that school's rows
    by_school: bool = False

    @property
    def key(self) -> AssetCheckKey:
        return AssetCheckKey(self.asset, self.name)

    @property
    def spec(self) -> AssetCheckSpec:
        return AssetCheckSpec(name=self.name, asset=self.asset, description=self.description, blocking=self.blocking)

    def _result(self, result: AssetCheckResult, extra: dict | None = None) -> AssetCheckResult:
        return AssetCheckResult(asset_key=self.asset, check_name=self.name, passed=result.passed,
                                severity=result.severity, metadata={**(result.metadata or {}), **(extra or {})},
                                description=result.description)

    def __call__(self, con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
        """The check's result over `con`, all rows, named for its asset (as a multi-asset must yield it)."""
        return self._result(self.evaluate(con, None) if self.by_school else self.evaluate(con))

    def run(self, con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
        """The check's result as a run gives it. A check kept per school that passed over the
        tables it reads, when each has since changed only for some schools (warehouse.changed_schools)
        or not at all, looks at those schools' rows only: the others passed then and have not
        changed. Anything else (it failed last time, a table rebuilt whole) looks at every row."""
        if not self.reads:
            return self(con)
        key = self.key.to_user_string()
        inputs = {table: stored_fingerprint(con, table) for table in self.reads}
        schools = self._changed_since_pass(con, key, inputs) if self.by_school else None
        if self.by_school:
            result = self.evaluate(con, schools)
        else:
            result = self.evaluate(con)
        con.execute("delete from meta.check_passes where check_key = $k", {"k": key})
        if result.passed and None not in inputs.values():
            con.execute("insert into meta.check_passes values ($k, $inputs, now()::timestamp)",
                        {"k": key, "inputs": json.dumps(inputs, sort_keys=True)})
        looked = ("全部行 all rows" if schools is None else
                  f"上次通过后有变化的 {len(schools)} 所学校 the {len(schools)} schools changed since it last passed")
        return self._result(result, {"checked": MetadataValue.text(looked)})

    def _changed_since_pass(self, con: duckdb.DuckDBPyConnection, key: str, inputs: dict) -> list[str] | None:
        found = con.execute("select inputs from meta.check_passes where check_key = $k", {"k": key}).fetchall()
        if not found:
            return None
        then = json.loads(found[0][0])
        schools: set[str] = set()
        for table, fingerprint in inputs.items():
            if fingerprint is None or table not in then:
                return None
            if fingerprint != then[table]:
                changed = changed_schools(con, table, then[table])
                if changed is None:
                    return None
                schools.update(changed)
        return sorted(schools)


def check(asset: AssetKey | str, name: str, description: str, *, blocking: bool = False,
          reads: tuple[str, ...] = (), by_school: bool = False):
    """Decorator: a function of a connection returning an AssetCheckResult becomes a `Check`
    (with `by_school`, a function of a connection and the schools to look at, None for all)."""
    key = AssetKey.from_coercible(asset)

    def wrap(evaluate: Callable[..., AssetCheckResult]) -> Check:
        return Check(key, name, description, evaluate, blocking, tuple(reads), by_school)

    return wrap


def run_checks(context, con: duckdb.DuckDBPyConnection, checks: Iterable[Check]) -> Iterator[AssetCheckResult]:
    """The results of the checks this run selected (a subset run may leave some out)."""
    selected = context.selected_asset_check_keys
    for c in checks:
        if c.key in selected:
            yield c.run(con)


def specs(checks: Iterable[Check]) -> list[AssetCheckSpec]:
    return [c.spec for c in checks]
