-- R3: a host university that sent the roster of the previous cohort owes the roster of the
-- cohort year. Reads the temp views in_force_r0 and in_force_r3. $years: cohort years past due.
with years as (
    select unnest($years::integer[]) as cohort_year
),

hosts as (
    select distinct rosters.host_university_code, years.cohort_year
    from in_force_r3 as rosters
    inner join years on rosters.cohort_year = years.cohort_year - 1
),

missing as (
    select hosts.*
    from hosts
    anti join in_force_r3 as rosters
        on rosters.host_university_code = hosts.host_university_code
        and rosters.cohort_year = hosts.cohort_year
),

final as (
    select
        'R3' as report_type,
        missing.cohort_year as period,
        missing.host_university_code as sender_code,
        registry.school_name as sender_name,
        registry.district_code,
        null::varchar as entity_code
    from missing
    left join in_force_r0 as registry on registry.school_code = missing.host_university_code
)

select * from final
