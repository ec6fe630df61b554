-- The refused files (rejected, or not a report) and whether each refusal stands: it stops standing
-- once a later accepted file of the same report type names one of its schools (for a file naming
-- no school: a later accepted file from the same uploader). superseded_by: the first such file.
with refused as (
    select
        submission_id, original_name, arrived_at, report_type, status, message_zh, message_en,
        error_count, warning_count, inbox_path, sender, schools_named,
        case when sender is not null and json_valid(sender) then json_extract_string(sender, '$.identity') end
            as uploader
    from raw.submissions
    where status in ('rejected', 'not_a_report')
),

accepted as (
    select
        submission_id, arrived_at, original_name, report_type, schools_named,
        case when sender is not null and json_valid(sender) then json_extract_string(sender, '$.identity') end
            as uploader
    from raw.submissions
    where status = 'accepted'
),

-- a later accepted file naming one of a refused file's schools (equi-joined on the school: the
-- accepted files name some 700,000 schools at 150,000 schools, the refused a handful)
refused_schools as (
    select submission_id, arrived_at, original_name, report_type, unnest(schools_named) as school_code
    from refused
    where schools_named is not null and len(schools_named) > 0
),

accepted_schools as (
    select *
    from (
        select submission_id, arrived_at, original_name, report_type, unnest(schools_named) as school_code
        from accepted
    )
    where school_code in (select school_code from refused_schools)
),

candidates as (
    select refused.submission_id, accepted.submission_id as accepted_id, accepted.arrived_at, accepted.original_name
    from refused_schools as refused
    inner join accepted_schools as accepted
        on accepted.school_code = refused.school_code
        and (accepted.arrived_at, accepted.original_name) > (refused.arrived_at, refused.original_name)
        and (refused.report_type is null
             or list_has_any(string_split(refused.report_type, ','), string_split(accepted.report_type, ',')))
    union all
    -- a file naming no school: a later accepted file from the same uploader
    select refused.submission_id, accepted.submission_id, accepted.arrived_at, accepted.original_name
    from refused
    inner join accepted
        on accepted.uploader = refused.uploader
        and (accepted.arrived_at, accepted.original_name) > (refused.arrived_at, refused.original_name)
    where refused.schools_named is null or len(refused.schools_named) = 0
),

replacements as (
    select submission_id, arg_min(accepted_id, (arrived_at, original_name)) as superseded_by_submission_id
    from candidates
    group by submission_id
),

final as (
    select
        refused.*,
        replacements.superseded_by_submission_id is null as is_standing,
        replacements.superseded_by_submission_id
    from refused
    left join replacements using (submission_id)
)

select * from final
order by arrived_at, submission_id
