-- The staging rows behind one indicator value: table, file, sheet, row and key, never a name.
select lineage.staging_table, lineage.sheet_name, lineage.row_number, lineage.entity_key, lineage.contribution,
    submissions.original_name as file_name
from indicators.value_lineage as lineage
inner join raw.submissions as submissions using (submission_id)
where lineage.indicator_id = $indicator_id and lineage.period = $period and lineage.geo_code = $geo_code
    and lineage.breakdown = $breakdown
order by lineage.staging_table, submissions.arrived_at, submissions.original_name, lineage.sheet_name,
    lineage.row_number
