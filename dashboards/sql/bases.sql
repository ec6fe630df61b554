select
    base_years.base_code,
    base_years.period,
    base_years.base_status,
    base_years.is_active,
    base_years.is_carried_forward,
    base_years.status_report_year,
    base_years.discipline,
    base_years.host_school_code,
    base_years.host_school_name,
    base_years.district_code,
    base_years.students_served,
    base_years.schools_reached,
    base_years.courses_offered,
    base_years.teacher_training_hours
from marts.fct_base_year as base_years
where ($period is null or base_years.period = $period)
    and ($district is null or base_years.district_code = $district)
order by base_years.period, base_years.base_code
