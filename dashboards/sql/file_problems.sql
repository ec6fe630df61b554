-- The problems of the files the viewer may see, each beside its file: the relation `problems` that
-- my_issues, rejection_errors and senders/refusal_problems read, each leaving out what it does not
-- show. raw.issues as the scope holds it: a roster's values are already withheld there
-- (dashboards/scope.py), for every viewer and query. The file's report type, status and arrival
-- come last, for the readers to select and sort by.
select
    issues.submission_id,
    submissions.original_name,
    issues.severity,
    issues.rule_code,
    issues.sheet_name,
    issues.row_number,
    issues.column_letter,
    issues.column_header,
    issues.value_seen,
    issues.message_zh,
    issues.message_en,
    submissions.report_type,
    submissions.status,
    submissions.arrived_at
from raw.issues as issues
inner join raw.submissions as submissions using (submission_id)
