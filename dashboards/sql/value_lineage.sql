-- the files behind one indicator value (indicators.value_lineage, as the viewer's scope may see it)
with lineage as (
    select submission_id, staging_table, count(*) as staging_rows
    from indicators.value_lineage
    where indicator_id = $indicator_id and period = $period and geo_code = $geo_code and breakdown = $breakdown
    group by all
)

select
    submissions.original_name,
    submissions.inbox_path,
    json_extract_string(submissions.sender, '$.identity') as sender_identity,
    json_extract_string(submissions.sender, '$.role') as sender_role,
    submissions.arrived_at,
    submissions.report_type,
    submissions.status,
    lineage.staging_table,
    lineage.staging_rows,
    lineage.submission_id
from lineage
left join raw.submissions as submissions using (submission_id)
order by submissions.arrived_at, submissions.original_name, lineage.staging_table
