-- R2: a base whose report for the previous year did not say 撤销 (revoked) owes the report of the
-- year, and so does a base that has sent one for it; its host school sends it. Reads the temp
-- views in_force_r0 and in_force_r2. Its years: those judged, in the temp table due_dates.
with years as (
    select period as report_year from due_dates where report_type = 'R2'
),

owing as (
    select reports.base_code, reports.host_school_code, years.report_year
    from in_force_r2 as reports
    inner join years on reports.report_year = years.report_year - 1
    where reports.status <> 'revoked'
    union
    select reports.base_code, reports.host_school_code, reports.report_year
    from in_force_r2 as reports
    inner join years on reports.report_year = years.report_year
),

reports as (  -- one row per base_code and report_year (the entity key of the rows in force)
    select base_code, report_year, submission_id
    from in_force_r2
),

final as (
    select
        'R2' as report_type,
        owing.report_year as period,
        owing.host_school_code as school_code,
        registry.school_name,
        registry.district_code,
        owing.base_code as entity_code,
        reports.submission_id as accepted_submission_id
    from owing
    left join reports on reports.base_code = owing.base_code and reports.report_year = owing.report_year
    left join in_force_r0 as registry on registry.school_code = owing.host_school_code
)

select * from final
