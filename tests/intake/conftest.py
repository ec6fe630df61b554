"""Fixtures for intake tests: a validation context that knows the test registry."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from pipelines.demo.writers import Sheet, write_workbook
from pipelines.intake.context import RunContext, load_context
from pipelines.intake.judge import judge_safely
from pipelines.intake.workers import parse_many
from tests.conftest import KEY, R0_HEADER, REGISTRY, TODAY


def bytes_of(_unused, header, rows, fmt, encoding, **kw) -> bytes:
    """The bytes of a one-sheet report in a given format."""
    path = Path(tempfile.mkdtemp()) / f"t.{fmt}"
    write_workbook(path, [Sheet("数据", [header, *rows], **kw)], encoding=encoding)
    return path.read_bytes()


@pytest.fixture(scope="session")
def registry_parsed():
    """The test registry read once per session, in a worker process as intake reads it (a worker
    costs ~0.4 s of CPU to start: once, not once per test)."""
    data = bytes_of(None, R0_HEADER, REGISTRY, "xlsx", "utf-8")
    return parse_many([(data, "r0.xlsx")], [len(data)], 1)[0]


@pytest.fixture
def ctx(con, registry_parsed) -> RunContext:
    """A run's context that has judged and accepted the test registry, as check_many does."""
    c = load_context(con, KEY, TODAY)
    registry = judge_safely([registry_parsed], c)[0]
    assert registry.status == "accepted", registry.issues
    c.accept_many([registry])
    return c
