-- rows of R5 in force per accepted file (`accepted`: accepted_files.sql)
select submission_id, count(*) as rows_in_force
from marts.fct_school_annual_report
where submission_id in (select submission_id from accepted)
group by submission_id
