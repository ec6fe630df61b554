-- Units of the annual-report indicators: one per school and year. Breakdown: school type.
-- STE_VICE_PRINCIPAL: of the schools with an accepted R5 for the year, those reporting at least
--   one 科学副校长.
-- STE_PARTICIPATION: sum of 参加科技活动学生数 / sum of 在校生数 over the accepted R5 of the year.
-- REPORTING_COMPLETENESS: schools owing an R5 for the year (registry row) that have an accepted
--   one in force (report row).
with reports as (
    select * from marts.fct_school_annual_report
),

obligations as (
    select * from marts.fct_annual_report_obligation
),

report_units as (
    select
        report_year as period,
        district_code,
        school_code as unit_key,
        has_science_vice_principal,
        students_in_st_activities,
        enrolled_students,
        [{'dimension': 'school_type', 'value': coalesce(school_type, 'unknown')}] as breakdowns,
        [{
            'staging_table': 'staging.r5_school_annual_reports',
            'submission_id': submission_id,
            'sheet_name': sheet_name,
            'row_number': row_number,
            'entity_key': 'school_code=' || school_code || ' report_year=' || report_year
        }] as source_rows
    from reports
),

vice_principal as (
    select 'STE_VICE_PRINCIPAL' as indicator_id, period, district_code, unit_key,
        has_science_vice_principal::integer::double as numerator, 1.0 as denominator, true as is_in_total,
        breakdowns, source_rows
    from report_units
),

participation as (
    select 'STE_PARTICIPATION' as indicator_id, period, district_code, unit_key,
        students_in_st_activities::double as numerator, enrolled_students::double as denominator, true as is_in_total,
        breakdowns, source_rows
    from report_units
),

completeness as (
    select
        'REPORTING_COMPLETENESS' as indicator_id,
        report_year as period,
        district_code,
        school_code as unit_key,
        has_report::integer::double as numerator,
        1.0 as denominator,
        true as is_in_total,
        [{'dimension': 'school_type', 'value': school_type}] as breakdowns,
        list_concat(
            [{
                'staging_table': 'staging.r0_schools',
                'submission_id': registry_submission_id,
                'sheet_name': registry_sheet_name,
                'row_number': registry_row_number,
                'entity_key': 'school_code=' || school_code
            }],
            case when has_report then [{
                'staging_table': 'staging.r5_school_annual_reports',
                'submission_id': report_submission_id,
                'sheet_name': report_sheet_name,
                'row_number': report_row_number,
                'entity_key': 'school_code=' || school_code || ' report_year=' || report_year
            }] else [] end
        ) as source_rows
    from obligations
),

final as (
    select * from vice_principal
    union all by name
    select * from participation
    union all by name
    select * from completeness
)

select * from final
