-- senders.obligations: each owed report (temp view owed: owed_r2, owed_r3 and owed_r5 together)
-- with its deadline (temp table due_dates)
-- and where it stands as of $as_of (a date in Tianjin). A refused file counts against what its
-- sender still owes of its report type: the schools it named (raw.submissions.schools_named), for
-- every period not accepted whose previous deadline it arrived after (Beijing time).
with owed as (
    select * from owed
),

dues as (
    select * from due_dates
),

with_dates as (
    select
        owed.*,
        dues.due_date,
        accepted.arrived_at as accepted_at
    from owed
    inner join dues using (report_type, period)
    left join raw.submissions as accepted on accepted.submission_id = owed.accepted_submission_id
),

refused as (
    select
        submission_id,
        arrived_at,
        string_split(report_type, ',') as report_types,
        message_zh,
        message_en,
        unnest(schools_named) as school_code
    from raw.submissions
    where status = 'rejected' and schools_named is not null and report_type is not null
),

-- the newest refused file against each school's report of a period (the same for each of its bases):
-- from the refused files and the periods judged alone, so that the rows of a few schools are
-- selected without judging every owed row
latest_refusal as (
    select
        dues.report_type,
        dues.period,
        refused.school_code,
        arg_max(refused.submission_id, (refused.arrived_at, refused.submission_id)) as refused_submission_id,
        max(refused.arrived_at) as refused_at
    from refused
    inner join dues
        on list_contains(refused.report_types, dues.report_type)
        and cast(refused.arrived_at + interval 8 hour as date) > dues.due_date - interval 1 year
    group by all
),

final as (
    select
        with_dates.report_type,
        with_dates.period::integer as period,
        with_dates.school_code,
        with_dates.school_name,
        with_dates.district_code,
        with_dates.entity_code,
        with_dates.due_date,
        case
            when with_dates.accepted_submission_id is not null then 'accepted'
            when latest_refusal.refused_submission_id is not null then 'refused'
            when $as_of > with_dates.due_date then 'overdue'
            else 'due'
        end as status,
        with_dates.accepted_submission_id is null and $as_of > with_dates.due_date as is_overdue,
        case when with_dates.accepted_submission_id is null and $as_of > with_dates.due_date
            then cast(with_dates.due_date + interval 1 day as date) end as overdue_since,
        with_dates.accepted_submission_id,
        with_dates.accepted_at,
        latest_refusal.refused_submission_id,
        latest_refusal.refused_at,
        submissions.message_zh as refusal_reason_zh,
        submissions.message_en as refusal_reason_en,
        $as_of::date as judged_on
    from with_dates
    left join latest_refusal
        on latest_refusal.report_type = with_dates.report_type
        and latest_refusal.period = with_dates.period
        and latest_refusal.school_code = with_dates.school_code
        and with_dates.accepted_submission_id is null
    left join raw.submissions as submissions on submissions.submission_id = latest_refusal.refused_submission_id
)

-- in no order: the table is brought up to date school by school (rows appended), its readers order
select * from final
