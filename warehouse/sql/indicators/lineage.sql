-- The staging rows behind every value: each row of each unit in each cell, with how it counts
-- (counted for counts; numerator or denominator only for shares). Keys are codes, sheets and
-- row numbers: no name, no student key.
with cells as (
    select * from indicator_cells
),

definitions as (
    select indicator_id, value_kind from indicators.indicator_definitions
),

final as (
    select
        cells.indicator_id,
        cells.period,
        cells.geo_code,
        case when cells.breakdown_dimension = '' then ''
            else cells.breakdown_dimension || '=' || cells.breakdown_value end as breakdown,
        case
            when definitions.value_kind = 'count' then 'counted'
            when cells.numerator > 0 then 'numerator'
            else 'denominator'
        end as contribution,
        source_row.staging_table,
        source_row.submission_id,
        source_row.sheet_name,
        source_row.row_number,
        source_row.entity_key
    from cells
    inner join definitions using (indicator_id),
    unnest(cells.source_rows) as t(source_row)
)

select * from final
order by indicator_id, period, geo_code, breakdown, staging_table, submission_id, sheet_name, row_number
