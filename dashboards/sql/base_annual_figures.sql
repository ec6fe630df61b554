select
    period as report_year,
    count(*) as bases_reporting,
    sum(students_served)::bigint as students_served,
    sum(schools_reached)::bigint as schools_reached,
    sum(courses_offered)::bigint as courses_offered,
    sum(teacher_training_hours)::double as teacher_training_hours
from marts.fct_base_year
where not is_carried_forward
    and ($district is null or district_code = $district)
group by period
order by period
