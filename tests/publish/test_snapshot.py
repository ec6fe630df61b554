"""The published snapshot: what it holds, and that readers never block a run nor see half a file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import run_all
from pipelines.publish import snapshot as snapshot_module
from pipelines.publish.snapshot import publish_snapshot, read_stamp, snapshot_for
from pipelines.settings import Settings
from tests.conftest import put, put_registry
from tests.exports.inbox_fixture import R1_HEADER, R5_HEADER
from tests.indicators.warehouse_builder import SCHOOLS, Warehouse

READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        print(con.sql("select as_of from meta.snapshot").fetchall()[0][0].isoformat(), flush=True)
    con.close()
""")


def _reader(path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", READER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _ask(proc: subprocess.Popen) -> str:
    proc.stdin.write("as_of\n")
    proc.stdin.flush()
    line = proc.stdout.readline().strip()
    assert line, proc.stderr.read()
    return line


LINEAGE = "select count(*), sum(hash(l::varchar)) from indicators.value_lineage l"


def test_snapshot_holds_the_published_tables_only(con, tmp_path):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R3", "名册.xlsx", "2024-10-01T08:00:00", [{
        "cohort_year": 2024, "student_key": "0123456789abcdef0123456789abcdef", "school_code": "3412000001",
        "host_university_code": "4112000006", "start_date": "2024-09-01", "status": "enrolled"}])
    w.refresh()
    published = publish_snapshot(con, tmp_path / "published", published_at=datetime(2026, 11, 1, 9, 0))
    assert published.path == tmp_path / "published" / "current.duckdb"
    assert published.history_path == tmp_path / "published" / "history" / "2024-10-01T080000.duckdb"
    assert sorted(p.name for p in (tmp_path / "published").iterdir()) == ["current.duckdb", "history"]
    snap = duckdb.connect(str(published.path), read_only=True)
    try:
        tables = {r[0] for r in snap.sql("select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
        views = {r[0] for r in snap.sql(
            "select schema_name || '.' || view_name from duckdb_views() where not internal").fetchall()}
        stamp = snap.sql("select as_of, published_at from meta.snapshot").fetchall()
        lineage = snap.sql(LINEAGE).fetchall()
    finally:
        snap.close()
    for table in ("ref.targets", "marts.dim_school", "marts.fct_yip_participants", "indicators.indicator_values",
                  "indicators.value_units", "indicators.unit_sources", "indicators.shs_forecast", "raw.submissions",
                  "raw.issues", "staging.r0_schools_in_force", "staging.r5_school_annual_reports_in_force",
                  "meta.snapshot"):
        assert table in tables, table
    # the lineage view goes over as a view over the snapshot's own tables, and reads the same rows
    assert views == {"indicators.value_lineage"}
    assert lineage == con.sql(LINEAGE).fetchall() and lineage[0][0] > 0
    assert not [t for t in tables if t.startswith("staging.r3")]
    assert "staging.r0_schools" not in tables  # older versions stay in the warehouse
    assert stamp == [(datetime(2024, 10, 1, 8, 0), datetime(2026, 11, 1, 9, 0))]
    assert read_stamp(published.history_path)[0] == datetime(2024, 10, 1, 8, 0)


def test_a_failed_publication_leaves_the_current_snapshot_alone(con, tmp_path, monkeypatch):
    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.refresh()
    published_dir = tmp_path / "published"
    publish_snapshot(con, published_dir)
    before = (published_dir / "current.duckdb").read_bytes()
    w.submit("R0", "名录_更新.xlsx", "2025-01-10T08:00:00", SCHOOLS[:2])
    w.refresh()

    def broken(path, as_of, counts):
        raise RuntimeError("disk full")

    monkeypatch.setattr(snapshot_module, "_verify", broken)
    with pytest.raises(RuntimeError):
        publish_snapshot(con, published_dir)
    assert (published_dir / "current.duckdb").read_bytes() == before
    assert sorted(p.name for p in published_dir.iterdir()) == ["current.duckdb", "history"]
    assert [p.name for p in (published_dir / "history").iterdir()] == ["2024-01-10T080000.duckdb"]


def test_a_reader_never_blocks_a_run_and_the_swap_is_atomic(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    put_registry(inbox)
    put(inbox, "科学高中进展.xlsx", R1_HEADER, [["3412000001", "", "申报", "2025-01-10"]],
        arrived="2026-07-01T08:00:00")
    data = tmp_path / "data"
    settings, warehouse_file = Settings(data), data / "warehouse.duckdb"
    assert run_all(settings, inbox, warehouse_file).success
    current = data / "published" / "current.duckdb"

    old_reader = _reader(current)  # another process (a dashboard) holds the snapshot open
    try:
        assert _ask(old_reader) == "2026-07-01T08:00:00"
        put(inbox, "年报2025.xlsx", R5_HEADER, [["3412000001", 2025, 1800, 1, 900]], arrived="2026-10-01T08:00:00")
        second = run_all(settings, inbox, warehouse_file)
        assert second.success  # neither the warehouse nor the new snapshot was blocked
        assert _ask(old_reader) == "2026-07-01T08:00:00"  # the old reader still reads the old file, whole
        new_reader = _reader(current)
        try:
            assert _ask(new_reader) == "2026-10-01T08:00:00"  # a new open sees the new snapshot
        finally:
            new_reader.communicate("quit\n")
    finally:
        old_reader.communicate("quit\n")
    published = data / "published"
    assert sorted(p.name for p in (published / "history").iterdir()) == [
        "2026-07-01T080000.duckdb", "2026-10-01T080000.duckdb"]
    assert not [p for p in published.iterdir() if p.name.startswith(".")]  # no temporary file left
    assert snapshot_for(published, date(2026, 9, 30)).name == "2026-07-01T080000.duckdb"
    assert snapshot_for(published, date(2026, 10, 1)).name == "2026-10-01T080000.duckdb"
    assert snapshot_for(published) == current
    with pytest.raises(FileNotFoundError):
        snapshot_for(published, date(2026, 6, 30))


def snapshot_contents(path):
    """Every table and view of a snapshot but its bookkeeping (meta), each as its sorted rows."""
    snap = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in snap.sql(
            "select schema_name || '.' || table_name from duckdb_tables() where schema_name <> 'meta' "
            "union all select schema_name || '.' || view_name from duckdb_views() where not internal "
            "order by 1").fetchall()]
        return {n: snap.sql(f"select * from {n} order by all").fetchall() for n in names}
    finally:
        snap.close()


def test_an_incremental_snapshot_writes_what_changed_and_equals_a_new_one(con, tmp_path):
    from tests.indicators.test_indicator_values import r5

    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报2024.xlsx", "2024-11-20T08:00:00", [r5("3412000001", 2024, 1000, 1, 500)])
    w.submit("R5", "年报2025.xlsx", "2025-11-20T08:00:00", [r5("3412000001", 2025, 1000, 1, 400),
                                                           r5("3412000002", 2025, 800, 0, 300)])
    w.refresh()
    first = publish_snapshot(con, tmp_path / "a")
    assert set(first.how.values()) == {"copied"}

    w.submit("R5", "二中年报2025_更正.xlsx", "2025-11-20T18:00:00", [r5("3412000002", 2025, 800, 1, 350)])
    assert w.refresh().recomputed_periods == [2025]
    second = publish_snapshot(con, tmp_path / "a")
    assert second.how["staging.r0_schools_in_force"] == "kept"
    assert second.how["marts.dim_school"] == "kept"
    # the rows in force and the annual-report marts went school by school: so does the snapshot
    for table in ("staging.r5_school_annual_reports_in_force", "marts.fct_school_annual_report",
                  "marts.fct_annual_report_obligation"):
        assert second.how[table] == "updated", table
    assert second.how["indicators.value_units"] == second.how["indicators.unit_sources"] == "updated"

    # each as-of's history entry is the file published then (one file, linked), and a later
    # publication, which starts from a copy, leaves it as it was
    assert second.history_path.samefile(second.path)
    assert read_stamp(first.history_path)[0] == first.as_of != second.as_of
    assert snapshot_contents(first.history_path) != snapshot_contents(second.path)

    fresh = publish_snapshot(con, tmp_path / "b", incremental=False)
    assert set(fresh.how.values()) == {"copied"}
    assert snapshot_contents(second.path) == snapshot_contents(fresh.path)
    assert second.tables == fresh.tables


def test_units_are_copied_anew_when_the_snapshot_missed_a_build(con, tmp_path):
    from tests.indicators.test_indicator_values import r5

    w = Warehouse(con)
    w.submit("R0", "名录.xlsx", "2024-01-10T08:00:00", SCHOOLS)
    w.submit("R5", "年报2025.xlsx", "2025-11-20T08:00:00", [r5("3412000001", 2025, 1000, 1, 400)])
    w.refresh()
    publish_snapshot(con, tmp_path / "a")
    for n, active in ((1, 410), (2, 420)):  # two builds, the first never published
        w.submit("R5", f"更正{n}.xlsx", f"2025-11-2{n}T08:00:00", [r5("3412000001", 2025, 1000, 1, active)])
        w.refresh()
    published = publish_snapshot(con, tmp_path / "a")
    assert published.how["indicators.value_units"] == "copied"
    assert published.how["staging.r5_school_annual_reports_in_force"] == "copied"  # two school-by-school builds
    assert snapshot_contents(published.path) == snapshot_contents(publish_snapshot(con, tmp_path / "b", incremental=False).path)
