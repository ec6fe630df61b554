"""The inbox as it is now: every regular file with its content hash, files observed before
recognised by path, size and time without being read again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import duckdb

from pipelines.intake import files
from pipelines.intake.files import sha256_of


@dataclass
class InboxFile:
    folder: Path
    name: str
    relative: str
    size: int
    modified_at: datetime
    sha256: str
    too_large: bool = False  # over the file size limit: hashed, never copied nor read

    @cached_property
    def path(self) -> Path:  # made when asked: most files of a scan are known ones, never opened
        return self.folder / self.name


Seen = dict[tuple[str, int, datetime], str]  # (inbox path, size, modified_at) -> sha256 observed


def scan_inbox(inbox: Path, seen: Seen | None = None,
               not_regular: list[tuple[str, str]] | None = None) -> list[InboxFile]:
    """Every regular file of the inbox with its content hash (pipelines/intake/files.py: links,
    FIFOs, sockets, devices and folders named like reports are never opened; they go to
    `not_regular` as (path, kind)). A file whose path, size and modification time are those of
    an earlier observation (`seen`) is not read again: its hash is the one observed. Any change
    of size or time means the file is read and hashed, so the same bytes under a new time are
    still recognised by content. A file gone between the listing and the read is left out."""
    seen = seen or {}
    out: list[InboxFile] = []
    for entry in files.walk(Path(inbox)):
        if entry.kind != "file":
            if not_regular is not None:
                not_regular.append((entry.relative, entry.kind))
            continue
        modified = datetime.fromtimestamp(entry.mtime, UTC).replace(tzinfo=None)
        try:
            sha = seen.get((entry.relative, entry.size, modified)) or sha256_of(entry.path)
        except files.NotRegular as exc:  # swapped for a link or a FIFO since listed
            if not_regular is not None:
                not_regular.append((entry.relative, exc.kind))
            continue
        except FileNotFoundError:
            continue
        out.append(InboxFile(entry.folder, entry.name, entry.relative, entry.size, modified, sha))
    return out


def observed_files(con: duckdb.DuckDBPyConnection) -> Seen:
    """(path, size, time) -> hash of the files observed before; ambiguous keys are left out."""
    rows = con.sql(
        "select inbox_path, size_bytes, modified_at, min(submission_id) from raw.file_observations "
        "group by all having count(distinct submission_id) = 1"
    ).fetchall()
    return {(path, size, modified): sha for path, size, modified, sha in rows}
