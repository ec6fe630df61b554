-- Units of the alliance: ALLIANCE_MEMBERS, one per member at the end of a year (joined by
-- 31 December, not left by then), breakdown member type; ALLIANCE_DISTRICTS, one per district
-- of the 16 and year, counting 1 when it has at least one such member (denominator 1 each, so
-- the city value reads "n of 16").
with member_years as (
    select * from marts.fct_alliance_member_year
),

periods as (
    select period from indicator_periods where indicator_id = 'ALLIANCE_DISTRICTS'
),

member_rows as (
    select
        member_code,
        period,
        district_code,
        member_type,
        {
            'staging_table': 'staging.r4_alliance_members',
            'submission_id': submission_id,
            'sheet_name': sheet_name,
            'row_number': row_number,
            'entity_key': 'member_code=' || member_code
        } as source_row
    from member_years
),

members as (
    select
        'ALLIANCE_MEMBERS' as indicator_id,
        period,
        district_code,
        member_code as unit_key,
        1.0 as numerator,
        null::double as denominator,
        true as is_in_total,
        [{'dimension': 'member_type', 'value': member_type}] as breakdowns,
        [source_row] as source_rows
    from member_rows
),

district_members as (
    select district_code, period, list(source_row order by member_code) as source_rows
    from member_rows
    group by district_code, period
),

districts as (
    select
        'ALLIANCE_DISTRICTS' as indicator_id,
        periods.period,
        districts.district_code,
        districts.district_code as unit_key,
        (district_members.district_code is not null)::integer::double as numerator,
        1.0 as denominator,
        true as is_in_total,
        []::struct(dimension varchar, value varchar)[] as breakdowns,
        coalesce(district_members.source_rows, []) as source_rows
    from ref.districts as districts
    cross join periods
    left join district_members using (district_code, period)
),

final as (
    select * from members
    union all by name
    select * from districts
)

select * from final
