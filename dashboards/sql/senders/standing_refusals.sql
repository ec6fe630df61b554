-- The refused files of the viewer's scope whose refusal still stands (no later accepted file has
-- taken their place), newest first, with the error workbook's name in the outbox.
select
    submission_id,
    original_name,
    arrived_at,
    report_type,
    status,
    message_zh,
    message_en,
    error_count,
    warning_count,
    recipient,
    recipient_schools,
    workbook_name
from senders.error_lists
where is_standing
order by arrived_at desc, submission_id
