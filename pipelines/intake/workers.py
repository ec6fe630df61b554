"""Parsing many files: this process and helper processes take files from one queue.

`parse_many` parses in the calling thread, largest files first, while each helper process
(`python -m pipelines.intake.workers`) takes the next few files whenever it is free. A helper
costs its start (importing Polars and the readers, about a second) but no more: it works
only once it is ready, so on a batch too small to repay it the caller has parsed everything
before the helper asks for work. Reading a workbook or a CSV file holds the GIL for much of
the time (csv, header detection, Python around the readers), which is why helpers are
processes and not threads.

Plain subprocesses rather than multiprocessing: a spawned multiprocessing worker re-imports the
caller's main script, which must then guard itself with `if __name__ == "__main__"`; a module
run with -m imports nothing of the caller. Protocol, pickled on the pipes: the helper says
"ready"; then it gets a list of (path, name) and answers with the list of packed results
(parsing.pack), until it gets an empty list. The caller never waits for a helper: once the
queue is empty it parses the files a helper still holds (or held when it failed) itself, and
ends the helpers: the result never depends on who parsed a file. Helpers are started only on
idle cores (ingest.intake_workers): on a busy machine a helper only takes time from the caller.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
READY = "ready"
CHUNK_FILES = 8  # files a helper takes at a time
CHUNK_BYTES = 1 << 20  # ... or fewer, when they are big


def _project_root() -> str:
    import pipelines

    return str(Path(pipelines.__file__).resolve().parent.parent)


class _Queue:
    """Indices of the files still to parse, largest first; taken by the caller one by one
    and by the helpers a few at a time."""

    def __init__(self, order: list[int], sizes: list[int]):
        self.items = deque(order)
        self.sizes = sizes
        self.lock = threading.Lock()

    def take_one(self) -> int | None:
        with self.lock:
            return self.items.popleft() if self.items else None

    def take_some(self) -> list[int]:
        taken: list[int] = []
        total = 0
        with self.lock:
            while self.items and len(taken) < CHUNK_FILES and (not taken or total + self.sizes[self.items[0]] <= CHUNK_BYTES):
                i = self.items.popleft()
                taken.append(i)
                total += self.sizes[i]
        return taken


class _Helper(threading.Thread):
    """Feeds one helper process from the queue until the queue is empty. Should the process
    fail, or be stopped (`stop`) while it holds files, those files stay without a result, for
    the caller to parse."""

    def __init__(self, queue: _Queue, items: list[tuple[str, str]], results: list, unpack: Callable):
        super().__init__(daemon=True, name="intake-parse-helper")
        self.queue, self.items, self.results, self.unpack = queue, items, results, unpack
        self.proc: subprocess.Popen | None = None
        self.stopped = False

    def run(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_project_root(), env.get("PYTHONPATH")) if p)
        env.setdefault("POLARS_MAX_THREADS", "1")  # one file at a time: a pool of threads would only spin
        with tempfile.TemporaryFile() as err:
            try:
                self.proc = proc = subprocess.Popen([sys.executable, "-m", "pipelines.intake.workers"],
                                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env)
            except OSError as exc:
                log.warning("no parse helper process: %s", exc)
                return
            try:
                if pickle.load(proc.stdout) != READY:
                    raise pickle.UnpicklingError("unexpected greeting")
                while not self.stopped and (chunk := self.queue.take_some()):
                    pickle.dump([self.items[i] for i in chunk], proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                    proc.stdin.flush()
                    for i, packed in zip(chunk, pickle.load(proc.stdout), strict=True):
                        self.results[i] = self.unpack(packed)
                pickle.dump([], proc.stdin)
                proc.stdin.close()
            except (EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
                if not self.stopped:
                    err.seek(0)
                    log.warning("a parse helper process failed (%s): %s", exc,
                                err.read().decode("utf-8", "replace")[-2000:])
                proc.kill()
            finally:
                proc.stdout.close()
                proc.wait()

    def stop(self) -> None:
        """No more files; a process still at work is ended (its files are parsed elsewhere)."""
        self.stopped = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()


def parse_many(items: list[tuple[str, str]], sizes: list[int], helpers: int) -> list:
    """`Parsed` of every (path, name), in order: parsed here and by `helpers` processes. The
    caller never waits for a helper: once the queue is empty it parses what the helpers still
    hold itself, then ends them (a file parses the same wherever it is parsed)."""
    from pipelines.intake.parsing import parse, unpack

    results: list = [None] * len(items)
    queue = _Queue(sorted(range(len(items)), key=lambda i: -sizes[i]), sizes)
    threads = [_Helper(queue, items, results, unpack) for _ in range(helpers)]
    for t in threads:
        t.start()
    try:
        while (i := queue.take_one()) is not None:
            results[i] = parse(Path(items[i][0]).read_bytes(), items[i][1])
        for i in range(len(items)):  # what the helpers hold, or held when they failed
            if results[i] is None:
                parsed = parse(Path(items[i][0]).read_bytes(), items[i][1])
                if results[i] is None:
                    results[i] = parsed
    finally:
        with queue.lock:
            queue.items.clear()
        for t in threads:
            t.stop()
        for t in threads:
            t.join()
    return results


def main() -> None:
    from pipelines.intake.parsing import pack, parse

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    pickle.dump(READY, stdout)
    stdout.flush()
    while chunk := pickle.load(stdin):
        pickle.dump([pack(parse(Path(path).read_bytes(), name)) for path, name in chunk], stdout,
                    protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    main()
