"""results/latest.md: the benchmark results as short Markdown tables, goals beside them; and
what every benchmark's report is made with (`table`, `write_results`: benchmarks/run.py and
benchmarks/load.py alike)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

GIB = 1024


def _row(cells: Sequence[object]) -> str:
    return "|" + "|".join(f" {c} " if str(c) else " " for c in cells) + "|"


def table(columns: Sequence[str], align: str, rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table, a line a list item: the header, the alignment (`align`, a letter a column:
    `r` right, for figures, `l` left) and a row per item of `rows` (cells printed with str)."""
    if len(align) != len(columns) or set(align) - {"l", "r"}:
        raise ValueError(f"align {align!r}: one of l/r for each of the {len(columns)} columns")
    return [_row(columns), "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|",
            *(_row(cells) for cells in rows)]


def write_results(results: dict, folder: Path, stamp: str, markdown: Callable[[dict], str], name: str = "") -> None:
    """`<stamp><-name>.json`, `<name->latest.json` and `<name->latest.md` in `folder`, each written
    aside and renamed into place (a run that dies leaves the previous files whole)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n"
    latest = f"{name}-latest" if name else "latest"
    for file, content in ((f"{stamp}-{name}.json" if name else f"{stamp}.json", text),
                          (f"{latest}.json", text), (f"{latest}.md", markdown(results))):
        tmp = folder / f"{file}.tmp"
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, folder / file)


def _s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _yes(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**not met**")


def goals(results: dict) -> list[tuple[str, str, str]]:
    """(goal, measured, met?) at each size."""
    out = []
    for size, r in results["sizes"].items():
        limit, intake, naive = r["read_limit"]["median_s"], r["intake"]["median_s"], r["naive"]["median_s"]
        cpu = r["intake"]["median_process_cpu_s"] / r["read_limit"]["median_process_cpu_s"]
        out.append((f"{size}: intake within 2× of the read limit", f"{intake / limit:.2f}× wall ({cpu:.2f}× in CPU s)",
                    _yes(intake <= 2 * limit)))
        skipped = r["naive"]["runs"][0].get("files_skipped_no_engine", 0)
        engines = ", ".join(r["naive"]["runs"][0].get("engines_missing", [])) or "an engine"
        note = f" ({skipped} files skipped, {engines} not installed: not like for like)" if skipped else ""
        out.append((f"{size}: ≥ 10× faster than pandas + openpyxl", f"{naive / intake:.1f}×{note}",
                    _yes(naive >= 10 * intake)))
        inc, empty = r["incremental"]["median_s"], r["incremental_empty"]["median_s"]
        load = _median_run(r["incremental"]).get("code_load_s")
        loaded = f" (+ {load:.1f} s loading the code location, once per process)" if load is not None else ""
        out.append((f"{size}: incremental run under 5 s", f"{inc:.1f} s{loaded}", _yes(inc < 5)))
        out.append((f"{size}: incremental within 2× of the same run on an empty warehouse",
                    f"{inc / empty:.2f}× ({empty:.1f} s empty)", _yes(inc <= 2 * empty)))
        peak = max(r[k]["peak_rss_mib"] for k in ("intake", "materialize", "incremental"))
        out.append((f"{size}: peak memory under 2 GiB", f"{peak / GIB:.2f} GiB", _yes(peak < 2 * GIB)))
        t = r.get("templates")
        if t and not t.get("error"):
            out.append((f"{size}: templates for every school under 1 min",
                        (f"{t['write_s']:.1f} s for {t['schools']:,} schools + {t['district_workbooks']} district "
                        f"workbooks ({t['per_template_ms']:.1f} ms each)"), _yes(t["write_s"] < 60)))
            out.append((f"{size}: every template filled with its figures passes kejiao check",
                        (f"{t['accepted']:,}/{t['filled']:,} accepted ({t['not_filled_no_figures']} schools with no "
                        f"figures that year not filled; fill {t['fill_s']:.0f} s, check {t['check_s']:.1f} s)"),
                        _yes(t["accepted"] == t["filled"])))
        d = r["dashboard"]
        if d.get("error") or d.get("query_p95_max_ms") is None:
            out.append((f"{size}: dashboard", "not measured: " + str(d.get("error", "no queries")).strip()
                        .splitlines()[-1][:120], "–"))
            continue
        out.append((f"{size}: dashboard query p95 under 100 ms", f"{d['query_p95_max_ms']:.0f} ms (slowest query)",
                    _yes(d["query_p95_max_ms"] < 100)))
        worst = max((p["warm_s"] for p in d["pages"].values() if p["warm_s"] is not None), default=None)
        cold = max((p["cold_s"] for p in d["pages"].values() if p["cold_s"] is not None), default=None)
        out.append((f"{size}: page render under 1 s (AppTest)", f"{_s(worst)} s warm, {_s(cold)} s cold (slowest page)",
                    _yes(worst is not None and worst < 1)))
    return out


def machine_was_shared(results: dict) -> bool:
    """Other work shared the machine: the 1-minute load average, at the start or the end, above the cores."""
    cores = results["machine"].get("cores_usable") or os.cpu_count() or 1
    return max(results.get("load_avg_at_start", [0])[0], results.get("load_avg_at_end", [0])[0]) > cores


def measured_when(results: dict) -> list[str]:
    """When each size was measured, if not all in this run (`--append` keeps the other sizes)."""
    dates = {size: r.get("measured_at", "")[:10] for size, r in results["sizes"].items()}
    if len(set(dates.values())) <= 1:
        return []
    return [("Sizes measured in different runs (`--append`): "
             + "; ".join(f"{int(size):,} on {day}" for size, day in dates.items())
             + "; the machine and load above are the latest run's.")]


def markdown(results: dict) -> str:
    m, v = results["machine"], results["versions"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {results['started_at']} on {m['cpu_model']}, {m['cores_usable']} cores, {m['ram_gib']} GiB RAM, "
        f"{m['os']}, Python {m['python']}; " + ", ".join(f"{k} {x}" for k, x in v.items() if x) + ".",
        (f"Load average (1/5/15 min) at start {results['load_avg_at_start']}, at end {results['load_avg_at_end']}"
         + (": above the number of cores, other work shared the machine and wall times are inflated"
            if machine_was_shared(results)
            else ": a quiet machine")
         + " (each run's CPU seconds and load are in latest.json)."),
        *measured_when(results),
        "",
        ("Medians of n runs, each in a fresh process; data rows are the report rows in the files "
        "(no titles, headers, totals or notes). Produced by `make bench`; see docs/scaling.md."),
        "",
        "## Intake against the limit and the naive alternative",
        "",
    ]

    def intake_row(size: str, r: dict) -> list[str]:
        d, lim, ing, nai = r["dataset"], r["read_limit"], r["intake"], r["naive"]
        return [_n(int(size)), _n(d["files"]), f"{d['bytes'] / 1e6:.0f}", _n(d["data_rows"]),
                f"{_s(lim['median_s'])} (n={lim['repetitions']})", f"{_s(ing['median_s'])} (n={ing['repetitions']})",
                f"{ing['median_s'] / lim['median_s']:.2f}×", _n(d["data_rows"] / ing["median_s"]),
                _n(d["files"] / ing["median_s"]), f"{_s(nai['median_s'])} (n={nai['repetitions']}{_sampled(nai)})",
                f"{nai['median_s'] / ing['median_s']:.1f}×", f"{ing['peak_rss_mib']:.0f}"]

    lines += table(["schools", "files", "MB", "data rows", "read limit s", "intake s", "intake / limit",
                    "intake rows/s", "intake files/s", "pandas+openpyxl s", "naive / intake", "peak MiB (intake)"],
                   "r" * 12, (intake_row(size, r) for size, r in results["sizes"].items()))
    lines += ["", "Intake phases (median run): " + "; ".join(
        f"{size}: " + ", ".join(f"{k} {_s(x)} s" for k, x in _median_run(r["intake"])["phases"].items())
        for size, r in results["sizes"].items())]
    lines += [
        "",
        "## Materialization, full and incremental",
        "",
    ]

    def materialize_row(size: str, r: dict) -> list[str]:
        full = _median_run(r["materialize"])
        g = full["by_group"]
        other = sum(x for k, x in g.items() if k not in ("intake", "staging (in force)", "marts", "indicators",
                                                          "publish (snapshot)"))
        inc, empty, ing = r["incremental"], r["incremental_empty"], r["ingest_only"]
        return [_n(int(size)), f"{_s(r['materialize']['median_s'])} (n={r['materialize']['repetitions']})",
                _s(g.get("intake")), _s(g.get("staging (in force)")), _s(g.get("marts")), _s(g.get("indicators")),
                _s(g.get("publish (snapshot)")), _s(other), _s(full["dagster_overhead_s"]),
                f"{r['materialize']['peak_rss_mib']:.0f}", f"{_s(inc['median_s'])} (n={inc['repetitions']})",
                f"{_s(empty['median_s'])} (n={empty['repetitions']})", f"{inc['median_s'] / empty['median_s']:.2f}×",
                _s(ing["median_s"]), f"{inc['peak_rss_mib']:.0f}"]

    lines += table(["schools", "full s", "intake", "staging", "marts", "indicators", "publish", "other steps",
                    "Dagster overhead", "peak MiB", "+1 file s", "+1 file, empty warehouse s", "ratio",
                    "ingest alone s", "peak MiB (+1)"],
                   "r" * 15, (materialize_row(size, r) for size, r in results["sizes"].items()))
    lines += ["", "Incremental run by step (median run): " + "; ".join(
        f"{size}: " + ", ".join(f"{k} {_s(x)} s" for k, x in _median_run(r["incremental"])["by_group"].items())
        + f", Dagster overhead {_s(_median_run(r['incremental'])['dagster_overhead_s'])} s"
        + (f"; code location loaded before, in {_s(_median_run(r['incremental'])['code_load_s'])} s"
           if "code_load_s" in _median_run(r["incremental"]) else "")
        for size, r in results["sizes"].items())]
    direct = {size: r["incremental_direct"] for size, r in results["sizes"].items() if "incremental_direct" in r}
    if direct:
        lines += ["", "The same incremental work without Dagster (the assets' functions in one process, no checks): "
                  + "; ".join(f"{size}: {_s(d['median_s'])} s (" + ", ".join(
                      f"{k} {_s(x)} s" for k, x in _median_run(d)["steps"].items()) + ")"
                      for size, d in direct.items())]
    lines += ["", "Intake alone after one new file, by phase: " + "; ".join(
        f"{size}: " + ", ".join(f"{k} {_s(x)} s" for k, x in _median_run(r["ingest_only"])["phases"].items())
        for size, r in results["sizes"].items())]
    lines += [
        "",
        "## Dashboard over the published snapshot",
        "",
    ]

    def dashboard_row(size: str, r: dict) -> list[str]:
        d = r["dashboard"]
        if d.get("error") or d.get("query_p95_max_ms") is None:
            return [_n(int(size)), "–", "not measured", "–", "–", "–", "–"]
        slowest = max(d["queries"].items(), key=lambda kv: kv[1]["p95_ms"]) if d["queries"] else ("–", {})
        rendered = {k: v for k, v in d["pages"].items() if v["warm_s"] is not None}
        warm = max(rendered.items(), key=lambda kv: kv[1]["warm_s"]) if rendered else ("–", {"warm_s": None})
        cold = max(rendered.items(), key=lambda kv: kv[1]["cold_s"]) if rendered else ("–", {"cold_s": None})
        return [_n(int(size)), _s(_median_run(r["materialize"]).get("snapshot_mib")),
                f"{len(d['queries'])} (×{d['repeats']})", f"{d['query_p95_max_ms']:.1f} ms", f"`{slowest[0]}`",
                f"{_s(warm[1]['warm_s'])} s ({warm[0]})", f"{_s(cold[1]['cold_s'])} s ({cold[0]})"]

    lines += table(["schools", "snapshot MiB", "queries", "p95, slowest query", "slowest query",
                    "page render warm, slowest", "page render cold, slowest"],
                   "rrrrlrr", (dashboard_row(size, r) for size, r in results["sizes"].items()))
    lines += ["", "## Goals", ""]
    lines += table(["goal", "measured", ""], "lll", goals(results))
    lines.append("")
    return "\n".join(lines)


def _sampled(naive: dict) -> str:
    every = naive["runs"][0].get("sample_every", 1)
    return f", est. from every {every}th file, scaled by bytes" if every > 1 else ""


def _median_run(summary: dict) -> dict:
    """The run whose time is the median (the lower middle one for an even count)."""
    runs = sorted(summary["runs"], key=lambda r: r["seconds"])
    return runs[(len(runs) - 1) // 2]


def main() -> None:
    """Re-render latest.md from a results file: python -m benchmarks.report [results.json]."""
    import json
    import sys
    from pathlib import Path

    results_dir = Path(__file__).resolve().parent / "results"
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else results_dir / "latest.json"
    results = json.loads(source.read_text(encoding="utf-8"))
    (results_dir / "latest.md").write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
