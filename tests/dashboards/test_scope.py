"""Scopes are enforced where the data is read: every query of dashboards/data.py, with every
filter value, returns for a district bureau nothing of another district's schools, and for a
school nothing but its own rows."""

from __future__ import annotations

import inspect
import itertools

import polars as pl
import pytest

from dashboards import data, scope
from pipelines.access.roles import CITY, Role, Scope
from tests.access.support import (
    HEPING,
    HEPING_SCHOOL,
    HEXI,
    HEXI_SCHOOL,
    NANKAI,
    NANKAI_SCHOOL,
    UNIVERSITY,
    access_data_dir,  # noqa: F401 - the session fixture
)

DISTRICT = Scope(Role.DISTRICT, districts=(HEPING,))
SCHOOL = Scope(Role.SCHOOL, schools=(HEPING_SCHOOL,))
UNI = Scope(Role.SCHOOL, schools=(UNIVERSITY,))
SCHOOL_COLUMNS = ("school_code", "host_school_code", "member_code")
FILTERS = {
    "district": [None, CITY, HEPING, HEXI, NANKAI],
    "period": [None, 2025],
    "year": [None, 2025],
    "report_type": ["R0", "R1", "R2", "R3", "R4", "R5"],
    "dimension": [None, "host_university", "school_type", "gender"],
    "all_geos": [False, True],
}


@pytest.fixture
def env(access_data_dir, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(access_data_dir))
    return access_data_dir


def queries():
    """Every query function of the data module: those whose first argument is the snapshot."""
    for name, fn in vars(data).items():
        target = getattr(fn, "__wrapped__", fn)
        if name.startswith("_") or not inspect.isfunction(target) or target.__module__ != data.__name__:
            continue
        params = list(inspect.signature(target).parameters)
        if params and params[0] == "snap":
            yield name, fn, params[1:]


def calls(snap, fn, params, indicator_ids):
    values = {**FILTERS, "indicator_id": indicator_ids}
    options = [values.get(p, [None]) for p in params]
    for combo in itertools.product(*options):
        yield dict(zip(params, combo)), fn(snap, **dict(zip(params, combo)))


def frames_of(result):
    if isinstance(result, pl.DataFrame):
        yield result
    elif isinstance(result, data.ExportFiles):
        yield result.preview
        for name, payload in result.files.items():
            if name.endswith(".csv"):
                yield pl.read_csv(payload, infer_schema=False)
    elif isinstance(result, dict):
        yield pl.DataFrame({"school_code": list(result)}) if all(isinstance(k, str) for k in result) else pl.DataFrame()


def test_queries_refuse_a_snapshot_without_a_scope(env):
    with pytest.raises(TypeError):
        data.districts(data.current_snapshot())


@pytest.mark.parametrize("viewer", ["district", "school", "university"])
def test_no_filter_reaches_rows_outside_the_scope(env, viewer):
    own = {"district": DISTRICT, "school": SCHOOL, "university": UNI}[viewer]
    scoped = scope.scoped(data.current_snapshot(), own)
    whole = scope.scoped(data.current_snapshot(), Scope(Role.DATA_TEAM))
    indicator_ids = data.definitions(whole)["indicator_id"].to_list()
    allowed_schools = {HEPING_SCHOOL} if viewer != "university" else {UNIVERSITY}
    allowed_geos = {CITY, HEPING} if viewer == "district" else set()
    checked = 0
    for name, fn, params in queries():
        if name in ("districts", "code_labels", "targets", "definitions", "snapshot_meta", "tables", "periods"):
            continue  # reference data and the snapshot's own metadata: the same for everyone
        for args, result in calls(scoped, fn, params, indicator_ids):
            for frame in frames_of(result):
                checked += 1
                where = f"{name}({args})"
                hosted = "host_university_code" in frame.columns or name == "my_yip"
                for column in SCHOOL_COLUMNS:
                    if column in frame.columns and not (viewer == "university" and hosted):
                        seen = set(frame[column].drop_nulls().to_list())
                        if viewer in ("district", "school") and name == "r3_obligations":
                            # deliberate: which universities host its own pupils
                            seen -= {UNIVERSITY}
                        assert seen <= allowed_schools, (where, column, seen - allowed_schools)
                if "geo_code" in frame.columns:
                    seen = set(frame["geo_code"].drop_nulls().to_list())
                    assert seen <= allowed_geos, (where, seen - allowed_geos)
                if "district_code" in frame.columns and not any(c in frame.columns for c in SCHOOL_COLUMNS) \
                        and viewer != "university":  # a university's roster holds pupils of many districts
                    # an aggregate by district: other districts may be listed, but with nothing in them
                    others = frame.filter(~pl.col("district_code").is_in(sorted(allowed_geos | {HEPING})))
                    numbers = [c for c, t in others.schema.items() if t.is_numeric()]
                    for column in numbers:
                        assert all(v in (0, None) for v in others[column].to_list()), (where, column)
                if "host_university_code" in frame.columns and viewer == "district":
                    assert frame.filter(pl.col("district_code") != HEPING).is_empty(), where
    assert checked > 100


def test_what_each_role_holds(env):
    snap = data.current_snapshot()

    def count(s: Scope, sql: str) -> int:
        con = scope.open_scoped(snap.path, s)
        try:
            return con.sql(sql).fetchall()[0][0]
        finally:
            con.close()

    everyone = Scope(Role.DATA_TEAM)
    commission = Scope(Role.COMMISSION)
    assert count(everyone, "select count(*) from raw.issues") > 0
    assert count(commission, "select count(*) from raw.issues") == 0  # errors of files: data team and senders
    assert count(commission, "select count(distinct geo_code) from indicators.indicator_values") == \
        count(everyone, "select count(distinct geo_code) from indicators.indicator_values")
    # a district: its schools, its files, city totals and its own figures
    assert count(DISTRICT, "select count(*) from marts.dim_school where district_code <> '120101'") == 0
    assert count(DISTRICT, "select count(*) from marts.dim_school") == 1
    assert count(DISTRICT, "select count(*) from raw.submissions where original_name like '%河西%'") == 0
    assert count(DISTRICT, "select count(*) from raw.submissions where original_name like '和平一中%'") == 1
    assert count(DISTRICT, "select count(*) from indicators.indicator_values where geo_code not in "
                           "('120000', '120101')") == 0
    assert count(DISTRICT, "select count(*) from indicators.indicator_values where geo_code = '120000'") > 0
    assert count(DISTRICT, "select count(*) from indicators.value_lineage where geo_code <> '120101'") == 0
    assert count(DISTRICT, "select count(*) from marts.fct_yip_participants") == 1  # its pupil only
    # a school: its own file and rows, no aggregate of anyone
    assert count(SCHOOL, "select count(*) from raw.submissions") == 1
    assert count(SCHOOL, "select count(*) from indicators.indicator_values") == 0
    assert count(SCHOOL, f"select count(*) from marts.fct_school_annual_report where school_code <> '{HEPING_SCHOOL}'") == 0
    # the rejected file of the 河西 school came through the shared inbox, its rows naming that school
    # only: the school sees it (issue 16 #7: intake records whose a refused file is), no other school
    assert count(Scope(Role.SCHOOL, schools=(HEXI_SCHOOL,)), "select count(*) from raw.submissions "
                 "where status = 'rejected'") == 1
    assert count(SCHOOL, "select count(*) from raw.submissions where status = 'rejected'") == 0
    # a university: the roster it hosts, nothing of its pupils' schools
    assert count(UNI, "select count(*) from marts.fct_yip_participants") == 3
    assert count(UNI, "select count(*) from raw.submissions") == 1
    assert count(UNI, f"select count(*) from marts.dim_school where school_code = '{NANKAI_SCHOOL}'") == 0


def test_uploaded_files_belong_to_their_sender_even_when_rejected(tmp_path):
    import duckdb

    path = tmp_path / "snap.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw; create schema marts; create schema meta")
    con.execute("create table meta.snapshot (as_of timestamp, published_at timestamp)")
    con.execute("create table marts.dim_school (school_code varchar, district_code varchar, school_name varchar)")
    con.execute("insert into marts.dim_school values ('3412000001', '120101', 'a'), ('3412000002', '120103', 'b')")
    con.execute("create table raw.submissions (submission_id varchar, original_name varchar, status varchar, sender varchar)")
    con.execute("create table raw.issues (submission_id varchar, message_zh varchar)")
    con.execute("""insert into raw.submissions values
        ('s1', 'a.xlsx', 'rejected', '{"identity":"a@x","role":"school","schools":["3412000001"],"districts":["120101"],"mode":"oidc"}'),
        ('s2', 'b.xlsx', 'rejected', '{"identity":"b@x","role":"school","schools":["3412000002"],"districts":["120103"],"mode":"oidc"}'),
        ('s3', 'c.xlsx', 'rejected', null)""")
    con.execute("insert into raw.issues values ('s1', 'x'), ('s2', 'y'), ('s3', 'z')")
    con.close()
    for s, expected in ((SCHOOL, ["s1"]), (DISTRICT, ["s1"]), (Scope(Role.DISTRICT, districts=(HEXI,)), ["s2"]),
                        (Scope(Role.COMMISSION), ["s1", "s2", "s3"])):
        scoped = scope.open_scoped(path, s)
        try:
            assert [r[0] for r in scoped.sql("select submission_id from raw.submissions order by 1").fetchall()] == expected
            issues = [r[0] for r in scoped.sql("select submission_id from raw.issues order by 1").fetchall()]
            assert issues == ([] if s.role is Role.COMMISSION else expected)
        finally:
            scoped.close()


def test_unknown_tables_are_closed_to_local_roles_unless_their_rows_name_a_place(tmp_path):
    import duckdb

    path = tmp_path / "snap.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema ops")
    con.execute("create table marts.dim_school (school_code varchar, district_code varchar)")
    con.execute("insert into marts.dim_school values ('3412000001', '120101'), ('3412000002', '120103')")
    con.execute("create table ops.secrets (note varchar)")
    con.execute("insert into ops.secrets values ('x')")
    con.execute("create table marts.new_fact (school_code varchar, district_code varchar, v int)")
    con.execute("insert into marts.new_fact values ('3412000001', '120101', 1), ('3412000002', '120103', 2)")
    con.close()
    for s, secrets, facts in ((DISTRICT, 0, [1]), (SCHOOL, 0, [1]), (Scope(Role.COMMISSION), 1, [1, 2])):
        scoped = scope.open_scoped(path, s)
        try:
            assert scoped.sql("select count(*) from ops.secrets").fetchall()[0][0] == secrets
            assert [r[0] for r in scoped.sql("select v from marts.new_fact order by v").fetchall()] == facts
        finally:
            scoped.close()


def test_pages_by_role():
    assert scope.may_open(DISTRICT, "overview") and scope.may_open(DISTRICT, "upload") and scope.may_open(DISTRICT, "export")
    assert not scope.may_open(DISTRICT, "audit") and not scope.may_open(DISTRICT, "access")
    assert {p for p in scope.PAGE_PERMISSIONS if scope.may_open(SCHOOL, p)} == {"my_school", "upload", "methodology"}
    commission = Scope(Role.COMMISSION)
    assert not scope.may_open(commission, "upload") and scope.may_open(commission, "export")
    assert not scope.may_open(Scope(Role.DATA_TEAM), "my_school") and scope.may_open(Scope(Role.DATA_TEAM), "access")
    assert not scope.may_open(Scope(Role.DATA_TEAM), "a_page_nobody_listed")
