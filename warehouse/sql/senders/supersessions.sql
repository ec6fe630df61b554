-- Which accepted file replaced which, for one report type: consecutive accepted versions (by
-- arrival) of each entity key (sender, period and base together name it for R1, R2, R3 and R5).
-- {table}, {sender}, {period} and {entity} are filled from constants in
-- pipelines/senders/obligations.py, never from input.
with versions as (
    select distinct {sender} as school_code, {period} as period, {entity} as entity_code, submission_id
    from {table}
),

ordered as (
    select
        versions.*,
        submissions.original_name,
        submissions.arrived_at,
        lag(versions.submission_id) over by_arrival as superseded_submission_id,
        lag(submissions.original_name) over by_arrival as superseded_name,
        lag(submissions.arrived_at) over by_arrival as superseded_arrived_at
    from versions
    inner join raw.submissions as submissions using (submission_id)
    where submissions.status = 'accepted'
    window by_arrival as (
        partition by versions.school_code, versions.period, versions.entity_code
        order by submissions.arrived_at, submissions.original_name, versions.submission_id
    )
),

final as (
    select distinct
        $report_type as report_type,
        ordered.school_code,
        registry.district_code,
        ordered.period::integer as period,
        ordered.entity_code::varchar as entity_code,
        ordered.superseded_submission_id,
        ordered.superseded_name,
        ordered.superseded_arrived_at,
        ordered.submission_id,
        ordered.original_name,
        ordered.arrived_at
    from ordered
    left join in_force_r0 as registry on registry.school_code = ordered.school_code
    where ordered.superseded_submission_id is not null
)

select * from final
