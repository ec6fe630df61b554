-- The rows in force of one report type: for each entity key, the rows of the newest accepted
-- submission (by arrival) that covers it. Older versions stay in the table for audit.
-- {table} and {key} are filled from constants in pipelines/intake/schema.py, never from input.
with versions as (
    select distinct {key}, submission_id
    from {table}
),

ranked as (
    select
        versions.*,
        row_number() over (
            partition by {key}
            order by submissions.arrived_at desc, submissions.original_name desc, versions.submission_id desc
        ) as version_rank
    from versions
    inner join raw.submissions as submissions using (submission_id)
    where submissions.status = 'accepted'
),

final as (
    select rows.*
    from {table} as rows
    inner join ranked using ({key}, submission_id)
    where ranked.version_rank = 1
)

select * from final
