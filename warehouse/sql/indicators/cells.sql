-- The cells: every unit placed in each cell it counts toward — the city, its district (where the
-- indicator has district values), the total and each of its breakdowns — and summed there, with
-- the submissions behind each cell. A unit not counted in the total (an SHS_PIPELINE school
-- already named or withdrawn) still counts in its breakdown cells. indicators.value_lineage
-- (migration 0004) places units by the same rule.
-- Units that are placed alike are summed in groups first (groups.sql, kept in
-- meta.indicator_unit_groups). Only the (indicator, year) pairs being computed (indicator_periods).
with groups as (
    select groups.*, definitions.has_districts
    from meta.indicator_unit_groups as groups
    semi join indicator_periods using (indicator_id, period)
    inner join indicators.indicator_definitions as definitions using (indicator_id)
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
