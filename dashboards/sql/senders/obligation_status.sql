-- Obligations of one report type and period in the viewer's scope, counted by district and
-- status ($district: one district's code, or null for all the scope holds).
select
    district_code,
    count(*) as owed,
    count(*) filter (where status = 'accepted') as accepted,
    count(*) filter (where status = 'refused') as refused,
    count(*) filter (where status = 'overdue') as overdue,
    count(*) filter (where status = 'due') as due,
    max(judged_on) as judged_on
from senders.obligations
where report_type = $report_type and period = $period
    and ($district is null or district_code = $district)
group by district_code
order by district_code nulls last
