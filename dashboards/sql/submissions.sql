-- The files of the viewer's scope (each distinct content once), newest first, of a report type and
-- a year of arrival (null: every one): the reporting page's list, a school's own files, the sidebar's
-- "sent, not yet taken in" (by inbox_path). A workbook holding two reports (report_type 'R5,R3') is listed under each.
select
    submission_id,
    original_name,
    inbox_path,
    file_format,
    report_type,
    status,
    arrived_at,
    row_count,
    error_count,
    warning_count,
    message_zh,
    message_en
from raw.submissions
where ($report_type is null or list_contains(string_split(report_type, ','), $report_type))
    and ($year is null or year(arrived_at) = $year)
order by arrived_at desc, original_name desc
