-- 0001: the layers and the intake tables.
-- raw: what arrived (file metadata, content hashes, verdicts, issues); never the rows themselves,
--      because rows may carry minors' names: the archived original file is the only raw copy.
-- staging: typed, validated rows of accepted submissions, every version, each knowing its
--      submission and its spreadsheet row.
create schema if not exists ref;
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists marts;
create schema if not exists indicators;

create table ref.districts (
    district_code varchar primary key,
    district_name_zh varchar not null,
    district_name_en varchar not null
);

create table ref.code_labels (
    code_list varchar not null,
    code varchar not null,
    label_zh varchar not null,
    label_en varchar not null,
    sort_order integer not null,
    primary key (code_list, code)
);

create table ref.targets (
    indicator_id varchar primary key,
    target_value double not null,
    target_year integer,
    kind varchar not null,
    direction varchar not null,
    unit varchar not null,
    deadline_assumed boolean not null,
    label_zh varchar not null,
    label_en varchar not null,
    source_quote_zh varchar not null,
    source varchar not null
);

-- every (path, content) pair the pipeline has seen in the inbox
create table raw.file_observations (
    inbox_path varchar not null,
    submission_id varchar not null,
    size_bytes bigint not null,
    modified_at timestamp not null,
    seen_at timestamp not null,
    is_duplicate boolean not null,
    primary key (inbox_path, submission_id)
);

-- one row per distinct content (sha256): the same bytes twice are one submission
create table raw.submissions (
    submission_id varchar primary key,
    original_name varchar not null,
    inbox_path varchar not null,
    file_format varchar not null,
    size_bytes bigint not null,
    arrived_at timestamp not null,
    first_seen_at timestamp not null,
    archive_path varchar not null,
    report_type varchar,
    status varchar not null,            -- accepted | rejected | not_a_report
    row_count integer not null,
    error_count integer not null,
    warning_count integer not null,
    sheets_read varchar[] not null,
    sheets_skipped varchar[] not null,
    message_zh varchar,
    message_en varchar,
    sender varchar,
    ingested_at timestamp not null
);

create table raw.issues (
    submission_id varchar not null,
    severity varchar not null,          -- error | warning | info
    rule_code varchar not null,
    sheet_name varchar,
    row_number integer,                 -- as the spreadsheet numbers it (1-based)
    column_letter varchar,
    column_name varchar,                -- canonical English name
    column_header varchar,              -- the header as written in the file
    value_seen varchar,                 -- masked for private and pseudonymised columns
    message_zh varchar not null,
    message_en varchar not null
);

create table staging.r0_schools (
    submission_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    school_code varchar not null,
    school_name varchar not null,
    aliases varchar[],
    district_code varchar not null,
    school_type varchar not null,
    ownership varchar,
    enrolled_students bigint,
    valid_from date,
    valid_to date
);

create table staging.r1_shs_stage_events (
    submission_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    school_code varchar not null,
    school_name varchar,
    stage varchar not null,
    event_date date not null,
    event_date_precision varchar not null,   -- day | month
    approval_doc_no varchar,
    partner_universities varchar,
    science_cohort_students bigint,
    dedicated_labs bigint
);

create table staging.r2_flagship_base_reports (
    submission_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    base_code varchar not null,
    host_school_code varchar not null,
    host_school_name varchar,
    discipline varchar not null,
    status varchar not null,
    report_year integer not null,
    partners varchar,
    students_served bigint,
    courses_offered bigint,
    schools_reached bigint,
    teacher_training_hours double
);

-- no name, no raw student or mentor identifier: keyed hashes only
create table staging.r3_yip_participants (
    submission_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    cohort_year integer not null,
    student_key varchar not null,
    gender varchar,
    school_code varchar not null,
    school_name varchar,
    grade integer not null,
    host_university_code varchar not null,
    research_field varchar,
    university_mentor_key varchar,
    school_mentor_key varchar,
    start_date date not null,
    end_date date,
    status varchar not null,
    outputs varchar,
    guardian_consent boolean not null
);

create table staging.r4_alliance_members (
    submission_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    member_code varchar not null,
    member_name varchar not null,
    member_type varchar not null,
    district_code varchar not null,
    joined_date date not null,
    left_date date,
    is_lead boolean
);

create table staging.r5_school_annual_reports (
    submission_id varchar not null,
    sheet_name varchar not null,
    row_number integer not null,
    school_code varchar not null,
    school_name varchar,
    report_year integer not null,
    enrolled_students bigint not null,
    science_hours_planned double,
    science_hours_delivered double,
    science_vice_principals bigint not null,
    science_teachers bigint,
    stem_master_science_teachers bigint,
    labs bigint,
    maker_spaces bigint,
    st_clubs bigint,
    st_club_members bigint,
    students_in_st_activities bigint not null,
    afterschool_st_programmes bigint,
    awards_city_or_above bigint,
    teacher_st_training_hours double
);
