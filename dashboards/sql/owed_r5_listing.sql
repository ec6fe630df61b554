-- one page of who owes R5 (`owed`: owed_r5.sql): those who have not sent first
select * from owed
where $has_report is null or has_report = $has_report
order by has_report, district_code, school_code
limit $limit offset $offset
