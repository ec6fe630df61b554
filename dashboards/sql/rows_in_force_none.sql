-- a report type without rows in force: none
select null::varchar as submission_id, 0::bigint as rows_in_force
where false
