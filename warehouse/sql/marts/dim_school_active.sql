-- marts.dim_school_active: whether each school and organisation of the registry in force is open
-- on the as-of date. Kept apart from marts.dim_school so that only this small table depends on the
-- day: a new day rebuilds it alone, not dim_school and every mart downstream of it.
-- $as_of_date: the date of the newest arrival of accepted data (judged on that date, not today).
with schools as (
    select school_code, district_code, valid_from_date, valid_to_date from marts.dim_school
),

final as (
    select
        school_code,
        district_code,
        coalesce(valid_from_date <= $as_of_date::date, true)
            and coalesce(valid_to_date > $as_of_date::date, true) as is_active,
        $as_of_date::date as as_of_date
    from schools
)

select * from final
order by school_code
