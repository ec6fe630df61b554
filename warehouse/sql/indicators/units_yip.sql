-- Units of the youth programme: one per student and cohort (the newest roster listing a student
-- twice wins), backed by the roster row; no student key leaves this query.
-- YIP_ENROLLED: every student selected into the cohort, whatever the status since.
-- YIP_DUAL_MENTOR: share of the cohort with both a university and a school mentor.
-- YIP_COMPLETION: completed / (completed + withdrawn) among participants whose one-year term has
--   ended by the as-of date; a participant still marked 在读 after the term is left out.
-- $as_of: the newest arrival of accepted data (the term's end is judged on its date, not today).
-- Breakdowns: host university, gender ('unknown' when not given).
with participants as (
    select * from marts.fct_yip_participants where is_counted
),

shaped as (
    select
        cohort_year as period,
        district_code,
        row_number() over (order by cohort_year, host_university_code, submission_id, sheet_name, row_number)::varchar
            as unit_key,
        has_both_mentors,
        term_end_date <= $as_of::date as has_programme_ended,
        participant_status,
        [
            {'dimension': 'host_university', 'value': host_university_code},
            {'dimension': 'gender', 'value': coalesce(gender, 'unknown')}
        ] as breakdowns,
        [{
            'staging_table': 'staging.r3_yip_participants',
            'submission_id': submission_id,
            'sheet_name': sheet_name,
            'row_number': row_number,
            'entity_key': 'cohort_year=' || cohort_year || ' host_university_code=' || host_university_code
        }] as source_rows
    from participants
),

enrolled as (
    select 'YIP_ENROLLED' as indicator_id, period, district_code, unit_key, 1.0 as numerator,
        null::double as denominator, true as is_in_total, breakdowns, source_rows
    from shaped
),

dual_mentor as (
    select 'YIP_DUAL_MENTOR' as indicator_id, period, district_code, unit_key,
        has_both_mentors::integer::double as numerator, 1.0 as denominator, true as is_in_total, breakdowns, source_rows
    from shaped
),

completion as (
    select 'YIP_COMPLETION' as indicator_id, period, district_code, unit_key,
        (participant_status = 'completed')::integer::double as numerator, 1.0 as denominator, true as is_in_total,
        breakdowns, source_rows
    from shaped
    where has_programme_ended and participant_status in ('completed', 'withdrawn')
),

final as (
    select * from enrolled
    union all by name
    select * from dual_mentor
    union all by name
    select * from completion
)

select * from final
