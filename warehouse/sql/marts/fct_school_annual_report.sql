-- marts.fct_school_annual_report: the school S&T annual reports in force (R5), one row per school
-- and year (a newer accepted version replaces an older one), with the school's district and type
-- from the registry.
with source as (
    select * from staging.r5_school_annual_reports_in_force
),

schools as (
    select school_code, school_name as registry_school_name, district_code, school_type, is_annual_report_required
    from marts.dim_school
),

renamed as (
    select
        school_code,
        report_year,
        enrolled_students,
        science_hours_planned,
        science_hours_delivered,
        science_vice_principals,
        science_teachers,
        stem_master_science_teachers,
        labs,
        maker_spaces,
        st_clubs,
        st_club_members,
        students_in_st_activities,
        afterschool_st_programmes,
        awards_city_or_above,
        teacher_st_training_hours,
        submission_id,
        sheet_name,
        row_number
    from source
),

final as (
    select
        renamed.school_code,
        renamed.report_year,
        schools.registry_school_name as school_name,
        schools.district_code,
        schools.school_type,
        coalesce(schools.is_annual_report_required, false) as is_annual_report_required,
        renamed.enrolled_students,
        renamed.students_in_st_activities,
        case when renamed.enrolled_students > 0
            then 100.0 * renamed.students_in_st_activities / renamed.enrolled_students end as st_activity_percent,
        renamed.science_vice_principals,
        renamed.science_vice_principals >= 1 as has_science_vice_principal,
        renamed.science_hours_planned,
        renamed.science_hours_delivered,
        renamed.science_teachers,
        renamed.stem_master_science_teachers,
        renamed.labs,
        renamed.maker_spaces,
        renamed.st_clubs,
        renamed.st_club_members,
        renamed.afterschool_st_programmes,
        renamed.awards_city_or_above,
        renamed.teacher_st_training_hours,
        submissions.arrived_at as reported_at,
        renamed.submission_id,
        renamed.sheet_name,
        renamed.row_number
    from renamed
    left join schools using (school_code)
    left join raw.submissions as submissions using (submission_id)
)

select * from final
order by report_year, school_code
