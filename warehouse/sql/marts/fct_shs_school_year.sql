-- marts.fct_shs_school_year: where each candidate school stood at the end of each calendar year,
-- from the year of its first event up to the as-of year.
-- A school is named (counts toward the target) from its 验收命名 date until a later 退出; a
-- withdrawal on the same day as the naming cancels it. Its pipeline stage is 'named' while it is
-- named (even under 整改), else the stage of its latest event.
-- $as_of_year: the year of the newest arrival of accepted data.
with events as (
    select * from marts.fct_shs_stage_events
),

bounds as (
    select
        min(year(event_date)) as first_period,
        greatest(max(year(event_date)), $as_of_year::bigint) as last_period
    from events
),

periods as (
    select unnest(range(first_period, last_period + 1))::integer as period
    from bounds
    where first_period is not null
),

schools as (
    select school_code, any_value(district_code) as district_code, min(year(event_date)) as first_period
    from events
    group by school_code
),

school_periods as (
    select schools.school_code, schools.district_code, periods.period
    from schools
    inner join periods on periods.period >= schools.first_period
),

known as (
    select school_periods.*, events.stage, events.stage_order, events.is_progression, events.event_date,
        events.event_sequence
    from school_periods
    inner join events
        on events.school_code = school_periods.school_code
        and year(events.event_date) <= school_periods.period
),

summarised as (
    select
        school_code,
        district_code,
        period,
        max(event_date) filter (where stage = 'named') as last_named_date,
        max(event_date) filter (where stage = 'withdrawn') as last_withdrawn_date,
        arg_max(stage, event_sequence) as latest_stage,
        max(event_date) as latest_event_date,
        count(*) as events_known
    from known
    group by school_code, district_code, period
),

-- progress since the last withdrawal: the furthest stage reached, and when it was first reached
restarted as (
    select
        known.school_code,
        known.period,
        max(known.stage_order) as furthest_stage_order
    from known
    inner join summarised using (school_code, period)
    where known.is_progression
        and (summarised.last_withdrawn_date is null or known.event_date > summarised.last_withdrawn_date)
    group by known.school_code, known.period
),

furthest as (
    select
        restarted.school_code,
        restarted.period,
        restarted.furthest_stage_order,
        any_value(known.stage) as furthest_stage,
        min(known.event_date) as furthest_stage_entered_date
    from restarted
    inner join summarised using (school_code, period)
    inner join known
        on known.school_code = restarted.school_code
        and known.period = restarted.period
        and known.stage_order = restarted.furthest_stage_order
        and (summarised.last_withdrawn_date is null or known.event_date > summarised.last_withdrawn_date)
    group by restarted.school_code, restarted.period, restarted.furthest_stage_order
),

flagged as (
    select
        summarised.*,
        summarised.last_named_date is not null
            and (summarised.last_withdrawn_date is null or summarised.last_withdrawn_date < summarised.last_named_date)
            as is_named
    from summarised
),

final as (
    select
        flagged.school_code,
        flagged.period,
        flagged.district_code,
        flagged.latest_stage,
        flagged.latest_event_date,
        case when flagged.is_named then 'named' else flagged.latest_stage end as pipeline_stage,
        flagged.is_named,
        case when flagged.is_named then flagged.last_named_date end as named_since_date,
        not flagged.is_named and flagged.latest_stage <> 'withdrawn' as is_candidate,
        flagged.latest_stage = 'rectification' as is_under_rectification,
        flagged.latest_stage = 'withdrawn' as is_withdrawn,
        furthest.furthest_stage,
        furthest.furthest_stage_order,
        furthest.furthest_stage_entered_date,
        flagged.last_withdrawn_date,
        flagged.events_known
    from flagged
    left join furthest using (school_code, period)
)

select * from final
order by school_code, period
