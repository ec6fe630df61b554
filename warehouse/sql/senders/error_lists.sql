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

replacements as (
    select
        refused.submission_id,
        arg_min(accepted.submission_id, (accepted.arrived_at, accepted.original_name)) as superseded_by_submission_id
    from refused
    inner join accepted
        on (accepted.arrived_at, accepted.original_name) > (refused.arrived_at, refused.original_name)
        and (
            (refused.schools_named is not null and len(refused.schools_named) > 0
                and list_has_any(refused.schools_named, coalesce(accepted.schools_named, []))
                and (refused.report_type is null
                     or list_contains(string_split(refused.report_type, ','), accepted.report_type)))
            or ((refused.schools_named is null or len(refused.schools_named) = 0)
                and refused.uploader is not null and refused.uploader = accepted.uploader)
        )
    group by refused.submission_id
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
