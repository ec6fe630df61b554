-- the city's own row (geo_code CITY of pipelines/reference/codes.py) and each district's the viewer may see (marts.agg_yip_district_equity)
select geo_code as district_code, participants, pupils
from marts.agg_yip_district_equity
where period = $period
order by geo_code
