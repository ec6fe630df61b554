-- the accepted files of a report type (arrived in $year, or ever) (a workbook holding two reports, report_type 'R5,R3', under each)
select submission_id, report_type, original_name, arrived_at, row_count
from raw.submissions
where status = 'accepted' and list_contains(string_split(report_type, ','), $report_type)
    and ($year is null or year(arrived_at) = $year)
