"""Fixtures for intake tests: a validation context that knows the test registry."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from pipelines.demo.writers import Sheet, write_workbook
from pipelines.intake.checking import check_many
from pipelines.intake.context import RunContext, load_context
from tests.conftest import KEY, R0_HEADER, REGISTRY, TODAY


def bytes_of(_unused, header, rows, fmt, encoding, **kw) -> bytes:
    """The bytes of a one-sheet report in a given format."""
    path = Path(tempfile.mkdtemp()) / f"t.{fmt}"
    write_workbook(path, [Sheet("数据", [header, *rows], **kw)], encoding=encoding)
    return path.read_bytes()


@pytest.fixture
def ctx(con) -> RunContext:
    c = load_context(con, KEY, TODAY)
    registry = check_many([("r0.xlsx", bytes_of(None, R0_HEADER, REGISTRY, "xlsx", "utf-8"))], c)[0]
    assert registry.status == "accepted", registry.issues
    return c
