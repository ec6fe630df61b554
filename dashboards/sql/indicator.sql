select indicator_id, period, geo_code, breakdown, breakdown_dimension, breakdown_value, value, numerator,
    denominator, unit, target, target_year, status, progress_ratio, as_of, submission_count
from indicators.indicator_values
where indicator_id = $indicator_id
    and ($geo_code is null or geo_code = $geo_code)
    and ($period is null or period = $period)
    and (($dimension is null and breakdown = '') or breakdown_dimension = $dimension)
order by period, geo_code, breakdown
