-- marts.fct_shs_stage_events: the stage history in force of every science-high-school candidate
-- (R1: a school's newest accepted report carries its whole history), in order, with the step
-- from the previous event.
with source as (
    select * from staging.r1_shs_stage_events_in_force
),

schools as (
    select school_code, school_name as registry_school_name, district_code from marts.dim_school
),

renamed as (
    select
        school_code,
        stage,
        case stage
            when 'applied' then 1
            when 'district_recommended' then 2
            when 'city_approved' then 3
            when 'midterm_reviewed' then 4
            when 'named' then 5
            when 'rectification' then 6
            when 'withdrawn' then 7
        end as stage_order,
        stage in ('applied', 'district_recommended', 'city_approved', 'midterm_reviewed', 'named') as is_progression,
        event_date,
        event_date_precision,
        approval_doc_no,
        partner_universities,
        science_cohort_students,
        dedicated_labs,
        submission_id,
        sheet_name,
        row_number
    from source
),

final as (
    select
        renamed.school_code,
        schools.registry_school_name as school_name,
        schools.district_code,
        row_number() over by_date as event_sequence,
        renamed.stage,
        renamed.stage_order,
        renamed.is_progression,
        renamed.event_date,
        renamed.event_date_precision,
        lag(renamed.stage) over by_date as previous_stage,
        lag(renamed.event_date) over by_date as previous_event_date,
        renamed.event_date - lag(renamed.event_date) over by_date as days_since_previous_event,
        renamed.approval_doc_no,
        renamed.partner_universities,
        renamed.science_cohort_students,
        renamed.dedicated_labs,
        renamed.submission_id,
        renamed.sheet_name,
        renamed.row_number
    from renamed
    left join schools using (school_code)
    window by_date as (partition by renamed.school_code order by renamed.event_date, renamed.stage_order, renamed.row_number)
)

select * from final
order by school_code, event_sequence
