-- Every unit placed in each cell it counts toward: the city, its district (where the indicator
-- has district values), the total and each of its breakdowns. A unit not counted in the total
-- (an SHS_PIPELINE school already named or withdrawn) still counts in its breakdown cell.
with units as (
    select * from indicator_units
),

definitions as (
    select indicator_id, has_districts from indicators.indicator_definitions
),

placed as (
    select units.*, '120000' as geo_code
    from units
    union all
    select units.*, units.district_code as geo_code
    from units
    inner join definitions using (indicator_id)
    where definitions.has_districts and units.district_code is not null
),

exploded as (
    select
        placed.* exclude (breakdowns),
        cell.dimension as breakdown_dimension,
        cell.value as breakdown_value
    from placed, unnest(list_prepend({'dimension': '', 'value': ''}, placed.breakdowns)) as t(cell)
),

final as (
    select * from exploded
    where breakdown_dimension <> '' or is_in_total
)

select * from final
