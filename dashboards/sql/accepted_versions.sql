-- accepted files of a report type and how many of their rows are still in force; reads `accepted`
-- (accepted_files.sql) and `rows_in_force` (rows_in_force_<report type>.sql)
select
    accepted.original_name,
    accepted.arrived_at,
    accepted.row_count,
    coalesce(rows_in_force.rows_in_force, 0) as rows_in_force,
    greatest(accepted.row_count - coalesce(rows_in_force.rows_in_force, 0), 0) as rows_replaced
from accepted
left join rows_in_force using (submission_id)
order by accepted.arrived_at desc
