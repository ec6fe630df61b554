-- The overdue export: every obligation of the viewer's scope not accepted past its deadline, with
-- the latest refusal's reason where one stands ($district: one district, or null).
select
    report_type,
    period,
    due_date,
    overdue_since,
    status,
    school_code,
    school_name,
    district_code,
    entity_code,
    refusal_reason_zh,
    refusal_reason_en,
    judged_on
from senders.obligations
where is_overdue and ($district is null or district_code = $district)
order by report_type, period, district_code, school_code, entity_code
