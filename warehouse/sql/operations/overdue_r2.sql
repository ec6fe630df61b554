-- R2: a base whose report for the previous year did not say 撤销 (revoked) owes the report of
-- the year; its host school sends it. Reads the temp views in_force_r0 and in_force_r2.
-- $years: report years past due.
with years as (
    select unnest($years::integer[]) as report_year
),

active_last_year as (
    select reports.base_code, reports.host_school_code, years.report_year
    from in_force_r2 as reports
    inner join years on reports.report_year = years.report_year - 1
    where reports.status <> 'revoked'
),

missing as (
    select active_last_year.*
    from active_last_year
    anti join in_force_r2 as reports
        on reports.base_code = active_last_year.base_code
        and reports.report_year = active_last_year.report_year
),

final as (
    select
        'R2' as report_type,
        missing.report_year as period,
        missing.host_school_code as sender_code,
        registry.school_name as sender_name,
        registry.district_code,
        missing.base_code as entity_code
    from missing
    left join in_force_r0 as registry on registry.school_code = missing.host_school_code
)

select * from final
