-- Obligations of one report type and period not yet accepted (refused, overdue or due), in the
-- viewer's scope: the overdue ones first, then by district and school. $limit null: every row.
select
    school_code,
    school_name,
    district_code,
    entity_code,
    due_date,
    status,
    is_overdue,
    overdue_since,
    refused_at,
    refusal_reason_zh,
    refusal_reason_en
from senders.obligations
where report_type = $report_type and period = $period and status <> 'accepted'
    and ($district is null or district_code = $district)
order by is_overdue desc, status, district_code, school_code, entity_code
limit $limit offset $offset
