-- 0003: what the indicators carry beside their values (0002): the definitions they were computed
-- with, the staging rows behind each value (lineage), and the forward-looking estimate for
-- science high schools. All three are rebuilt with indicators.indicator_values in one transaction.

create table indicators.indicator_definitions (
    indicator_id varchar primary key,
    indicator_group varchar not null,        -- shs | flb | yip | alliance | ste | reporting
    group_name_zh varchar not null,
    name_zh varchar not null,
    name_en varchar not null,
    unit varchar not null,
    value_kind varchar not null,             -- count | share
    has_districts boolean not null,          -- computed for each district as well as the city
    is_additive boolean not null,            -- city value = sum of district values
    breakdown_dimensions varchar[] not null,
    definition_zh varchar not null,
    definition_en varchar not null,
    sort_order integer not null
);

-- one row per (value, staging row behind it); no personal data: keys are codes, sheets and rows
create table indicators.value_lineage (
    indicator_id varchar not null,
    period integer not null,
    geo_code varchar not null,
    breakdown varchar not null,
    contribution varchar not null,           -- counted | numerator | denominator
    staging_table varchar not null,
    submission_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    entity_key varchar not null              -- e.g. 'school_code=3412000001 stage=named event_date=2027-06-01'
);

create table indicators.shs_forecast (
    as_of timestamp not null,
    deadline_year integer not null,
    target double,
    stage varchar not null,                  -- a candidate stage, or '' for the total row
    stage_order integer not null,
    candidates integer not null,             -- candidates whose furthest stage (since any withdrawal) is this one
    transitions_observed integer not null,   -- schools seen moving on from this stage
    withdrawals_observed integer not null,   -- schools seen withdrawing from this stage
    still_in_stage integer not null,         -- schools seen entering it and not yet resolved (censored)
    transition_rate double,                  -- moved on / (moved on + withdrew)
    median_days_to_next double,
    is_pooled boolean not null,              -- rate and time borrowed from all stages (none observed here)
    probability_named double,                -- product of the rates from this stage to named
    median_days_to_named double,             -- sum of the median times from this stage to named
    expected_named_by_deadline double,       -- sum over this stage's candidates expected named in time
    named_now integer,                       -- total row: SHS_NAMED at the as-of date
    projected_named_by_deadline double,      -- total row: named_now + expected from candidates
    linear_projection_by_deadline double,    -- total row: straight line through baseline and latest value
    method_zh varchar not null,
    method_en varchar not null,
    primary key (stage)
);
