-- The groups: units placed alike (same indicator, year, district, whether in the total, breakdowns)
-- summed, with the submissions behind them (their staging rows, indicators.unit_sources). A year
-- of annual reports at national scale is millions of units but a few thousand such groups; the
-- cells (cells.sql) place and sum the groups. Kept in meta.indicator_unit_groups, so that a build
-- that recomputes a few schools' units regroups only the groups those units were or are in.
-- Of the units in indicator_group_units (compute.py: the units of the pairs being computed, or of
-- the groups touched).
with units as (
    select * from indicator_group_units
),

unit_groups as (
    select
        indicator_id,
        period,
        district_code,
        is_in_total,
        breakdowns,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from units
    group by indicator_id, period, district_code, is_in_total, breakdowns
),

group_submissions as (  -- the submissions behind each group: its units' staging rows
    select distinct units.indicator_id, units.period, units.district_code, units.is_in_total, units.breakdowns,
        sources.submission_id
    from units
    inner join indicators.unit_sources as sources using (indicator_id, period, unit_key)
    where sources.submission_id is not null
),

final as (  -- a unit without a district (a school the registry does not know) is in a group too
    select unit_groups.*, coalesce(subs.submission_ids, []) as submission_ids
    from unit_groups
    left join (
        select indicator_id, period, district_code, is_in_total, breakdowns, list(submission_id) as submission_ids
        from group_submissions
        group by all
    ) as subs
        on unit_groups.indicator_id = subs.indicator_id and unit_groups.period = subs.period
        and unit_groups.district_code is not distinct from subs.district_code
        and unit_groups.is_in_total = subs.is_in_total and unit_groups.breakdowns = subs.breakdowns
)

select * from final
