-- one page of who owes R3 (`owed`: owed_r3.sql): those who have not sent first
select * from owed
where $has_report is null or has_report = $has_report
order by has_report, school_code
limit $limit offset $offset
