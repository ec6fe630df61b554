-- 0002: the indicators' long table: the contract between the pipeline, exports and dashboard.
create table indicators.indicator_values (
    indicator_id varchar not null,       -- canonical id (shared/spec/indicators.md)
    period integer not null,             -- calendar year
    geo_code varchar not null,           -- 120000 for the city, else a district code
    breakdown varchar not null,          -- '' for totals, else 'dimension=value' (e.g. 'stage=named')
    breakdown_dimension varchar,
    breakdown_value varchar,
    value double,
    numerator double,
    denominator double,
    unit varchar not null,               -- schools | bases | students | members | districts | %
    target double,
    target_year integer,
    status varchar,                      -- progress status where the value has a target
    progress_ratio double,               -- R of the linear method, where it applies
    as_of timestamp not null,            -- newest arrival among the submissions in the warehouse
    submission_count integer not null,
    submission_ids varchar[] not null,
    primary key (indicator_id, period, geo_code, breakdown)
);
