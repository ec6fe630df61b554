-- R5: every primary and secondary school in the registry (not 高校 or 其他) active in a year
-- owes one annual report for it. Reads the temp views in_force_r0 and in_force_r5.
-- $years: the report years whose deadline has passed.
with schools as (
    select school_code, school_name, district_code, school_type, valid_from, valid_to
    from in_force_r0
    where school_type not in ('higher_education', 'other')
),

years as (
    select unnest($years::integer[]) as report_year
),

owing as (
    select schools.*, years.report_year
    from schools
    cross join years
    where (schools.valid_from is null or schools.valid_from <= make_date(years.report_year, 12, 31))
      and (schools.valid_to is null or schools.valid_to >= make_date(years.report_year, 1, 1))
),

final as (
    select
        'R5' as report_type,
        owing.report_year as period,
        owing.school_code as sender_code,
        owing.school_name as sender_name,
        owing.district_code,
        null::varchar as entity_code
    from owing
    anti join in_force_r5 as reports
        on reports.school_code = owing.school_code and reports.report_year = owing.report_year
)

select * from final
