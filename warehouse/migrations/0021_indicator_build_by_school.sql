-- 0021: indicator builds that follow the annual reports school by school (issue 15 #3). The last
-- build keeps the fingerprints of the marts its annual-report units read, so that the next one can
-- ask which schools those marts replaced since (warehouse.changed_schools) and recompute only
-- their units; and the schools it recomputed, so that the published snapshot replaces only theirs.
alter table meta.indicator_build add column marts varchar;               -- JSON {mart: its fingerprint at this build}
alter table meta.indicator_build add column recomputed_schools varchar[]; -- null: not school by school

-- the groups of units the cells are summed from (warehouse/sql/indicators/groups.sql), kept for
-- the next build: one that recomputes a few schools' units regroups only the groups they touch
create table meta.indicator_unit_groups (
    indicator_id varchar not null,
    period integer not null,
    district_code varchar,
    is_in_total boolean not null,
    breakdowns struct(dimension varchar, value varchar)[] not null,
    numerator double,
    denominator double,
    submission_ids varchar[] not null
);
