-- marts.agg_yip_district_equity: for each cohort year, each district's and the whole city's
-- (geo_code $city) counted youth-programme participants beside the pupils of the schools with
-- secondary grades open that year (registry enrolment). The city's row is the city's own, so that a
-- viewer who may see only one district still reads true shares of the city (a district bureau's
-- scope holds its district and this city row, never a sum over the rows its scope leaves).
with cohorts as (
    select distinct cohort_year as period from marts.fct_yip_participants
),

participants as (
    select cohort_year as period, district_code, count(*) as participants
    from marts.fct_yip_participants
    where is_counted
    group by all
),

pupils as (
    select cohorts.period, schools.district_code, sum(schools.enrolled_students)::bigint as pupils
    from cohorts
    inner join marts.dim_school as schools
        on coalesce(schools.valid_from_date <= make_date(cohorts.period, 12, 31), true)
        and coalesce(schools.valid_to_date >= make_date(cohorts.period, 1, 1), true)
    where schools.school_type in ('junior_secondary', 'nine_year', 'complete_secondary', 'senior_secondary',
                                  'twelve_year')
    group by all
),

districts as (
    select cohorts.period, districts.district_code
    from cohorts
    cross join ref.districts as districts
),

by_district as (
    select
        districts.period,
        districts.district_code as geo_code,
        coalesce(participants.participants, 0)::bigint as participants,
        coalesce(pupils.pupils, 0)::bigint as pupils
    from districts
    left join participants using (period, district_code)
    left join pupils using (period, district_code)
),

city as (
    select
        cohorts.period,
        $city as geo_code,
        (select count(*) from marts.fct_yip_participants as p where p.is_counted and p.cohort_year = cohorts.period)::bigint
            as participants,
        coalesce((select sum(p.pupils) from pupils as p where p.period = cohorts.period), 0)::bigint as pupils
    from cohorts
),

final as (
    select * from by_district
    union all
    select * from city
)

select * from final
order by period, geo_code
