-- marts.dim_school: every school and organisation of the registry in force (R0), one row each,
-- with its district, type, category (from the code), validity, and the history of its versions.
-- Nothing here depends on the as-of date (whether a school is open on that date is
-- marts.dim_school_active), so a new day does not rebuild it nor anything downstream of it.
with source as (
    select * from staging.r0_schools_in_force
),

versions as (
    select
        r0.school_code,
        count(distinct r0.submission_id) as version_count,
        min(submissions.arrived_at) as first_reported_at,
        max(submissions.arrived_at) as last_reported_at
    from staging.r0_schools as r0
    inner join raw.submissions as submissions using (submission_id)
    where submissions.status = 'accepted'
    group by r0.school_code
),

renamed as (
    select
        school_code,
        school_name,
        coalesce(aliases, []::varchar[]) as school_aliases,
        district_code,
        school_type,
        ownership,
        enrolled_students,
        valid_from as valid_from_date,
        valid_to as valid_to_date,
        case when length(school_code) = 10 then left(school_code, 2) end as category_code,
        submission_id,
        sheet_name,
        row_number
    from source
),

-- a school that changes category gets a new code; R0 links the two only by name: the newest
-- closed school of the same name (or alias) whose closing is not after the new one's opening
predecessors as (
    select
        successor.school_code,
        arg_max(predecessor.school_code, predecessor.valid_to_date) as predecessor_school_code
    from renamed as successor
    inner join renamed as predecessor
        on predecessor.school_code <> successor.school_code
        and predecessor.valid_to_date is not null
        and successor.valid_from_date is not null
        and predecessor.valid_to_date <= successor.valid_from_date
        and (
            predecessor.school_name = successor.school_name
            or list_contains(successor.school_aliases, predecessor.school_name)
        )
    group by successor.school_code
),

final as (
    select
        renamed.school_code,
        renamed.school_name,
        renamed.school_aliases,
        renamed.district_code,
        districts.district_name_zh,
        renamed.school_type,
        type_labels.label_zh as school_type_zh,
        renamed.category_code,
        case
            when renamed.category_code is null then 'organisation'
            when renamed.category_code = '21' then 'primary'
            when renamed.category_code = '31' then 'junior_secondary'
            when renamed.category_code = '34' then 'senior_secondary'
            when renamed.category_code in ('41', '42') then 'higher_education'
            when renamed.category_code = '51' then 'special_education'
            else 'other'
        end as category,
        renamed.ownership,
        renamed.enrolled_students,
        renamed.valid_from_date,
        renamed.valid_to_date,
        renamed.school_type not in ('higher_education', 'other') as is_annual_report_required,
        predecessors.predecessor_school_code,
        versions.version_count,
        versions.first_reported_at,
        versions.last_reported_at,
        renamed.submission_id,
        renamed.sheet_name,
        renamed.row_number
    from renamed
    left join ref.districts as districts using (district_code)
    left join ref.code_labels as type_labels
        on type_labels.code_list = 'school_type' and type_labels.code = renamed.school_type
    left join predecessors using (school_code)
    left join versions using (school_code)
)

select * from final
order by school_code
