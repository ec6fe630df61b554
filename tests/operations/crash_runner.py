"""Run the whole asset graph once and die by SIGKILL at a chosen point, as a power cut would:
no rollback, no `finally`, no cleanup. Used by test_crash_consistency.py, in a child process.

    python tests/operations/crash_runner.py POINT DATA_DIR INBOX

Each point wraps one function of the pipeline, in this process only: after its Nth call
returns (N = 0: as it is called), the process kills itself. Exit code 0 means
the point was never reached (the test fails on that).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pipelines.marts.build as marts_build
import pipelines.staging.tables as staging_tables
from pipelines.indicators import compute
from pipelines.intake import store
from pipelines.publish import snapshot

# point -> (module, function, call after which to die (0: before the first), what is then half done)
POINTS = {
    # observations, submissions and issues written, staging rows not yet: inside intake's transaction
    "intake": (store, "insert", 3),
    # the first rows-in-force table rebuilt and committed, the second rebuilt in its open transaction
    "staging": (staging_tables, "record_build", 2),
    # the first mart rebuilt and committed, the second rebuilt in its open transaction
    "marts": (marts_build, "build_mart", 2),
    # indicator values deleted and inserted again, the transaction not committed
    "indicators": (compute, "_insert_frame", 2),
    # the new snapshot half written beside: its tables, not its views nor its stamp (meta.snapshot)
    "publish_writing": (snapshot, "_copy_views", 0),
    # the new snapshot written beside and verified, not yet copied to history nor swapped in
    "publish_written": (snapshot, "_verify", 1),
    # the new snapshot swapped in; the run not finished (operations assets still to come)
    "published": (snapshot, "_replace", 1),
}


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    module, name, after = POINTS[point]
    original = getattr(module, name)
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        if after == 0:
            die()
        result = original(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == after:
            die()
        return result

    setattr(module, name, wrapped)


def main(point: str, data_dir: str, inbox: str) -> int:
    from pipelines.cli import run_all
    from pipelines.settings import Settings

    arm(point)
    data = Path(data_dir)
    result = run_all(Settings(data), Path(inbox), data / "warehouse.duckdb")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
