select
    submission_id,
    original_name,
    inbox_path,
    report_type,
    status,
    arrived_at,
    row_count,
    error_count,
    warning_count,
    message_zh,
    message_en
from raw.submissions
order by arrived_at desc, original_name desc
