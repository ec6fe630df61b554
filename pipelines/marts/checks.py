"""Checks on the marts: one row per key, and no personal identifier in the youth programme mart."""

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, MetadataValue, asset_check

from pipelines.marts.assets import mart_key
from pipelines.metadata import markdown_table
from pipelines.resources import Warehouse

UNIQUE_KEYS = {
    "dim_school": ("school_code",),
    "fct_shs_school_year": ("school_code", "period"),
    "fct_base_year": ("base_code", "period"),
    "fct_school_annual_report": ("school_code", "report_year"),
    "fct_annual_report_obligation": ("school_code", "report_year"),
    "fct_alliance_membership": ("member_code",),
}
# what the youth programme mart may hold: keyed hashes and codes; never these
FORBIDDEN_YIP_COLUMNS = ("name", "student_id", "university_mentor", "school_mentor", "university_mentor_key",
                         "school_mentor_key", "outputs")
KEYED_HASH = r"^[0-9a-f]{32}$"


def _unique_check(name: str, key: tuple[str, ...]) -> AssetChecksDefinition:
    table = f"marts.{name}"

    @asset_check(asset=mart_key(name), name="unique_key", blocking=True,
                 description=f"One row per {', '.join(key)} in {table}.")
    def _check(warehouse: Warehouse) -> AssetCheckResult:
        with warehouse.get_connection() as con:
            dupes = con.sql(
                f"select {', '.join(key)}, count(*) as n from {table} group by all having count(*) > 1 "
                f"order by n desc, {', '.join(key)}"
            ).pl()
        return AssetCheckResult(passed=dupes.is_empty(), severity=AssetCheckSeverity.ERROR, metadata={
            "duplicate keys": dupes.height, "examples": MetadataValue.md(markdown_table(dupes, 10))})

    return _check


@asset_check(asset=mart_key("fct_yip_participants"), name="no_personal_identifiers", blocking=True,
             description="No name, raw student or mentor identifier or free text; student keys are keyed hashes.")
def yip_no_personal_identifiers(warehouse: Warehouse) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        columns = con.sql("select * from marts.fct_yip_participants limit 0").columns
        not_hashed = con.sql(
            "select count(*) from marts.fct_yip_participants where not regexp_full_match(student_key, $p)",
            params={"p": KEYED_HASH},
        ).fetchall()[0][0]
    forbidden = sorted(set(columns) & set(FORBIDDEN_YIP_COLUMNS))
    return AssetCheckResult(passed=not forbidden and not_hashed == 0, severity=AssetCheckSeverity.ERROR, metadata={
        "forbidden columns": MetadataValue.json(forbidden), "student keys not a keyed hash": not_hashed})


mart_checks = [*[_unique_check(n, k) for n, k in UNIQUE_KEYS.items()], yip_no_personal_identifiers]
