"""Reading many files: in worker processes (pipelines/intake/workers.py: they may die; this
one may not), as many as the batch and the machine's idle cores call for."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from pipelines.intake.limits import Limits, too_large
from pipelines.intake.parsing import Parsed, unreadable
from pipelines.intake.progress import READ, Progress, ignore
from pipelines.intake.scan import InboxFile
from pipelines.intake.store import archive_path
from pipelines.intake.workers import parse_many
from pipelines.settings import fixed_intake_workers

PARALLEL_MIN_FILES = 500
PARALLEL_MIN_BYTES = 16 << 20


def intake_workers(n_files: int, n_bytes: int) -> int:
    """Worker processes to parse with: `KEJIAO_INTAKE_WORKERS` if set, else one per idle core
    when the batch is big enough for a second worker to start (about half a second) and still
    find work, else 1."""
    fixed = fixed_intake_workers()
    if fixed is not None:
        return fixed
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if n_files < PARALLEL_MIN_FILES and n_bytes < PARALLEL_MIN_BYTES:
        return 1
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0  # this process counts as one
    idle = int(cores - max(busy, 1.0) + 0.5)
    return max(1, min(cores, 1 + idle, n_files))


def parse_all(files_: list[InboxFile], archive_dir: Path | None = None, limits: Limits | None = None,
              progress: Progress = ignore) -> list[Parsed]:
    """Read and recognise files, in order, in worker processes (pipelines/intake/workers.py):
    no file's content can stop this process. With `archive_dir`, each file is read from its
    archive copy (the bytes hashed and kept), else from the inbox. A file over the size limit
    is refused without being read. `progress` hears ("read", files done, of all) as files come in."""
    limits = limits or Limits.from_env()
    out: list[Parsed | None] = [None] * len(files_)
    items, sizes, where = [], [], []
    for i, f in enumerate(files_):
        if f.too_large or f.size > limits.max_file_bytes:
            big = too_large(f.size, limits)
            out[i] = unreadable(f.name, big.code, big.zh, big.en)
            continue
        source = archive_path(f, archive_dir) if archive_dir is not None else f.path
        items.append((str(source), f.name))
        sizes.append(f.size)
        where.append(i)
    total, lock = len(files_), threading.Lock()
    done = total - len(items)  # the refused ones are done
    progress(READ, done, total)

    def one_more(n: int) -> None:  # called from the worker threads
        nonlocal done
        with lock:
            done += n
            progress(READ, done, total)

    workers = intake_workers(len(items), sum(sizes))
    for i, parsed in zip(where, parse_many(items, sizes, workers, limits, one_more), strict=True):
        out[i] = parsed
    return out  # type: ignore[return-value]
