with reports as (
    select * from marts.fct_school_annual_report where report_year = $period
),

district_rates as (
    select district_code,
        100.0 * sum(students_in_st_activities) / nullif(sum(enrolled_students), 0) as district_participation_percent,
        100.0 * avg(has_science_vice_principal::integer) as district_vice_principal_percent
    from reports
    group by district_code
),

final as (
    select
        reports.school_code,
        reports.school_name,
        reports.district_code,
        reports.school_type,
        reports.enrolled_students,
        reports.students_in_st_activities,
        reports.st_activity_percent,
        reports.science_vice_principals,
        reports.has_science_vice_principal,
        reports.st_clubs,
        reports.labs,
        district_rates.district_participation_percent,
        district_rates.district_vice_principal_percent,
        reports.st_activity_percent - district_rates.district_participation_percent as difference_points
    from reports
    left join district_rates using (district_code)
    where $district is null or reports.district_code = $district
)

select * from final
-- furthest below its district first
order by difference_points nulls last, district_code, school_code
limit $limit offset $offset
