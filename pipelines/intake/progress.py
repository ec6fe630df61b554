"""How far intake has come, for whoever shows it (issue 15 #4): a callback with the stage, the files
done and the total. Intake knows nothing of who listens: the Dagster asset (assets.py) writes it to
the run's log now and then, and passes it on to the listeners registered here by a caller in the
same process (the `kejiao` command line draws it with rich), never the other way round.

Stages: "read" (files read and recognised, out of the new files), "judge" (files judged against
the spec and the warehouse: the registry first, then the rest chunk by chunk, so it moves in steps).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

READ, JUDGE = "read", "judge"
log = logging.getLogger(__name__)


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...


def ignore(stage: str, done: int, total: int) -> None:
    """The progress of nobody watching."""


_listeners: list[Progress] = []
_lock = threading.Lock()


@contextmanager
def listening(callback: Progress) -> Iterator[None]:
    """While the block runs, intake in this process reports its progress to `callback` too."""
    with _lock:
        _listeners.append(callback)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(callback)


def to_listeners(stage: str, done: int, total: int) -> None:
    """Pass one report on to every registered listener; a listener that fails does not stop intake."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(stage, done, total)
        except Exception:  # a display must never break a run
            log.debug("a progress listener failed", exc_info=True)


def fan_out(*callbacks: Progress) -> Progress:
    def report(stage: str, done: int, total: int) -> None:
        for callback in callbacks:
            callback(stage, done, total)
    return report


def throttled(emit: Callable[[str, int, int], None], every_s: float = 5.0,
              clock: Callable[[], float] | None = None) -> Progress:
    """`emit` at most every `every_s` seconds per stage, and always a stage's first and last report
    (a run's log keeps a few lines, not one per file)."""
    import time

    clock = clock or time.monotonic
    last: dict[str, float] = {}

    def report(stage: str, done: int, total: int) -> None:
        now = clock()
        if done in (0, total) or now - last.get(stage, float("-inf")) >= every_s:
            last[stage] = now
            emit(stage, done, total)
    return report
