-- The blocking errors of rejected files of a report type and year of arrival (reads `problems`:
-- file_problems.sql). A workbook holding two reports is listed under each.
select * exclude (report_type, status, arrived_at)
from problems
where status = 'rejected'
    and severity = 'error'
    and ($report_type is null or list_contains(string_split(report_type, ','), $report_type))
    and ($year is null or year(arrived_at) = $year)
order by arrived_at desc, sheet_name, row_number, column_letter
