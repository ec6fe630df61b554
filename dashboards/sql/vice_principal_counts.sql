select science_vice_principals, count(*) as schools
from marts.fct_school_annual_report
where report_year = $period and ($district is null or district_code = $district)
group by science_vice_principals
order by science_vice_principals nulls first
