-- Each district of the viewer's scope against its own share of the city's count targets
-- (indicators.district_progress), with the district's name; no_share where none is assigned.
select
    progress.indicator_id,
    progress.district_code,
    districts.district_name_zh,
    districts.district_name_en,
    progress.period,
    progress.value,
    progress.has_share,
    progress.district_target,
    progress.target_year,
    progress.is_example,
    progress.status,
    progress.progress_ratio
from indicators.district_progress as progress
left join ref.districts as districts using (district_code)
order by progress.indicator_id, progress.has_share desc, progress.progress_ratio desc nulls last,
    progress.district_code
