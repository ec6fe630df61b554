-- What the viewer's own schools owe: each report and period, its deadline and where it stands.
select
    report_type,
    period,
    school_code,
    school_name,
    entity_code,
    due_date,
    status,
    is_overdue,
    overdue_since,
    accepted_at,
    refused_at,
    refusal_reason_zh,
    refusal_reason_en,
    judged_on
from senders.obligations
where school_code in (select school_code from access.own_schools)
order by period desc, due_date, report_type, school_code, entity_code
