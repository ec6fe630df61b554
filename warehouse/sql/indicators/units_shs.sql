-- Units of SHS_NAMED and SHS_PIPELINE: one per candidate school and year, backed by the stage
-- events (R1 rows in force) known by the end of that year.
-- SHS_NAMED counts the schools named at the end of the year (from 验收命名 until a later 退出).
-- SHS_PIPELINE: breakdown stage = the school's pipeline stage (named, withdrawn and 整改
-- included); its total counts the candidates only: neither named nor withdrawn.
with school_years as (
    select * from marts.fct_shs_school_year
),

events as (
    select * from marts.fct_shs_stage_events
),

source_rows as (
    select
        school_years.school_code,
        school_years.period,
        list({
            'staging_table': 'staging.r1_shs_stage_events',
            'submission_id': events.submission_id,
            'sheet_name': events.sheet_name,
            'row_number': events.row_number,
            'entity_key': 'school_code=' || events.school_code || ' stage=' || events.stage
                || ' event_date=' || strftime(events.event_date, '%Y-%m-%d')
        } order by events.event_sequence) as source_rows
    from school_years
    inner join events
        on events.school_code = school_years.school_code
        and year(events.event_date) <= school_years.period
    group by school_years.school_code, school_years.period
),

named as (
    select
        'SHS_NAMED' as indicator_id,
        period,
        district_code,
        school_code as unit_key,
        1.0 as numerator,
        null::double as denominator,
        true as is_in_total,
        []::struct(dimension varchar, value varchar)[] as breakdowns,
        school_code
    from school_years
    where is_named
),

pipeline as (
    select
        'SHS_PIPELINE' as indicator_id,
        period,
        district_code,
        school_code as unit_key,
        1.0 as numerator,
        null::double as denominator,
        is_candidate as is_in_total,
        [{'dimension': 'stage', 'value': pipeline_stage}] as breakdowns,
        school_code
    from school_years
),

final as (
    select units.* exclude (school_code), source_rows.source_rows
    from (select * from named union all by name select * from pipeline) as units
    inner join source_rows using (school_code, period)
)

select * from final
