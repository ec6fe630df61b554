-- Every problem of the given refused files (errors first), each with its sheet, row and column;
-- a roster's (R3) values are never shown.
select
    issues.submission_id,
    issues.severity,
    issues.sheet_name,
    issues.row_number,
    issues.column_letter,
    issues.column_header,
    case when submissions.report_type = 'R3' then null else issues.value_seen end as value_seen,
    issues.message_zh,
    issues.message_en
from raw.issues as issues
inner join raw.submissions as submissions using (submission_id)
where list_contains($submission_ids::varchar[], issues.submission_id)
    and issues.severity in ('error', 'warning')
order by issues.submission_id, issues.severity, issues.sheet_name, issues.row_number, issues.column_letter
