-- Errors and warnings of the viewer's files (reads `problems`: file_problems.sql).
select * exclude (rule_code, report_type, status, arrived_at)
from problems
where severity in ('error', 'warning')
order by arrived_at desc, sheet_name, row_number, column_letter
