select report_type, max(arrived_at) as last_arrived_at,
    max(arrived_at) filter (where status = 'accepted') as last_accepted_at,
    count(*) as files,
    count(*) filter (where status = 'accepted') as accepted,
    count(*) filter (where status = 'rejected') as rejected
from raw.submissions
where report_type is not null and ($year is null or year(arrived_at) = $year)
group by report_type
order by report_type
