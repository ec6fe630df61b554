-- the city's own row (120000) and each district's the viewer may see (marts.agg_yip_district_equity)
select geo_code as district_code, participants, pupils
from marts.agg_yip_district_equity
where period = $period
order by geo_code
