"""Checks on the rows in force: unique keys, schools that exist, reports that are owed."""


import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from pipelines.checks import Check, check
from pipelines.intake.schema import REPORT_TYPES, ReportType, staging_name
from pipelines.metadata import markdown_table
from pipelines.staging.tables import ASSET_NAMES, in_force_table

REGISTRY = in_force_table(REPORT_TYPES["R0"])
# (report, column) pairs that must name a school of the registry in force
SCHOOL_REFERENCES = [("R1", "school_code"), ("R2", "host_school_code"), ("R3", "school_code"),
                     ("R3", "host_university_code"), ("R5", "school_code")]


def _unique_key_check(report: ReportType) -> Check:
    key = [staging_name(report.column(k)) for k in report.row_key]
    table = in_force_table(report)
    by_school = "school_code" in key  # a duplicate is within one school: look where rows changed

    @check(ASSET_NAMES[report.code], "unique_key", f"One row in force per {', '.join(key)}.", blocking=True,
           reads=(table,) if by_school else (), by_school=by_school)
    def _check(con: duckdb.DuckDBPyConnection, schools: list[str] | None = None) -> AssetCheckResult:
        where = "" if schools is None else "where list_contains($schools, school_code) "
        dupes = con.sql(
            f"select {', '.join(key)}, count(*) as n, list(distinct submission_id)[:3] as submissions "
            f"from {table} {where}group by all having count(*) > 1 order by n desc",
            params={"schools": schools} if schools is not None else None,
        ).pl()
        # a student in two universities' rosters of one cohort is a real-world conflict, not a load bug
        severity = AssetCheckSeverity.WARN if report.code == "R3" else AssetCheckSeverity.ERROR
        examples = dupes.drop("student_key") if "student_key" in dupes.columns else dupes
        return AssetCheckResult(passed=dupes.is_empty(), severity=severity, metadata={
            "duplicate keys": dupes.height, "examples": MetadataValue.md(markdown_table(examples, 10))})

    return _check


def _school_reference_check(code: str, columns: list[str]) -> Check:
    report = REPORT_TYPES[code]
    table = in_force_table(report)
    unions = " union all ".join(
        f"select '{c}' as column_name, {c} as school_code from {table}" for c in columns
    )
    # rows kept per school that name only their own school: a row can newly fail only where its
    # school's rows or that school's registry entry changed
    by_school = columns == ["school_code"] and "school_code" in report.key

    # the registry is refreshed in the same step, before the others (staging.assets)
    @check(ASSET_NAMES[code], "schools_in_registry",
           f"Every school named ({', '.join(columns)}) is in the registry in force.", blocking=True,
           reads=(table, REGISTRY) if by_school else (), by_school=by_school)
    def _check(con: duckdb.DuckDBPyConnection, schools: list[str] | None = None) -> AssetCheckResult:
        where = "" if schools is None else "and list_contains($schools, school_code) "
        missing = con.sql(
            f"select column_name, school_code, count(*) as n from ({unions}) "
            f"where school_code not in (select school_code from {REGISTRY}) {where}group by all order by n desc",
            params={"schools": schools} if schools is not None else None,
        ).pl()
        return AssetCheckResult(passed=missing.is_empty(), severity=AssetCheckSeverity.ERROR, metadata={
            "unknown school codes": missing.height, "examples": MetadataValue.md(markdown_table(missing, 10))})

    return _check


@check(ASSET_NAMES["R5"], "annual_report_completeness",
       "Primary and secondary schools active in a year without an accepted R5 for it (warn).")
def annual_report_completeness(con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
    """Counted in SQL: at 150,000 schools the missing reports are hundreds of thousands of rows,
    of which the check shows the count by year and 20 examples."""
    r5 = in_force_table(REPORT_TYPES["R5"])
    con.execute(
        f"""
        create or replace temp table _missing_reports as
        with years as (select distinct report_year from {r5}),
        owed as (
            select years.report_year, r.school_code, r.school_name, r.district_code
            from years cross join {REGISTRY} r
            where r.school_type not in ('higher_education', 'other')
              and coalesce(year(r.valid_from), 0) <= years.report_year
              and coalesce(year(r.valid_to), 9999) >= years.report_year
        )
        select owed.* from owed
        anti join {r5} r5 using (report_year, school_code)
        """
    )
    try:
        total = con.sql("select count(*) from _missing_reports").fetchall()[0][0]
        by_year = con.sql("select report_year, count(*) as len from _missing_reports group by all order by 1").pl()
        examples = con.sql("select * from _missing_reports order by report_year, district_code, school_code "
                           "limit 20").pl()
    finally:
        con.execute("drop table if exists _missing_reports")
    listed = markdown_table(examples, 20) + (f"\n… {total - examples.height} more rows" if total > examples.height
                                             else "")
    return AssetCheckResult(passed=total == 0, severity=AssetCheckSeverity.WARN, metadata={
        "missing reports": total,
        "missing by year": MetadataValue.md(markdown_table(by_year)),
        "examples": MetadataValue.md(listed),
    })


def _references() -> list[Check]:
    grouped: dict[str, list[str]] = {}
    for code, column in SCHOOL_REFERENCES:
        grouped.setdefault(code, []).append(column)
    return [_school_reference_check(code, cols) for code, cols in grouped.items()]


staging_checks = [
    *[_unique_key_check(r) for r in REPORT_TYPES.values()],
    *_references(),
    annual_report_completeness,
]
