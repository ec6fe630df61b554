-- 0005: what each table of rows in force was last built from (pipelines/staging/assets.py,
-- refresh_in_force), so that a run rebuilds only the report types that received submissions.
create table meta.staging_builds (
    table_name varchar primary key,          -- e.g. staging.r5_school_annual_reports_in_force
    fingerprint varchar not null,            -- hash of the accepted submissions and the SQL
    built_at timestamp not null
);
