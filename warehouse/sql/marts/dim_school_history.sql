-- marts.dim_school_history: every accepted version of every registry entry (R0), in arrival
-- order, with when it was superseded and what changed; the version in force is flagged.
with source as (
    select
        r0.*,
        submissions.arrived_at,
        submissions.original_name
    from staging.r0_schools as r0
    inner join raw.submissions as submissions using (submission_id)
    where submissions.status = 'accepted'
),

in_force as (
    select distinct school_code, submission_id from staging.r0_schools_in_force
),

renamed as (
    select
        school_code,
        school_name,
        district_code,
        school_type,
        ownership,
        enrolled_students,
        valid_from as valid_from_date,
        valid_to as valid_to_date,
        arrived_at as reported_at,
        original_name as file_name,
        submission_id,
        sheet_name,
        row_number
    from source
),

sequenced as (
    select
        renamed.*,
        row_number() over by_arrival as version_number,
        lead(reported_at) over by_arrival as superseded_at,
        lag(school_name) over by_arrival as previous_school_name,
        lag(district_code) over by_arrival as previous_district_code,
        lag(school_type) over by_arrival as previous_school_type,
        lag(valid_to_date) over by_arrival as previous_valid_to_date
    from renamed
    window by_arrival as (partition by school_code order by reported_at, file_name, submission_id)
),

final as (
    select
        sequenced.school_code,
        sequenced.version_number,
        sequenced.school_name,
        sequenced.district_code,
        sequenced.school_type,
        sequenced.ownership,
        sequenced.enrolled_students,
        sequenced.valid_from_date,
        sequenced.valid_to_date,
        sequenced.reported_at,
        sequenced.superseded_at,
        sequenced.version_number > 1 and sequenced.school_name is distinct from sequenced.previous_school_name
            as has_changed_name,
        sequenced.version_number > 1 and sequenced.district_code is distinct from sequenced.previous_district_code
            as has_changed_district,
        sequenced.version_number > 1 and sequenced.school_type is distinct from sequenced.previous_school_type
            as has_changed_type,
        sequenced.version_number > 1 and sequenced.valid_to_date is distinct from sequenced.previous_valid_to_date
            as has_changed_validity,
        in_force.submission_id is not null as is_in_force,
        sequenced.file_name,
        sequenced.submission_id,
        sequenced.sheet_name,
        sequenced.row_number
    from sequenced
    left join in_force using (school_code, submission_id)
)

select * from final
order by school_code, version_number
