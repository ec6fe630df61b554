-- marts.fct_alliance_member_year: who was a member of the alliance at the end of each calendar
-- year: joined by 31 December and not left by then. Years run from the first joining up to the
-- as-of year.
-- $as_of_year: the year of the newest arrival of accepted data.
with members as (
    select * from marts.fct_alliance_membership
),

bounds as (
    select
        min(year(joined_date)) as first_period,
        greatest(max(year(joined_date)), $as_of_year::bigint) as last_period
    from members
),

years as (
    select unnest(range(first_period, last_period + 1)) as period
    from bounds
    where first_period is not null
),

periods as (
    select period::integer as period, make_date(period, 12, 31) as period_end_date from years
),

final as (
    select
        members.member_code,
        periods.period,
        members.member_type,
        members.district_code,
        members.joined_date,
        members.left_date,
        members.is_lead,
        members.submission_id,
        members.sheet_name,
        members.row_number
    from members
    inner join periods
        on members.joined_date <= periods.period_end_date
        and (members.left_date is null or members.left_date > periods.period_end_date)
)

select * from final
order by member_code, period
