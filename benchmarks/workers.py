"""What a parse worker costs to start, and what keeping it warm saves (issue 14 #5).

    python -m benchmarks.workers [--reps 20] [--cases start_compiling,start,cold_call,warm_call]
                                 [--results DIR]

Cases (pipelines/intake/workers.py), each repeated `--reps` times:

    start_compiling   a new worker until it is ready (interpreter, the readers' imports, its
                      memory cap), compiling every module: no bytecode cache (what each start
                      cost with PYTHONDONTWRITEBYTECODE=1 before the tests kept their bytecode)
    start             the same with the bytecode cached
    cold_call         parse_many of one school's report with no worker kept: a start and the file
    warm_call         the same call with a worker kept from the call before

Wall time of each, and the CPU time of the worker process (from /proc: user + system) for the
starts. Writes results/workers-latest.json and results/workers-latest.md; nothing is asserted.
The machine may be shared: the load average before each case is written beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.measure import machine, versions

ROOT = Path(__file__).resolve().parent
CASES = ("start_compiling", "start", "cold_call", "warm_call")
REPORT = ("学校标识码,学校名称,年度,在校生数,科学副校长人数,科技社团数,科技竞赛获奖数,参加科技活动学生数\n"
          "3412000001,,2025,1800,1,10,2,900\n").encode()


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _start(compiling: bool) -> dict:
    from pipelines.intake import workers as W
    from pipelines.intake.limits import Limits

    saved = {k: os.environ.get(k) for k in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    with tempfile.TemporaryDirectory() as empty:
        if compiling:  # an empty cache folder that may not be written to: every module compiled
            os.environ.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=empty)
        try:
            spec = W._Spec(Limits())
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        started = time.perf_counter()
        proc = W._Process(spec)
        try:
            ready = proc.answers()  # it has set its memory cap and waits for work
            seconds = time.perf_counter() - started
            cpu = _cpu_s(proc.popen.pid)
        finally:
            proc.end()
    assert ready, "the worker did not answer"
    return {"seconds": seconds, "cpu_s": cpu}


def _call(warm: bool) -> dict:
    from pipelines.intake import workers as W

    if warm:
        W.parse_many([(REPORT, "年报.csv")], [len(REPORT)], 1)  # the worker the call will find
    else:
        W._WARM.end_all()
    started = time.perf_counter()
    parsed = W.parse_many([(REPORT, "年报.csv")], [len(REPORT)], 1)
    seconds = time.perf_counter() - started
    assert parsed[0].report_types == ["R5"], parsed[0]
    return {"seconds": seconds}


def run_case(case: str) -> dict:
    load = os.getloadavg()[0]
    result = _start(case == "start_compiling") if case.startswith("start") else _call(case == "warm_call")
    return {**result, "load_avg_1m_before": round(load, 2)}


def summarise(runs: list[dict]) -> dict:
    out: dict = {"reps": len(runs), "load_avg_1m": [r["load_avg_1m_before"] for r in runs]}
    for key in ("seconds", "cpu_s"):
        values = sorted(r[key] for r in runs if key in r)
        if values:
            out[f"{key}_median"] = round(statistics.median(values), 4)
            out[f"{key}_max"] = round(values[-1], 4)
    return out


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# Parse worker start (pipelines/intake/workers.py)", "",
        (f"Measured {results['started_at']} (UTC) on {m.get('cores_usable')} cores ({m.get('cpu_model')}), "
         f"`python -m benchmarks.workers`; load average at start {results['load_avg_at_start']} "
         "(the machine is shared: wall times rise with it, CPU times much less)."), "",
        "| case | reps | wall median (ms) | wall max (ms) | worker CPU median (ms) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for case, r in results["cases"].items():
        cpu = f"{r['cpu_s_median'] * 1000:.0f}" if "cpu_s_median" in r else "–"
        lines.append(f"| {case} | {r['reps']} | {r['seconds_median'] * 1000:.0f} | {r['seconds_max'] * 1000:.0f} "
                     f"| {cpu} |")
    lines += ["", ("start_compiling: no bytecode cache (as with PYTHONDONTWRITEBYTECODE=1 and no __pycache__); "
                   "start: bytecode cached; cold_call: one school's report with no worker kept; warm_call: the same "
                   "with the worker kept from the call before."), ""]
    return "\n".join(lines)


def write(results: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("workers-latest.json", json.dumps(results, indent=1, ensure_ascii=False) + "\n"),
                       ("workers-latest.md", markdown(results))):
        tmp = folder / f"{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / name)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    args = parser.parse_args(argv)
    cases = [c for c in args.cases.split(",") if c]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"未知的测量项 unknown cases: {', '.join(unknown)} (known: {', '.join(CASES)})")
    from pipelines.intake import workers as W

    results: dict = {"started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine(),
                     "versions": versions(), "load_avg_at_start": [round(x, 2) for x in os.getloadavg()], "cases": {}}
    try:
        for case in cases:
            results["cases"][case] = summarise([run_case(case) for _ in range(args.reps)])
            print(f"{case}: {results['cases'][case]}", flush=True)
    finally:
        W._WARM.end_all()
    write(results, args.results)
    print(f"wrote {args.results / 'workers-latest.md'}")
    return results


if __name__ == "__main__":
    main()
