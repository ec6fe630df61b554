"""The shared warehouse plumbing (warehouse/__init__.py) every layer uses."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

import warehouse


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table t (x integer)")
    return con


def test_transaction_commits_what_its_block_wrote():
    con = _con()
    with warehouse.transaction(con):
        con.execute("insert into t values (1)")
    assert warehouse.scalar(con, "select count(*) from t") == 1


@pytest.mark.parametrize("error", [ValueError("bad row"), KeyboardInterrupt()])
def test_transaction_rolls_back_and_reraises(error):
    con = _con()
    with pytest.raises(type(error)), warehouse.transaction(con):
        con.execute("insert into t values (1)")
        raise error
    assert warehouse.scalar(con, "select count(*) from t") == 0
    con.execute("begin transaction")  # no transaction left open
    con.execute("rollback")


def test_bound_keeps_only_the_parameters_used_and_names_the_missing():
    assert warehouse.bound("select $a, $b_2", {"a": 1, "b_2": 2, "c": 3}) == {"a": 1, "b_2": 2}
    with pytest.raises(KeyError, match="as_of"):
        warehouse.bound("select $as_of", {})


def test_build_records_remember_and_forget():
    con = duckdb.connect()
    warehouse.migrate(con)
    con.execute("create table main.built as select 1 as x")
    assert not warehouse.is_built(con, "main.built", "f1")
    warehouse.record_build(con, "main.built", "f1")
    assert warehouse.stored_fingerprint(con, "main.built") == "f1"
    assert warehouse.is_built(con, "main.built", "f1")
    assert not warehouse.is_built(con, "main.built", "f2")
    warehouse.record_build(con, "main.built", None)
    assert warehouse.stored_fingerprint(con, "main.built") is None


def test_a_build_school_by_school_is_followed_only_from_where_it_started():
    con = duckdb.connect()
    warehouse.migrate(con)
    con.execute("create table main.rows (school_code varchar, entity varchar, v integer)")
    con.execute("insert into main.rows values ('a', null, 1), ('b', null, 1), (null, 'b', 1)")
    warehouse.record_build(con, "main.rows", "f1")
    assert warehouse.changed_schools(con, "main.rows", "f1") is None  # a whole build: nothing to follow
    warehouse.replace_schools(con, "main.rows", "select * from (values ('a', 2), ('b', 9)) as s(school_code, v)",
                              ["a", "a"])
    warehouse.record_build(con, "main.rows", "f2", changed=["a"], recipe="r", upstream={"main.up": "u1"})
    assert con.sql("select school_code, v from main.rows order by all").fetchall() == [("a", 2), ("b", 1), (None, 1)]
    assert warehouse.scalar(con, "select count(*) from main.rows where entity = 'b'") == 1  # no school: left alone
    assert warehouse.changed_schools(con, "main.rows", "f1") == ["a"]
    assert warehouse.changed_schools(con, "main.rows", "f0") is None  # another starting point
    assert warehouse.changed_schools(con, "main.rows", None) is None
    assert warehouse.changed_keys(con, "main.rows", "f1") == ("school_code", ["a"])
    assert warehouse.build_record(con, "main.rows") == ("r", {"main.up": "u1"})
    warehouse.record_build(con, "main.rows", "f3", changed=[])  # a build that changed no school's rows
    assert warehouse.changed_schools(con, "main.rows", "f2") == []
    assert warehouse.changed_schools(con, "main.rows", "f1") is None  # two builds since
    warehouse.replace_schools(con, "main.rows", "select 'b' as entity, 3 as v", ["b"], column="entity")
    warehouse.record_build(con, "main.rows", "f4", changed=["b"], column="entity")  # entities other than schools
    assert warehouse.changed_keys(con, "main.rows", "f3") == ("entity", ["b"])
    assert warehouse.changed_schools(con, "main.rows", "f3") is None
    warehouse.record_build(con, "main.rows", "f5")
    assert warehouse.changed_keys(con, "main.rows", "f4") is None
    assert warehouse.scalar(con, "select count(*) from meta.table_delta_schools") == 0


@pytest.mark.parametrize("name", ["t", "raw.submissions", "staging.r0_schools", "_frame_keys_12", "r5"])
def test_identifier_takes_plain_names_as_they_are(name):
    assert warehouse.identifier(name) == name


@pytest.mark.parametrize("name", [
    "", ".", "raw.", ".t", "a.b.c", "1t", "T", "Raw.Submissions", "t; drop table t", "t--", "t/*x*/",
    't"', '"t"', "t'", "t t", "t\n", "t\x00", "学校", "ｔ", "t-1", "select", "raw.table", "order", None, 3,
])
def test_identifier_refuses_anything_else(name):
    with pytest.raises(ValueError, match="not a plain SQL identifier"):
        warehouse.identifier(name)


def test_compose_fills_names_lists_and_fragments_and_nothing_else():
    inner = warehouse.compose("(select * from {table} where x in (select v from {wanted}))",
                              table="t", wanted="_frame_wanted_1")
    sql = warehouse.compose("select {columns} from {rows} -- {rows} once more", columns=["x", "y"], rows=inner)
    assert sql == ("select x, y from (select * from t where x in (select v from _frame_wanted_1)) "
                   "-- (select * from t where x in (select v from _frame_wanted_1)) once more")
    assert isinstance(sql, warehouse.Sql)
    # a plain string is a name, never a fragment: text that is not a name is refused
    with pytest.raises(ValueError):
        warehouse.compose("select * from {rows}", rows="(select 1); drop table t")
    with pytest.raises(ValueError):
        warehouse.compose("select {columns} from t", columns=["x", "y; drop table t"])
    with pytest.raises(ValueError):
        warehouse.compose("select {columns} from t", columns=[])
    # every placeholder filled, every name used; braces that are no placeholder stay
    with pytest.raises(KeyError):
        warehouse.compose("select * from {table}")
    with pytest.raises(KeyError):
        warehouse.compose("select * from t", table="t")
    assert warehouse.compose("select {'a': 1} as s, regexp_matches('x', '\\x{4E00}') from {t}", t="t") == \
        "select {'a': 1} as s, regexp_matches('x', '\\x{4E00}') from t"


def test_registered_frames_are_views_for_the_block_only():
    con = _con()
    con.execute("insert into t values (1), (2), (3)")
    frame = pl.DataFrame({"v": [2, 3]})
    with warehouse.registered(con, wanted=warehouse.ArrowStream(frame)) as views:
        view = views["wanted"]
        assert warehouse.identifier(view) == view
        found = con.sql(warehouse.compose("select x from t where x in (select v from {wanted}) order by x",
                                          **views)).fetchall()
    assert found == [(2,), (3,)]
    with pytest.raises(duckdb.CatalogException):
        con.sql(f"select * from {view}").fetchall()
    with warehouse.registered(con, wanted=warehouse.ArrowStream(frame)) as again:
        assert again["wanted"] != view  # unique to each call: two contexts on one connection never meet
