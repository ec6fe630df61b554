-- Every problem of the given refused files (errors first), each with its sheet, row and column
-- (reads `problems`: file_problems.sql).
select * exclude (original_name, rule_code, report_type, status, arrived_at)
from problems
where list_contains($submission_ids::varchar[], submission_id)
    and severity in ('error', 'warning')
order by submission_id, severity, sheet_name, row_number, column_letter
