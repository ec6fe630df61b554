"""`make bench`: every benchmark at every size, written to benchmarks/results/.

    python -m benchmarks.run [--sizes 1500,15000,150000] [--years 5] [--seed 2030]
                             [--reps N] [--data DIR] [--results DIR]

For each size (schools in the first registry; five years of history by default): the cached
dataset (benchmarks/datasets.py), then, each run in a fresh process (benchmarks/measure.py):

    read_limit, naive, intake        the same files, three ways
    materialize                      the whole asset graph over the inbox, fresh warehouse
    incremental                      one new file into the warehouse `materialize` left, and the
    incremental_empty                same file into an empty warehouse; ingest_only: intake alone
    dashboard                        every query and page over the snapshot `materialize` published
    templates                        R5 templates for every school (sizes up to 15,000), filled, checked

Writes results/<UTC timestamp>.json, results/latest.json and results/latest.md. Medians of the
repetitions are reported (how many is written beside each figure); nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import datasets
from benchmarks.measure import machine, run_case, versions
from benchmarks.report import markdown, write_results

ROOT = Path(__file__).resolve().parent
DEFAULT_SIZES = (1500, 15000, 150000)
TEMPLATES_MAX_SCHOOLS = 15000  # a workbook per school: 150,000 would take ~25 min to write alone


def reps_for(schools: int, heavy: bool, override: int | None) -> int:
    """Repetitions: fewer at the largest size, where one run takes minutes."""
    if override:
        return override
    if schools >= 100_000:
        return 1 if heavy else 2
    if schools >= 10_000:
        return 2 if heavy else 3
    return 3 if heavy else 5


def repeat(case: str, args: dict, n: int, log) -> dict:
    runs = []
    for i in range(n):
        load = os.getloadavg()[0]
        result = run_case(case, args)
        result["load_avg_1m_before"] = round(load, 2)
        runs.append(result)
        log(f"    {case} {i + 1}/{n}: {result['seconds']:.2f} s, peak {result['peak_rss_mib']:.0f} MiB, "
            f"load {load:.1f}")
    return summarise(runs)


def summarise(runs: list[dict]) -> dict:
    return {
        "runs": runs,
        "repetitions": len(runs),
        "median_s": round(statistics.median(r["seconds"] for r in runs), 3),
        "min_s": round(min(r["seconds"] for r in runs), 3),
        "median_process_cpu_s": round(statistics.median(r["process_cpu_s"] for r in runs), 2),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
    }


def new_file(base: Path, inbox: Path) -> Path:
    """One school's correction of its 2026 annual report, arriving now: the incremental case."""
    import duckdb

    from pipelines.demo.writers import Sheet, write_workbook
    from pipelines.intake.schema import REPORT_TYPES

    con = duckdb.connect(str(base / "warehouse.duckdb"), read_only=True)
    try:
        row = con.sql(
            "select * exclude (submission_id, sheet_name, row_number) from staging.r5_school_annual_reports_in_force "
            "order by report_year desc, school_code limit 1"
        ).pl().row(0, named=True)
    finally:
        con.close()
    row["students_in_st_activities"] = max(0, (row["students_in_st_activities"] or 0) - 1)
    columns = [c for c in REPORT_TYPES["R5"].columns if c.name in row and not c.school_name_for]
    path = inbox / f"{row['report_year']}年科技教育年报-{row['school_code']}（更正）.xlsx"
    write_workbook(path, [Sheet("年报", [[c.zh for c in columns], [row[c.name] for c in columns]])])
    return path


def bench_size(schools: int, years: int, seed: int, data_root: Path, reps: int | None, log) -> dict:
    folder = datasets.dataset(schools, years, seed, data_root, log=log)
    info = datasets.info(folder)
    inbox = folder / "inbox"
    work = data_root / "work" / f"s{schools}-y{years}-r{seed}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out: dict = {"dataset": {**info, "path": str(folder.relative_to(data_root.parent)) if folder.is_relative_to(
        data_root.parent) else str(folder)}}
    light, heavy = reps_for(schools, False, reps), reps_for(schools, True, reps)

    log(f"  [{schools}] read limit, naive, intake")
    out["read_limit"] = repeat("read_limit", {"inbox": str(inbox)}, light, log)
    out["naive"] = repeat("naive", {"inbox": str(inbox)}, heavy, log)
    out["intake"] = repeat("intake", {"inbox": str(inbox), "work": str(work / "intake")}, heavy, log)

    log(f"  [{schools}] full materialization")
    base = work / "base"
    runs = []
    for i in range(heavy):
        keep = i == heavy - 1
        result = run_case("materialize", {"inbox": str(inbox), "data_dir": str(base), "keep": keep})
        runs.append(result)
        log(f"    materialize {i + 1}/{heavy}: {result['seconds']:.1f} s, peak {result['peak_rss_mib']:.0f} MiB")
    out["materialize"] = summarise(runs)

    log(f"  [{schools}] incremental: one new file")
    grown = datasets.linked_inbox(folder, work / "inbox-plus-one")
    added = new_file(base, grown)
    alone = work / "inbox-one"
    alone.mkdir()
    shutil.copy2(added, alone / added.name)
    out["incremental"] = repeat("incremental", {"inbox": str(grown), "data_dir": str(work / "inc"),
                                                "base": str(base)}, light, log)
    out["incremental_empty"] = repeat("incremental", {"inbox": str(alone), "data_dir": str(work / "inc-empty")},
                                      light, log)
    out["ingest_only"] = repeat("ingest_only", {"inbox": str(grown), "data_dir": str(work / "ing"),
                                                "base": str(base)}, light, log)
    out["incremental_direct"] = repeat("incremental_direct", {"inbox": str(grown), "data_dir": str(work / "dir"),
                                                              "base": str(base)}, light, log)
    out["incremental"]["new_file"] = added.name

    log(f"  [{schools}] dashboard")
    try:
        out["dashboard"] = run_case("dashboard", {"data_dir": str(base)})
        log(f"    queries p95 max {out['dashboard']['query_p95_max_ms']:.1f} ms")
    except RuntimeError as exc:  # the dashboard is another team's moving target: report, go on
        out["dashboard"] = {"error": str(exc)[-1500:], "queries": {}, "pages": {}, "query_p95_max_ms": None,
                            "repeats": 0}
        log(f"    dashboard failed: {str(exc).strip().splitlines()[-1]}")
    if schools <= TEMPLATES_MAX_SCHOOLS:
        log(f"  [{schools}] templates: written for every school, filled with its figures, checked")
        try:
            out["templates"] = run_case("templates", {"data_dir": str(base), "every": max(1, schools // 1500)})
            t = out["templates"]
            log(f"    {t['schools']} templates + {t['district_workbooks']} district workbooks in {t['write_s']:.1f} s; "
                f"{t['accepted']}/{t['filled']} filled accepted")
        except RuntimeError as exc:
            out["templates"] = {"error": str(exc)[-1500:]}
            log(f"    templates failed: {str(exc).strip().splitlines()[-1]}")
    shutil.rmtree(work, ignore_errors=True)
    return out


# what the naive alternative reads with (the `bench` extra of pyproject.toml): without one, its
# files would be skipped and pandas would look faster than it is
NAIVE_ENGINES = ("pandas", "openpyxl", "xlrd", "odf")


def missing_engines() -> list[str]:
    import importlib.util

    return [m for m in NAIVE_ENGINES if importlib.util.find_spec(m) is None]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Kejiao 2030 benchmarks (issue #6)")
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="schools per dataset, comma-separated (default 1500,15000,150000)")
    parser.add_argument("--years", type=int, default=datasets.YEARS)
    parser.add_argument("--seed", type=int, default=datasets.SEED)
    parser.add_argument("--reps", type=int, default=None, help="repetitions of every case (default: by size)")
    parser.add_argument("--data", type=Path, default=datasets.DATA_DIR, help="dataset cache (git-ignored)")
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--append", action="store_true",
                        help="keep the other sizes of results/latest.json (e.g. run the largest size on its own)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in str(args.sizes).replace(" ", "").split(",") if s]
    missing = missing_engines()
    if missing:
        raise SystemExit(f"基准对照（pandas 读取）缺少 {', '.join(missing)}：请用 `make bench` 运行（会安装 bench 依赖），"
                         f"或 `uv pip install -e '.[dev,bench]'` / the naive comparison needs {', '.join(missing)}: "
                         "run `make bench` (it installs the bench extra), or `uv pip install -e '.[dev,bench]'`")

    def log(message: str) -> None:
        print(message, flush=True)

    os.environ.setdefault("KEJIAO_PSEUDONYM_KEY", "benchmark-pseudonym-key-of-32-bytes-or-more")
    os.environ.setdefault("KEJIAO_INBOX_ROOT_CHANNEL", "data_team")  # the generated inbox is flat
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    results = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "parameters": {"sizes": sizes, "years": args.years, "seed": args.seed, "reps": args.reps},
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "load_avg_at_end": None,
        "sizes": {},
    }
    previous = args.results / "latest.json"
    if args.append and previous.exists():
        kept = json.loads(previous.read_text(encoding="utf-8"))
        results["sizes"] = {k: v for k, v in kept["sizes"].items() if int(k) not in sizes}
        results["appended_to"] = kept["started_at"]
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    for schools in sizes:
        log(f"size {schools} schools, {args.years} years")
        size = bench_size(schools, args.years, args.seed, args.data, args.reps, log)
        size["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["sizes"][str(schools)] = size
        results["sizes"] = dict(sorted(results["sizes"].items(), key=lambda kv: int(kv[0])))
        results["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        results["total_s"] = round(time.perf_counter() - t0, 1)
        write(results, args.results, stamp)  # after every size: a long run that dies keeps what it measured
    log(f"wrote {args.results / (stamp + '.json')}, latest.json and latest.md ({results['total_s']:.0f} s)")
    return results


def write(results: dict, folder: Path, stamp: str) -> None:
    """<stamp>.json, latest.json and latest.md."""
    write_results(results, folder, stamp, markdown)


if __name__ == "__main__":
    main()
