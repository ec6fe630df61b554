-- 0019: district targets (目标分解, issue 13 #5).
-- ref.district_targets: the share of a city target the commission assigns to a district
--   (seeds/district_targets.csv); a district without a row has no share assigned.
-- indicators.district_progress: each count target × district: the district's latest value, its own
--   target where one is assigned, and its status against it ('no_share' where none is).
create table if not exists ref.district_targets (
    indicator_id varchar not null,
    district_code varchar not null,
    target_value double not null,
    target_year integer,                 -- null for a yearly quota (like the city's)
    is_example boolean not null,         -- an example assignment (the demo's), not the commission's
    source varchar not null,
    primary key (indicator_id, district_code)
);

create table if not exists indicators.district_progress (
    indicator_id varchar not null,
    district_code varchar not null,
    period integer,                      -- the latest year with a value
    value double,
    has_share boolean not null,
    district_target double,
    target_year integer,
    is_example boolean,
    status varchar not null,             -- progress status (pipelines/indicators/progress.py), or no_share
    progress_ratio double,               -- stock targets: R of the linear method; quotas: value / target
    primary key (indicator_id, district_code)
);
