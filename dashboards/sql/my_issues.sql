-- Errors and warnings of the viewer's files (reads `problems`: file_problems.sql).
select
    submission_id,
    original_name,
    severity,
    sheet_name,
    row_number,
    column_letter,
    column_header,
    value_seen,
    message_zh,
    message_en
from problems
where severity in ('error', 'warning')
order by arrived_at desc, sheet_name, row_number, column_letter
