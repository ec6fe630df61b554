select reports.report_year, reports.school_code, reports.school_name, reports.enrolled_students,
    reports.students_in_st_activities, reports.st_activity_percent, reports.science_vice_principals,
    reports.science_teachers, reports.labs, reports.maker_spaces, reports.st_clubs, reports.awards_city_or_above,
    reports.reported_at,
    -- where each figure comes from: the school's own file, sheet and row
    submissions.original_name, reports.sheet_name, reports.row_number
from marts.fct_school_annual_report as reports
left join raw.submissions as submissions using (submission_id)
where reports.school_code in (select school_code from access.own_schools)
order by reports.school_code, reports.report_year desc
