with rates as (
    select st_activity_percent as rate
    from marts.fct_school_annual_report
    where report_year = $period
        and ($district is null or district_code = $district)
        and st_activity_percent between 0 and 100
),

-- a band holds its lower bound, not its upper one (floor(rate / 10) is exact for 0-100: a
-- multiple of 10 divides exactly, and anything below one never rounds up to it); 100% goes in
-- the last band
banded as (
    select least(90, floor(rate / 10)::integer * 10) as band_from, count(*) as schools
    from rates
    group by 1
),

bands as (
    select range as band_from, range + 10 as band_to from range(0, 100, 10)
)

select bands.band_from, bands.band_to, coalesce(banded.schools, 0) as schools
from bands
left join banded using (band_from)
order by bands.band_from
