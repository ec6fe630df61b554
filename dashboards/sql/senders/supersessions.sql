-- Which accepted file replaced which, in the viewer's scope, newest first.
select
    report_type,
    school_code,
    period,
    entity_code,
    superseded_name,
    superseded_arrived_at,
    original_name,
    arrived_at
from senders.supersessions
order by arrived_at desc, report_type, school_code, period, entity_code
