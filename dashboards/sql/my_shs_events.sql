select events.school_code, events.event_sequence, events.stage, events.event_date, events.approval_doc_no,
    submissions.original_name, events.sheet_name, events.row_number
from marts.fct_shs_stage_events as events
left join raw.submissions as submissions using (submission_id)
where events.school_code in (select school_code from access.own_schools)
order by events.school_code, events.event_sequence
