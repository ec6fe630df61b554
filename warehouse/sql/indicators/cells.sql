-- Every unit placed in each cell it counts toward: the city, its district (where the indicator
-- has district values), the total and each of its breakdowns. A unit not counted in the total
-- (an SHS_PIPELINE school already named or withdrawn) still counts in its breakdown cell.
-- indicators.value_lineage (migration 0004) places units by the same rule.
-- Only the units of the (indicator, year) pairs being computed (indicator_periods).
with units as (
    select units.*, definitions.has_districts
    from indicators.value_units as units
    inner join indicators.indicator_definitions as definitions using (indicator_id)
    semi join indicator_periods using (indicator_id, period)
),

placed as (
    select indicator_id, period, unit_key, numerator, denominator, is_in_total, breakdowns, '120000' as geo_code
    from units
    union all
    select indicator_id, period, unit_key, numerator, denominator, is_in_total, breakdowns, district_code as geo_code
    from units
    where has_districts and district_code is not null
),

exploded as (  -- unnest in the select list: a lateral join over a list of structs is far slower
    select placed.* exclude (breakdowns, is_in_total), unnest(placed.breakdowns) as cell
    from placed
),

final as (
    select placed.* exclude (breakdowns, is_in_total), '' as breakdown_dimension, '' as breakdown_value
    from placed
    where is_in_total
    union all
    select exploded.* exclude (cell), cell.dimension as breakdown_dimension, cell.value as breakdown_value
    from exploded
    where cell.dimension <> ''
)

select * from final
