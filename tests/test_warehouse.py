"""The shared warehouse plumbing (warehouse/__init__.py) every layer uses."""

from __future__ import annotations

import duckdb
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
