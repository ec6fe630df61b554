with years as (
    select * from marts.fct_shs_school_year where period = $period
),

histories as (
    select school_code, list({'stage': stage, 'event_date': event_date} order by event_sequence) as history
    from marts.fct_shs_stage_events
    where year(event_date) <= $period
    group by school_code
),

final as (
    select
        years.school_code,
        schools.school_name,
        years.district_code,
        years.pipeline_stage,
        years.latest_stage,
        years.latest_event_date,
        years.is_named,
        years.named_since_date,
        years.is_candidate,
        years.is_under_rectification,
        years.is_withdrawn,
        -- days since the latest stage event, to the end of the year or the data's as-of (Beijing), whichever is earlier
        date_diff('day', years.latest_event_date, least(make_date($period, 12, 31), (
            select max(as_of + interval 8 hour)::date from meta.snapshot))) as days_in_stage,
        histories.history
    from years
    left join marts.dim_school as schools using (school_code)
    left join histories using (school_code)
    where $district is null or years.district_code = $district
)

select * from final
order by is_named desc, school_code
