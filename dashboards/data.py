"""Every query of the dashboard, against the published snapshot only, read-only.

The snapshot (`$KEJIAO_DATA_DIR/published/current.duckdb`) is replaced by a rename when
`kejiao materialize` publishes a new one. A `Snapshot` names the file *and* its inode, mtime and
size: the connection is cached per `Snapshot` (so a new file gets a new connection, while
sessions still reading the old one keep their open handle on the old inode), and every query
takes the `Snapshot` as its first argument, so cached results never outlive the file they came
from. Queries take the widget values (year, district, …) as arguments and return Polars frames.

SQL here reads the published tables (ref.*, marts.*, indicators.*, raw.submissions, raw.issues,
meta.snapshot); values are bound parameters, never interpolated (where SQL text is put together,
it is from this module's own constants, chosen by a report type).

Counting, banding and sorting are done in SQL: a query returns what a page shows (a figure per
district, a count per band, one page of a listing of schools), never a row per school for Python
to count or for the browser to hold. The whole of a listing is read only for its CSV, on click.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl
import streamlit as st

from dashboards.scope import ScopedSnapshot, open_scoped
from pipelines.reference.codes import CITY
from pipelines.settings import get_settings

TTL = "10m"
# school-level listings come a page at a time: no table of 150,000 schools is sent to the browser
# (the whole listing is a CSV download, made only when asked for)
PAGE_ROWS = 500
CURRENT_NAME = "current.duckdb"
# the snapshot file is attached under the catalog name `snapshot`, then made the default
USE = "use memory"  # the scoped views of dashboards/scope.py, not the attached file


class Snapshot(NamedTuple):
    """One published snapshot file as it is now: a new file under the same name is a new key."""

    path: str
    inode: int
    mtime_ns: int
    size: int

    @property
    def name(self) -> str:
        return Path(self.path).name


def published_dir() -> Path:
    return get_settings().published_dir


def stamp(path: Path) -> Snapshot | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return Snapshot(str(path), info.st_ino, info.st_mtime_ns, info.st_size)


def current_snapshot() -> Snapshot | None:
    """The snapshot currently published (None before the first `kejiao materialize`)."""
    return stamp(published_dir() / CURRENT_NAME)


def history_snapshots() -> list[Snapshot]:
    """The current snapshot and every archived one (published/history/<as-of>.duckdb), newest first."""
    found = []
    current = current_snapshot()
    if current is not None:
        found.append(current)
    history = published_dir() / "history"
    if history.is_dir():
        for path in sorted(history.glob("*.duckdb"), reverse=True):
            snap = stamp(path)
            if snap is not None:
                found.append(snap)
    return found


class SnapshotUnavailable(RuntimeError):
    """The snapshot could not be opened (e.g. replaced at that very moment); try again."""


@st.cache_resource(max_entries=32, show_spinner=False)
def _connection(snap: ScopedSnapshot) -> duckdb.DuckDBPyConnection:
    """A connection to one snapshot file as one viewer's scope may see it: a fresh in-memory
    database that ATTACHes the file read-only (never `duckdb.connect(path)`, which would hand back
    the old file after a rename) and offers its tables as views holding only the scope's rows
    (dashboards/scope.py). A few attempts ride over a rename in flight."""
    if not isinstance(snap, ScopedSnapshot):
        raise TypeError("every query takes the viewer's scope: pass a ScopedSnapshot (dashboards.scope.scoped)")
    last_error: Exception | None = None
    for attempt in range(5):
        try:
            return open_scoped(snap.path, snap.scope)
        except duckdb.Error as exc:  # e.g. the file is being replaced right now
            last_error = exc
            time.sleep(0.2 * (attempt + 1))
    raise SnapshotUnavailable(str(last_error))


def _query(snap: ScopedSnapshot, sql: str, params: dict | None = None) -> pl.DataFrame:
    """Run one read on its own cursor (DuckDB connections are not shared between threads)."""
    cursor = _connection(snap).cursor()
    try:
        cursor.execute(USE)
        return cursor.sql(sql, params=params or None).pl()
    finally:
        cursor.close()


def _geo(district: str | None) -> str:
    return district or CITY


def uncached(query):
    """A query past its cache: for a whole listing read once, when its CSV is asked for (a
    listing of every school is not worth keeping in the cache)."""
    return getattr(query, "__wrapped__", query)


# ---------------------------------------------------------------- the snapshot and reference data

SNAPSHOT_META = """
select as_of, published_at from meta.snapshot order by published_at desc limit 1
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def snapshot_meta(snap: ScopedSnapshot) -> dict:
    """as_of (newest arrival among the data) and published_at of a snapshot."""
    row = _query(snap, SNAPSHOT_META)
    if row.is_empty():
        return {"as_of": None, "published_at": None}
    return row.row(0, named=True)


TABLES = """
-- the viewer's scoped views live in the session's own catalog, over the attached snapshot
select table_schema || '.' || table_name as name from information_schema.tables
where table_catalog = current_database()
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def tables(snap: ScopedSnapshot) -> set[str]:
    return set(_query(snap, TABLES)["name"].to_list())


PERIODS = """
select distinct period from indicators.indicator_values order by period
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def periods(snap: ScopedSnapshot) -> list[int]:
    return [int(p) for p in _query(snap, PERIODS)["period"].to_list()]


DISTRICTS = """
select district_code, district_name_zh, district_name_en from ref.districts order by district_code
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def districts(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, DISTRICTS)


CODE_LABELS = """
select code_list, code, label_zh, label_en, sort_order from ref.code_labels order by code_list, sort_order
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def code_labels(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, CODE_LABELS)


TARGETS = """
select indicator_id, target_value, target_year, kind, direction, unit, deadline_assumed,
    label_zh, label_en, source_quote_zh, source
from ref.targets
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def targets(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, TARGETS)


DEFINITIONS = """
select indicator_id, indicator_group, group_name_zh, name_zh, name_en, unit, value_kind, has_districts,
    is_additive, breakdown_dimensions, definition_zh, definition_en, sort_order
from indicators.indicator_definitions
order by sort_order
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def definitions(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, DEFINITIONS)


# ---------------------------------------------------------------- indicators

INDICATOR = """
select indicator_id, period, geo_code, breakdown, breakdown_dimension, breakdown_value, value, numerator,
    denominator, unit, target, target_year, status, progress_ratio, as_of, submission_count
from indicators.indicator_values
where indicator_id = $indicator_id
    and ($geo_code is null or geo_code = $geo_code)
    and ($period is null or period = $period)
    and (($dimension is null and breakdown = '') or breakdown_dimension = $dimension)
order by period, geo_code, breakdown
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def indicator(snap: ScopedSnapshot, indicator_id: str, *, district: str | None = None, period: int | None = None,
              dimension: str | None = None, all_geos: bool = False) -> pl.DataFrame:
    """Values of one indicator: the totals (or one breakdown `dimension`), for the city or a
    district (or every place with `all_geos`), for one year or all."""
    return _query(snap, INDICATOR, {
        "indicator_id": indicator_id,
        "geo_code": None if all_geos else _geo(district),
        "period": period,
        "dimension": dimension,
    })


ALL_VALUES = """
select * exclude (submission_ids) from indicators.indicator_values order by indicator_id, period, geo_code, breakdown
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def indicator_values(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, ALL_VALUES)


SHS_FORECAST = """
select as_of, deadline_year, target, stage, stage_order, candidates, transitions_observed, withdrawals_observed,
    still_in_stage, transition_rate, median_days_to_next, is_pooled, probability_named, median_days_to_named,
    expected_named_by_deadline, named_now, projected_named_by_deadline, linear_projection_by_deadline,
    outlook_central, outlook_low, outlook_high, outlook_runs, stuck_in_stage, method_zh, method_en
from indicators.shs_forecast
order by stage_order
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def shs_forecast(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, SHS_FORECAST)


# ---------------------------------------------------------------- science high schools

SHS_SCHOOLS = """
with years as (
    select * from marts.fct_shs_school_year where period = $period
),

histories as (
    select school_code, list({'stage': stage, 'event_date': event_date} order by event_sequence) as history
    from marts.fct_shs_stage_events
    where year(event_date) <= $period
    group by school_code
),

final as (
    select
        years.school_code,
        schools.school_name,
        years.district_code,
        years.pipeline_stage,
        years.latest_stage,
        years.latest_event_date,
        years.is_named,
        years.named_since_date,
        years.is_candidate,
        years.is_under_rectification,
        years.is_withdrawn,
        -- days since the latest stage event, to the end of the year or the data's as-of (Beijing), whichever is earlier
        date_diff('day', years.latest_event_date, least(make_date($period, 12, 31), (
            select max(as_of + interval 8 hour)::date from meta.snapshot))) as days_in_stage,
        histories.history
    from years
    left join marts.dim_school as schools using (school_code)
    left join histories using (school_code)
    where $district is null or years.district_code = $district
)

select * from final
order by is_named desc, school_code
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def shs_schools(snap: ScopedSnapshot, period: int, district: str | None) -> pl.DataFrame:
    """Every candidate school as it stood at the end of `period`, with its stage history so far."""
    return _query(snap, SHS_SCHOOLS, {"period": period, "district": district})


# ---------------------------------------------------------------- flagship bases

BASES = """
select
    base_years.base_code,
    base_years.period,
    base_years.base_status,
    base_years.is_active,
    base_years.is_carried_forward,
    base_years.status_report_year,
    base_years.discipline,
    base_years.host_school_code,
    base_years.host_school_name,
    base_years.district_code,
    base_years.students_served,
    base_years.schools_reached,
    base_years.courses_offered,
    base_years.teacher_training_hours
from marts.fct_base_year as base_years
where ($period is null or base_years.period = $period)
    and ($district is null or base_years.district_code = $district)
order by base_years.period, base_years.base_code
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def bases(snap: ScopedSnapshot, period: int | None, district: str | None) -> pl.DataFrame:
    """Each base in each year (its newest status up to that year, carried forward)."""
    return _query(snap, BASES, {"period": period, "district": district})


BASE_ANNUAL = """
select
    period as report_year,
    count(*) as bases_reporting,
    sum(students_served)::bigint as students_served,
    sum(schools_reached)::bigint as schools_reached,
    sum(courses_offered)::bigint as courses_offered,
    sum(teacher_training_hours)::double as teacher_training_hours
from marts.fct_base_year
where not is_carried_forward
    and ($district is null or district_code = $district)
group by period
order by period
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def base_annual_figures(snap: ScopedSnapshot, district: str | None) -> pl.DataFrame:
    """What the bases reported for each year (reports of the year itself, nothing carried)."""
    return _query(snap, BASE_ANNUAL, {"district": district})


# ---------------------------------------------------------------- youth programme

YIP_BY_DISTRICT = """
-- the city's own row (120000) and each district's the viewer may see (marts.agg_yip_district_equity)
select geo_code as district_code, participants, pupils
from marts.agg_yip_district_equity
where period = $period
order by geo_code
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def yip_by_district(snap: ScopedSnapshot, period: int) -> pl.DataFrame:
    """Participants of a cohort by district of their school, beside the district's secondary pupils
    (registry enrolment of the schools with secondary grades open that year), and the city's own
    totals (district_code 120000): a district bureau gets its district and the city, nothing else."""
    return _query(snap, YIP_BY_DISTRICT, {"period": period})


YIP_HOSTS = """
-- the hosts' names from the registry (only the few hosts of the cohort, never the whole registry)
select
    hosts.breakdown_value as host_university_code,
    coalesce(schools.school_name, hosts.breakdown_value) as host_university_name,
    schools.district_code,
    hosts.value
from indicators.indicator_values as hosts
left join marts.dim_school as schools on schools.school_code = hosts.breakdown_value
where hosts.indicator_id = 'YIP_ENROLLED'
    and hosts.breakdown_dimension = 'host_university'
    and hosts.geo_code = $geo_code
    and ($period is null or hosts.period = $period)
    and hosts.value > 0
order by hosts.value desc, hosts.breakdown_value
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def yip_hosts(snap: ScopedSnapshot, period: int | None, district: str | None) -> pl.DataFrame:
    """Participants of a cohort by host university (those with any), most first, with the host's name."""
    return _query(snap, YIP_HOSTS, {"geo_code": _geo(district), "period": period})


# ---------------------------------------------------------------- S&T education for everyone

SCHOOL_REPORTS = """
with reports as (
    select * from marts.fct_school_annual_report where report_year = $period
),

district_rates as (
    select district_code,
        100.0 * sum(students_in_st_activities) / nullif(sum(enrolled_students), 0) as district_participation_percent,
        100.0 * avg(has_science_vice_principal::integer) as district_vice_principal_percent
    from reports
    group by district_code
),

final as (
    select
        reports.school_code,
        reports.school_name,
        reports.district_code,
        reports.school_type,
        reports.enrolled_students,
        reports.students_in_st_activities,
        reports.st_activity_percent,
        reports.science_vice_principals,
        reports.has_science_vice_principal,
        reports.st_clubs,
        reports.labs,
        district_rates.district_participation_percent,
        district_rates.district_vice_principal_percent,
        reports.st_activity_percent - district_rates.district_participation_percent as difference_points
    from reports
    left join district_rates using (district_code)
    where $district is null or reports.district_code = $district
)

select * from final
-- furthest below its district first
order by difference_points nulls last, district_code, school_code
limit $limit offset $offset
"""


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def school_reports(snap: ScopedSnapshot, period: int, district: str | None, limit: int | None = PAGE_ROWS,
                   offset: int = 0) -> pl.DataFrame:
    """Each school's accepted annual report of the year, beside its district's rates, furthest
    below its district first: one page of `limit` rows from `offset` (`limit=None`: every row).
    How many rows the whole listing has: the sum of `vice_principal_counts`."""
    return _query(snap, SCHOOL_REPORTS, {"period": period, "district": district, "limit": limit, "offset": offset})


PARTICIPATION_BANDS = """
with rates as (
    select st_activity_percent as rate
    from marts.fct_school_annual_report
    where report_year = $period
        and ($district is null or district_code = $district)
        and st_activity_percent between 0 and 100
),

-- a band holds its lower bound, not its upper one (floor(rate / 10) is exact for 0-100: a
-- multiple of 10 divides exactly, and anything below one never rounds up to it); 100% goes in
-- the last band
banded as (
    select least(90, floor(rate / 10)::integer * 10) as band_from, count(*) as schools
    from rates
    group by 1
),

bands as (
    select range as band_from, range + 10 as band_to from range(0, 100, 10)
)

select bands.band_from, bands.band_to, coalesce(banded.schools, 0) as schools
from bands
left join banded using (band_from)
order by bands.band_from
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def participation_bands(snap: ScopedSnapshot, period: int, district: str | None) -> pl.DataFrame:
    """Schools by their students' participation rate in bands of 10 points (0–10%, …, 90–100%)."""
    return _query(snap, PARTICIPATION_BANDS, {"period": period, "district": district})


VICE_PRINCIPAL_COUNTS = """
select science_vice_principals, count(*) as schools
from marts.fct_school_annual_report
where report_year = $period and ($district is null or district_code = $district)
group by science_vice_principals
order by science_vice_principals nulls first
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def vice_principal_counts(snap: ScopedSnapshot, period: int, district: str | None) -> pl.DataFrame:
    """Schools by their number of science vice-principals (annual reports of the year)."""
    return _query(snap, VICE_PRINCIPAL_COUNTS, {"period": period, "district": district})


# ---------------------------------------------------------------- reporting

SUBMISSIONS = """
select
    submission_id,
    original_name,
    file_format,
    report_type,
    status,
    arrived_at,
    row_count,
    error_count,
    warning_count,
    message_zh,
    message_en
from raw.submissions
where ($report_type is null or report_type = $report_type)
    and ($year is null or year(arrived_at) = $year)
order by arrived_at desc, original_name desc
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def submissions(snap: ScopedSnapshot, report_type: str | None, year: int | None) -> pl.DataFrame:
    """Files received (each distinct content once), newest first; `year` is the year of arrival."""
    return _query(snap, SUBMISSIONS, {"report_type": report_type, "year": year})


UNTYPED_SUBMISSIONS = """
select original_name, status, arrived_at, message_zh, message_en
from raw.submissions
where report_type is null
    and ($year is null or year(arrived_at) = $year)
order by arrived_at desc, original_name desc
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def untyped_submissions(snap: ScopedSnapshot, year: int | None) -> pl.DataFrame:
    """Files of no report type: not a report, or could not be read (issue 11), newest first."""
    return _query(snap, UNTYPED_SUBMISSIONS, {"year": year})


ISSUES = """
select
    issues.submission_id,
    submissions.original_name,
    issues.severity,
    issues.rule_code,
    issues.sheet_name,
    issues.row_number,
    issues.column_letter,
    issues.column_header,
    -- values of the roster (minors) are never shown; elsewhere the intake already masked private columns
    case when submissions.report_type = 'R3' then null else issues.value_seen end as value_seen,
    issues.message_zh,
    issues.message_en
from raw.issues as issues
inner join raw.submissions as submissions using (submission_id)
where submissions.status = 'rejected'
    and issues.severity = 'error'
    and ($report_type is null or submissions.report_type = $report_type)
    and ($year is null or year(submissions.arrived_at) = $year)
order by submissions.arrived_at desc, issues.sheet_name, issues.row_number, issues.column_letter
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def rejection_errors(snap: ScopedSnapshot, report_type: str | None, year: int | None) -> pl.DataFrame:
    """The blocking errors of rejected files (no personal data)."""
    return _query(snap, ISSUES, {"report_type": report_type, "year": year})


# Who owes a report of the year, one row per sender (school, base or host university) with
# `has_report`; the listings and the counts below are read from these, never sent whole.
R5_OBLIGATIONS = """
select
    obligations.school_code,
    obligations.school_name,
    obligations.district_code,
    obligations.school_type,
    obligations.has_report,
    obligations.reported_at
from marts.fct_annual_report_obligation as obligations
where obligations.report_year = $period
    and ($district is null or obligations.district_code = $district)
"""

R2_OBLIGATIONS = """
with this_year as (
    select * from marts.fct_base_year where period = $period
),

last_year as (
    select base_code, base_status from marts.fct_base_year where period = $period - 1
),

final as (
    select
        this_year.base_code,
        this_year.host_school_code as school_code,
        this_year.host_school_name as school_name,
        this_year.district_code,
        this_year.discipline,
        not this_year.is_carried_forward as has_report,
        this_year.status_report_year
    from this_year
    left join last_year using (base_code)
    -- a base owes the report of a year unless it was revoked before it
    where not this_year.is_carried_forward or coalesce(last_year.base_status, '') <> 'revoked'
)

select * from final
where $district is null or district_code = $district
"""

R3_OBLIGATIONS = """
with rosters as (
    select cohort_year, host_university_code, host_university_name, count(*) as participants,
        max(submission_id) as submission_id
    from marts.fct_yip_participants
    where is_counted
    group by cohort_year, host_university_code, host_university_name
),

hosts as (
    select distinct host_university_code, host_university_name
    from rosters
    where cohort_year in ($period, $period - 1)
),

final as (
    select
        hosts.host_university_code as school_code,
        hosts.host_university_name as school_name,
        schools.district_code,
        this_year.host_university_code is not null as has_report,
        this_year.participants
    from hosts
    left join rosters as this_year
        on this_year.host_university_code = hosts.host_university_code and this_year.cohort_year = $period
    left join marts.dim_school as schools on schools.school_code = hosts.host_university_code
)

select * from final
where $district is null or district_code = $district
"""

# report type -> (who owes it, the order of its listing); SQL text only, the values stay parameters
OBLIGATIONS = {
    "R5": (R5_OBLIGATIONS, "has_report, district_code, school_code"),
    "R2": (R2_OBLIGATIONS, "has_report, district_code, base_code"),
    "R3": (R3_OBLIGATIONS, "has_report, school_code"),
}

OBLIGATION_LIST = """
select * from ({owed}) as owed
where $has_report is null or has_report = $has_report
order by {order}
limit $limit offset $offset
"""

OBLIGATION_COUNTS = """
select
    district_code,
    count(*) filter (where has_report) as sent,
    count(*) filter (where not has_report) as missing
from ({owed}) as owed
group by district_code
order by district_code nulls first
"""


def _obligations(snap: ScopedSnapshot, report_type: str, period: int, district: str | None,
                 has_report: bool | None, limit: int | None, offset: int) -> pl.DataFrame:
    owed, order = OBLIGATIONS[report_type]
    return _query(snap, OBLIGATION_LIST.format(owed=owed, order=order),
                  {"period": period, "district": district, "has_report": has_report, "limit": limit,
                   "offset": offset})


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def r5_obligations(snap: ScopedSnapshot, period: int, district: str | None, has_report: bool | None = None,
                   limit: int | None = PAGE_ROWS, offset: int = 0) -> pl.DataFrame:
    """Who owes the school annual report of the year and whether it is in: those who have not
    sent first; one page (`limit=None`: all), only senders or non-senders with `has_report`."""
    return _obligations(snap, "R5", period, district, has_report, limit, offset)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def r2_obligations(snap: ScopedSnapshot, period: int, district: str | None, has_report: bool | None = None,
                   limit: int | None = PAGE_ROWS, offset: int = 0) -> pl.DataFrame:
    """Bases expected to report for the year (all but those revoked by the year before)."""
    return _obligations(snap, "R2", period, district, has_report, limit, offset)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def r3_obligations(snap: ScopedSnapshot, period: int, district: str | None, has_report: bool | None = None,
                   limit: int | None = PAGE_ROWS, offset: int = 0) -> pl.DataFrame:
    """Host universities of the cohort or of the previous one, and whether this cohort's roster is in."""
    return _obligations(snap, "R3", period, district, has_report, limit, offset)


@st.cache_data(ttl=TTL, show_spinner=False)
def obligation_counts(snap: ScopedSnapshot, report_type: str, period: int, district: str | None) -> pl.DataFrame:
    """Senders who owe a report of the year (R5, R2, R3) by district: how many sent, how many not."""
    if report_type not in OBLIGATIONS:
        return pl.DataFrame(schema={"district_code": pl.String, "sent": pl.Int64, "missing": pl.Int64})
    owed, _ = OBLIGATIONS[report_type]
    return _query(snap, OBLIGATION_COUNTS.format(owed=owed), {"period": period, "district": district})


# report type -> (the table its rows in force live in, how they are counted); SQL text only
ROWS_IN_FORCE = {
    "R0": ("marts.dim_school", "count(*)"),
    "R1": ("marts.fct_shs_stage_events", "count(*)"),
    "R2": ("marts.fct_base_year", "count(distinct (base_code, status_report_year))"),
    "R3": ("marts.fct_yip_participants", "count(*)"),
    "R4": ("marts.fct_alliance_membership", "count(*)"),
    "R5": ("marts.fct_school_annual_report", "count(*)"),
}

SUPERSEDED = """
with accepted as (
    select submission_id, report_type, original_name, arrived_at, row_count
    from raw.submissions
    where status = 'accepted' and report_type = $report_type
        and ($year is null or year(arrived_at) = $year)
),

rows_in_force as (
    select submission_id, {count} as rows_in_force
    from {table}
    where submission_id in (select submission_id from accepted)
    group by submission_id
),

final as (
    select
        accepted.original_name,
        accepted.arrived_at,
        accepted.row_count,
        coalesce(rows_in_force.rows_in_force, 0) as rows_in_force,
        greatest(accepted.row_count - coalesce(rows_in_force.rows_in_force, 0), 0) as rows_replaced
    from accepted
    left join rows_in_force using (submission_id)
)

select * from final
order by arrived_at desc
"""

NO_ROWS_IN_FORCE = ("(select null::varchar as submission_id)", "0::bigint")


@st.cache_data(ttl=TTL, show_spinner=False)
def accepted_versions(snap: ScopedSnapshot, report_type: str, year: int | None) -> pl.DataFrame:
    """Accepted files of a report type: how many of their rows are still in force, how many a later
    file (a correction, or for R1 a newer stage history) has replaced."""
    table, count = ROWS_IN_FORCE.get(report_type, NO_ROWS_IN_FORCE)  # only the report type's own table is read
    return _query(snap, SUPERSEDED.format(table=table, count=count), {"report_type": report_type, "year": year})


LAST_ARRIVALS = """
select report_type, max(arrived_at) as last_arrived_at,
    max(arrived_at) filter (where status = 'accepted') as last_accepted_at,
    count(*) as files,
    count(*) filter (where status = 'accepted') as accepted,
    count(*) filter (where status = 'rejected') as rejected
from raw.submissions
where report_type is not null and ($year is null or year(arrived_at) = $year)
group by report_type
order by report_type
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def last_arrivals(snap: ScopedSnapshot, year: int | None) -> pl.DataFrame:
    return _query(snap, LAST_ARRIVALS, {"year": year})


# ---------------------------------------------------------------- exports

EXPORT_FRAME = """
select
    values.indicator_id,
    definitions.name_zh as indicator_name_zh,
    definitions.name_en as indicator_name_en,
    values.period,
    values.geo_code,
    coalesce(districts.district_name_zh, '天津市') as geo_name_zh,
    coalesce(districts.district_name_en, 'Tianjin') as geo_name_en,
    values.breakdown,
    values.breakdown_dimension,
    values.breakdown_value,
    values.value,
    values.numerator,
    values.denominator,
    values.unit,
    values.target,
    values.target_year,
    values.status,
    values.progress_ratio,
    values.as_of,
    values.submission_count
from indicators.indicator_values as values
left join indicators.indicator_definitions as definitions using (indicator_id)
left join ref.districts as districts on districts.district_code = values.geo_code
order by definitions.sort_order, values.period, values.geo_code, values.breakdown
"""


class ExportFiles(NamedTuple):
    files: dict[str, bytes]  # file name -> content
    preview: pl.DataFrame
    made_by: str  # "cli": the export module's own files; "dashboard": built here from indicator_values


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def export_files(snap: ScopedSnapshot, lang: str = "zh") -> ExportFiles:
    """The files of `kejiao export` for one snapshot: made by the export module itself when it is
    installed (the same rules as the command line: counts of minors under 5 as "<5", times in
    Beijing time; the CSV's headers in the reader's language), else built here from
    indicator_values by the same rules."""
    import io
    import tempfile

    from pipelines.exports import disclosure
    from pipelines.exports import files as writer

    preview = _query(snap, EXPORT_FRAME)
    try:
        from pipelines.exports.indicators_export import export_indicators
    except ImportError:
        export_indicators = None
    # the export module reads the whole snapshot file: only for the city-wide roles
    if export_indicators is not None and snap.scope.is_city_wide:
        with tempfile.TemporaryDirectory(prefix="kejiao-export-") as out:
            written = export_indicators(Path(snap.path), Path(out), lang="zh" if lang == "zh" else None)
            files = {Path(p).name: Path(p).read_bytes() for p in written.values()}
        return ExportFiles(files, preview, "cli")
    hidden = disclosure.suppressed_values(preview)
    text = disclosure.as_text(hidden).drop("value_suppressed", "numerator_suppressed", "denominator_suppressed")
    text = text.with_columns(pl.col("as_of").dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Shanghai")
                             .dt.strftime("%Y-%m-%dT%H:%M:%S%:z"))
    if lang == "zh":
        from pipelines.exports.indicators_export import CSV_HEADERS_ZH

        text = text.rename({k: v for k, v in CSV_HEADERS_ZH.items() if k in text.columns})
    parquet = io.BytesIO()
    hidden.drop("value_suppressed", "numerator_suppressed", "denominator_suppressed").with_columns(
        pl.col("as_of").dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Shanghai")).write_parquet(parquet)
    stem = "indicators" if snap.scope.is_city_wide else f"indicators_{'_'.join(snap.districts or snap.schools)}"
    return ExportFiles({f"{stem}.csv": writer.csv_bytes(text), f"{stem}.xlsx": writer.xlsx_bytes(text, sheet="indicators"),
                        f"{stem}.parquet": parquet.getvalue()}, preview, "dashboard")


# ---------------------------------------------------------------- a school's own page (scoped: its own rows only)
# The figures of a school's own page are the rows of the viewer's own schools (access.own_schools):
# the scoped views already hold nothing else for a school or university, and the other roles,
# which have no page of their own figures, get no rows rather than every school's.

OWN = "in (select school_code from access.own_schools)"

MY_SCHOOLS = f"""
select school_code, school_name, district_code, school_type from marts.dim_school
where school_code {OWN}
order by school_code
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def my_schools(snap: ScopedSnapshot) -> pl.DataFrame:
    """The schools of the viewer's scope as the registry names them."""
    return _query(snap, MY_SCHOOLS)


MY_SUBMISSIONS = """
select
    submission_id,
    original_name,
    inbox_path,
    report_type,
    status,
    arrived_at,
    row_count,
    error_count,
    warning_count,
    message_zh,
    message_en
from raw.submissions
order by arrived_at desc, original_name desc
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def my_submissions(snap: ScopedSnapshot) -> pl.DataFrame:
    """The files of the viewer's scope (raw.submissions holds nothing else for a school)."""
    return _query(snap, MY_SUBMISSIONS)


MY_ISSUES = """
select
    issues.submission_id,
    submissions.original_name,
    issues.severity,
    issues.sheet_name,
    issues.row_number,
    issues.column_letter,
    issues.column_header,
    case when submissions.report_type = 'R3' then null else issues.value_seen end as value_seen,
    issues.message_zh,
    issues.message_en
from raw.issues as issues
inner join raw.submissions as submissions using (submission_id)
where issues.severity in ('error', 'warning')
order by submissions.arrived_at desc, issues.sheet_name, issues.row_number, issues.column_letter
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def my_issues(snap: ScopedSnapshot) -> pl.DataFrame:
    """Errors and warnings of the viewer's files, each with its sheet, row and column."""
    return _query(snap, MY_ISSUES)


MY_ANNUAL_REPORTS = f"""
select reports.report_year, reports.school_code, reports.school_name, reports.enrolled_students,
    reports.students_in_st_activities, reports.st_activity_percent, reports.science_vice_principals,
    reports.science_teachers, reports.labs, reports.maker_spaces, reports.st_clubs, reports.awards_city_or_above,
    reports.reported_at,
    -- where each figure comes from: the school's own file, sheet and row
    submissions.original_name, reports.sheet_name, reports.row_number
from marts.fct_school_annual_report as reports
left join raw.submissions as submissions using (submission_id)
where reports.school_code {OWN}
order by reports.school_code, reports.report_year desc
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def my_annual_reports(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, MY_ANNUAL_REPORTS)


MY_BASES = f"""
select bases.period, bases.base_code, bases.host_school_code, bases.discipline, bases.base_status, bases.is_active,
    bases.is_carried_forward, bases.students_served, bases.schools_reached, bases.courses_offered,
    submissions.original_name, bases.sheet_name, bases.row_number
from marts.fct_base_year as bases
left join raw.submissions as submissions using (submission_id)
where bases.host_school_code {OWN}
order by bases.period desc, bases.base_code
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def my_bases(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, MY_BASES)


MY_SHS_EVENTS = f"""
select events.school_code, events.event_sequence, events.stage, events.event_date, events.approval_doc_no,
    submissions.original_name, events.sheet_name, events.row_number
from marts.fct_shs_stage_events as events
left join raw.submissions as submissions using (submission_id)
where events.school_code {OWN}
order by events.school_code, events.event_sequence
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def my_shs_events(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, MY_SHS_EVENTS)


MY_YIP = """
select
    cohort_year,
    case when host_university_code in (select school_code from access.scope_schools) then 'hosted' else 'pupils' end
        as relation,
    participant_status,
    count(*) as participants,
    count(*) filter (where has_both_mentors) as with_both_mentors
from marts.fct_yip_participants
where is_counted
group by all
order by cohort_year desc, relation, participant_status
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def my_yip(snap: ScopedSnapshot) -> pl.DataFrame:
    """Youth-programme participants by cohort and status: those a university hosts, or a school's
    own pupils (counts only; small counts are suppressed where shown)."""
    return _query(snap, MY_YIP)


# ---------------------------------------------------------------- files received, not yet ingested

def waiting_uploads(identity: str, role: str, schools: tuple[str, ...], districts: tuple[str, ...],
                    ingested: frozenset[str]) -> pl.DataFrame:
    """Files sent on the upload page that no run has ingested yet (their inbox path is not among
    `ingested`), of the viewer: sent by them, or for their schools (a school, a university) or
    district (a district bureau); every one for the city-wide roles. Read from the inbox itself,
    never cached: a file just sent shows at once, as "received, waiting for the next run"."""
    import json

    from pipelines.intake import upload
    from pipelines.settings import get_settings

    inbox = get_settings().inbox_dir
    rows = []
    for path, sender_json in upload.inbox_senders(inbox).items():
        if path in ingested:
            continue
        sender = json.loads(sender_json)
        mine = (sender.get("identity") == identity or role in ("data_team", "commission")
                or (role == "school" and set(sender.get("schools") or ()) & set(schools))
                or (role == "district" and set(sender.get("districts") or ()) & set(districts)))
        if not mine:
            continue
        sidecar = (inbox / path).with_name(f".{Path(path).name}{upload.SIDECAR_SUFFIX}")
        try:
            manifest = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        uploaded = manifest.get("uploaded_at")
        rows.append({"original_name": manifest.get("original_name") or Path(path).name, "inbox_path": path,
                     "uploaded_at": datetime.fromisoformat(uploaded) if uploaded else None,
                     "sender": sender.get("identity")})
    return pl.DataFrame(rows, schema={"original_name": pl.String, "inbox_path": pl.String,
                                      "uploaded_at": pl.Datetime("us"), "sender": pl.String}).sort(
        "uploaded_at", descending=True, nulls_last=True)


# ---------------------------------------------------------------- lineage behind one value

VALUE_LINEAGE = """
-- the files behind one indicator value (indicators.value_lineage, as the viewer's scope may see it)
with lineage as (
    select submission_id, staging_table, count(*) as staging_rows
    from indicators.value_lineage
    where indicator_id = $indicator_id and period = $period and geo_code = $geo_code and breakdown = $breakdown
    group by all
)

select
    submissions.original_name,
    submissions.inbox_path,
    json_extract_string(submissions.sender, '$.identity') as sender_identity,
    json_extract_string(submissions.sender, '$.role') as sender_role,
    submissions.arrived_at,
    submissions.report_type,
    submissions.status,
    lineage.staging_table,
    lineage.staging_rows,
    lineage.submission_id
from lineage
left join raw.submissions as submissions using (submission_id)
order by submissions.arrived_at, submissions.original_name, lineage.staging_table
"""


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=256)
def value_lineage(snap: ScopedSnapshot, indicator_id: str, period: int, geo_code: str, breakdown: str = "") -> pl.DataFrame:
    """Which files (name, sender, arrival) and how many of their rows are behind one value."""
    return _query(snap, VALUE_LINEAGE, {"indicator_id": indicator_id, "period": period, "geo_code": geo_code,
                                        "breakdown": breakdown})


# ---------------------------------------------------------------- deadlines and what lacks

def report_deadline(report_type: str, period: int):
    """The day a report of `period` is due (seeds/deadlines.csv, a few lines: read each time, not
    a cached query, which all take the snapshot first), None for reports sent 'when it changes'
    (R0, R1, R4)."""
    from pipelines.operations.deadlines import load_deadlines

    deadline = load_deadlines().get(report_type)
    return None if deadline is None else deadline.due(period)


YIP_MENTORS_LACKING = """
-- participants of a cohort by which mentor they lack (counted rows of the viewer's scope)
select
    count(*) filter (where not has_university_mentor and has_school_mentor) as lacking_university_only,
    count(*) filter (where has_university_mentor and not has_school_mentor) as lacking_school_only,
    count(*) filter (where not has_university_mentor and not has_school_mentor) as lacking_both,
    count(*) filter (where has_both_mentors) as with_both,
    count(*) as participants
from marts.fct_yip_participants
where is_counted and cohort_year = $period and ($district is null or district_code = $district)
"""


@st.cache_data(ttl=TTL, show_spinner=False)
def yip_mentors_lacking(snap: ScopedSnapshot, period: int, district: str | None) -> pl.DataFrame:
    """How many participants of a cohort lack their university mentor, their school mentor, or both
    (one row)."""
    return _query(snap, YIP_MENTORS_LACKING, {"period": period, "district": district})


# ---------------------------------------------------------------- the monthly briefing

def briefing_pdf(snapshot_path: str, as_of: date) -> bytes:
    """The monthly briefing (pipelines/operations/briefing) of one snapshot file, as PDF bytes: made
    when asked for (a few seconds: charts and Chromium), for the city-wide roles' export page."""
    import tempfile

    from pipelines.operations.briefing import make_briefing

    with tempfile.TemporaryDirectory(prefix="kejiao-briefing-") as out:
        target = Path(out) / "briefing.pdf"
        make_briefing(Path(snapshot_path), target, as_of)
        return target.read_bytes()


# ---------------------------------------------------------------- templates to fill (issue 13 #1)

@st.cache_resource(ttl=TTL, max_entries=32, show_spinner=False)
def template_sources(snap: ScopedSnapshot):
    """What a sender's templates are made from (pipelines/senders/templates.py), read through the
    viewer's scoped connection: the registry and the rows in force of its own schools only, so a
    template cannot carry another school's figures."""
    from pipelines.senders.templates import Sources

    cursor = _connection(snap).cursor()
    try:
        cursor.execute(USE)
        return Sources.from_connection(cursor)
    finally:
        cursor.close()
