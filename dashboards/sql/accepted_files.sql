-- the accepted files of a report type (arrived in $year, or ever)
select submission_id, report_type, original_name, arrived_at, row_count
from raw.submissions
where status = 'accepted' and report_type = $report_type
    and ($year is null or year(arrived_at) = $year)
