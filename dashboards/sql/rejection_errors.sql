select
    issues.submission_id,
    submissions.original_name,
    issues.severity,
    issues.rule_code,
    issues.sheet_name,
    issues.row_number,
    issues.column_letter,
    issues.column_header,
    -- values of the roster (minors) are never shown; elsewhere the intake already masked private columns
    case when submissions.report_type = 'R3' then null else issues.value_seen end as value_seen,
    issues.message_zh,
    issues.message_en
from raw.issues as issues
inner join raw.submissions as submissions using (submission_id)
where submissions.status = 'rejected'
    and issues.severity = 'error'
    and ($report_type is null or submissions.report_type = $report_type)
    and ($year is null or year(submissions.arrived_at) = $year)
order by submissions.arrived_at desc, issues.sheet_name, issues.row_number, issues.column_letter
