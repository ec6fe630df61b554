-- R3: a host university that sent the roster of the previous cohort owes the roster of the cohort
-- year, and so does one that has sent it. Reads the temp views in_force_r0 and in_force_r3.
-- Its years: the cohort years judged, in the temp table due_dates.
with years as (
    select period as cohort_year from due_dates where report_type = 'R3'
),

owing as (
    select distinct rosters.host_university_code, years.cohort_year
    from in_force_r3 as rosters
    inner join years on rosters.cohort_year in (years.cohort_year - 1, years.cohort_year)
),

rosters as (
    select host_university_code, cohort_year, any_value(submission_id) as submission_id
    from in_force_r3
    group by all
),

final as (
    select
        'R3' as report_type,
        owing.cohort_year as period,
        owing.host_university_code as school_code,
        registry.school_name,
        registry.district_code,
        null::varchar as entity_code,
        rosters.submission_id as accepted_submission_id
    from owing
    left join rosters
        on rosters.host_university_code = owing.host_university_code and rosters.cohort_year = owing.cohort_year
    left join in_force_r0 as registry on registry.school_code = owing.host_university_code
)

select * from final
