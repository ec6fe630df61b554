-- Files of each report type arrived in $year (or ever): how many, accepted, rejected, and when the
-- last came. A workbook holding two reports (report_type 'R5,R3') counts under each of them.
with typed as (
    select unnest(string_split(report_type, ',')) as report_type, arrived_at, status
    from raw.submissions
    where report_type is not null and ($year is null or year(arrived_at) = $year)
)

select report_type, max(arrived_at) as last_arrived_at,
    max(arrived_at) filter (where status = 'accepted') as last_accepted_at,
    count(*) as files,
    count(*) filter (where status = 'accepted') as accepted,
    count(*) filter (where status = 'rejected') as rejected
from typed
group by report_type
order by report_type
