-- 0004: lineage stored once per counted unit, not once per value it counts toward.
--
-- 0003 wrote a row for every (value, staging row) pair: a school's annual report was repeated for
-- the city, its district, the city's and the district's school-type breakdown and each of three
-- indicators, and at 150,000 schools × 5 years the table reached ten million rows that every run
-- rewrote and every snapshot copied. Now the units (one per thing counted: a school, a base, a
-- student, a member; per indicator and year) and the staging rows behind each unit are stored,
-- and indicators.value_lineage is a view that places each unit in the cells it counts toward, the
-- same rule the values are summed by (warehouse/sql/indicators/cells.sql). Same columns as before.

drop table indicators.value_lineage;

create table indicators.value_units (
    indicator_id varchar not null,
    period integer not null,
    unit_key varchar not null,               -- school code, base key, student hash, member code, ...
    district_code varchar,
    numerator double,
    denominator double,
    is_in_total boolean not null,            -- false: counted in its breakdown cells only
    breakdowns struct(dimension varchar, value varchar)[] not null
);

-- the staging rows behind each unit; keys are codes, sheets and rows: no name, no student key
create table indicators.unit_sources (
    indicator_id varchar not null,
    period integer not null,
    unit_key varchar not null,
    staging_table varchar not null,
    submission_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    entity_key varchar not null
);

create view indicators.value_lineage as
with units as (
    select units.*, definitions.has_districts, definitions.value_kind
    from indicators.value_units as units
    inner join indicators.indicator_definitions as definitions using (indicator_id)
),

placed as (
    select indicator_id, period, unit_key, numerator, is_in_total, breakdowns, value_kind, '120000' as geo_code
    from units
    union all
    select indicator_id, period, unit_key, numerator, is_in_total, breakdowns, value_kind, district_code as geo_code
    from units
    where has_districts and district_code is not null
),

exploded as (  -- unnest in the select list: a lateral join over a list of structs is far slower
    select placed.* exclude (breakdowns, is_in_total), unnest(placed.breakdowns) as cell
    from placed
),

cells as (
    select placed.* exclude (breakdowns, is_in_total), '' as breakdown
    from placed
    where is_in_total
    union all
    select exploded.* exclude (cell), cell.dimension || '=' || cell.value as breakdown
    from exploded
    where cell.dimension <> ''
)

select
    cells.indicator_id,
    cells.period,
    cells.geo_code,
    cells.breakdown,
    case
        when cells.value_kind = 'count' then 'counted'
        when cells.numerator > 0 then 'numerator'
        else 'denominator'
    end as contribution,
    sources.staging_table,
    sources.submission_id,
    sources.sheet_name,
    sources.row_number,
    sources.entity_key
from cells
inner join indicators.unit_sources as sources using (indicator_id, period, unit_key);

-- what the last indicator build was computed from, so that the next one can recompute only the
-- years new submissions touch (pipelines/indicators/compute.py, plan_periods)
create table meta.indicator_build (
    recipe varchar not null,                 -- hash of the SQL and definitions the values were computed with
    as_of timestamp,
    periods integer[] not null,              -- the years computed, per indicator family 'annual'
    built_at timestamp not null
);

create table meta.indicator_build_inputs (
    submission_id varchar primary key        -- accepted submissions the build saw
);
