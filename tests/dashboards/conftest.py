"""Fixtures of the dashboard tests: one real published snapshot of the demo inbox (seeds/demo),
built once per test session by the real pipeline, and ways to read the figures it holds."""

from __future__ import annotations

import fcntl
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import streamlit as st

from pipelines.settings import DEMO_DIR
from tests.dashboards.dashboard_support import build_demo_snapshot


@pytest.fixture(autouse=True)
def _demo_runs_on_loopback(monkeypatch):
    """The app runs as `make demo` starts it, on 127.0.0.1 with KEJIAO_DEMO=1: without an identity
    provider the demo refuses any other address, and without the flag it does not run at all
    (dashboards/auth.py)."""
    monkeypatch.setenv("KEJIAO_DEMO", "1")
    previous = st.get_option("server.address")
    st.config.set_option("server.address", "127.0.0.1")
    yield
    st.config.set_option("server.address", previous)


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory, worker_id) -> Path:
    """KEJIAO_DATA_DIR holding the demo's published snapshot; built once and shared by the xdist
    workers (the first to take the lock builds it, the others wait for the lock and reuse it)."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    data_dir = root / "dashboard_demo"
    with open(root / "dashboard_demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (data_dir / "published" / "current.duckdb").exists():
            shutil.rmtree(data_dir, ignore_errors=True)
            build_demo_snapshot(data_dir)
    return data_dir


@pytest.fixture
def demo_env(demo_data_dir, monkeypatch) -> Path:
    """Point the dashboard at the demo snapshot (after the suite's autouse isolation)."""
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(demo_data_dir))
    return demo_data_dir


@pytest.fixture(scope="session")
def expected() -> dict:
    """The demo generator's ground truth (seeds/demo/expected.json)."""
    return json.loads((DEMO_DIR / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def snapshot_values(demo_data_dir) -> dict:
    """indicator_values of the demo snapshot: {(indicator, period, geo, breakdown): row}."""
    con = duckdb.connect(str(demo_data_dir / "published" / "current.duckdb"), read_only=True)
    try:
        frame = con.sql("select * exclude (submission_ids) from indicators.indicator_values").pl()
    finally:
        con.close()
    return {(r["indicator_id"], r["period"], r["geo_code"], r["breakdown"]): r for r in frame.iter_rows(named=True)}


@pytest.fixture(scope="session")
def snapshot_sql(demo_data_dir):
    """Run a read-only query on the demo snapshot (for the figures a page must show)."""

    def run(sql: str, params: dict | None = None) -> list[tuple]:
        con = duckdb.connect(str(demo_data_dir / "published" / "current.duckdb"), read_only=True)
        try:
            return con.sql(sql, params=params).fetchall()
        finally:
            con.close()

    return run
