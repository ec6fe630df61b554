-- who owes a report (`owed`: owed_r5.sql, owed_r2.sql or owed_r3.sql), by district: how many sent, how many not
select
    district_code,
    count(*) filter (where has_report) as sent,
    count(*) filter (where not has_report) as missing
from owed
group by district_code
order by district_code nulls first
