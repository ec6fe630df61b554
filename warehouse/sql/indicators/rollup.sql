-- The values: the cells (cells.sql) per indicator, year, place and breakdown. Counts show every year,
-- place and code of their breakdowns (zero when nothing is counted); shares show the city total
-- of every year and whatever else was observed, as 100 * numerator / denominator (null when the
-- denominator is 0).
with cells as (
    select * from indicator_cells
),

definitions as (
    select * from indicators.indicator_definitions
),

aggregated as (  -- summed per cell already (cells.sql)
    select * from cells
),

dimension_code_lists as (
    select * from (values
        ('stage', 'shs_stage'), ('discipline', 'discipline'), ('member_type', 'member_type'), ('gender', 'gender')
    ) as t(dimension, code_list)
),

geos as (
    select $city as geo_code, false as is_district
    union all
    select district_code as geo_code, true as is_district from ref.districts
),

count_cells as (
    select periods.indicator_id, periods.period, geos.geo_code, '' as breakdown_dimension, '' as breakdown_value
    from indicator_periods as periods
    inner join definitions using (indicator_id)
    cross join geos
    where definitions.value_kind = 'count' and (definitions.has_districts or not geos.is_district)
),

definition_dimensions as (
    select indicator_id, unnest(breakdown_dimensions) as dimension from definitions
),

count_breakdown_cells as (
    select
        count_cells.indicator_id,
        count_cells.period,
        count_cells.geo_code,
        definition_dimensions.dimension as breakdown_dimension,
        labels.code as breakdown_value
    from count_cells
    inner join definition_dimensions using (indicator_id)
    inner join dimension_code_lists using (dimension)
    inner join ref.code_labels as labels on labels.code_list = dimension_code_lists.code_list
),

share_cells as (
    select periods.indicator_id, periods.period, $city as geo_code, '' as breakdown_dimension, '' as breakdown_value
    from indicator_periods as periods
    inner join definitions using (indicator_id)
    where definitions.value_kind = 'share'
),

grid as (
    select * from count_cells
    union
    select * from count_breakdown_cells
    union
    select * from share_cells
),

joined as (
    select *
    from grid
    full outer join aggregated using (indicator_id, period, geo_code, breakdown_dimension, breakdown_value)
),

final as (
    select
        joined.indicator_id,
        joined.period,
        joined.geo_code,
        case when joined.breakdown_dimension = '' then ''
            else joined.breakdown_dimension || '=' || joined.breakdown_value end as breakdown,
        nullif(joined.breakdown_dimension, '') as breakdown_dimension,
        case when joined.breakdown_dimension <> '' then joined.breakdown_value end as breakdown_value,
        case
            when definitions.value_kind = 'count' then coalesce(joined.numerator, 0)
            when joined.denominator > 0 then 100.0 * joined.numerator / joined.denominator
        end as value,
        case when definitions.value_kind = 'share' or joined.denominator is not null
            then coalesce(joined.numerator, 0) end as numerator,
        case when definitions.value_kind = 'share' then coalesce(joined.denominator, 0)
            else joined.denominator end as denominator,
        definitions.unit,
        coalesce(joined.submission_ids, []::varchar[]) as submission_ids
    from joined
    inner join definitions using (indicator_id)
)

select * from final
order by indicator_id, period, geo_code, breakdown
