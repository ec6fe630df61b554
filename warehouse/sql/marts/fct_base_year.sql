-- marts.fct_base_year: every flagship discipline base (R2) for every calendar year from its first
-- report up to the as-of year, with the status of its newest report for a year up to that one
-- (a base that did not report this year keeps the status it last reported). A base is active
-- while that status is 立项建设, 中期评估 or 通过评估.
-- $as_of_year: the year of the newest arrival of accepted data.
with source as (
    select * from staging.r2_flagship_base_reports_in_force
),

schools as (
    select school_code as host_school_code, school_name as host_school_name, district_code from marts.dim_school
),

renamed as (
    select
        base_code,
        host_school_code,
        discipline,
        status as base_status,
        report_year,
        partners,
        students_served,
        courses_offered,
        schools_reached,
        teacher_training_hours,
        submission_id,
        sheet_name,
        row_number
    from source
),

bounds as (
    select min(report_year) as first_period, greatest(max(report_year), $as_of_year::bigint) as last_period
    from renamed
),

periods as (
    select unnest(range(first_period, last_period + 1))::integer as period
    from bounds
    where first_period is not null
),

base_periods as (
    select bases.base_code, periods.period
    from (select base_code, min(report_year) as first_period from renamed group by base_code) as bases
    inner join periods on periods.period >= bases.first_period
),

carried as (
    select base_periods.period, renamed.*
    from base_periods
    asof inner join renamed
        on renamed.base_code = base_periods.base_code
        and base_periods.period >= renamed.report_year
),

final as (
    select
        carried.base_code,
        carried.period,
        carried.report_year as status_report_year,
        carried.report_year < carried.period as is_carried_forward,
        carried.base_status,
        carried.base_status in ('established', 'midterm_reviewed', 'accredited') as is_active,
        carried.discipline,
        carried.host_school_code,
        schools.host_school_name,
        schools.district_code,
        carried.partners,
        carried.students_served,
        carried.courses_offered,
        carried.schools_reached,
        carried.teacher_training_hours,
        carried.submission_id,
        carried.sheet_name,
        carried.row_number
    from carried
    left join schools using (host_school_code)
)

select * from final
order by base_code, period
