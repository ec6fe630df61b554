-- who owes the youth programme's roster (R3) of the cohort: one row per host university
with rosters as (
    select cohort_year, host_university_code, host_university_name, count(*) as participants,
        max(submission_id) as submission_id
    from marts.fct_yip_participants
    where is_counted
    group by cohort_year, host_university_code, host_university_name
),

hosts as (
    select distinct host_university_code, host_university_name
    from rosters
    where cohort_year in ($period, $period - 1)
),

final as (
    select
        hosts.host_university_code as school_code,
        hosts.host_university_name as school_name,
        schools.district_code,
        this_year.host_university_code is not null as has_report,
        this_year.participants
    from hosts
    left join rosters as this_year
        on this_year.host_university_code = hosts.host_university_code and this_year.cohort_year = $period
    left join marts.dim_school as schools on schools.school_code = hosts.host_university_code
)

select * from final
where $district is null or district_code = $district
