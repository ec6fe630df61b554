"""Every query of the dashboard, against the published snapshot only, read-only.

The snapshot (`$KEJIAO_DATA_DIR/published/current.duckdb`) is replaced by a rename when
`kejiao materialize` publishes a new one. A `Snapshot` names the file *and* its inode, mtime and
size: the connection is cached per `Snapshot` (so a new file gets a new connection, while
sessions still reading the old one keep their open handle on the old inode), and every query
takes the `Snapshot` as its first argument, so cached results never outlive the file they came
from. Queries take the widget values (year, district, …) as arguments and return Polars frames.

The SQL is in `dashboards/sql/<query>.sql`, one file per query, read by `sql()`; it reads the
published tables (ref.*, marts.*, indicators.*, raw.submissions, raw.issues, meta.snapshot) and
takes values as bound parameters (`$name`), never interpolated. The one way SQL text is put
together: a query may read other files of sql/ as named relations (`sql("obligation_counts",
owed="owed_r5")` puts owed_r5.sql before it as `with owed as (...)`), chosen by a report type.

Counting, banding and sorting are done in SQL: a query returns what a page shows (a figure per
district, a count per band, one page of a listing of schools), never a row per school for Python
to count or for the browser to hold. The whole of a listing is read only for its CSV, on click.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import polars as pl
import streamlit as st

from dashboards.reads import SQL_DIR, USE, SnapshotUnavailable, sql  # noqa: F401  (read from here by pages)
from dashboards.reads import connection as _connection
from dashboards.reads import query as _query
from dashboards.scope import ScopedSnapshot
from pipelines.reference.codes import CITY
from pipelines.settings import get_settings

TTL = "10m"
# school-level listings come a page at a time: no table of 150,000 schools is sent to the browser
# (the whole listing is a CSV download, made only when asked for)
PAGE_ROWS = 500
CURRENT_NAME = "current.duckdb"


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





def _geo(district: str | None) -> str:
    return district or CITY


def uncached(query):
    """A query past its cache: for a whole listing read once, when its CSV is asked for (a
    listing of every school is not worth keeping in the cache)."""
    return getattr(query, "__wrapped__", query)


# ---------------------------------------------------------------- the snapshot and reference data

@st.cache_data(ttl=TTL, show_spinner=False)
def snapshot_meta(snap: ScopedSnapshot) -> dict:
    """as_of (newest arrival among the data) and published_at of a snapshot."""
    row = _query(snap, sql("snapshot_meta"))
    if row.is_empty():
        return {"as_of": None, "published_at": None}
    return row.row(0, named=True)


@st.cache_data(ttl=TTL, show_spinner=False)
def tables(snap: ScopedSnapshot) -> set[str]:
    return set(_query(snap, sql("tables"))["name"].to_list())


@st.cache_data(ttl=TTL, show_spinner=False)
def periods(snap: ScopedSnapshot) -> list[int]:
    return [int(p) for p in _query(snap, sql("periods"))["period"].to_list()]


@st.cache_data(ttl=TTL, show_spinner=False)
def districts(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("districts"))


@st.cache_data(ttl=TTL, show_spinner=False)
def code_labels(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("code_labels"))


@st.cache_data(ttl=TTL, show_spinner=False)
def targets(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("targets"))


@st.cache_data(ttl=TTL, show_spinner=False)
def definitions(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("definitions"))


# ---------------------------------------------------------------- indicators

@st.cache_data(ttl=TTL, show_spinner=False)
def indicator(snap: ScopedSnapshot, indicator_id: str, *, district: str | None = None, period: int | None = None,
              dimension: str | None = None, all_geos: bool = False) -> pl.DataFrame:
    """Values of one indicator: the totals (or one breakdown `dimension`), for the city or a
    district (or every place with `all_geos`), for one year or all."""
    return _query(snap, sql("indicator"), {
        "indicator_id": indicator_id,
        "geo_code": None if all_geos else _geo(district),
        "period": period,
        "dimension": dimension,
    })


@st.cache_data(ttl=TTL, show_spinner=False)
def indicator_values(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("indicator_values"))


@st.cache_data(ttl=TTL, show_spinner=False)
def shs_forecast(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("shs_forecast"))


# ---------------------------------------------------------------- science high schools

@st.cache_data(ttl=TTL, show_spinner=False)
def shs_schools(snap: ScopedSnapshot, period: int, district: str | None) -> pl.DataFrame:
    """Every candidate school as it stood at the end of `period`, with its stage history so far."""
    return _query(snap, sql("shs_schools"), {"period": period, "district": district})


# ---------------------------------------------------------------- flagship bases

@st.cache_data(ttl=TTL, show_spinner=False)
def bases(snap: ScopedSnapshot, period: int | None, district: str | None) -> pl.DataFrame:
    """Each base in each year (its newest status up to that year, carried forward)."""
    return _query(snap, sql("bases"), {"period": period, "district": district})


@st.cache_data(ttl=TTL, show_spinner=False)
def base_annual_figures(snap: ScopedSnapshot, district: str | None) -> pl.DataFrame:
    """What the bases reported for each year (reports of the year itself, nothing carried)."""
    return _query(snap, sql("base_annual_figures"), {"district": district})


# ---------------------------------------------------------------- youth programme

@st.cache_data(ttl=TTL, show_spinner=False)
def yip_by_district(snap: ScopedSnapshot, period: int) -> pl.DataFrame:
    """Participants of a cohort by district of their school, beside the district's secondary pupils
    (registry enrolment of the schools with secondary grades open that year), and the city's own
    totals (district_code 120000): a district bureau gets its district and the city, nothing else."""
    return _query(snap, sql("yip_by_district"), {"period": period})


@st.cache_data(ttl=TTL, show_spinner=False)
def yip_hosts(snap: ScopedSnapshot, period: int | None, district: str | None) -> pl.DataFrame:
    """Participants of a cohort by host university (those with any), most first, with the host's name."""
    return _query(snap, sql("yip_hosts"), {"geo_code": _geo(district), "period": period})


# ---------------------------------------------------------------- S&T education for everyone

@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def school_reports(snap: ScopedSnapshot, period: int, district: str | None, limit: int | None = PAGE_ROWS,
                   offset: int = 0) -> pl.DataFrame:
    """Each school's accepted annual report of the year, beside its district's rates, furthest
    below its district first: one page of `limit` rows from `offset` (`limit=None`: every row).
    How many rows the whole listing has: the sum of `vice_principal_counts`."""
    return _query(snap, sql("school_reports"), {"period": period, "district": district, "limit": limit, "offset": offset})


@st.cache_data(ttl=TTL, show_spinner=False)
def participation_bands(snap: ScopedSnapshot, period: int, district: str | None) -> pl.DataFrame:
    """Schools by their students' participation rate in bands of 10 points (0–10%, …, 90–100%)."""
    return _query(snap, sql("participation_bands"), {"period": period, "district": district})


@st.cache_data(ttl=TTL, show_spinner=False)
def vice_principal_counts(snap: ScopedSnapshot, period: int, district: str | None) -> pl.DataFrame:
    """Schools by their number of science vice-principals (annual reports of the year)."""
    return _query(snap, sql("vice_principal_counts"), {"period": period, "district": district})


# ---------------------------------------------------------------- reporting

@st.cache_data(ttl=TTL, show_spinner=False)
def submissions(snap: ScopedSnapshot, report_type: str | None = None, year: int | None = None) -> pl.DataFrame:
    """Files received (each distinct content once) of the viewer's scope, newest first; `year` is the
    year of arrival (None: every report type, every year: a school's own files, for a school's scope
    holds nothing else)."""
    return _query(snap, sql("submissions"), {"report_type": report_type, "year": year})


@st.cache_data(ttl=TTL, show_spinner=False)
def untyped_submissions(snap: ScopedSnapshot, year: int | None) -> pl.DataFrame:
    """Files of no report type: not a report, or a file no worker could read, newest first."""
    return _query(snap, sql("untyped_submissions"), {"year": year})


@st.cache_data(ttl=TTL, show_spinner=False)
def rejection_errors(snap: ScopedSnapshot, report_type: str | None, year: int | None) -> pl.DataFrame:
    """The blocking errors of rejected files (no personal data)."""
    return _query(snap, sql("rejection_errors", problems="file_problems"), {"report_type": report_type, "year": year})


# Who owes a report of the year: one row per sender (school, base or host university) with
# `has_report` (sql/owed_<report type>.sql); its listing (a page, in the report type's own order)
# and the counts below are read from these, never sent whole.
OWED = {"R5": "owed_r5", "R2": "owed_r2", "R3": "owed_r3"}


def _obligations(snap: ScopedSnapshot, report_type: str, period: int, district: str | None,
                 has_report: bool | None, limit: int | None, offset: int) -> pl.DataFrame:
    owed = OWED[report_type]
    return _query(snap, sql(f"{owed}_listing", owed=owed),
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
    if report_type not in OWED:
        return pl.DataFrame(schema={"district_code": pl.String, "sent": pl.Int64, "missing": pl.Int64})
    return _query(snap, sql("obligation_counts", owed=OWED[report_type]), {"period": period, "district": district})


# report type -> how its rows in force are counted, per accepted file (sql/rows_in_force_<r>.sql)
ROWS_IN_FORCE = {r: f"rows_in_force_{r.lower()}" for r in ("R0", "R1", "R2", "R3", "R4", "R5")}


@st.cache_data(ttl=TTL, show_spinner=False)
def accepted_versions(snap: ScopedSnapshot, report_type: str, year: int | None) -> pl.DataFrame:
    """Accepted files of a report type: how many of their rows are still in force, how many a later
    file (a correction, or for R1 a newer stage history) has replaced."""
    rows_in_force = ROWS_IN_FORCE.get(report_type, "rows_in_force_none")  # only the report type's own table is read
    return _query(snap, sql("accepted_versions", accepted="accepted_files", rows_in_force=rows_in_force),
                  {"report_type": report_type, "year": year})


@st.cache_data(ttl=TTL, show_spinner=False)
def last_arrivals(snap: ScopedSnapshot, year: int | None) -> pl.DataFrame:
    return _query(snap, sql("last_arrivals"), {"year": year})


# ---------------------------------------------------------------- exports

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

    preview = _query(snap, sql("export_preview"))
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


@st.cache_data(ttl=TTL, show_spinner=False)
def my_schools(snap: ScopedSnapshot) -> pl.DataFrame:
    """The schools of the viewer's scope as the registry names them."""
    return _query(snap, sql("my_schools"))


@st.cache_data(ttl=TTL, show_spinner=False)
def my_issues(snap: ScopedSnapshot) -> pl.DataFrame:
    """Errors and warnings of the viewer's files, each with its sheet, row and column."""
    return _query(snap, sql("my_issues", problems="file_problems"))


@st.cache_data(ttl=TTL, show_spinner=False)
def my_annual_reports(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("my_annual_reports"))


@st.cache_data(ttl=TTL, show_spinner=False)
def my_bases(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("my_bases"))


@st.cache_data(ttl=TTL, show_spinner=False)
def my_shs_events(snap: ScopedSnapshot) -> pl.DataFrame:
    return _query(snap, sql("my_shs_events"))


@st.cache_data(ttl=TTL, show_spinner=False)
def my_yip(snap: ScopedSnapshot) -> pl.DataFrame:
    """Youth-programme participants by cohort and status: those a university hosts, or a school's
    own pupils (counts only; small counts are suppressed where shown)."""
    return _query(snap, sql("my_yip"))


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

@st.cache_data(ttl=TTL, show_spinner=False, max_entries=256)
def value_lineage(snap: ScopedSnapshot, indicator_id: str, period: int, geo_code: str, breakdown: str = "") -> pl.DataFrame:
    """Which files (name, sender, arrival) and how many of their rows are behind one value."""
    return _query(snap, sql("value_lineage"), {"indicator_id": indicator_id, "period": period, "geo_code": geo_code,
                                        "breakdown": breakdown})


# ---------------------------------------------------------------- deadlines and what lacks

def report_deadline(report_type: str, period: int):
    """The day a report of `period` is due (seeds/deadlines.csv, a few lines: read each time, not
    a cached query, which all take the snapshot first), None for reports sent 'when it changes'
    (R0, R1, R4)."""
    from pipelines.operations.deadlines import load_deadlines

    deadline = load_deadlines().get(report_type)
    return None if deadline is None else deadline.due(period)


@st.cache_data(ttl=TTL, show_spinner=False)
def yip_mentors_lacking(snap: ScopedSnapshot, period: int, district: str | None) -> pl.DataFrame:
    """How many participants of a cohort lack their university mentor, their school mentor, or both
    (one row)."""
    return _query(snap, sql("yip_mentors_lacking"), {"period": period, "district": district})


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
