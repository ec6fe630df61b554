"""Parsing files in worker processes: `python -m pipelines.intake.workers` reads a pickled list
of (path, name) on stdin and writes the pickled list of `Parsed` on stdout.

Plain subprocesses rather than multiprocessing: a spawned multiprocessing worker re-imports the
caller's main script, which must then guard itself with `if __name__ == "__main__"`; a module
run with -m imports nothing of the caller. Files are dealt to the workers by size up front
(largest first, each to the least loaded), so one round trip per worker carries everything.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)
PER_FILE_BYTES = 20_000  # a file's fixed cost, in bytes of reading: opening, headers, sheets


def deal(sizes: list[int], workers: int) -> list[list[int]]:
    """Indices of the items for each worker, balanced by size (+ a fixed cost per file)."""
    loads = [0] * workers
    shares: list[list[int]] = [[] for _ in range(workers)]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        w = loads.index(min(loads))
        shares[w].append(i)
        loads[w] += sizes[i] + PER_FILE_BYTES
    return [sorted(s) for s in shares if s]


def parse_in_workers(items: list[tuple[str, str]], sizes: list[int], workers: int) -> list:
    """`Parsed` of every (path, name), in order, computed by `workers` processes."""
    shares = deal(sizes, workers)
    results: list = [None] * len(items)
    errors: list[str] = []

    def work(share: list[int]) -> None:
        payload = pickle.dumps([items[i] for i in share], protocol=pickle.HIGHEST_PROTOCOL)
        proc = subprocess.run([sys.executable, "-m", "pipelines.intake.workers"], input=payload,
                              capture_output=True, check=False)
        if proc.returncode != 0:
            errors.append(proc.stderr.decode("utf-8", "replace")[-2000:])
            return
        for i, parsed in zip(share, pickle.loads(proc.stdout), strict=True):
            results[i] = parsed

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"a parse worker failed: {errors[0]}")
    return results


def main() -> None:
    from pipelines.intake.ingest import parse

    items = pickle.load(sys.stdin.buffer)
    out = [parse(Path(path).read_bytes(), name) for path, name in items]
    sys.stdout.buffer.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
