"""What the briefing says, read from the published snapshot (never from the live warehouse)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipelines.indicators.catalog import INDICATORS, STATUS_LABELS, UNIT_WORDS
from pipelines.reference.codes import CITY
from pipelines.reference.load import read_seeds

BEIJING = timedelta(hours=8)

# the one vocabulary (pipelines.indicators.catalog): the names, unit words and statuses the
# dashboard and the exports use
INDICATOR_ZH = {i.id: i.name_zh for i in INDICATORS}
UNIT_ZH = {unit: words[0] for unit, words in UNIT_WORDS.items()}
STATUS_ZH = {status: words[0] for status, words in STATUS_LABELS.items()}
STATUS_TONE = {
    "achieved": "good", "on_track": "good", "met": "good",
    "acceleration_needed": "warn", "in_progress": "warn",
    "limited_progress": "bad", "deterioration": "bad", "not_met": "bad",
    "insufficient_data": "none",
}
# the targets the briefing leads with, in the order of the source; then what is tracked without one
TARGET_ORDER = ["SHS_NAMED", "FLB_ACTIVE", "YIP_ENROLLED", "YIP_DUAL_MENTOR", "STE_VICE_PRINCIPAL"]
TRACKED = ["STE_PARTICIPATION", "ALLIANCE_MEMBERS", "ALLIANCE_DISTRICTS", "YIP_COMPLETION"]
# a district needs attention when any of these is below its line (latest year with district data)
ATTENTION_LINES = {
    "REPORTING_COMPLETENESS": (90.0, "年报报送完整率低于90%"),
    "STE_VICE_PRINCIPAL": (80.0, "科学副校长配备率低于80%"),
}
PARTICIPATION_GAP = 10.0  # percentage points below the city


class BriefingError(RuntimeError):
    """The briefing cannot be made; the message says why, in Chinese and English."""


@dataclass
class TargetView:
    indicator_id: str
    label_zh: str
    unit: str
    kind: str
    target: float | None
    target_year: int | None
    deadline_assumed: bool
    source_quote_zh: str
    series: pl.DataFrame  # period, value, numerator, denominator, status, progress_ratio (city, total)
    latest: dict | None

    @property
    def status(self) -> str:
        return (self.latest or {}).get("status") or "insufficient_data"


@dataclass
class BriefingData:
    as_of: date
    snapshot: Path
    data_as_of: datetime | None  # newest arrival behind the figures (UTC, naive)
    targets: list[TargetView]
    tracked: list[TargetView]
    attention: pl.DataFrame  # district_name_zh, reasons, completeness, vice_principal, participation
    attention_period: int | None
    completeness: dict | None
    submission_count: int
    notes: list[str] = field(default_factory=list)
    # 目标分解: districts against their own shares, best progress ratio first (empty: none assigned)
    district_ranking: pl.DataFrame = field(default_factory=pl.DataFrame)
    districts_without_share: dict[str, int] = field(default_factory=dict)  # label_zh -> districts without a share

    @property
    def month_label(self) -> str:
        return f"{self.as_of.year}年{self.as_of.month}月"

    @property
    def data_as_of_label(self) -> str:
        if self.data_as_of is None:
            return "暂无数据"
        return f"{self.data_as_of + BEIJING:%Y年%m月%d日 %H:%M}（北京时间）"


def _open(snapshot: Path) -> duckdb.DuckDBPyConnection:
    if not snapshot.exists():
        raise BriefingError(
            f"未找到发布快照 {snapshot}：请先运行数据管道（kejiao materialize 或 Dagster 的 refresh_all）生成快照。"
            f" / The published snapshot {snapshot} does not exist: run the pipeline first."
        )
    try:
        con = duckdb.connect(str(snapshot), read_only=True)
    except duckdb.Error as exc:
        raise BriefingError(f"无法打开发布快照 {snapshot} / Cannot open the published snapshot: {exc}") from exc
    present = con.sql(
        "select count(*) from information_schema.tables "
        "where table_schema = 'indicators' and table_name = 'indicator_values'"
    ).fetchall()[0][0]
    if not present:
        con.close()
        raise BriefingError(
            f"发布快照 {snapshot} 中没有指标表 indicators.indicator_values / "
            "The snapshot has no indicators.indicator_values table"
        )
    return con


def _targets(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """ref.targets from the snapshot when it carries one, else from seeds/targets.csv."""
    has_ref = con.sql(
        "select count(*) from information_schema.tables where table_schema = 'ref' and table_name = 'targets'"
    ).fetchall()[0][0]
    if has_ref:
        frame = con.sql("select * from ref.targets").pl()
        if frame.height:
            return frame
    return read_seeds()["ref.targets"]


def _view(indicator_id: str, values: pl.DataFrame, target_row: dict | None) -> TargetView:
    series = (
        values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("geo_code") == CITY)
                      & (pl.col("breakdown") == ""))
        .sort("period")
        .select("period", "value", "numerator", "denominator", "status", "progress_ratio", "unit", "target",
                "target_year")
    )
    latest = series.filter(pl.col("value").is_not_null()).tail(1).to_dicts()
    unit = series["unit"][0] if series.height else (target_row or {}).get("unit", "")
    target = (target_row or {}).get("target_value")
    if target is None and latest:
        target = latest[0].get("target")
    target_year = (target_row or {}).get("target_year")
    if target_year is None and latest:
        target_year = latest[0].get("target_year")
    return TargetView(
        indicator_id=indicator_id,
        label_zh=INDICATOR_ZH.get(indicator_id, indicator_id),
        unit=unit or "",
        kind=(target_row or {}).get("kind") or "tracked",
        target=float(target) if target is not None else None,
        target_year=int(target_year) if target_year is not None else None,
        deadline_assumed=bool((target_row or {}).get("deadline_assumed") or False),
        source_quote_zh=(target_row or {}).get("source_quote_zh") or "",
        series=series,
        latest=latest[0] if latest else None,
    )


def _attention(values: pl.DataFrame, districts: pl.DataFrame) -> tuple[pl.DataFrame, int | None]:
    ids = [*ATTENTION_LINES, "STE_PARTICIPATION"]
    district_rows = values.filter(pl.col("indicator_id").is_in(ids) & (pl.col("breakdown") == "")
                                  & pl.col("value").is_not_null())
    if district_rows.filter(pl.col("geo_code") != CITY).is_empty():
        return pl.DataFrame(), None
    period = int(district_rows.filter(pl.col("geo_code") != CITY)["period"].max())
    latest = district_rows.filter(pl.col("period") == period)
    wide = latest.pivot(on="indicator_id", index="geo_code", values="value", aggregate_function="first")
    for col in ids:
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(col))
    city = wide.filter(pl.col("geo_code") == CITY).to_dicts()
    city_participation = city[0].get("STE_PARTICIPATION") if city else None
    rows = []
    for r in wide.filter(pl.col("geo_code") != CITY).iter_rows(named=True):
        reasons = [text for ind, (line, text) in ATTENTION_LINES.items() if r[ind] is not None and r[ind] < line]
        if (city_participation is not None and r["STE_PARTICIPATION"] is not None
                and r["STE_PARTICIPATION"] < city_participation - PARTICIPATION_GAP):
            reasons.append(f"学生参与科技活动比例低于全市{PARTICIPATION_GAP:.0f}个百分点以上")
        if reasons:
            rows.append({"district_code": r["geo_code"], "reasons": "；".join(reasons),
                         "completeness": r["REPORTING_COMPLETENESS"], "vice_principal": r["STE_VICE_PRINCIPAL"],
                         "participation": r["STE_PARTICIPATION"], "flags": len(reasons)})
    if not rows:
        return pl.DataFrame(), period
    frame = (
        pl.DataFrame(rows)
        .join(districts.select("district_code", "district_name_zh"), on="district_code", how="left")
        .sort(["flags", "completeness"], descending=[True, False], nulls_last=True)
    )
    return frame, period


def _district_ranking(con: duckdb.DuckDBPyConnection, targets: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """indicators.district_progress (a snapshot since issue 13), the districts with a share ranked by
    progress ratio within each target; and how many districts of each target have no share."""
    present = con.sql("select count(*) from information_schema.tables where table_schema = 'indicators' "
                      "and table_name = 'district_progress'").fetchall()[0][0]
    if not present:
        return pl.DataFrame(), {}
    frame = con.sql("select * from indicators.district_progress").pl()
    districts = read_seeds()["ref.districts"].select("district_code", "district_name_zh")
    labels = targets.select("indicator_id", "label_zh").with_row_index("target_order")  # the targets' own order
    frame = frame.join(districts, on="district_code", how="left").join(labels, on="indicator_id", how="left")
    without = {r["label_zh"] or r["indicator_id"]: r["len"] for r in
               frame.filter(~pl.col("has_share")).group_by("indicator_id", "label_zh").len().to_dicts()}
    ranked = (frame.filter(pl.col("has_share"))
              .sort(["target_order", "progress_ratio", "district_code"], descending=[False, True, False], nulls_last=True)
              .with_columns(rank=pl.int_range(1, pl.len() + 1).over("indicator_id")))
    return ranked, without


def load_briefing_data(snapshot: Path, as_of: date) -> BriefingData:
    con = _open(snapshot)
    try:
        values = con.sql("select * from indicators.indicator_values").pl()
        targets = _targets(con)
        ranking, without_share = _district_ranking(con, targets)
    finally:
        con.close()
    values = values.filter(pl.col("period") <= as_of.year)
    notes = []
    if values.is_empty():
        notes.append("快照中截至该日期尚无指标数据 / The snapshot holds no indicator values up to this date.")
    target_rows = {r["indicator_id"]: r for r in targets.to_dicts()}
    order = [i for i in TARGET_ORDER if i in target_rows] + [i for i in target_rows if i not in TARGET_ORDER]
    views = [_view(i, values, target_rows[i]) for i in order]
    tracked = [_view(i, values, None) for i in TRACKED if i not in target_rows]
    tracked = [t for t in tracked if t.latest is not None]
    districts = read_seeds()["ref.districts"]
    attention, attention_period = _attention(values, districts)
    completeness = _view("REPORTING_COMPLETENESS", values, None).latest
    data_as_of = values["as_of"].max() if values.height else None
    submission_count = (
        values.select(pl.col("submission_ids").explode().drop_nulls().n_unique()).item() if values.height else 0
    )
    return BriefingData(
        as_of=as_of, snapshot=snapshot, data_as_of=data_as_of, targets=views, tracked=tracked,
        attention=attention, attention_period=attention_period, completeness=completeness,
        submission_count=int(submission_count), notes=notes, district_ranking=ranking,
        districts_without_share=without_share,
    )
