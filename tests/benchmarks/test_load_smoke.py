"""The load generator of `make bench` (benchmarks/load.py) at a tiny size, so that it cannot rot:
two viewers for a few seconds against one real Streamlit process over the demo snapshot. Nothing
here asserts a timing: only that the protocol works (pages are served and timed, as the identity
asked for), that the results hold what the report needs, and that an error is seen as one."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from benchmarks.load import IDENTITIES, Servers, main, rerun_script, run_page

pytestmark = pytest.mark.slow  # builds the demo snapshot with the whole pipeline


def test_two_viewers_for_a_few_seconds(tmp_path):
    results = main(["--viewers", "2", "--processes", "1", "--seconds", "4", "--think", "0.5,1",
                    "--timeout", "120", "--results", str(tmp_path / "results")])
    [row] = results["levels"]
    assert row["viewers"] == 2 and row["processes"] == 1
    assert row["pages"] >= 4, row  # each viewer: the first page and a switch or more
    assert row["errors"] == 0, row["error_examples"]
    assert 0 < row["p50_s"] <= row["p95_s"] <= row["max_s"]
    assert row["server_peak_rss_mib"] > 50 and row["mib_received"] > 0
    warm = results["warm_up"]["1"]["per_process"][0]
    assert set(warm) == {role for role, _, _ in IDENTITIES}
    # a commission viewer opens more pages than a school (the roles' menus differ)
    assert warm["commission"]["pages"] > warm["school"]["pages"] >= 1
    assert all(w["second_viewer_mean_s"] > 0 for w in warm.values())
    assert all(not w["errors"] for w in warm.values()), warm
    written = json.loads((tmp_path / "results" / "load-latest.json").read_text(encoding="utf-8"))
    assert written["levels"] == results["levels"]
    table = (tmp_path / "results" / "load-latest.md").read_text(encoding="utf-8")
    assert "| 1 | 2 |" in table and "p95" in table


def test_a_page_that_does_not_exist_is_counted_as_an_error(tmp_path):
    from benchmarks.load import build_snapshot

    build_snapshot(tmp_path / "data")
    servers = Servers(1, tmp_path / "data", tmp_path / "logs")
    try:
        servers.wait_ready()
        url = servers.urls[0]
        _, identity, first = IDENTITIES[0]

        async def two_pages():
            async with websockets.connect(f"ws://{url.split('//', 1)[1]}/_stcore/stream",
                                          subprotocols=["streamlit"], origin=url, max_size=None) as ws:
                good = await run_page(ws, rerun_script(identity, page_name=first), 120)
                bad = await run_page(ws, rerun_script(identity, page_name="no_such_page"), 120)
                return good, bad

        good, bad = asyncio.run(two_pages())
    finally:
        servers.stop()
    assert good.error is None and "overview" in good.pages
    assert bad.error == "page not found"
