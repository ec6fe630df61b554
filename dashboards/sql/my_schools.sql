select school_code, school_name, district_code, school_type from marts.dim_school
where school_code in (select school_code from access.own_schools)
order by school_code
