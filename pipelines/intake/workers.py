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
themselves, and answers one packed result (parsing.pack) per file, or "ready?" and answers
"ready" again; it ends on an empty list or when its input closes.

Warm workers: starting one costs ~0.5 s of CPU (the interpreter and the readers' imports), more
than reading a school's report. A worker that has answered every file it was given, in good
health, is kept (`_Warm`) for the next call in this process that would start the very same one
(same limits, interpreter, working folder, environment and address-space limit: rlimits belong to
a process), as it already goes on to the next chunk within one call; a file is parsed from its
bytes alone, nothing else goes in. Every isolation rule stands: a worker that dies, overruns a
budget or falls out of step is killed, never kept; a file retried alone always gets a new
process, so a refusal never rests on a reused one; a kept worker must answer "ready?" before it
gets work; one that has grown (read a big file), parsed many files or sat idle a minute is
ended. Kept workers are ended at interpreter exit (atexit); a process that dies without running
atexit closes their input and they end on their own; a fork's child lets go of the parent's.
`python -m benchmarks.workers` measures a cold and a warm call.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import select
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
ARE_YOU_READY = "ready?"  # asked of a kept worker before it gets work
CHUNK_FILES = 8  # files a worker takes at a time
CHUNK_BYTES = 1 << 20  # ... or fewer, when they are big
WATCH_INTERVAL_S = 0.05
WARM_MAX = 4  # kept workers, at most, across all limits (a worker holds ~70 MB)
WARM_IDLE_S = 60.0  # a kept worker idle this long is ended
WARM_MAX_FILES = 1000  # ... and one that has parsed this many files
WARM_MAX_RSS = 256 << 20  # ... and one that has grown this big (it read a big file)
ANSWER_S = 5.0  # a kept worker that does not answer "ready?" within this is ended

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


def _worker_env() -> dict[str, str]:
    """The environment a worker starts with: this process's, without the project's settings
    (`KEJIAO_*`: the worker gets its limits on the pipe and has no business holding the
    pseudonym key or a webhook's secret)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEJIAO_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_project_root(), env.get("PYTHONPATH")) if p)
    env.setdefault("POLARS_MAX_THREADS", "1")  # one file at a time: a pool of threads would only spin
    env["RUST_BACKTRACE"] = "0"  # a reader that aborts says why in one line
    return env


def _address_space_limit() -> tuple[int, int]:
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)


class _Spec:
    """How a worker is started: two calls with equal keys would start the very same process."""

    def __init__(self, limits: Limits):
        self.limits, self.env = limits, _worker_env()
        try:
            self.cwd: str | None = os.getcwd()
        except FileNotFoundError:  # a working folder since deleted: the worker inherits it as this process does
            self.cwd = None
        # pytest names the running test in the environment; no worker reads it
        env = frozenset((k, v) for k, v in self.env.items() if k != "PYTEST_CURRENT_TEST")
        self.key = (limits, sys.executable, self.cwd, env, _address_space_limit())


class _Process:
    """One worker process: its pipes, the file its errors go to, the files it has parsed."""

    def __init__(self, spec: _Spec):
        self.key, self.files, self.idle_since = spec.key, 0, 0.0
        self.err = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process, closed by end()
        try:
            self.popen = subprocess.Popen([sys.executable, "-m", "pipelines.intake.workers"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=self.err, env=spec.env, cwd=spec.cwd)
        except BaseException:
            self.err.close()
            raise
        _WARM.started(self)
        try:
            if pickle.load(self.popen.stdout) != READY:
                raise RuntimeError("parse worker: unexpected greeting")
            pickle.dump(spec.limits, self.popen.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.popen.stdin.flush()
        except BaseException:
            self.end()
            raise

    @property
    def stdin(self):
        return self.popen.stdin

    @property
    def stdout(self):
        return self.popen.stdout

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()

    def answers(self) -> bool:
        """A kept worker, before it gets work: alive, in step, and saying it is ready."""
        try:
            self.err.seek(0)  # what it says on stderr from here on is about the files to come
            self.err.truncate()
            pickle.dump(ARE_YOU_READY, self.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.stdin.flush()
            if not select.select([self.stdout], [], [], ANSWER_S)[0]:
                return False
            return pickle.load(self.stdout) == READY
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            return False

    def fit_to_keep(self) -> bool:
        if self.files >= WARM_MAX_FILES or not self.running():
            return False
        try:
            with open(f"/proc/{self.popen.pid}/statm") as f:
                resident = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return True  # no /proc: the file count and idle time still end it
        return resident <= WARM_MAX_RSS

    def stderr_tail(self) -> str:
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")[-1000:]

    def end(self) -> None:
        """Kill it (if it still runs), reap it and close its pipes."""
        try:
            if self.popen.poll() is None:
                self.popen.kill()
            self.popen.wait()
        finally:
            for f in (self.popen.stdin, self.popen.stdout, self.err):
                try:
                    f.close()
                except (OSError, ValueError):
                    pass  # a pipe whose reader died: nothing left to flush
            _WARM.ended(self)


class _Warm:
    """The workers kept between calls in this process, most recently used last; a thread ends
    those idle too long. Every worker this process started is known here until it ends, so that
    exit ends them and a fork's child lets go of them."""

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.idle: list[_Process] = []
        self.live: set[_Process] = set()
        self.reaper: threading.Thread | None = None
        self.inherited: list[_Process] = []  # a fork's child holds on to (and never touches) these

    def started(self, proc: _Process) -> None:
        with self.lock:
            self.live.add(proc)

    def ended(self, proc: _Process) -> None:
        with self.lock:
            self.live.discard(proc)

    def take(self, key) -> _Process | None:
        """A kept worker started as `key` would start one, that answers it is ready; else None."""
        while True:
            with self.lock:
                found = [i for i, proc in enumerate(self.idle) if proc.key == key]
                if not found:
                    return None
                proc = self.idle.pop(found[-1])
            if proc.answers():
                return proc
            proc.end()

    def give(self, proc: _Process) -> None:
        """Keep a worker that has answered all it was given, if it is fit; else end it."""
        if not proc.fit_to_keep():
            proc.end()
            return
        proc.idle_since = time.monotonic()
        with self.lock:
            self.idle.append(proc)
            surplus, self.idle = self.idle[:-WARM_MAX], self.idle[-WARM_MAX:]
            if self.reaper is None:
                self.reaper = threading.Thread(target=self._reap, daemon=True, name="intake-parse-reaper")
                self.reaper.start()
            self.wake.notify()
        for old in surplus:
            old.end()

    def _reap(self) -> None:
        while True:
            with self.lock:
                if not self.idle:
                    self.reaper = None
                    return
                now = time.monotonic()
                due = [p for p in self.idle if now - p.idle_since >= WARM_IDLE_S]
                self.idle = [p for p in self.idle if p not in due]
                if not due:
                    self.wake.wait(min(p.idle_since for p in self.idle) + WARM_IDLE_S - now)
                    continue
            for proc in due:
                proc.end()

    def end_all(self) -> None:
        """At exit: end every worker this process started (none of a parent's)."""
        if os.getpid() != self.pid:
            return
        with self.lock:
            procs, self.idle = list(self.live), []
        for proc in procs:
            try:
                proc.end()
            except Exception as exc:  # noqa: BLE001 - at exit, end the others whatever one does
                log.warning("parse worker %s could not be ended at exit: %r", proc.popen.pid, exc)

    def after_fork(self) -> None:
        """In a fork's child: the parent's workers are not ours. Their pipes are pointed at
        /dev/null (so a worker sees its input close when the parent goes, whatever the child
        does) and never used, waited for or closed here."""
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.reaper = None
        null = os.open(os.devnull, os.O_RDWR)
        try:
            for proc in self.live:
                for f in (proc.popen.stdin, proc.popen.stdout, proc.err):
                    try:
                        os.dup2(null, f.fileno())
                    except (OSError, ValueError):
                        pass
        finally:
            os.close(null)
        self.inherited.extend(self.live)
        self.idle, self.live = [], set()


_WARM = _Warm()
atexit.register(_WARM.end_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_WARM.after_fork)


class _Worker(threading.Thread):
    """Feeds worker processes from the queue until it is empty, one process at a time: a
    process that dies or overruns a file's budget is replaced by a new one."""

    def __init__(self, pool: _Pool):
        super().__init__(daemon=True, name="intake-parse-worker")
        self.pool = pool
        self.proc: _Process | None = None
        self.current: int | None = None  # the file being parsed
        self.started = 0.0  # when it was sent (monotonic)
        self.timed_out = False
        self.done = 0  # files of the chunk in hand answered so far
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
            self.error = exc

    def _run(self) -> None:
        pool = self.pool
        chunk = pool.queue.take()
        while chunk and not pool.stopped:
            # a file retried alone gets a new process; other chunks a kept one, if there is one
            proc = None if chunk[0][1] else _WARM.take(pool.spec.key)
            proc = self.proc = proc or _Process(pool.spec)
            keep = False
            try:
                served = 0
                while chunk and not pool.stopped:
                    if served and chunk[0][1]:
                        break  # a file retried alone gets a fresh process
                    self._send(proc, chunk)
                    served += len(chunk)
                    chunk = pool.queue.take()
                keep = not pool.stopped  # it answered every file it was given
            except (EOFError, OSError, ValueError, pickle.UnpicklingError):
                if pool.stopped:
                    return
                proc.kill()
                proc.popen.wait()
                self._lost(chunk[self.done:], proc.returncode, proc.stderr_tail())
                chunk = pool.queue.take()
            finally:
                self.current = None
                self.proc = None
                if keep:
                    _WARM.give(proc)
                else:
                    proc.end()

    def _send(self, proc: _Process, chunk: list[tuple[int, bool]]) -> None:
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
            proc.files += 1
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
        proc = self.proc
        if proc is not None:
            proc.kill()

    def stop(self) -> None:
        proc = self.proc
        if proc is not None:
            proc.kill()


class _Pool:
    def __init__(self, items: list[tuple[Source, str]], sizes: list[int], limits: Limits,
                 progress: Callable[[int], None] | None):
        from pipelines.intake.parsing import unpack

        self.items, self.limits, self.unpack = items, limits, unpack
        self.spec = _Spec(limits)
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
        while alive := [t for t in threads if t.is_alive()]:
            for t in alive:
                if t.overran(pool.limits.parse_seconds):
                    t.end_for_overrun()
            alive[0].join(WATCH_INTERVAL_S)  # back at once when it ends, not a whole interval later
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
    while True:
        try:
            chunk = pickle.load(stdin)
        except EOFError:
            return  # the caller has gone (it may have died without ending this one)
        if chunk == ARE_YOU_READY:
            pickle.dump(READY, stdout)
            stdout.flush()
            continue
        if not chunk:
            return
        for source, name, *what in chunk:
            answer = _grids(source, limits) if what == ["grids"] else pack(_parse_one(source, name, limits))
            pickle.dump(answer, stdout, protocol=pickle.HIGHEST_PROTOCOL)
            stdout.flush()


if __name__ == "__main__":
    main()
