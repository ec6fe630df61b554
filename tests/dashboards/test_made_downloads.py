"""Issue 16 #9, the first-click download that brought nothing: Streamlit (1.67) stores the file a
deferred download button makes on click under no session, so the end of any two script runs of
any viewers (each ends with `remove_orphaned_files`: the first marks, the second deletes) between
the click's answer and the browser's request for the file drops it, and the browser gets a 404.
One viewer alone never sees it; under a full test run, or many staff at a deadline, it happens.
The dashboard holds each made file for a while under a holder of its own (dashboards.media)."""

from __future__ import annotations

import time

import pytest
from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dashboards import media  # the dashboard's setting of Streamlit's media manager


@pytest.fixture
def manager(monkeypatch):
    monkeypatch.setattr(media_file_manager, "_get_session_id", lambda: "viewer-a")
    return MediaFileManager(MemoryMediaFileStorage("/media"))


def made_id(url: str) -> str:
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def test_a_made_download_outlives_other_viewers_runs(manager):
    mgr = manager
    placeholder = mgr.add_deferred(lambda: "学校,参与率\n甲,0.5\n".encode(), "text/csv", "1.(2).3", "人人.csv",
                                   element_id="download-everyone")
    url = mgr.execute_deferred(placeholder)  # the click's answer: the URL the browser fetches next
    # before the browser's request arrives, two other viewers' pages finish running
    mgr.remove_orphaned_files()
    mgr.remove_orphaned_files()
    made = mgr.read_file(made_id(url))
    assert made is not None, "the made file was dropped before the browser asked for it"
    assert made.content.decode() == "学校,参与率\n甲,0.5\n"
    # and a second click on the same button makes the file again
    assert mgr.read_file(made_id(mgr.execute_deferred(placeholder))) is not None


def test_a_made_download_survives_the_viewers_own_next_run(manager):
    """A click answered while the viewer's page runs again (its references cleared for the run)."""
    mgr = manager
    placeholder = mgr.add_deferred(lambda: b"x", "text/csv", "1.(2).3", "a.csv", element_id="b")
    mgr.clear_session_refs("viewer-a")  # the viewer's next run starts
    url = mgr.execute_deferred(placeholder)
    mgr.remove_orphaned_files()
    mgr.remove_orphaned_files()
    assert mgr.read_file(made_id(url)) is not None


def test_a_made_download_is_let_go_after_a_while(manager):
    mgr = manager
    placeholder = mgr.add_deferred(lambda: b"x", "text/csv", "1.(2).3", "a.csv", element_id="b")
    url = mgr.execute_deferred(placeholder)
    media.release_expired(mgr, now=time.monotonic() + media.KEEP_SECONDS / 2)
    mgr.remove_orphaned_files()
    mgr.remove_orphaned_files()
    assert mgr.read_file(made_id(url)) is not None  # still held
    media.release_expired(mgr, now=time.monotonic() + media.KEEP_SECONDS + 1)
    assert media.HOLDER not in mgr._files_by_session_and_coord
    mgr.remove_orphaned_files()
    mgr.remove_orphaned_files()
    assert mgr.read_file(made_id(url)) is None  # nothing kept for ever
