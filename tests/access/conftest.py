"""The access tests' snapshot: tests/access/support.py's small inbox through the real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.access.support import access_data_dir  # noqa: F401 - the session fixture


@pytest.fixture
def snapshot_path(access_data_dir) -> Path:  # noqa: F811
    return access_data_dir / "published" / "current.duckdb"
