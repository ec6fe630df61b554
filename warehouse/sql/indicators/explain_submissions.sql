-- The submissions behind one indicator value, with how many of their rows count in it.
select submissions.original_name as file_name, submissions.arrived_at, submissions.report_type,
    submissions.status, count(*) as rows, lineage.submission_id
from indicators.value_lineage as lineage
inner join raw.submissions as submissions using (submission_id)
where lineage.indicator_id = $indicator_id and lineage.period = $period and lineage.geo_code = $geo_code
    and lineage.breakdown = $breakdown
group by all
order by submissions.arrived_at, submissions.original_name
