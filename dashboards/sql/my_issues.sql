select
    issues.submission_id,
    submissions.original_name,
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
where issues.severity in ('error', 'warning')
order by submissions.arrived_at desc, issues.sheet_name, issues.row_number, issues.column_letter
