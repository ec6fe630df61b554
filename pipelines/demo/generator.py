"""Deterministic synthetic demo reports for the inbox, with the ground truth they imply.

`generate(out_dir, schools, years, seed)` writes

    out_dir/inbox/<files>   reports as schools, universities and district bureaus send them:
                            .xlsx/.xls/.ods/.csv (UTF-8, UTF-8 with BOM, GB18030), title rows,
                            填报说明 sheets, 合计 rows, header and value variants, corrections,
                            bad files, files that are not reports and a byte-identical duplicate
    out_dir/arrivals.csv    file,arrived_at (ISO 8601 UTC); each file's mtime is set to it
    out_dir/expected.json   the ground truth, computed from the generator's own state
                            (its fields: `answer_key`)

`stage(demo_dir, inbox)` copies a generated inbox elsewhere and restores the mtimes from
arrivals.csv (a git checkout loses them). Everything is fictional (see `world`).

The modules of pipelines/demo: `world` (districts, schools, the registry's history),
`storylines/` (what each report type's senders send, one module each; what the demo holds and
which quirks each file type uses is told there), `render` (records -> rows in one office's
style), `inbox` (files written and their arrival stamped), `writers` (.xlsx/.xls/.ods/.csv),
`answer_key` (expected.json: the indicators computed a second, independent way).
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
from datetime import datetime
from pathlib import Path

from pipelines.demo.answer_key import expected
from pipelines.demo.inbox import Inbox
from pipelines.demo.storylines import STORYLINES
from pipelines.demo.world import AS_OF, LAST_YEAR, MIN_SCHOOLS, PROGRAMME_YEARS, build_world


def generate(out_dir: Path, schools: int = 1500, years: int = 3, seed: int = 2030) -> dict:
    """Write the demo inbox, arrivals.csv and expected.json under `out_dir`; return expected.json."""
    if years < len(PROGRAMME_YEARS):
        raise ValueError(f"years must be at least {len(PROGRAMME_YEARS)}: the programmes run 2024-2026")
    if schools < MIN_SCHOOLS:
        raise ValueError(f"schools must be at least {MIN_SCHOOLS}")
    out_dir = Path(out_dir)
    folder = _fresh_inbox(out_dir)
    rng = random.Random(seed)
    report_years = list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
    world = build_world(rng, schools, report_years)
    inbox = Inbox(folder, rng)
    for storyline in STORYLINES:
        storyline(inbox, world)
    truth = expected(
        inbox,
        world,
        {
            "schools": schools,
            "years": years,
            "seed": seed,
            "report_years": report_years,
            "as_of": AS_OF.isoformat(),
        },
    )
    with (out_dir / "arrivals.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "arrived_at"])
        writer.writerows([e["file"], e["arrived_at"]] for e in truth["files"])
    (out_dir / "expected.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return truth


def _fresh_inbox(out_dir: Path) -> Path:
    """An empty out_dir/inbox; a previous demo there is replaced, anything else is left alone."""
    folder = out_dir / "inbox"
    if folder.exists() and any(folder.iterdir()):
        if not (out_dir / "arrivals.csv").exists():
            raise FileExistsError(f"{folder} holds files that are not a generated demo; not overwriting")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_arrivals(demo_dir: Path) -> dict[str, datetime]:
    with (Path(demo_dir) / "arrivals.csv").open(encoding="utf-8", newline="") as f:
        return {row["file"]: datetime.fromisoformat(row["arrived_at"]) for row in csv.DictReader(f)}


def stage(demo_dir: Path, inbox: Path) -> int:
    """Copy demo_dir/inbox/* into `inbox`, each with its arrival time from arrivals.csv as mtime."""
    arrivals = read_arrivals(demo_dir)
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in (Path(demo_dir) / "inbox").iterdir() if p.is_file())
    missing = [p.name for p in files if p.name not in arrivals]
    if missing:
        raise ValueError(f"files without an arrival time in arrivals.csv: {missing[:5]}")
    for source in files:
        target = inbox / source.name
        shutil.copyfile(source, target)
        stamp = arrivals[source.name].timestamp()
        os.utime(target, (stamp, stamp))
    return len(files)
