-- marts.fct_annual_report_obligation: which schools owe an annual report (R5) for which year, and
-- whether an accepted one is in force. Every primary and secondary school of the registry (all
-- types but 高校 and 其他) owes one for each year it is open at some point (opened by 31 December,
-- not closed before 1 January). Years: from the first to the last report year received.
with schools as (
    select * from marts.dim_school where is_annual_report_required
),

reports as (
    select * from marts.fct_school_annual_report
),

bounds as (
    select min(report_year) as first_period, max(report_year) as last_period from reports
),

periods as (
    select unnest(range(first_period, last_period + 1))::integer as report_year
    from bounds
    where first_period is not null
),

owed as (
    select
        periods.report_year,
        schools.school_code,
        schools.school_name,
        schools.district_code,
        schools.school_type,
        schools.submission_id as registry_submission_id,
        schools.sheet_name as registry_sheet_name,
        schools.row_number as registry_row_number
    from periods
    cross join schools
    where coalesce(year(schools.valid_from_date) <= periods.report_year, true)
        and coalesce(year(schools.valid_to_date) >= periods.report_year, true)
),

final as (
    select
        owed.*,
        reports.submission_id is not null as has_report,
        reports.reported_at,
        reports.submission_id as report_submission_id,
        reports.sheet_name as report_sheet_name,
        reports.row_number as report_row_number
    from owed
    left join reports using (school_code, report_year)
)

select * from final
order by report_year, district_code, school_code
