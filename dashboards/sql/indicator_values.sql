select * exclude (submission_ids) from indicators.indicator_values order by indicator_id, period, geo_code, breakdown
