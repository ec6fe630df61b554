"""The benchmark cases, each run in its own process by benchmarks.measure.run_case.

    python -m benchmarks.cases <case> '<json args>'

prints one JSON line: the case's own timings (seconds), counts, and `self_maxrss_mib`.

Cases
    read_limit     the same files read by fastexcel (workbooks, every sheet to Polars) and Polars
                   (CSV) alone: no header finding, no validation, no storage. The limit.
    naive          what a data team would otherwise write: pandas.read_excel (openpyxl for .xlsx,
                   xlrd for .xls, odf for .ods) / pandas.read_csv on each file, then pd.concat.
    intake         pipelines.intake.ingest.ingest into a fresh warehouse (no Dagster), timed by
                   phase: scan (stat + sha256), parse (read + headers), judge (validate + verdict),
                   write (one transaction), the rest (archive copies, context).
    materialize    the whole asset graph (pipelines.cli.run_all, in-process executor, ephemeral
                   Dagster instance) over an inbox; per-step durations from Dagster's events.
    incremental    the same, over a copy of a warehouse that already holds an inbox, with one
                   new file added to that inbox.
    templates      R5 templates for every school of the published snapshot (kejiao templates), each
                   filled with the snapshot's figures of that year and judged as `kejiao check` does.
    dashboard      every query function of dashboards/data.py against a published snapshot,
                   st.cache bypassed (p50/p95 of repeated calls), and each page rendered by
                   streamlit.testing.v1.AppTest (cold, then warm).
"""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_KEY = "benchmark-pseudonym-key-of-32-bytes-or-more"


def _files(inbox: str) -> list[Path]:
    return sorted(p for p in Path(inbox).iterdir() if p.is_file())


def _kind(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "workbook"
    if b"\x00" in data[:4096]:
        return "other"
    return "csv"


def _decode(data: bytes) -> str | None:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


# ------------------------------------------------------------------------------- the limit

def read_limit(inbox: str) -> dict:
    """Every file read once by the fast readers, nothing else."""
    import fastexcel
    import polars as pl

    files = _files(inbox)
    started = time.perf_counter()
    rows = cells = read = skipped = 0
    for path in files:
        data = path.read_bytes()
        kind = _kind(data)
        try:
            if kind == "workbook":
                reader = fastexcel.read_excel(data)
                frames = [reader.load_sheet(name, header_row=None).to_polars() for name in reader.sheet_names]
            elif kind == "csv":
                text = _decode(data)
                if text is None:
                    skipped += 1
                    continue
                # rows of different widths (title, header, notes): a wide all-text schema
                schema = {f"c{j}": pl.String for j in range(64)}
                frames = [pl.read_csv(text.encode("utf-8"), has_header=False, schema=schema,
                                      truncate_ragged_lines=True, missing_columns="insert")]
            else:
                skipped += 1
                continue
        except Exception:  # noqa: BLE001 - a corrupt file is skipped, as intake would set it aside
            skipped += 1
            continue
        read += 1
        rows += sum(f.height for f in frames)
        cells += sum(f.height * f.width for f in frames)
    return {"seconds": time.perf_counter() - started, "files": len(files), "files_read": read,
            "files_skipped": skipped, "sheet_rows": rows}


# ------------------------------------------------------------------------------- the naive way

def naive(inbox: str, max_files: int = 1000) -> dict:
    """pandas + openpyxl (+ xlrd, odf): read each file, concatenate. What it cannot read is counted.

    Above `max_files` files (the 150,000-school inbox would take the better part of an hour) it
    reads a systematic sample, every k-th file by name, and scales the time by bytes: `seconds`
    is then that estimate, `measured_s` the time of the sample."""
    import importlib.util
    import math

    import pandas as pd

    engines = {".xlsx": "openpyxl", ".xls": "xlrd", ".ods": "odf"}
    missing = {suffix for suffix, module in (( ".xls", "xlrd"), (".ods", "odf"), (".xlsx", "openpyxl"))
               if importlib.util.find_spec(module) is None}
    every_file = _files(inbox)
    every = max(1, math.ceil(len(every_file) / max_files))
    files = every_file[::every]
    started = time.perf_counter()
    frames, failed, skipped = [], [], []
    for path in files:
        suffix = path.suffix.lower()
        if suffix in missing:
            skipped.append(path.name)
            continue
        try:
            if suffix in engines:
                sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine=engines[suffix])
                frames.extend(sheets.values())
            elif suffix == ".csv":
                data = path.read_bytes()
                text = _decode(data)
                frames.append(pd.read_csv(io.StringIO(text), header=None, names=range(64), dtype=str,
                                          skip_blank_lines=False))
            else:
                failed.append(path.name)
        except Exception as exc:  # noqa: BLE001
            failed.append(f"{path.name}: {type(exc).__name__}")
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    measured = time.perf_counter() - started
    scale = sum(p.stat().st_size for p in every_file) / max(1, sum(p.stat().st_size for p in files))
    return {"seconds": measured * scale, "measured_s": measured, "sample_every": every, "scale_by_bytes": scale,
            "files": len(files), "files_failed": len(failed),
            "failed": failed[:20], "sheet_rows": len(combined),
            "files_skipped_no_engine": len(skipped), "engines_missing": sorted(missing)}


# ------------------------------------------------------------------------------- intake

def intake(inbox: str, work: str, workers: int | None = None) -> dict:
    """ingest() into a fresh warehouse, timed by phase."""
    import warehouse
    from pipelines.intake import ingest as I
    from pipelines.intake import judge as J
    from pipelines.reference.load import load_reference

    if workers is not None:
        os.environ["KEJIAO_INTAKE_WORKERS"] = str(workers)
    work_dir = Path(work)
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    con = warehouse.connect(work_dir / "warehouse.duckdb")
    load_reference(con)
    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    I.scan_inbox = timed("scan", I.scan_inbox)
    I.parse_all = timed("parse", I.parse_all)
    J.judge_batch = timed("judge", J.judge_batch)
    I.write = timed("write", I.write)
    started = time.perf_counter()
    summary = I.ingest(con, Path(inbox), work_dir / "archive", BENCH_KEY.encode(), today=datetime(2026, 11, 30).date())
    seconds = time.perf_counter() - started
    phases = {k: round(v, 3) for k, v in phases.items()}  # the first run's; the re-run is timed whole
    phases["other"] = round(seconds - sum(phases.values()), 3)
    rerun_started = time.perf_counter()
    again = I.ingest(con, Path(inbox), work_dir / "archive", BENCH_KEY.encode(), today=datetime(2026, 11, 30).date())
    rerun = time.perf_counter() - rerun_started
    con.close()
    shutil.rmtree(work_dir, ignore_errors=True)
    return {"seconds": seconds, "phases": phases, "files": summary.files_seen, "accepted": len(summary.accepted),
            "rejected": len(summary.rejected), "not_a_report": len(summary.not_a_report),
            "duplicates": len(summary.duplicates), "staging_rows": sum(summary.rows.values()),
            "rerun_nothing_new_s": rerun, "rerun_unchanged": again.unchanged}


# ------------------------------------------------------------------------------- Dagster runs

def _run_graph(inbox: Path, data_dir: Path) -> dict:
    """One run of the whole graph. The code location (Dagster and every module of the asset
    graph) is loaded first and timed apart (`code_load_s`): a fixed cost of each process, the same
    whatever the data; the run is timed from the call that materializes."""
    loading = time.perf_counter()
    from dagster import DagsterEventType, DagsterInstance

    import pipelines.definitions  # noqa: F401 - the code location
    from pipelines.cli import run_all
    from pipelines.settings import Settings

    code_load = time.perf_counter() - loading
    instance = DagsterInstance.ephemeral()
    started = time.perf_counter()
    result = run_all(Settings(data_dir), inbox, data_dir / "warehouse.duckdb", instance=instance,
                     raise_on_error=True)
    seconds = time.perf_counter() - started
    steps: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id, of_type=DagsterEventType.STEP_SUCCESS):
        event = entry.dagster_event
        steps[event.step_key] = round(event.event_specific_data.duration_ms / 1000, 3)
    meta = {k: v.value for k, v in result.asset_materializations_for_node("submissions")[0].metadata.items()}
    groups = _group_steps(steps)
    return {"seconds": seconds, "code_load_s": round(code_load, 3), "steps_total_s": round(sum(steps.values()), 3),
            "dagster_overhead_s": round(seconds - sum(steps.values()), 3), "by_group": groups, "steps": steps,
            "intake": {k: meta[k] for k in ("files_seen", "new_submissions", "accepted", "rejected", "not_a_report",
                                             "duplicates", "unchanged")}}


def _group_steps(steps: dict[str, float]) -> dict[str, float]:
    """Step durations summed by what they do (asset checks included with their asset's group: most
    run in their asset's step, pipelines/checks.py)."""
    out: dict[str, float] = {}
    for key, seconds in steps.items():
        name = key.split(".")[0]
        if key == "submissions":
            group = "intake"
        elif key == "staging_in_force":
            group = "staging (in force)"
        elif name.startswith("marts"):
            group = "marts"
        elif name.startswith("indicators"):
            group = "indicators"
        elif key == "published_snapshot":
            group = "publish (snapshot)"
        elif key == "reference_data":
            group = "reference"
        elif key in ("overdue_reports", "error_workbooks"):
            group = "operations"
        else:
            group = "checks/other"
        out[group] = round(out.get(group, 0.0) + seconds, 3)
    return out


def materialize(inbox: str, data_dir: str, keep: bool = False) -> dict:
    """The whole graph over an inbox into a fresh data folder."""
    data = Path(data_dir)
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    out = _run_graph(Path(inbox), data)
    out["warehouse_mib"] = round((data / "warehouse.duckdb").stat().st_size / 2**20, 1)
    snapshot = data / "published" / "current.duckdb"
    out["snapshot_mib"] = round(snapshot.stat().st_size / 2**20, 1) if snapshot.exists() else None
    if not keep:
        shutil.rmtree(data, ignore_errors=True)
    return out


def _copy_base(base: Path, data: Path) -> None:
    """What a running installation has before the new file: the warehouse, the key and the
    snapshot readers are reading (the next one starts from it); not the history copies."""
    for name in ("warehouse.duckdb", "pseudonym.key", "published/current.duckdb"):
        if (base / name).exists():
            (data / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(base / name, data / name)


def incremental(inbox: str, data_dir: str, base: str | None = None) -> dict:
    """The whole graph after one new file: over a copy of `base` (a data folder that already
    holds the rest of `inbox`), or over an empty warehouse when `base` is None."""
    data = Path(data_dir)
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    if base is not None:
        _copy_base(Path(base), data)
    out = _run_graph(Path(inbox), data)
    shutil.rmtree(data, ignore_errors=True)
    return out


def ingest_only(inbox: str, data_dir: str, base: str) -> dict:
    """ingest() alone (no Dagster, no derived layers) after one new file, over a copy of `base`."""
    import warehouse
    from pipelines.intake import ingest as I
    from pipelines.intake import judge as J

    data = Path(data_dir)
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    shutil.copyfile(Path(base) / "warehouse.duckdb", data / "warehouse.duckdb")
    con = warehouse.connect(data / "warehouse.duckdb")
    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    for name in ("scan_inbox", "parse_all", "load_context", "write"):
        setattr(I, name, timed(name, getattr(I, name)))
    J.judge_batch = timed("judge_batch", J.judge_batch)
    started = time.perf_counter()
    summary = I.ingest(con, Path(inbox), data / "archive", BENCH_KEY.encode(), today=datetime(2026, 11, 30).date())
    seconds = time.perf_counter() - started
    con.close()
    shutil.rmtree(data, ignore_errors=True)
    return {"seconds": seconds, "phases": {k: round(v, 3) for k, v in phases.items()},
            "new_submissions": summary.new_submissions, "unchanged": summary.unchanged}


def incremental_direct(inbox: str, data_dir: str, base: str, memory_limit: str | None = None) -> dict:
    """The work of an incremental run without Dagster: the same functions the assets call, in
    one process over one connection, each timed (no checks, no operations assets): the floor of
    the incremental path without Dagster's per-run and per-step overhead."""
    import warehouse
    from pipelines.indicators.compute import compute_indicators
    from pipelines.indicators.forecast import compute_forecast
    from pipelines.intake.ingest import ingest
    from pipelines.intake.schema import REPORT_TYPES
    from pipelines.marts.build import build_marts
    from pipelines.publish.snapshot import publish_snapshot
    from pipelines.staging.tables import refresh_in_force

    data = Path(data_dir)
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    _copy_base(Path(base), data)
    steps: dict[str, float] = {}
    started = time.perf_counter()
    t = time.perf_counter()
    con = warehouse.connect(data / "warehouse.duckdb")
    if memory_limit:  # e.g. "1500MB": what DuckDB may hold before it spills to disk
        if not memory_limit[:-2].isdigit() or memory_limit[-2:] not in ("MB", "GB"):
            raise ValueError(f"memory_limit like 1500MB or 2GB, not {memory_limit!r}")
        con.execute(f"set memory_limit = '{memory_limit}'")
    steps["open + migrate"] = time.perf_counter() - t
    t = time.perf_counter()
    summary = ingest(con, Path(inbox), data / "archive", BENCH_KEY.encode(), today=datetime(2026, 11, 30).date())
    steps["intake"] = time.perf_counter() - t
    t = time.perf_counter()
    for report in REPORT_TYPES.values():
        refresh_in_force(con, report)
    steps["staging (in force)"] = time.perf_counter() - t
    t = time.perf_counter()
    build_marts(con)
    steps["marts"] = time.perf_counter() - t
    t = time.perf_counter()
    compute_indicators(con)
    compute_forecast(con)
    steps["indicators"] = time.perf_counter() - t
    t = time.perf_counter()
    publish_snapshot(con, data / "published")
    steps["publish (snapshot)"] = time.perf_counter() - t
    con.close()
    seconds = time.perf_counter() - started
    shutil.rmtree(data, ignore_errors=True)
    return {"seconds": seconds, "steps": {k: round(v, 3) for k, v in steps.items()},
            "new_submissions": summary.new_submissions}


# ------------------------------------------------------------------------------- dashboard

QUERY_ARGS = {  # parameter name -> values to try (each query is timed with every combination used)
    "period": "latest", "year": "latest", "district": [None, "120116"], "report_type": ["R5"],
    "indicator_id": ["STE_PARTICIPATION"],
}


def _query_calls(data_mod, snap) -> list[tuple[str, object, dict]]:
    """(label, function, kwargs) for every cached query function of dashboards/data.py."""
    import inspect

    periods = data_mod.periods.__wrapped__(snap)
    latest = periods[-1] if periods else 2026
    calls = []
    for name, fn in sorted(vars(data_mod).items()):
        inner = getattr(fn, "__wrapped__", None)
        if inner is None or not callable(fn) or name.startswith("_") or name == "export_files":
            continue
        params = [p for p in inspect.signature(inner).parameters.values() if p.name != "snap"]
        variants: list[dict] = [{}]
        for p in params:
            choices = QUERY_ARGS.get(p.name)
            if choices == "latest":
                choices = [latest]
            if choices is None:
                if p.default is inspect.Parameter.empty:
                    variants = []
                    break
                continue
            variants = [{**v, p.name: c} for v in variants for c in choices]
        for kwargs in variants:
            label = name + ("(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")" if kwargs else "")
            calls.append((label, inner, kwargs))
    return calls


def dashboard(data_dir: str, repeats: int = 20) -> dict:
    os.environ["KEJIAO_DATA_DIR"] = data_dir
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from dashboards import data as D
    from dashboards.scope import scoped
    from pipelines.access.roles import Role, Scope

    current = D.current_snapshot()
    if current is None:
        raise FileNotFoundError(f"no snapshot under {data_dir}")
    # every query takes the viewer's scope: as commission staff (all rows), as a district bureau
    # and as a school (their views filter the snapshot; the `my_*` queries are the school's own)
    import duckdb

    probe = duckdb.connect(str(current.path), read_only=True)
    try:
        found = probe.sql("select district_code, school_code from marts.dim_school "
                          "where is_annual_report_required order by district_code, school_code limit 1").fetchall()
    finally:
        probe.close()
    district, school = found[0] if found else ("120101", "0000000000")
    viewers = [("", Scope(Role.COMMISSION), repeats),
               (f"[district {district}] ", Scope(Role.DISTRICT, districts=(district,)), max(5, repeats // 2)),
               (f"[school {school}] ", Scope(Role.SCHOOL, schools=(school,)), max(5, repeats // 2))]
    queries = {}
    for prefix, viewer, n in viewers:
        snap = scoped(current, viewer)
        for label, fn, kwargs in _query_calls(D, snap):
            times = []
            for _ in range(n):
                t = time.perf_counter()
                fn(snap, **kwargs)
                times.append(time.perf_counter() - t)
            times.sort()
            queries[prefix + label] = {"p50_ms": round(1000 * statistics.median(times), 2),
                                       "p95_ms": round(1000 * times[min(len(times) - 1, int(0.95 * len(times)))], 2),
                                       "max_ms": round(1000 * times[-1], 2), "repeats": n}
    rendered = pages()
    return {"queries": queries, "repeats": repeats, "pages": rendered,
            "scopes": ["commission", f"district {district}", f"school {school}"],
            "query_p95_max_ms": max((q["p95_ms"] for q in queries.values()), default=None)}


def _page_list() -> list[str]:
    """The pages AppTest's viewer sees: the demo sign-in takes the first identity of
    seeds/role_assignments.csv, the data team, who has every page but a school's own."""

    from dashboards.pages import PAGES  # the page list lives apart from streamlit_app.py (issue 16)
    from dashboards.scope import may_open
    from pipelines.access.roles import Role, Scope

    viewer = Scope(Role.DATA_TEAM)
    return [path for path, _, url_path, _ in PAGES if may_open(viewer, url_path)]


BENCH_VIEWER = "bench-data-team@kejiao.example"
BENCH_AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback",
              "cookie_secret": "b3c1e9a7d5f24680acebdf1357924680ace13579bdf2468ace0fdb97531eca86",
              "client_id": "kejiao-bench", "client_secret": "bench-only-client-secret-4Zr8",
              "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def pages() -> dict:
    """Each page rendered by AppTest: first (cold caches) and second (warm) render, seconds.

    The viewer is signed in as a deployment serves it (an `[auth]` section, the data team's row in
    the data folder's role table): a benchmark's data is not demo data, and the demo sign-in
    refuses it, so without this every page rendered the refusal (3 elements), not the page. A page
    that does not show its own title is reported as not rendered."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from pipelines.access.roles import COLUMNS, assignments_path

    st.config.set_option("server.address", "127.0.0.1")
    # a data folder of the benchmark's own: the snapshot of the one measured, and a role table that
    # never touches the measured folder's
    served = Path(tempfile.mkdtemp(prefix="kejiao-bench-pages-"))
    (served / "published").symlink_to(Path(os.environ["KEJIAO_DATA_DIR"]).resolve() / "published")
    previous, os.environ["KEJIAO_DATA_DIR"] = os.environ["KEJIAO_DATA_DIR"], str(served)
    roles = assignments_path()
    roles.parent.mkdir(parents=True, exist_ok=True)
    roles.write_text(",".join(COLUMNS) + f"\nemail,{BENCH_VIEWER},data_team,,基准测试·数据组\n", encoding="utf-8")
    try:
        return _render_pages(AppTest)
    finally:
        os.environ["KEJIAO_DATA_DIR"] = previous
        shutil.rmtree(served, ignore_errors=True)


def _render_pages(AppTest) -> dict:
    app = ROOT / "dashboards" / "streamlit_app.py"
    out = {}
    for page in _page_list():
        at = AppTest.from_file(str(app), default_timeout=300)
        at.secrets["auth"] = BENCH_AUTH
        at.user = {"is_logged_in": True, "email": BENCH_VIEWER, "email_verified": True, "sub": "kejiao-bench",
                   "name": "基准测试"}
        try:
            t = time.perf_counter()
            at.run()
            at.switch_page(page)
            at.run()
            cold = time.perf_counter() - t
            t = time.perf_counter()
            at.run()
            warm = time.perf_counter() - t
        except Exception as exc:  # noqa: BLE001 - a page that cannot render is reported, not fatal
            out[page] = {"cold_s": None, "warm_s": None, "exceptions": 1, "error": f"{type(exc).__name__}: {exc}"}
            continue
        titles = [str(t.value) for t in at.title]
        if not titles or at.exception:
            out[page] = {"cold_s": None, "warm_s": None, "exceptions": len(at.exception) or 1,
                         "error": "the page did not render (no title): " + "; ".join(
                             str(e.value)[:200] for e in [*at.exception, *at.error, *at.warning])}
            continue
        out[page] = {"cold_s": round(cold, 3), "warm_s": round(warm, 3), "exceptions": 0, "title": titles[0],
                     "elements": len(at.main.children) if hasattr(at, "main") else None}
    return out


def templates(data_dir: str, every: int = 1) -> dict:
    """`kejiao templates` for every school of the snapshot, filled with its figures and judged
    (benchmarks/templates_case.py)."""
    from benchmarks.templates_case import round_trip

    return round_trip(data_dir, every=every)


CASES = {"read_limit": read_limit, "naive": naive, "intake": intake, "materialize": materialize,
         "incremental": incremental, "ingest_only": ingest_only, "incremental_direct": incremental_direct,
         "dashboard": dashboard, "templates": templates}


def main(argv: list[str]) -> None:
    os.environ.setdefault("KEJIAO_PSEUDONYM_KEY", BENCH_KEY)
    os.environ.setdefault("KEJIAO_INBOX_ROOT_CHANNEL", "data_team")  # the generated inbox is flat
    case, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = CASES[case](**args)
    self_usage, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    result["self_maxrss_mib"] = round(self_usage.ru_maxrss / 1024, 1)
    result["process_cpu_s"] = round(self_usage.ru_utime + self_usage.ru_stime + children.ru_utime
                                    + children.ru_stime, 2)
    result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
