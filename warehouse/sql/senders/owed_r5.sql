-- R5: every primary and secondary school in the registry (not 高校 or 其他) open in a year owes
-- that year's annual report. Reads the temp views in_force_r0 and in_force_r5; its years, those
-- judged (past due and the current one), from the temp table due_dates.
with schools as (
    select school_code, school_name, district_code, valid_from, valid_to
    from in_force_r0
    where school_type not in ('higher_education', 'other')
),

years as (
    select period as report_year from due_dates where report_type = 'R5'
),

owing as (
    select schools.*, years.report_year
    from schools
    cross join years
    where (schools.valid_from is null or schools.valid_from <= make_date(years.report_year, 12, 31))
      and (schools.valid_to is null or schools.valid_to >= make_date(years.report_year, 1, 1))
),

reports as (  -- one row per school_code and report_year (the entity key of the rows in force)
    select school_code, report_year, submission_id
    from in_force_r5
),

final as (
    select
        'R5' as report_type,
        owing.report_year as period,
        owing.school_code,
        owing.school_name,
        owing.district_code,
        null::varchar as entity_code,
        reports.submission_id as accepted_submission_id
    from owing
    left join reports on reports.school_code = owing.school_code and reports.report_year = owing.report_year
)

select * from final
