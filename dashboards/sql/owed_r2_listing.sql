-- one page of who owes R2 (`owed`: owed_r2.sql): those who have not sent first
select * from owed
where $has_report is null or has_report = $has_report
order by has_report, district_code, base_code
limit $limit offset $offset
