-- rows of R4 in force per accepted file (`accepted`: accepted_files.sql)
select submission_id, count(*) as rows_in_force
from marts.fct_alliance_membership
where submission_id in (select submission_id from accepted)
group by submission_id
