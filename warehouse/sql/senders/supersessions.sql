-- senders.supersessions: which accepted file replaced which: consecutive accepted versions (by
-- arrival) of each entity key, the sender, period and base together naming it (R1: the school;
-- R2: host school, report year and base; R3: host university and cohort year; R5: school and
-- report year). {r1}, {r2}, {r3} and {r5} are the staging tables (constants of
-- pipelines/intake/schema.py). Rows of one sender follow from that sender's versions alone: the
-- obligations step replaces a few senders' rows with this same SELECT filtered on school_code.
with versions as (
    select distinct 'R1' as report_type, school_code, null::integer as period, null::varchar as entity_code,
        submission_id
    from {r1}
    union all
    select distinct 'R2', host_school_code, report_year, base_code, submission_id
    from {r2}
    union all
    select distinct 'R3', host_university_code, cohort_year, null, submission_id
    from {r3}
    union all
    select distinct 'R5', school_code, report_year, null, submission_id
    from {r5}
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
        partition by versions.report_type, versions.school_code, versions.period, versions.entity_code
        order by submissions.arrived_at, submissions.original_name, versions.submission_id
    )
),

final as (
    select distinct
        ordered.report_type,
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
order by report_type, school_code, period nulls last, arrived_at, entity_code, submission_id
