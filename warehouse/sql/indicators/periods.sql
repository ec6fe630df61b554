-- The calendar years each indicator is computed for. Every indicator covers the programme's
-- years: from the first year any report (R1-R5) speaks of to the as-of year (or a later year
-- reported), so that a year shows every indicator (a stock before its first record is 0).
-- is_reported marks the years of the indicator's own reports: the first of them is the baseline
-- year t0 of the progress method. Stocks (science high schools, bases, alliance) carry their last
-- known state on to the as-of year; cohorts and annual reports count the years reported.
-- $as_of: the newest arrival of accepted data.
with shs as (
    select distinct period from marts.fct_shs_school_year
),

flb as (
    select distinct period from marts.fct_base_year
),

yip as (
    select distinct cohort_year as period from marts.fct_yip_participants
),

alliance_bounds as (
    select
        min(year(joined_date)) as first_period,
        greatest(max(year(joined_date)), year($as_of::timestamp)) as last_period
    from marts.fct_alliance_membership
),

alliance as (
    select unnest(range(first_period, last_period + 1))::integer as period
    from alliance_bounds
    where first_period is not null
),

annual as (
    select distinct report_year as period from marts.fct_annual_report_obligation
    union
    select distinct report_year as period from marts.fct_school_annual_report
),

families as (
    select 'shs' as family, period from shs
    union all select 'flb', period from flb
    union all select 'yip', period from yip
    union all select 'alliance', period from alliance
    union all select 'annual', period from annual
),

indicator_families as (
    select * from (values
        ('SHS_NAMED', 'shs'), ('SHS_PIPELINE', 'shs'), ('FLB_ACTIVE', 'flb'),
        ('YIP_ENROLLED', 'yip'), ('YIP_DUAL_MENTOR', 'yip'), ('YIP_COMPLETION', 'yip'),
        ('ALLIANCE_MEMBERS', 'alliance'), ('ALLIANCE_DISTRICTS', 'alliance'),
        ('STE_VICE_PRINCIPAL', 'annual'), ('STE_PARTICIPATION', 'annual'), ('REPORTING_COMPLETENESS', 'annual')
    ) as t(indicator_id, family)
),

programme_bounds as (
    select min(period) as first_period, greatest(max(period), year($as_of::timestamp)) as last_period
    from families
),

programme_years as (
    select unnest(range(first_period, last_period + 1))::integer as period
    from programme_bounds
    where first_period is not null
),

reported as (
    select distinct indicator_families.indicator_id, families.period::integer as period
    from indicator_families
    inner join families using (family)
),

final as (
    select
        indicator_families.indicator_id,
        programme_years.period,
        reported.period is not null as is_reported
    from indicator_families
    cross join programme_years
    left join reported using (indicator_id, period)
)

select * from final
order by indicator_id, period
