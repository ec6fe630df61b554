-- marts.fct_alliance_member_current: whether each member of the alliance register in force is a
-- member on the as-of date (joined by then, not left by then). Kept apart from
-- marts.fct_alliance_membership so that only this small table depends on the day.
-- $as_of_date: the date of the newest arrival of accepted data (judged on that date, not today).
with members as (
    select member_code, district_code, joined_date, left_date from marts.fct_alliance_membership
),

final as (
    select
        member_code,
        district_code,
        joined_date <= $as_of_date::date
            and (left_date is null or left_date > $as_of_date::date) as is_current,
        $as_of_date::date as as_of_date
    from members
)

select * from final
order by member_code
