-- 0005: what each derived table was last built from (the rows in force, pipelines/staging/assets.py
-- refresh_in_force; the marts, pipelines/marts/build.py refresh_mart), so that a run rebuilds
-- only the tables whose inputs changed.
create table meta.table_builds (
    table_name varchar primary key,          -- e.g. staging.r5_school_annual_reports_in_force, marts.dim_school
    fingerprint varchar not null,            -- hash of the inputs and the SQL
    built_at timestamp not null
);
