-- The indicator values as exported (read from a published snapshot): names and places in
-- Chinese beside the codes, breakdown values with their labels, rows in a fixed order.
with values as (
    select * from indicators.indicator_values
),

definitions as (
    select * from indicators.indicator_definitions
),

places as (
    select $city as geo_code, '天津市' as geo_name_zh
    union all
    select district_code, district_name_zh from ref.districts
),

dimension_code_lists as (
    select * from (values
        ('stage', 'shs_stage'), ('discipline', 'discipline'), ('member_type', 'member_type'), ('gender', 'gender'),
        ('school_type', 'school_type')
    ) as t(dimension, code_list)
),

breakdown_labels as (
    select dimension_code_lists.dimension, labels.code as breakdown_value, labels.label_zh
    from dimension_code_lists
    inner join ref.code_labels as labels using (code_list)
    union all
    select 'host_university', school_code, school_name from marts.dim_school
    union all
    select dimension, 'unknown', '未填报' from dimension_code_lists
),

final as (
    select
        values.indicator_id,
        definitions.name_zh as indicator_name_zh,
        definitions.indicator_group,
        definitions.group_name_zh,
        values.period,
        values.geo_code,
        places.geo_name_zh,
        values.breakdown,
        values.breakdown_dimension,
        values.breakdown_value,
        coalesce(breakdown_labels.label_zh, values.breakdown_value) as breakdown_label_zh,
        values.value,
        values.unit,
        values.numerator,
        values.denominator,
        values.target,
        values.target_year,
        values.status,
        values.progress_ratio,
        values.as_of,
        values.submission_count,
        values.submission_ids,
        definitions.sort_order
    from values
    left join definitions using (indicator_id)
    left join places using (geo_code)
    left join breakdown_labels
        on breakdown_labels.dimension = values.breakdown_dimension
        and breakdown_labels.breakdown_value = values.breakdown_value
)

select * from final
order by sort_order, indicator_id, period, geo_code, breakdown
