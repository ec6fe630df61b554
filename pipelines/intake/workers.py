"""Parsing untrusted files in processes that may die (issue 11).

A file's bytes are read and recognised only in a worker process (`python -m
pipelines.intake.workers`), never in the run's own process nor in the dashboard's: a reader can
abort the whole process (calamine allocating the dense grid of a sheet that declares
A1:XFD1048576), and no `except` catches that. Each worker caps its own address space
(`resource.setrlimit(RLIMIT_AS)`, limits.parse_memory_bytes) once it has imported what it needs,
so a reader that asks for too much fails in the worker; the caller gives each file a time
budget (limits.parse_seconds) and ends a worker that overruns it.

Workers take files from one queue, a few at a time, and answer file by file, so the caller
always knows which file a worker was reading when it died: that file is retried once alone, in
a fresh worker; failing again, it gets the verdict "could not be read" (无法读取) with the
reason; the files the worker held but had not begun go back to the queue. A worker's death
thus costs only the file it held. The result never depends on which worker parsed a file.

Plain subprocesses rather than multiprocessing: a spawned multiprocessing worker re-imports the
caller's main script (Dagster's, Streamlit's). Protocol, pickled on the pipes: the worker says
"ready"; gets the limits; then gets lists of (source, name), source a path (str) or the bytes
themselves, and answers one packed result (parsing.pack) per file, until it gets an empty list.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from pipelines.intake.limits import Limits

log = logging.getLogger(__name__)
READY = "ready"
CHUNK_FILES = 8  # files a worker takes at a time
CHUNK_BYTES = 1 << 20  # ... or fewer, when they are big
WATCH_INTERVAL_S = 0.05

Source = str | bytes  # a path to read, or the bytes themselves (an upload)


def _project_root() -> str:
    import pipelines

    return str(Path(pipelines.__file__).resolve().parent.parent)


def _signal_name(returncode: int | None) -> str:
    if returncode is None or returncode >= 0:
        return f"exit {returncode}"
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


class _Queue:
    """Indices of the files still to parse, largest first, a few at a time; a file to retry
    goes to the front, alone."""

    def __init__(self, order: list[int], sizes: list[int]):
        self.items: deque[tuple[int, bool]] = deque((i, False) for i in order)
        self.sizes = sizes
        self.lock = threading.Lock()

    def take(self) -> list[tuple[int, bool]]:
        taken: list[tuple[int, bool]] = []
        total = 0
        with self.lock:
            while self.items and len(taken) < CHUNK_FILES:
                i, alone = self.items[0]
                if taken and (alone or total + self.sizes[i] > CHUNK_BYTES):
                    break
                self.items.popleft()
                taken.append((i, alone))
                total += self.sizes[i]
                if alone:
                    break
        return taken

    def give_back(self, items: list[tuple[int, bool]]) -> None:
        with self.lock:
            self.items.extendleft(reversed(items))

    def empty(self) -> bool:
        with self.lock:
            return not self.items


class _Worker(threading.Thread):
    """Feeds worker processes from the queue until it is empty, one process at a time: a
    process that dies or overruns a file's budget is replaced by a new one."""

    def __init__(self, pool: _Pool):
        super().__init__(daemon=True, name="intake-parse-worker")
        self.pool = pool
        self.proc: subprocess.Popen | None = None
        self.current: int | None = None  # the file being parsed
        self.started = 0.0  # when it was sent (monotonic)
        self.timed_out = False
        self.done = 0  # files of the chunk in hand answered so far
        self.error: BaseException | None = None

    def _start(self, err) -> subprocess.Popen:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_project_root(), env.get("PYTHONPATH")) if p)
        env.setdefault("POLARS_MAX_THREADS", "1")  # one file at a time: a pool of threads would only spin
        env["RUST_BACKTRACE"] = "0"  # a reader that aborts says why in one line
        proc = subprocess.Popen([sys.executable, "-m", "pipelines.intake.workers"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, env=env)
        if pickle.load(proc.stdout) != READY:
            raise RuntimeError("parse worker: unexpected greeting")
        pickle.dump(self.pool.limits, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.flush()
        return proc

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
            self.error = exc

    def _run(self) -> None:
        pool = self.pool
        chunk = pool.queue.take()
        while chunk and not pool.stopped:
            with tempfile.TemporaryFile() as err:
                proc = self.proc = self._start(err)
                served = 0
                try:
                    while chunk and not pool.stopped:
                        if served and chunk[0][1]:
                            break  # a file retried alone gets a fresh process
                        self._send(proc, chunk)
                        served += len(chunk)
                        chunk = pool.queue.take()
                    pickle.dump([], proc.stdin)
                    proc.stdin.close()
                except (EOFError, OSError, ValueError, pickle.UnpicklingError):
                    if pool.stopped:
                        return
                    proc.kill()
                    proc.wait()
                    err.seek(0)
                    self._lost(chunk[self.done:], proc.returncode, err.read().decode("utf-8", "replace")[-1000:])
                    chunk = pool.queue.take()
                finally:
                    self.current = None
                    if proc.poll() is None:
                        try:
                            proc.wait(timeout=5)
                        except subprocess.TimeoutExpired:
                            proc.kill()
                            proc.wait()
                    proc.stdout.close()

    def _send(self, proc: subprocess.Popen, chunk: list[tuple[int, bool]]) -> None:
        """Parse a chunk in the process, taking the results file by file (`done` of them so far)."""
        pool = self.pool
        self.done = 0
        pickle.dump([pool.items[i] for i, _ in chunk], proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.flush()
        for i, _ in chunk:
            self.current, self.started, self.timed_out = i, time.monotonic(), False
            pool.results[i] = pool.unpack(pickle.load(proc.stdout))
            self.current = None
            self.done += 1
            pool.progress(1)

    def _lost(self, held: list[tuple[int, bool]], returncode: int | None, detail: str) -> None:
        """A process died (or was ended for overrunning its budget) while it held `held`, the
        first of which it was reading: that one is retried alone once, then refused; the rest
        go back to the queue untouched."""
        pool = self.pool
        if not held:
            return
        (first, alone), rest = held[0], held[1:]
        how = "timeout" if self.timed_out else _signal_name(returncode)
        log.warning("parse worker ended (%s) while reading file %d; %s", how, first, detail.strip()[-300:])
        pool.queue.give_back(rest)
        if not alone:
            pool.queue.give_back([(first, True)])
            return
        from pipelines.intake.parsing import unreadable

        name = pool.names[first]
        if self.timed_out:
            pool.results[first] = unreadable(
                name, "parse_timeout", f"读取超过 {pool.limits.parse_seconds:.0f} 秒仍未完成，文件可能构造异常或过大",
                f"reading took longer than {pool.limits.parse_seconds:.0f} s; the file may be malformed or too large")
        else:
            pool.results[first] = unreadable(
                name, "parse_crashed", f"读取程序在读取该文件时异常终止（{how}），文件可能构造异常（如声明了超大的表格范围）",
                f"the reader stopped abnormally on this file ({how}); the file may be malformed "
                "(e.g. a sheet declaring a huge range)")
        pool.progress(1)

    def overran(self, budget: float) -> bool:
        return self.current is not None and time.monotonic() - self.started > budget

    def end_for_overrun(self) -> None:
        self.timed_out = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()


class _Pool:
    def __init__(self, items: list[tuple[Source, str]], sizes: list[int], limits: Limits,
                 progress: Callable[[int], None] | None):
        from pipelines.intake.parsing import unpack

        self.items, self.limits, self.unpack = items, limits, unpack
        self.names = [item[1] for item in items]
        self.results: list = [None] * len(items)
        self.queue = _Queue(sorted(range(len(items)), key=lambda i: -sizes[i]), sizes)
        self.stopped = False
        self.progress = progress or (lambda n: None)


def _run(pool: _Pool, workers: int) -> None:
    """Work the pool's queue off with `workers` processes, ending any that overruns a file's time
    budget; raises only when the pipeline itself is broken (no worker process can be started)."""
    threads = [_Worker(pool) for _ in range(max(1, min(workers, len(pool.items))))]
    for t in threads:
        t.start()
    try:
        while any(t.is_alive() for t in threads):
            for t in threads:
                if t.overran(pool.limits.parse_seconds):
                    t.end_for_overrun()
            time.sleep(WATCH_INTERVAL_S)
    finally:
        pool.stopped = True
        for t in threads:
            t.stop()
        for t in threads:
            t.join()
    for t in threads:
        if t.error is not None:
            raise RuntimeError(f"解析进程无法运行 / the parse workers could not run: {t.error!r}") from t.error


def parse_many(items: list[tuple[Source, str]], sizes: list[int], workers: int = 1,
               limits: Limits | None = None, progress: Callable[[int], None] | None = None) -> list:
    """`Parsed` of every (source, name), in order, parsed by `workers` processes. Raises only
    when the pipeline itself is broken (no worker process can be started)."""
    if not items:
        return []
    pool = _Pool(items, sizes, limits or Limits.from_env(), progress)
    _run(pool, workers)
    missing = [i for i, r in enumerate(pool.results) if r is None]
    if missing:  # a worker gave up (its error is raised above); nothing may go unjudged
        raise RuntimeError(f"解析未完成 / parsing left {len(missing)} files without a result")
    return pool.results


def _cap_memory(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a reader that aborts leaves no core file
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _read(source: Source, limits: Limits) -> bytes:
    if isinstance(source, bytes):
        return source
    from pipelines.intake.files import read_regular

    return read_regular(Path(source), limits.max_file_bytes)


def _parse_one(source: Source, name: str, limits: Limits):
    from pipelines.intake.files import NotRegular, TooLarge, not_regular_message
    from pipelines.intake.limits import too_large
    from pipelines.intake.parsing import parse, unreadable

    try:
        data = _read(source, limits)
    except NotRegular as exc:
        return unreadable(name, "not_regular_file", *not_regular_message(exc.kind))
    except TooLarge as exc:
        big = too_large(exc.size, limits)
        return unreadable(name, big.code, big.zh, big.en)
    except FileNotFoundError:
        return unreadable(name, "file_vanished", "文件在读取前已被移走或删除", "the file was moved or deleted before it was read")
    except OSError as exc:
        return unreadable(name, "parse_failed", f"无法打开文件（{type(exc).__name__}）",
                          f"the file could not be opened ({type(exc).__name__})")
    return parse(data, name, limits)


def _grids(source: Source, limits: Limits) -> tuple:
    """Every sheet of a file as read (for the error workbook, which shows the sender's own
    cells), or ("unreadable",) when it cannot be read."""
    from pipelines.intake.readers import read_file

    try:
        _, grids = read_file(_read(source, limits), limits)
    except Exception:  # noqa: BLE001 - whatever it is, the workbook says the file could not be shown
        return ("unreadable",)
    return ("grids", [(g.name, g.frame, g.letters) for g in grids])


def read_grids(path: Path, limits: Limits | None = None) -> list | None:
    """The sheets (readers.Grid) of a file, read in a worker process; None when the file
    cannot be read (or kills the reader)."""
    from pipelines.intake.readers import Grid

    limits = limits or Limits.from_env()
    pool = _Pool([(str(path), path.name, "grids")], [1], limits, None)
    pool.unpack = lambda packed: packed
    _run(pool, 1)
    packed = pool.results[0]
    if not isinstance(packed, tuple) or packed[0] != "grids":
        return None  # unreadable, or a Parsed saying so after the reader died
    return [Grid(name, frame, letters) for name, frame, letters in packed[1]]


def main() -> None:
    from pipelines.intake.parsing import pack

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    pickle.dump(READY, stdout)
    stdout.flush()
    limits: Limits = pickle.load(stdin)
    _cap_memory(limits.parse_memory_bytes)
    while chunk := pickle.load(stdin):
        for source, name, *what in chunk:
            answer = _grids(source, limits) if what == ["grids"] else pack(_parse_one(source, name, limits))
            pickle.dump(answer, stdout, protocol=pickle.HIGHEST_PROTOCOL)
            stdout.flush()


if __name__ == "__main__":
    main()
