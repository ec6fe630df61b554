select
    values.indicator_id,
    definitions.name_zh as indicator_name_zh,
    definitions.name_en as indicator_name_en,
    values.period,
    values.geo_code,
    coalesce(districts.district_name_zh, '天津市') as geo_name_zh,
    coalesce(districts.district_name_en, 'Tianjin') as geo_name_en,
    values.breakdown,
    values.breakdown_dimension,
    values.breakdown_value,
    values.value,
    values.numerator,
    values.denominator,
    values.unit,
    values.target,
    values.target_year,
    values.status,
    values.progress_ratio,
    values.as_of,
    values.submission_count
from indicators.indicator_values as values
left join indicators.indicator_definitions as definitions using (indicator_id)
left join ref.districts as districts on districts.district_code = values.geo_code
order by definitions.sort_order, values.period, values.geo_code, values.breakdown
