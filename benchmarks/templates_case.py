"""Templates out at scale (issue 13 #1): `kejiao templates` for every school of a published
snapshot, each template then filled with the figures the snapshot holds for that school and year
(the demo's own, as accepted) and judged by `kejiao check`'s function, all in one batch.

Goal: templates for the 1,500 demo schools in under a minute; every filled template accepted.
Run by `make bench` (benchmarks/run.py, case `templates`) and, over a sample, by
tests/senders/test_templates_demo.py.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import polars as pl

from pipelines.intake.checking import check_many, reference_context
from pipelines.intake.schema import REPORT_TYPES
from pipelines.senders.filling import fill
from pipelines.senders.templates import Sources, write_all

FIXED = {"school_code", "school_name", "report_year"}


def figures(sources: Sources, year: int) -> dict[str, dict]:
    """school code -> {column: value} of the school's annual report in force for the year."""
    rows = sources.rows("R5").filter(pl.col("report_year") == year)
    names = [c.name for c in REPORT_TYPES["R5"].columns if c.name not in FIXED and c.name in rows.columns]
    return {r["school_code"]: {n: r[n] for n in names} for r in rows.iter_rows(named=True)}


def round_trip(data_dir: str, year: int | None = None, every: int = 1, out: str | None = None) -> dict:
    """Write the R5 templates of `year` (default: the newest year with annual reports) from the
    snapshot of `data_dir`, fill every `every`-th school's (and every district workbook) with
    the snapshot's figures, and judge them all. Timings in seconds; counts; the refused files."""
    data = Path(data_dir)
    snapshot = data / "published" / "current.duckdb"
    started = time.perf_counter()
    sources = Sources.open(snapshot)
    year = year or int(sources.rows("R5")["report_year"].max())
    opened = time.perf_counter()
    target = Path(out) if out else data / "templates-bench"
    shutil.rmtree(target, ignore_errors=True)
    written = write_all(sources, "R5", year, target)
    wrote = time.perf_counter()
    own = figures(sources, year)
    items, skipped = [], 0
    singles = [w for w in written if not w.compiled]
    for i, w in enumerate(singles):
        if i % every:
            continue
        if w.senders[0] not in own:
            skipped += 1  # no figures of that school and year to fill in (its report was refused or never sent)
            continue
        items.append((w.path.name, fill(w.path, {w.senders[0]: own[w.senders[0]]})))
    compiled = [w for w in written if w.compiled]
    for w in compiled:
        if not any(c in own for c in w.senders):
            skipped += 1  # a district none of whose schools has figures that year
            continue
        # the returns the district has: the rows of schools with no figures for the year are left out
        items.append((w.path.name, fill(w.path, {c: own[c] for c in w.senders if c in own}, only_filled=True)))
    filled = time.perf_counter()
    ctx = reference_context(data / "warehouse.duckdb")
    verdicts = check_many(items, ctx)
    checked = time.perf_counter()
    refused = [{"file": name, "status": v.status, "message": v.message_zh,
                "first_issue": (v.issues.filter(pl.col("severity") == "error").head(1).to_dicts() or [None])[0]}
               for (name, _), v in zip(items, verdicts) if v.status != "accepted"]
    return {
        "year": year,
        "schools": len(singles),
        "district_workbooks": len(compiled),
        "open_s": round(opened - started, 3),
        "write_s": round(wrote - opened, 3),
        "per_template_ms": round((wrote - opened) * 1000 / max(len(written), 1), 2),
        "filled": len(items),
        "not_filled_no_figures": skipped,
        "fill_s": round(filled - wrote, 3),
        "check_s": round(checked - filled, 3),
        "accepted": sum(v.status == "accepted" for v in verdicts),
        "refused": refused[:20],
        "refused_count": len(refused),
        "bytes": sum(w.path.stat().st_size for w in written),
    }
