-- one page of a listing of who owes a report (`owed`: owed_r5, owed_r2 or owed_r3)
select * exclude (listing_order) from owed
where $has_report is null or has_report = $has_report
order by listing_order
limit $limit offset $offset
