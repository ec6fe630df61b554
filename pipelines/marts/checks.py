"""Checks on the marts: one row per key, and no personal identifier in the youth programme mart."""

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue

from pipelines.checks import Check, check
from pipelines.metadata import markdown_table

UNIQUE_KEYS = {
    "dim_school": ("school_code",),
    "dim_school_active": ("school_code",),
    "fct_shs_school_year": ("school_code", "period"),
    "fct_base_year": ("base_code", "period"),
    "fct_school_annual_report": ("school_code", "report_year"),
    "fct_annual_report_obligation": ("school_code", "report_year"),
    "fct_alliance_membership": ("member_code",),
    "fct_alliance_member_current": ("member_code",),
}
# what the youth programme mart may hold: keyed hashes and codes; never these
FORBIDDEN_YIP_COLUMNS = ("name", "student_id", "university_mentor", "school_mentor", "university_mentor_key",
                         "school_mentor_key", "outputs")
KEYED_HASH = r"^[0-9a-f]{32}$"


def mart_key(name: str) -> AssetKey:
    return AssetKey(["marts", name])


def _unique_check(name: str, key: tuple[str, ...]) -> Check:
    table = f"marts.{name}"

    by_school = "school_code" in key  # a duplicate is within one school: look where rows changed

    @check(mart_key(name), "unique_key", f"One row per {', '.join(key)} in {table}.", blocking=True,
           reads=(table,) if by_school else (), by_school=by_school)
    def _check(con: duckdb.DuckDBPyConnection, schools: list[str] | None = None) -> AssetCheckResult:
        where = "" if schools is None else "where list_contains($schools, school_code) "
        dupes = con.sql(
            f"select {', '.join(key)}, count(*) as n from {table} {where}group by all having count(*) > 1 "
            f"order by n desc, {', '.join(key)}",
            params={"schools": schools} if schools is not None else None,
        ).pl()
        return AssetCheckResult(passed=dupes.is_empty(), severity=AssetCheckSeverity.ERROR, metadata={
            "duplicate keys": dupes.height, "examples": MetadataValue.md(markdown_table(dupes, 10))})

    return _check


@check(mart_key("fct_yip_participants"), "no_personal_identifiers",
       "No name, raw student or mentor identifier or free text; student keys are keyed hashes.", blocking=True)
def yip_no_personal_identifiers(con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
    columns = con.sql("select * from marts.fct_yip_participants limit 0").columns
    not_hashed = con.sql(
        "select count(*) from marts.fct_yip_participants where not regexp_full_match(student_key, $p)",
        params={"p": KEYED_HASH},
    ).fetchall()[0][0]
    forbidden = sorted(set(columns) & set(FORBIDDEN_YIP_COLUMNS))
    return AssetCheckResult(passed=not forbidden and not_hashed == 0, severity=AssetCheckSeverity.ERROR, metadata={
        "forbidden columns": MetadataValue.json(forbidden), "student keys not a keyed hash": not_hashed})


mart_checks = [*[_unique_check(n, k) for n, k in UNIQUE_KEYS.items()], yip_no_personal_identifiers]
