"""Made-on-click downloads that reach the browser, however many staff use the dashboard at once.

Streamlit (pinned 1.67) stores the file a deferred download button makes on click under no
session ("We leave actual_file_id unmapped"), and every script run of every viewer ends with
`remove_orphaned_files`, which marks an unreferenced download on its first pass and deletes it on
the second. Two runs ending anywhere on the server between the click's answer and the browser's
request for the URL therefore turn the download into a 404: nothing comes, and nothing is logged
(issue 16 #9). Tying the file to the viewer's session is not enough: a click answered while the
viewer's own page is running again finds the session's references cleared for that run.

So each made file is held for `KEEP_SECONDS` under a holder of its own, whatever the sessions do,
then let go (the next sweeps remove it): the browser asks for it within a second of the answer.
Applied once, when the dashboard imports this module; `tests/dashboards/test_made_downloads.py`
fails on Streamlit's own behaviour and holds this to it, so an upgrade that changes the manager shows.
"""

from __future__ import annotations

import functools
import time

from streamlit.runtime.media_file_manager import MediaFileManager

HOLDER = "kejiao-made-downloads"  # a pseudo-session: the sweeps spare what any session references
KEEP_SECONDS = 120.0


def _made_id(url: str) -> str:
    """The stored file's id in the URL the manager hands out (`/media/<id><extension>`)."""
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def release_expired(manager: MediaFileManager, now: float | None = None) -> None:
    """Let go of the made files held longer than KEEP_SECONDS (the sweeps then remove them)."""
    now = time.monotonic() if now is None else now
    with manager._lock:
        held = manager._files_by_session_and_coord.get(HOLDER)
        if not held:
            return
        for key in [k for k in held if now - float(k.split("@", 1)[0]) > KEEP_SECONDS]:
            del held[key]
        if not held:
            del manager._files_by_session_and_coord[HOLDER]


def _hold(execute):
    @functools.wraps(execute)
    def execute_deferred(self: MediaFileManager, file_id: str) -> str:
        release_expired(self)
        url = execute(self, file_id)
        made = _made_id(url)
        with self._lock:
            if made in self._file_metadata:
                self._files_by_session_and_coord[HOLDER][f"{time.monotonic():.6f}@{made}"] = made
        return url

    execute_deferred.__kejiao_holds_made_files__ = True
    return execute_deferred


if not getattr(MediaFileManager.execute_deferred, "__kejiao_holds_made_files__", False):
    MediaFileManager.execute_deferred = _hold(MediaFileManager.execute_deferred)
