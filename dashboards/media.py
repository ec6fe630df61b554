"""Made-on-click downloads that reach the browser, however many staff use the dashboard at once.

Streamlit (pinned 1.67) stores the file a deferred download button makes on click under no
session ("We leave actual_file_id unmapped"), and every script run of every viewer ends with
`remove_orphaned_files`, which marks an unreferenced download on its first pass and deletes it on
the second. Two runs ending anywhere on the server between the click's answer and the browser's
request for the URL therefore turn the download into a 404: nothing comes, and nothing is logged
(issue 16 #9). This module keeps each made file referenced by the viewer who asked for it, under
a key of its own beside the button's, until that viewer's next run clears the viewer's
references (or the viewer leaves), which is how Streamlit treats every file drawn in a run.

Applied once, when the dashboard imports it; `tests/dashboards/test_made_downloads.py` fails on
Streamlit's own behaviour and holds this to it, so an upgrade that changes the manager shows.
"""

from __future__ import annotations

import functools

from streamlit.runtime.media_file_manager import MediaFileManager

MADE_SUFFIX = "#made"


def _made_id(url: str) -> str:
    """The stored file's id in the URL the manager hands out (`/media/<id><extension>`)."""
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def _keep_for_the_viewer(execute):
    @functools.wraps(execute)
    def execute_deferred(self: MediaFileManager, file_id: str) -> str:
        url = execute(self, file_id)
        made = _made_id(url)
        with self._lock:
            entry = self._deferred_callables.get(file_id)
            references = self._files_by_session_and_coord
            # a viewer who has left has no references any more: do not bring one back for it
            if entry is not None and made in self._file_metadata and entry["session_id"] in references:
                references[entry["session_id"]][entry["coordinates"] + MADE_SUFFIX] = made
        return url

    execute_deferred.__kejiao_keeps_made_files__ = True
    return execute_deferred


if not getattr(MediaFileManager.execute_deferred, "__kejiao_keeps_made_files__", False):
    MediaFileManager.execute_deferred = _keep_for_the_viewer(MediaFileManager.execute_deferred)
