select bases.period, bases.base_code, bases.host_school_code, bases.discipline, bases.base_status, bases.is_active,
    bases.is_carried_forward, bases.students_served, bases.schools_reached, bases.courses_offered,
    submissions.original_name, bases.sheet_name, bases.row_number
from marts.fct_base_year as bases
left join raw.submissions as submissions using (submission_id)
where bases.host_school_code in (select school_code from access.own_schools)
order by bases.period desc, bases.base_code
