"""Fixed reference data from seeds/: districts, targets, report deadlines, code labels.

Only districts and targets (and deadlines) are fixed reference data; the school registry (R0)
arrives through the inbox like any report.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.reference.codes import CODE_LISTS
from pipelines.settings import SEEDS_DIR
from warehouse import transaction

REFERENCE_TABLES = ("ref.districts", "ref.targets", "ref.code_labels")


def read_seeds(seeds_dir: Path = SEEDS_DIR) -> dict[str, pl.DataFrame]:
    districts = pl.read_csv(seeds_dir / "districts.csv", schema_overrides={"district_code": pl.String})
    targets = pl.read_csv(seeds_dir / "targets.csv", schema_overrides={"target_year": pl.Int32})
    labels = pl.DataFrame(
        [
            {"code_list": name, "code": code, "label_zh": zh, "label_en": en, "sort_order": i}
            for name, codes in CODE_LISTS.items()
            for i, (code, (zh, en, _)) in enumerate(codes.items())
        ]
    )
    return {"ref.districts": districts, "ref.targets": targets, "ref.code_labels": labels}


def read_deadlines(seeds_dir: Path = SEEDS_DIR) -> pl.DataFrame:
    return pl.read_csv(seeds_dir / "deadlines.csv")


def load_reference(con: duckdb.DuckDBPyConnection, seeds_dir: Path = SEEDS_DIR) -> dict[str, int]:
    """Replace the reference tables with the seeds, in one transaction (idempotent)."""
    frames = read_seeds(seeds_dir)
    with transaction(con):
        for table in REFERENCE_TABLES:
            con.execute(f"delete from {table}")
            con.register("_seed", frames[table].to_arrow())
            con.execute(f"insert into {table} by name select * from _seed")
            con.unregister("_seed")
    return {t: f.height for t, f in frames.items()}
