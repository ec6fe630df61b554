"""The warehouse resource caps DuckDB's memory (issue 6: under 2 GiB a run at 150,000 schools)."""

from __future__ import annotations

import pytest

from pipelines.resources import Warehouse
from pipelines.settings import duckdb_memory_limit


def test_the_warehouse_connection_has_the_memory_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("KEJIAO_DUCKDB_MEMORY_LIMIT", raising=False)
    with Warehouse(path=str(tmp_path / "w.duckdb")).get_connection() as con:
        assert con.sql("select current_setting('memory_limit')").fetchall()[0][0] == "953.6 MiB"  # 1 GB
    monkeypatch.setenv("KEJIAO_DUCKDB_MEMORY_LIMIT", "500MB")
    with Warehouse(path=str(tmp_path / "w.duckdb")).get_connection() as con:
        assert con.sql("select current_setting('memory_limit')").fetchall()[0][0] == "476.8 MiB"
    with Warehouse(path=str(tmp_path / "w.duckdb"), memory_limit="2GB").get_connection() as con:
        assert con.sql("select current_setting('memory_limit')").fetchall()[0][0] == "1.8 GiB"


@pytest.mark.parametrize("bad", ["lots", "12", "1TB", "GB", "-1GB", "1GB; drop table x"])
def test_a_bad_memory_limit_is_refused_with_the_variable_named(bad):
    with pytest.raises(ValueError, match="KEJIAO_DUCKDB_MEMORY_LIMIT"):
        duckdb_memory_limit(bad)
