-- who owes the flagship bases' report (R2) of the year: one row per base
with this_year as (
    select * from marts.fct_base_year where period = $period
),

last_year as (
    select base_code, base_status from marts.fct_base_year where period = $period - 1
),

final as (
    select
        this_year.base_code,
        this_year.host_school_code as school_code,
        this_year.host_school_name as school_name,
        this_year.district_code,
        this_year.discipline,
        not this_year.is_carried_forward as has_report,
        this_year.status_report_year
    from this_year
    left join last_year using (base_code)
    -- a base owes the report of a year unless it was revoked before it
    where not this_year.is_carried_forward or coalesce(last_year.base_status, '') <> 'revoked'
)

select * from final
where $district is null or district_code = $district
