"""Checks on the indicator values: city = sum of districts for additive counts (and for the
numerators and denominators of shares), shares within 0–100, a status wherever there is a
target, and who is missing wherever reporting is incomplete."""

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue

from pipelines.checks import check
from pipelines.metadata import markdown_table
from pipelines.reference.codes import CITY

INDICATOR_VALUES = AssetKey(["indicators", "indicator_values"])

CITY_VS_DISTRICTS = """
with values as (
    select v.*, d.value_kind, d.is_additive
    from indicators.indicator_values as v
    inner join indicators.indicator_definitions as d using (indicator_id)
    where d.has_districts
),

districts as (
    select indicator_id, period, breakdown, sum(value) as value, sum(numerator) as numerator,
        sum(denominator) as denominator
    from values
    where geo_code <> $city
    group by all
),

compared as (
    select city.indicator_id, city.period, city.breakdown, city.value_kind,
        city.value as city_value, coalesce(districts.value, 0) as district_sum,
        city.numerator as city_numerator, coalesce(districts.numerator, 0) as district_numerator,
        city.denominator as city_denominator, coalesce(districts.denominator, 0) as district_denominator
    from values as city
    left join districts using (indicator_id, period, breakdown)
    where city.geo_code = $city
)

select * from compared
where (value_kind = 'count' and abs(city_value - district_sum) > 1e-9)
    or (value_kind = 'share' and (abs(coalesce(city_numerator, 0) - district_numerator) > 1e-9
        or abs(coalesce(city_denominator, 0) - district_denominator) > 1e-9))
order by indicator_id, period, breakdown
"""


@check(INDICATOR_VALUES, "city_equals_sum_of_districts",
       "For counts with district values, the city equals the sum of the districts; for shares, so do numerator "
       "and denominator (every unit has a district).", blocking=True)
def city_equals_sum_of_districts(con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
    bad = con.sql(CITY_VS_DISTRICTS, params={"city": CITY}).pl()
    return AssetCheckResult(passed=bad.is_empty(), severity=AssetCheckSeverity.ERROR, metadata={
        "mismatches": bad.height, "examples": MetadataValue.md(markdown_table(bad, 15))})


@check(INDICATOR_VALUES, "shares_within_0_100",
       "Every share is a percentage between 0 and 100, with numerator ≤ denominator.", blocking=True)
def shares_within_0_100(con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
    bad = con.sql(
        """select indicator_id, period, geo_code, breakdown, value, numerator, denominator
           from indicators.indicator_values
           where unit = '%' and (value < 0 or value > 100 or numerator > denominator or numerator < 0)
           order by all"""
    ).pl()
    return AssetCheckResult(passed=bad.is_empty(), severity=AssetCheckSeverity.ERROR, metadata={
        "out of range": bad.height, "examples": MetadataValue.md(markdown_table(bad, 15))})


@check(INDICATOR_VALUES, "targets_have_status", "Every value with a target has a progress status.", blocking=True)
def targets_have_status(con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
    bad = con.sql(
        """select indicator_id, period, geo_code, breakdown, value, target from indicators.indicator_values
           where target is not null and status is null order by all"""
    ).pl()
    statuses = con.sql(
        """select indicator_id, status, count(*) as n from indicators.indicator_values
           where target is not null group by all order by all"""
    ).pl()
    return AssetCheckResult(passed=bad.is_empty(), severity=AssetCheckSeverity.ERROR, metadata={
        "without status": bad.height, "examples": MetadataValue.md(markdown_table(bad, 15)),
        "statuses": MetadataValue.md(markdown_table(statuses, 40))})


# reads marts.fct_annual_report_obligation, upstream of indicator_values
@check(INDICATOR_VALUES, "reporting_completeness_gaps",
       "Each year's REPORTING_COMPLETENESS below 100%, with the schools still missing (warn).")
def reporting_completeness_gaps(con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
    years = con.sql(
        """select period, value, numerator, denominator from indicators.indicator_values
           where indicator_id = 'REPORTING_COMPLETENESS' and geo_code = $city and breakdown = ''
           order by period""", params={"city": CITY}
    ).pl()
    missing = con.sql(
        """select o.report_year, o.district_code, d.district_name_zh, o.school_code, o.school_name, o.school_type
           from marts.fct_annual_report_obligation o left join ref.districts d using (district_code)
           where not o.has_report order by o.report_year, o.district_code, o.school_code"""
    ).pl()
    incomplete = years.filter(years["value"] < 100)
    metadata = {
        "years below 100%": incomplete.height,
        "completeness by year": MetadataValue.md(markdown_table(years)),
        "missing reports": missing.height,
    }
    for year in incomplete["period"].to_list():
        of_year = missing.filter(missing["report_year"] == year).drop("report_year")
        metadata[f"missing {year}"] = MetadataValue.md(markdown_table(of_year, 200))
    return AssetCheckResult(passed=incomplete.is_empty(), severity=AssetCheckSeverity.WARN, metadata=metadata)


indicator_checks = [city_equals_sum_of_districts, shares_within_0_100, targets_have_status,
                    reporting_completeness_gaps]
