-- marts.fct_alliance_membership: the alliance register in force (R4), one row per member.
-- Nothing here depends on the as-of date (whether a member is current on that date is
-- marts.fct_alliance_member_current), so a new day does not rebuild it nor what reads it.
with source as (
    select * from staging.r4_alliance_members_in_force
),

renamed as (
    select
        member_code,
        member_name,
        member_type,
        district_code,
        joined_date,
        left_date,
        coalesce(is_lead, false) as is_lead,
        submission_id,
        sheet_name,
        row_number
    from source
),

final as (
    select
        renamed.member_code,
        renamed.member_name,
        renamed.member_type,
        type_labels.label_zh as member_type_zh,
        renamed.district_code,
        districts.district_name_zh,
        renamed.joined_date,
        renamed.left_date,
        renamed.is_lead,
        renamed.submission_id,
        renamed.sheet_name,
        renamed.row_number
    from renamed
    left join ref.districts as districts using (district_code)
    left join ref.code_labels as type_labels
        on type_labels.code_list = 'member_type' and type_labels.code = renamed.member_type
)

select * from final
order by member_code
