-- One indicator value with its definition's names (`kejiao explain`).
select values.*, definitions.name_zh, definitions.name_en
from indicators.indicator_values as values
left join indicators.indicator_definitions as definitions using (indicator_id)
where values.indicator_id = $indicator_id and values.period = $period and values.geo_code = $geo_code
    and values.breakdown = $breakdown
