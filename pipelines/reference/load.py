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

REFERENCE_TABLES = ("ref.districts", "ref.targets", "ref.code_labels", "ref.district_targets")
DISTRICT_TARGETS_SCHEMA = {"indicator_id": pl.String, "district_code": pl.String, "target_value": pl.Float64,
                           "target_year": pl.Int32, "is_example": pl.Boolean, "source": pl.String}


class SeedsError(ValueError):
    """A seeds file that cannot be loaded: the message says what, where and how to fix it."""


def read_district_targets(path: Path, targets: pl.DataFrame, districts: pl.DataFrame) -> pl.DataFrame:
    """The districts' shares of the city's count targets (目标分解), checked against the city's
    targets and the districts: a district without a row has no share (nothing is made up for it)."""
    if not path.exists():
        return pl.DataFrame(schema=DISTRICT_TARGETS_SCHEMA)
    frame = pl.read_csv(path, schema_overrides=DISTRICT_TARGETS_SCHEMA)
    missing = set(DISTRICT_TARGETS_SCHEMA) - set(frame.columns)
    if missing:
        raise SeedsError(f"{path.name} 缺少列 {sorted(missing)}：表头须为 {','.join(DISTRICT_TARGETS_SCHEMA)} / "
                             f"{path.name} lacks columns {sorted(missing)}")
    frame = frame.select(list(DISTRICT_TARGETS_SCHEMA)).with_columns(pl.col("is_example").fill_null(False))
    counts = targets.filter(pl.col("unit") != "%")
    known = dict(zip(counts["indicator_id"].to_list(), counts["kind"].to_list()))
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        where = f"{path.name} 第{line}行 / line {line}"
        if row["indicator_id"] not in known:
            raise SeedsError(f"{where}：指标 {row['indicator_id']!r} 不是有市级数量目标的指标，可分解的有 "
                                 f"{sorted(known)} / not a city count target")
        if row["district_code"] not in set(districts["district_code"].to_list()):
            raise SeedsError(f"{where}：区划代码 {row['district_code']!r} 不是天津市的区（见 seeds/districts.csv）"
                                 " / not a Tianjin district code")
        if row["target_value"] is None or row["target_value"] < 0:
            raise SeedsError(f"{where}：目标值须为 0 或正数 / the target must be 0 or more")
        if known[row["indicator_id"]] == "stock" and row["target_year"] is None:
            raise SeedsError(f"{where}：存量目标须填写目标年份（如 2030）/ a stock target needs its year")
    duplicated = frame.filter(frame.select("indicator_id", "district_code").is_duplicated())
    if duplicated.height:
        first = duplicated.row(0, named=True)
        raise SeedsError(f"{path.name}：{first['indicator_id']} 在区 {first['district_code']} 重复分解，每区只能一行 / "
                             "one row per indicator and district")
    return frame


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
    return {"ref.districts": districts, "ref.targets": targets, "ref.code_labels": labels,
            "ref.district_targets": read_district_targets(seeds_dir / "district_targets.csv", targets, districts)}


def read_deadlines(seeds_dir: Path = SEEDS_DIR) -> pl.DataFrame:
    return pl.read_csv(seeds_dir / "deadlines.csv")


def _holds(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> bool:
    """Whether a reference table holds exactly the seed's rows (in any order)."""
    stored = con.sql(f"select {', '.join(frame.columns)} from {table}").pl()
    if stored.height != frame.height:
        return False
    try:
        seed = frame.cast(stored.schema)
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        return False
    return stored.sort(stored.columns, nulls_last=True).equals(seed.sort(seed.columns, nulls_last=True))


def load_reference(con: duckdb.DuckDBPyConnection, seeds_dir: Path = SEEDS_DIR) -> dict[str, int]:
    """Replace the reference tables with the seeds, in one transaction (idempotent). Tables that
    already hold the seeds' rows are left alone: a run writes nothing when the seeds are as before."""
    frames = read_seeds(seeds_dir)
    if all(_holds(con, table, frames[table]) for table in REFERENCE_TABLES):
        return {t: f.height for t, f in frames.items()}
    with transaction(con):
        for table in REFERENCE_TABLES:
            con.execute(f"delete from {table}")
            con.register("_seed", frames[table].to_arrow())
            con.execute(f"insert into {table} by name select * from _seed")
            con.unregister("_seed")
    return {t: f.height for t, f in frames.items()}
