-- rows of R2 in force per accepted file (`accepted`: accepted_files.sql)
-- a base's report counts once, however many years it is carried forward in
select submission_id, count(distinct (base_code, status_report_year)) as rows_in_force
from marts.fct_base_year
where submission_id in (select submission_id from accepted)
group by submission_id
