"""Dagster resources: where the project's data lives, and the warehouse connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

import warehouse
from pipelines.settings import Settings, duckdb_memory_limit, get_settings


class ProjectPaths(ConfigurableResource):
    """Data folder and inbox; empty values fall back to KEJIAO_DATA_DIR, read when used."""

    data_dir: str = ""
    inbox_dir: str = ""

    def settings(self) -> Settings:
        return Settings(Path(self.data_dir).resolve()) if self.data_dir else get_settings()

    def inbox(self) -> Path:
        return Path(self.inbox_dir).resolve() if self.inbox_dir else self.settings().inbox_dir


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse, opened through dagster-duckdb's DuckDBResource (which waits for a
    lock held by another process) and brought up to the latest migration."""

    path: str = ""
    memory_limit: str = ""  # DuckDB's memory_limit; empty: KEJIAO_DUCKDB_MEMORY_LIMIT or 1GB

    def file(self) -> Path:
        return Path(self.path).resolve() if self.path else get_settings().warehouse_path

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.file()
        path.parent.mkdir(parents=True, exist_ok=True)
        limit = duckdb_memory_limit(self.memory_limit)
        with DuckDBResource(database=str(path)).get_connection() as con:
            # a SET, not a connection config: another connection of this process to the same file
            # with a different config would be refused
            con.execute(f"set memory_limit = '{limit}'")
            con.execute("set enable_progress_bar = false")  # it writes to stderr, i.e. into the run's logs
            warehouse.migrate(con)
            yield con


def default_resources(data_dir: Path | None = None, inbox: Path | None = None,
                      warehouse_file: Path | None = None) -> dict:
    return {
        "paths": ProjectPaths(data_dir=str(data_dir or ""), inbox_dir=str(inbox or "")),
        "warehouse": Warehouse(path=str(warehouse_file or "")),
    }
