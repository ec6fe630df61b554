"""results/latest.md: the benchmark results as short Markdown tables, goals beside them."""

from __future__ import annotations

GIB = 1024


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
        note = f" ({skipped} files it could not read skipped)" if skipped else ""
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


def markdown(results: dict) -> str:
    m, v = results["machine"], results["versions"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {results['started_at']} on {m['cpu_model']}, {m['cores_usable']} cores, {m['ram_gib']} GiB RAM, "
        f"{m['os']}, Python {m['python']}; " + ", ".join(f"{k} {x}" for k, x in v.items() if x) + ".",
        (f"Load average (1/5/15 min) at start {results['load_avg_at_start']}, at end {results['load_avg_at_end']}: "
        "above the number of cores, other work shared the machine and wall times are inflated "
        "(each run's CPU seconds and load are in latest.json)."),
        "",
        ("Medians of n runs, each in a fresh process; data rows are the report rows in the files "
        "(no titles, headers, totals or notes). Produced by `make bench`; see docs/scaling.md."),
        "",
        "## Intake against the limit and the naive alternative",
        "",
        ("| schools | files | MB | data rows | read limit s | intake s | intake / limit | intake rows/s | intake files/s "
        "| pandas+openpyxl s | naive / intake | peak MiB (intake) |"),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, r in results["sizes"].items():
        d, lim, ing, nai = r["dataset"], r["read_limit"], r["intake"], r["naive"]
        lines.append(
            f"| {_n(int(size))} | {_n(d['files'])} | {d['bytes'] / 1e6:.0f} | {_n(d['data_rows'])} "
            f"| {_s(lim['median_s'])} (n={lim['repetitions']}) | {_s(ing['median_s'])} (n={ing['repetitions']}) "
            f"| {ing['median_s'] / lim['median_s']:.2f}× | {_n(d['data_rows'] / ing['median_s'])} "
            f"| {_n(d['files'] / ing['median_s'])} | {_s(nai['median_s'])} (n={nai['repetitions']}{_sampled(nai)}) "
            f"| {nai['median_s'] / ing['median_s']:.1f}× | {ing['peak_rss_mib']:.0f} |")
    lines += ["", "Intake phases (median run): " + "; ".join(
        f"{size}: " + ", ".join(f"{k} {_s(x)} s" for k, x in _median_run(r["intake"])["phases"].items())
        for size, r in results["sizes"].items())]
    lines += [
        "",
        "## Materialization, full and incremental",
        "",
        ("| schools | full s | intake | staging | marts | indicators | publish | other steps | Dagster overhead "
        "| peak MiB | +1 file s | +1 file, empty warehouse s | ratio | ingest alone s | peak MiB (+1) |"),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, r in results["sizes"].items():
        full = _median_run(r["materialize"])
        g = full["by_group"]
        other = sum(x for k, x in g.items() if k not in ("intake", "staging (in force)", "marts", "indicators",
                                                          "publish (snapshot)"))
        inc, empty, ing = r["incremental"], r["incremental_empty"], r["ingest_only"]
        lines.append(
            f"| {_n(int(size))} | {_s(r['materialize']['median_s'])} (n={r['materialize']['repetitions']}) "
            f"| {_s(g.get('intake'))} | {_s(g.get('staging (in force)'))} | {_s(g.get('marts'))} "
            f"| {_s(g.get('indicators'))} | {_s(g.get('publish (snapshot)'))} | {_s(other)} "
            f"| {_s(full['dagster_overhead_s'])} | {r['materialize']['peak_rss_mib']:.0f} "
            f"| {_s(inc['median_s'])} (n={inc['repetitions']}) | {_s(empty['median_s'])} (n={empty['repetitions']}) "
            f"| {inc['median_s'] / empty['median_s']:.2f}× | {_s(ing['median_s'])} | {inc['peak_rss_mib']:.0f} |")
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
        ("| schools | snapshot MiB | queries | p95, slowest query | slowest query | page render warm, slowest "
        "| page render cold, slowest |"),
        "|---:|---:|---:|---:|---|---:|---:|",
    ]
    for size, r in results["sizes"].items():
        d = r["dashboard"]
        if d.get("error") or d.get("query_p95_max_ms") is None:
            lines.append(f"| {_n(int(size))} | – | not measured | – | – | – | – |")
            continue
        slowest = max(d["queries"].items(), key=lambda kv: kv[1]["p95_ms"]) if d["queries"] else ("–", {})
        rendered = {k: v for k, v in d["pages"].items() if v["warm_s"] is not None}
        warm = max(rendered.items(), key=lambda kv: kv[1]["warm_s"]) if rendered else ("–", {"warm_s": None})
        cold = max(rendered.items(), key=lambda kv: kv[1]["cold_s"]) if rendered else ("–", {"cold_s": None})
        lines.append(
            f"| {_n(int(size))} | {_s(_median_run(r['materialize']).get('snapshot_mib'))} | {len(d['queries'])} "
            f"(×{d['repeats']}) | {d['query_p95_max_ms']:.1f} ms | `{slowest[0]}` | {_s(warm[1]['warm_s'])} s "
            f"({warm[0]}) | {_s(cold[1]['cold_s'])} s ({cold[0]}) |")
    lines += ["", "## Goals", "", "| goal | measured | |", "|---|---|---|"]
    lines += [f"| {g} | {x} | {ok} |" for g, x, ok in goals(results)]
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
