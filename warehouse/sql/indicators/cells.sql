-- The cells: every unit placed in each cell it counts toward — the city, its district (where the
-- indicator has district values), the total and each of its breakdowns — and summed there, with
-- the submissions behind each cell. A unit not counted in the total (an SHS_PIPELINE school
-- already named or withdrawn) still counts in its breakdown cells. indicators.value_lineage
-- (migration 0004) places units by the same rule.
-- Units that are placed alike (same indicator, year, district, breakdowns) are summed before they
-- are placed: a year of annual reports at national scale is millions of units but a few thousand
-- such groups. Only the (indicator, year) pairs being computed (indicator_periods), from the units
-- as kept (indicators.value_units, unit_sources: those just computed and, when an annual-report
-- year is recomputed for a few schools, the other schools' units of that year as they were).
with units as (
    select *
    from indicators.value_units
    semi join indicator_periods using (indicator_id, period)
),

unit_groups as (
    select
        indicator_id,
        period,
        district_code,
        is_in_total,
        breakdowns,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from units
    group by indicator_id, period, district_code, is_in_total, breakdowns
),

group_submissions as (  -- the submissions behind each group: its units' staging rows
    select distinct units.indicator_id, units.period, units.district_code, units.is_in_total, units.breakdowns,
        sources.submission_id
    from units
    inner join indicators.unit_sources as sources using (indicator_id, period, unit_key)
    where sources.submission_id is not null
),

groups as (
    select unit_groups.*, definitions.has_districts, coalesce(subs.submission_ids, []) as submission_ids
    from unit_groups
    inner join indicators.indicator_definitions as definitions using (indicator_id)
    left join (
        select indicator_id, period, district_code, is_in_total, breakdowns, list(submission_id) as submission_ids
        from group_submissions
        group by all
    ) as subs using (indicator_id, period, district_code, is_in_total, breakdowns)
),

placed as (
    select groups.* exclude (has_districts), $city as geo_code
    from groups
    union all
    select groups.* exclude (has_districts), district_code as geo_code
    from groups
    where has_districts and district_code is not null
),

exploded as (  -- unnest in the select list: a lateral join over a list of structs is far slower
    select placed.* exclude (breakdowns, is_in_total), unnest(placed.breakdowns) as cell
    from placed
),

placed_cells as (
    select placed.* exclude (breakdowns, is_in_total), '' as breakdown_dimension, '' as breakdown_value
    from placed
    where is_in_total
    union all
    select exploded.* exclude (cell), cell.dimension as breakdown_dimension, cell.value as breakdown_value
    from exploded
    where cell.dimension <> ''
),

final as (
    select
        indicator_id,
        period,
        geo_code,
        breakdown_dimension,
        breakdown_value,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        list_sort(list_distinct(flatten(list(submission_ids)))) as submission_ids
    from placed_cells
    group by indicator_id, period, geo_code, breakdown_dimension, breakdown_value
)

select * from final
