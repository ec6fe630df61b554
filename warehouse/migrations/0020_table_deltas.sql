-- 0020: builds that bring a table up to date school by school (issue 15 #3). A build that replaces
-- only the rows of the schools its new inputs touch records, beside its fingerprint, the
-- fingerprint the table had before (`delta_from`) and those schools, or other entities, by the
-- column that names them in the table (meta.table_delta_schools),
-- so that what reads the table next (the marts over it, the published snapshot) can do the same
-- instead of copying it whole. A build of the whole table forgets them.
alter table meta.table_builds add column delta_from varchar;   -- null: the last build was whole
alter table meta.table_builds add column delta_column varchar; -- the column that names them (school_code, entity_code)
alter table meta.table_builds add column recipe varchar;       -- what the build followed besides its upstream tables
alter table meta.table_builds add column upstream varchar;     -- JSON {upstream table: its fingerprint then}

create table meta.table_delta_schools (
    table_name varchar not null,
    school_code varchar not null
);

-- the accepted submissions the rows in force of a report type were last built from, so that the
-- next build can tell the new ones (and whether any was withdrawn) instead of a hash alone
create table meta.table_build_inputs (
    table_name varchar not null,
    submission_id varchar not null
);

-- the asset checks that passed, with the fingerprints of the tables they read then
-- (pipelines/checks.py): a check kept per school looks next time at the schools changed since
create table meta.check_passes (
    check_key varchar primary key,           -- asset key / check name
    inputs varchar not null,                 -- JSON {table: fingerprint}
    passed_at timestamp not null
);
