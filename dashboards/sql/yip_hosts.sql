-- the hosts' names from the registry (only the few hosts of the cohort, never the whole registry)
select
    hosts.breakdown_value as host_university_code,
    coalesce(schools.school_name, hosts.breakdown_value) as host_university_name,
    schools.district_code,
    hosts.value
from indicators.indicator_values as hosts
left join marts.dim_school as schools on schools.school_code = hosts.breakdown_value
where hosts.indicator_id = 'YIP_ENROLLED'
    and hosts.breakdown_dimension = 'host_university'
    and hosts.geo_code = $geo_code
    and ($period is null or hosts.period = $period)
    and hosts.value > 0
order by hosts.value desc, hosts.breakdown_value
