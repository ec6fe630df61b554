"""What assets tell Dagster about themselves, in Dagster's own terms where it has them:
`code_version` (a hash of the SQL and Python that build the asset, so the UI marks an asset whose
code changed since its last materialization), `dagster/row_count` and `dagster/column_schema`
(shown in the asset's overview and its history), and small Markdown previews."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

import duckdb
import polars as pl
from dagster import MetadataValue, TableColumn, TableSchema

ROOT = Path(__file__).resolve().parents[1]


def code_version(*sources: Path | ModuleType) -> str:
    """A short hash of the files (or modules' files, or every .py/.sql of a folder) that build an
    asset: the same code gives the same version on every machine (paths are taken relative to the
    project, bytes as they are), a changed line gives another."""
    digest = hashlib.sha256()
    for source in sources:
        path = Path(source.__file__) if isinstance(source, ModuleType) else Path(source)
        files = sorted(p for p in path.rglob("*") if p.suffix in {".py", ".sql", ".j2"}) if path.is_dir() else [path]
        for file in files:
            where = file.resolve()
            digest.update((where.relative_to(ROOT).as_posix() if where.is_relative_to(ROOT) else where.name).encode())
            digest.update(b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def table_metadata(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """Dagster's row count and column schema of a warehouse table (names and types: no values)."""
    rows = con.sql(f"select count(*) from {table}").fetchall()[0][0]
    columns = [TableColumn(name, str(kind)) for name, kind in zip(*_describe(con, table))]
    return {"dagster/row_count": MetadataValue.int(rows),
            "dagster/column_schema": MetadataValue.table_schema(TableSchema(columns=columns))}


def _describe(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list[str], list]:
    relation = con.sql(f"select * from {table} limit 0")
    return relation.columns, relation.types


def markdown_table(frame: pl.DataFrame, limit: int = 20) -> str:
    """A small Markdown table of a frame's first rows, saying how many were left out."""
    if frame.is_empty():
        return "(none)"
    head = frame.head(limit)
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * head.width]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in head.iter_rows()]
    if frame.height > limit:
        lines.append(f"\n… {frame.height - limit} more rows")
    return "\n".join(lines)
