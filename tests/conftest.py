"""Shared fixtures: a fresh warehouse with reference data, and a small registry of schools."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

import warehouse
from pipelines.demo.writers import Sheet, write_workbook
from pipelines.reference.load import load_reference

KEY = b"test-pseudonym-key-of-at-least-32-bytes"
TODAY = date(2026, 11, 29)

R0_HEADER = ["学校标识码", "学校名称", "简称", "所在区", "办学类型", "办别", "在校生数", "启用日期", "停用日期"]
REGISTRY = [
    ["3412000001", "天津市和平区演示第一中学", "和平演示一中;演示一中", "和平区", "高级中学", "公办", 1800, None, None],
    ["3412000002", "天津市河西区演示第二中学", "河西演示二中", "120103", "完全中学", "公办", 2100, None, None],
    ["3112000003", "天津市南开区演示初级中学", "南开演示初中", "南开区", "初级中学", "公办", 900, None, None],
    ["2112000004", "天津市河东区演示小学", "", "河东区", "小学", "民办", 600, None, "2025-08-31"],
    ["4112000005", "津沽演示大学", "津沽演大", "南开区", "高校", "公办", 25000, None, None],
    ["4212000006", "海河演示理工学院", "", "西青区", "高校", "公办", 12000, None, None],
]


def pytest_configure(config):
    """The tests' inboxes put reports at the inbox root, as the demo does: the root counts as the
    data team's folder (pipelines/intake/channels.py). tests/security/test_channels.py unsets it
    to test a deployment's channels. Set before any fixture, session-wide ones included."""
    os.environ.setdefault("KEJIAO_INBOX_ROOT_CHANNEL", "data_team")


def every_format(formats, fast=("xlsx", "utf-8")):
    """(fmt, encoding) parameters of a test run for every format: `make check` runs the `fast` one,
    the others are `slow` (each writes and judges a file in a parser worker process); `make test`
    runs them all."""
    return [pytest.param(*f, marks=() if tuple(f) == fast else pytest.mark.slow) for f in formats]


# fixtures that run the whole pipeline over the demo inbox: a test using one is `slow` (make check skips it)
DEMO_RUN_FIXTURES = {"demo_data_dir"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if DEMO_RUN_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Every test gets its own data folder and key: nothing leaks between tests or to ./data."""
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", KEY.decode())
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


@pytest.fixture(scope="session")
def _reference_warehouse(tmp_path_factory) -> Path:
    """A warehouse migrated and holding the reference data, made once per session (loading the
    reference data costs ~0.3 s); each test works on its own copy."""
    path = tmp_path_factory.mktemp("reference") / "warehouse.duckdb"
    c = warehouse.connect(path)
    load_reference(c)
    c.close()
    return path


@pytest.fixture
def con(tmp_path, _reference_warehouse):
    """A fresh warehouse of the test's own, migrated, with the reference data (seeds/)."""
    shutil.copyfile(_reference_warehouse, tmp_path / "warehouse.duckdb")
    c = warehouse.connect(tmp_path / "warehouse.duckdb")
    yield c
    c.close()


@pytest.fixture
def inbox(tmp_path) -> Path:
    p = tmp_path / "inbox"
    p.mkdir()
    return p


def put(inbox: Path, name: str, header, rows, *, arrived: str = "2026-03-01T08:00:00", fmt: str | None = None,
        title_rows=(), footer_rows=(), encoding="utf-8", extra_sheets=()) -> Path:
    """Write a one-table report into the inbox with a given arrival (mtime)."""
    sheets = [*extra_sheets, Sheet("数据", [header, *rows], title_rows=title_rows, footer_rows=footer_rows)]
    path = write_workbook(inbox / name, sheets, fmt=fmt, encoding=encoding)
    ts = datetime.fromisoformat(arrived).timestamp()
    os.utime(path, (ts, ts))
    return path


def put_registry(inbox: Path, arrived: str = "2024-01-10T08:00:00") -> Path:
    return put(inbox, "学校名录.xlsx", R0_HEADER, REGISTRY, arrived=arrived, title_rows=[["天津市学校(机构)名录"]])
