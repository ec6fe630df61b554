-- Units of FLB_ACTIVE: one per base active in a year, backed by the report (R2 row in force)
-- whose status was carried to that year. Breakdown: discipline.
with base_years as (
    select * from marts.fct_base_year
),

final as (
    select
        'FLB_ACTIVE' as indicator_id,
        period,
        district_code,
        base_code as unit_key,
        1.0 as numerator,
        null::double as denominator,
        true as is_in_total,
        [{'dimension': 'discipline', 'value': discipline}] as breakdowns,
        [{
            'staging_table': 'staging.r2_flagship_base_reports',
            'submission_id': submission_id,
            'sheet_name': sheet_name,
            'row_number': row_number,
            'entity_key': 'base_code=' || base_code || ' report_year=' || status_report_year
        }] as source_rows
    from base_years
    where is_active
)

select * from final
