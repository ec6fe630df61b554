"""What intake keeps: the original bytes in the content-addressed archive, and what a run
learnt (observations, submissions, issues, staging rows) written to the warehouse in one
transaction."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.intake import files
from pipelines.intake.judge import Verdict, Verdicts, gather
from pipelines.intake.limits import Limits
from pipelines.intake.scan import InboxFile
from pipelines.intake.schema import sending_schools
from warehouse import ArrowStream, compose, registered, transaction

log = logging.getLogger(__name__)


def archive_path(file: InboxFile, archive_dir: Path) -> Path:
    return archive_dir / file.sha256[:2] / f"{file.sha256}{file.path.suffix.lower()}"


def archive(file: InboxFile, archive_dir: Path, limits: Limits | None = None) -> Path | None:
    """Content-addressed copy of the original bytes; written once, never changed or deleted.
    The copy is hashed as it is made: should the file have changed since it was scanned, the
    bytes copied are what is kept and judged, under their own hash (`file.sha256` is updated).
    Over the size limit, nothing is copied (`file.too_large`); None then."""
    limits = limits or Limits.from_env()
    if file.size > limits.max_file_bytes:
        file.too_large = True
        return None
    target = archive_path(file, archive_dir)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        sha, size = files.copy_regular(file.path, tmp, limits.max_file_bytes)
    except files.TooLarge:
        file.too_large = True
        return None
    if sha != file.sha256:
        log.warning("%s changed while it was taken in; the bytes copied are judged", file.relative)
        file.sha256, file.size = sha, size
        target = archive_path(file, archive_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        tmp.unlink()
    else:
        os.replace(tmp, target)
    return target


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame to a table by column name (table is a schema constant)."""
    if frame.is_empty():
        return
    with registered(con, batch=ArrowStream(frame)) as views:
        con.execute(compose("insert into {table} by name select * from {batch}", table=table, **views))


def tagged(batches: list[tuple[list[str], list[Verdict]]]) -> tuple[pl.DataFrame | None, dict[str, pl.DataFrame]]:
    """Issues of every file, and rows of the accepted ones, each with its file's submission_id:
    from the batches' frames whole (Verdicts), else gathered from the verdicts."""
    issues, rows = [], {}
    for hashes, verdicts in batches:
        if not hashes:
            continue
        ids = pl.DataFrame({"_file": range(len(hashes)), "submission_id": hashes,
                            "_ok": [v.status == "accepted" for v in verdicts]},
                           schema={"_file": pl.Int32, "submission_id": pl.String, "_ok": pl.Boolean})
        if not isinstance(verdicts, Verdicts):
            verdicts = gather(verdicts)
        issues.append(verdicts.issues.join(ids.drop("_ok"), on="_file", how="left").drop("_file"))
        accepted = ids.filter("_ok").drop("_ok")
        for table, frame in verdicts.rows.items():
            rows.setdefault(table, []).append(frame.join(accepted, on="_file", how="inner").drop("_file"))
    return (pl.concat(issues, how="diagonal_relaxed") if issues else None,
            {table: pl.concat(frames, how="diagonal_relaxed") for table, frames in rows.items()})


def write(con: duckdb.DuckDBPyConnection, observations: list[dict], submissions: list[dict],
           issues: pl.DataFrame | None, rows: dict[str, pl.DataFrame]) -> None:
    """Everything a run learnt, in one transaction."""
    with transaction(con):
        insert(con, "raw.file_observations", pl.DataFrame(observations, schema=OBSERVATION_SCHEMA))
        insert(con, "raw.submissions", pl.DataFrame(submissions, schema=SUBMISSION_SCHEMA))
        if issues is not None:
            insert(con, "raw.issues", issues)
        for table, frame in rows.items():
            insert(con, table, frame)


OBSERVATION_SCHEMA = {"inbox_path": pl.String, "submission_id": pl.String, "size_bytes": pl.Int64,
                      "modified_at": pl.Datetime("us"), "seen_at": pl.Datetime("us"), "is_duplicate": pl.Boolean}
SUBMISSION_SCHEMA = {
    "submission_id": pl.String, "original_name": pl.String, "inbox_path": pl.String, "file_format": pl.String,
    "size_bytes": pl.Int64, "arrived_at": pl.Datetime("us"), "first_seen_at": pl.Datetime("us"),
    "archive_path": pl.String, "report_type": pl.String, "status": pl.String, "row_count": pl.Int32,
    "error_count": pl.Int32, "warning_count": pl.Int32, "sheets_read": pl.List(pl.String),
    "sheets_skipped": pl.List(pl.String), "message_zh": pl.String, "message_en": pl.String, "sender": pl.String,
    "ingested_at": pl.Datetime("us"), "schools_named": pl.List(pl.String),
}


def submission_row(f: InboxFile, verdict: Verdict, archive_dir: Path, now: datetime, sender: str | None) -> dict:
    return {
        "submission_id": f.sha256, "original_name": f.path.name, "inbox_path": f.relative,
        "file_format": verdict.file_format, "size_bytes": f.size, "arrived_at": min(f.modified_at, now),
        "first_seen_at": now,  # a file over the size limit is not copied: its original stays in the inbox
        "archive_path": "" if f.too_large else archive_path(f, archive_dir).relative_to(archive_dir).as_posix(),
        "report_type": verdict.report_type, "status": verdict.status, "row_count": verdict.row_count,
        "error_count": verdict.count("error"), "warning_count": verdict.count("warning"),
        "sheets_read": verdict.sheets_read, "sheets_skipped": verdict.sheets_skipped,
        "message_zh": verdict.message_zh, "message_en": verdict.message_en, "sender": sender, "ingested_at": now,
        # whose file it is, refused or not: the schools its rows are sent for (scope reads it)
        "schools_named": sorted(set().union(*sending_schools(verdict.rows).values())) or None,
    }
