select original_name, status, arrived_at, message_zh, message_en
from raw.submissions
where report_type is null
    and ($year is null or year(arrived_at) = $year)
order by arrived_at desc, original_name desc
