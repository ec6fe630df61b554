-- who owes the school annual report (R5) of the year: one row per school
select
    obligations.school_code,
    obligations.school_name,
    obligations.district_code,
    obligations.school_type,
    obligations.has_report,
    obligations.reported_at
from marts.fct_annual_report_obligation as obligations
where obligations.report_year = $period
    and ($district is null or obligations.district_code = $district)
