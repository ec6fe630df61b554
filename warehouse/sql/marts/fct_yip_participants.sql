-- marts.fct_yip_participants: the youth S&T programme rosters in force (R3), one row per student
-- per cohort and roster. Keyed hashes only: no name, no raw student or mentor identifier, and
-- mentors reduced to whether they are assigned; free-text outputs reduced to whether there are any.
-- A participant's one-year term ends at start_date + 1 year, or at end_date if that is later (an
-- early leaver's term still ends with the year it belonged to); whether it has ended by the as-of
-- date is judged where it is needed (indicators/units_yip.sql), so that a new day does not rebuild
-- this mart. A student listed by two rosters of one cohort is counted once (is_counted: the
-- newest roster).
with source as (
    select
        r3.*,
        submissions.arrived_at,
        submissions.original_name
    from staging.r3_yip_participants_in_force as r3
    inner join raw.submissions as submissions using (submission_id)
),

schools as (
    select school_code, district_code from marts.dim_school
),

universities as (
    select school_code as host_university_code, school_name as host_university_name from marts.dim_school
),

renamed as (
    select
        cohort_year,
        student_key,
        gender,
        school_code,
        grade,
        host_university_code,
        research_field,
        university_mentor_key is not null as has_university_mentor,
        school_mentor_key is not null as has_school_mentor,
        start_date,
        end_date,
        greatest((start_date + interval 1 year)::date, end_date) as term_end_date,
        status as participant_status,
        coalesce(trim(outputs) <> '', false) as has_outputs,
        arrived_at,
        original_name,
        submission_id,
        sheet_name,
        row_number
    from source
),

final as (
    select
        renamed.cohort_year,
        renamed.student_key,
        renamed.gender,
        renamed.school_code,
        schools.district_code,
        renamed.grade,
        renamed.host_university_code,
        universities.host_university_name,
        renamed.research_field,
        renamed.has_university_mentor,
        renamed.has_school_mentor,
        renamed.has_university_mentor and renamed.has_school_mentor as has_both_mentors,
        renamed.start_date,
        renamed.end_date,
        renamed.term_end_date,
        renamed.participant_status,
        renamed.has_outputs,
        row_number() over (
            partition by renamed.cohort_year, renamed.student_key
            order by renamed.arrived_at desc, renamed.original_name desc, renamed.submission_id desc, renamed.row_number
        ) = 1 as is_counted,
        renamed.submission_id,
        renamed.sheet_name,
        renamed.row_number
    from renamed
    left join schools using (school_code)
    left join universities using (host_university_code)
)

select * from final
order by cohort_year, host_university_code, sheet_name, row_number
