-- 0018: the loop with the people who send the data (issue 13).
-- senders.obligations: who owes which report for which period by which date, and where it stands
--   (accepted / refused with the latest reason / overdue since a date / due). Rebuilt whole by the
--   `obligations` asset from the registry, the rows in force and the verdicts of raw.submissions.
-- senders.error_lists: each refused file's error workbook (written to the outbox by the
--   error_workbooks asset) with whom it is for and whether the refusal still stands.
-- senders.supersessions: which accepted file replaced which, per entity key.
create schema if not exists senders;

create table if not exists senders.obligations (
    report_type varchar not null,        -- R2 | R3 | R5
    period integer not null,             -- report year (R2, R5) or cohort year (R3)
    school_code varchar not null,        -- who owes it: the school (R5), host school (R2), host university (R3)
    school_name varchar,
    district_code varchar,
    entity_code varchar,                 -- the base (R2); null otherwise
    due_date date not null,
    status varchar not null,             -- accepted | refused | overdue | due
    is_overdue boolean not null,         -- nothing accepted and the deadline has passed on judged_on
    overdue_since date,                  -- the day after the deadline, when overdue
    accepted_submission_id varchar,
    accepted_at timestamp,               -- UTC
    refused_submission_id varchar,       -- the newest refused file for it (none once accepted)
    refused_at timestamp,                -- UTC
    refusal_reason_zh varchar,
    refusal_reason_en varchar,
    judged_on date not null              -- the day (Tianjin) the status was judged as of
);

create table if not exists senders.error_lists (
    submission_id varchar primary key,
    original_name varchar not null,
    arrived_at timestamp not null,       -- UTC
    report_type varchar,
    status varchar not null,             -- rejected | not_a_report
    message_zh varchar,
    message_en varchar,
    error_count integer not null,
    warning_count integer not null,
    recipient varchar not null,          -- upload:<identity> | district:<code> | data_team | unknown
    recipient_schools varchar[],         -- the schools the file was for (raw.submissions.schools_named)
    workbook_name varchar not null,      -- the file name in DATA_DIR/outbox
    is_standing boolean not null,        -- no later accepted file has taken its place
    superseded_by_submission_id varchar  -- the accepted file that did
);

create table if not exists senders.supersessions (
    report_type varchar not null,
    school_code varchar,                 -- the sender of the rows
    district_code varchar,
    period integer,                      -- report or cohort year (null for R1)
    entity_code varchar,                 -- the base (R2); null otherwise
    superseded_submission_id varchar not null,
    superseded_name varchar not null,
    superseded_arrived_at timestamp not null,
    submission_id varchar not null,      -- the newer accepted file
    original_name varchar not null,
    arrived_at timestamp not null
);
