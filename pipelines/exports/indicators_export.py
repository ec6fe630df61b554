"""`kejiao export`: the indicators of a published snapshot as CSV, Excel and Parquet.

Reads only the snapshot (current, or the history copy as of a date), never the warehouse.
Reproducible: the same snapshot gives the same bytes (rows in a fixed order, the workbook's
creation time set to the data's as-of). Text cells that a spreadsheet would take for a formula
(starting with = + - @, tab or carriage return) get a leading apostrophe in CSV and Excel; the
Parquet file keeps the values as they are, for analysts' tools.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter

import warehouse
from pipelines.exports import disclosure, files
from pipelines.exports.files import FORMULA_PREFIXES, neutralise  # noqa: F401  (one writer)
from pipelines.indicators.catalog import DIMENSION_LABELS, GROUPS, INDICATORS, STATUS_LABELS, UNIT_WORDS
from pipelines.indicators.progress import ACCELERATION_NEEDED, ON_TRACK, THRESHOLDS_SOURCE
from pipelines.reference.codes import CITY

FALLBACK_CREATED = datetime(2026, 1, 1)

CSV_COLUMNS = ["indicator_id", "indicator_name_zh", "period", "geo_code", "geo_name_zh", "breakdown",
               "breakdown_dimension", "breakdown_value", "breakdown_label_zh", "value", "unit", "numerator",
               "denominator", "target", "target_year", "status", "progress_ratio", "as_of", "submission_count"]
PARQUET_COLUMNS = [*CSV_COLUMNS, "submission_ids"]
# Chinese headers of the CSV the dashboard hands out in Chinese (`kejiao export` keeps the stable
# English names above, for scripts); `is_suppressed` says where a count of minors is "<5"
CSV_HEADERS_ZH = {
    "indicator_id": "指标代码", "indicator_name_zh": "指标名称", "period": "年度", "geo_code": "区划代码",
    "geo_name_zh": "区域", "breakdown": "分组代码", "breakdown_dimension": "分组维度", "breakdown_value": "分组值",
    "breakdown_label_zh": "分组名称", "value": "数值", "unit": "单位", "numerator": "分子", "denominator": "分母",
    "target": "目标值", "target_year": "目标年度", "status": "进展状态代码", "progress_ratio": "进展比率R",
    "as_of": "数据截至（北京时间）", "submission_count": "报送份数", "is_suppressed": "小于5已隐去",
}
BEIJING = timezone(timedelta(hours=8))

# (header, field, width, kind) of the indicator sheets; kind picks the number format
SHEET_COLUMNS = [
    ("指标代码", "indicator_id", 24, "text"),
    ("指标名称", "indicator_name_zh", 22, "text"),
    ("年度", "period", 7, "year"),
    ("区划代码", "geo_code", 10, "text"),
    ("区域", "geo_name_zh", 10, "text"),
    ("分组", "breakdown_text", 26, "text"),
    ("数值", "value", 11, "value"),
    ("单位", "unit_zh", 7, "text"),
    ("分子", "numerator", 11, "count"),
    ("分母", "denominator", 11, "count"),
    ("目标值", "target", 9, "value"),
    ("目标年度", "target_year_text", 9, "text"),
    ("进展状态", "status_zh", 11, "text"),
    ("进展比率R", "progress_ratio", 10, "ratio"),
    ("报送份数", "submission_count", 9, "count"),
]
UNIT_ZH = {unit: words[0] for unit, words in UNIT_WORDS.items()}


@dataclass
class ExportData:
    values: pl.DataFrame
    as_of: datetime | None
    targets: pl.DataFrame
    forecast: pl.DataFrame


def load_export(snapshot: Path) -> ExportData:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        values = con.sql(warehouse.sql("exports/indicator_values"), params={"city": CITY}).pl()
        as_of = con.sql("select as_of from meta.snapshot").fetchall()[0][0]
        targets = con.sql("select * from ref.targets order by indicator_id").pl()
        forecast = con.sql("select * from indicators.shs_forecast order by stage_order = 0, stage_order").pl()
    finally:
        con.close()
    # counts of minors from 1 to 4 never leave in any file (the dashboard's rule, pipelines/exports/disclosure.py)
    return ExportData(disclosure.suppressed_values(values), as_of, targets, forecast)


def beijing(value: datetime | None) -> datetime | None:
    """A warehouse time (UTC, without a zone) as Beijing time, with its offset."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(BEIJING)


def beijing_text(value: datetime | None) -> str:
    """'2026-10-15 16:00:00（北京时间）': how the files state a time."""
    local = beijing(value)
    return f"{local:%Y-%m-%d %H:%M:%S}（北京时间）" if local else "（无数据）"


def as_of_date(value: datetime | None) -> str:
    """The as-of day in Beijing (for file names): '2026-10-15'."""
    local = beijing(value)
    return f"{local:%Y-%m-%d}" if local else "no-data"


def csv_frame(data: ExportData, lang: str | None = None) -> pl.DataFrame:
    """The CSV's rows: small counts of minors as "<5", the as-of in Beijing time with its offset
    (ISO 8601, '2026-10-15T16:00:00+08:00'); English headers (None, `kejiao export`), else the
    dashboard's language ("zh": Chinese headers)."""
    frame = disclosure.as_text(data.values).with_columns(
        pl.col("as_of").dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Shanghai")
        .dt.strftime("%Y-%m-%dT%H:%M:%S%:z").alias("as_of"))
    frame = frame.select(*CSV_COLUMNS, "is_suppressed")
    return frame.rename(CSV_HEADERS_ZH) if lang == "zh" else frame


def write_csv(data: ExportData, path: Path, lang: str | None = None) -> Path:
    return files.write_csv(csv_frame(data, lang), path)


def write_parquet(data: ExportData, path: Path) -> Path:
    """Numbers stay numbers (a hidden count of minors is null, `is_suppressed` says so); the
    as-of is a timestamp in Asia/Shanghai."""
    frame = data.values.select(*PARQUET_COLUMNS, "is_suppressed").with_columns(
        pl.col("as_of").dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Shanghai"))
    frame.write_parquet(path, compression="zstd", statistics=False)
    return path


# --- Excel ---------------------------------------------------------------------------------

def _sheet_rows(values: pl.DataFrame) -> list[dict]:
    rows = []
    for r in values.iter_rows(named=True):
        dim = r["breakdown_dimension"]
        r["breakdown_text"] = "合计" if not dim else f"{DIMENSION_LABELS.get(dim, (dim,))[0]}：{r['breakdown_label_zh']}"
        r["unit_zh"] = UNIT_ZH.get(r["unit"], r["unit"])
        r["status_zh"] = STATUS_LABELS[r["status"]][0] if r["status"] else None
        r["target_year_text"] = (str(r["target_year"]) if r["target_year"] else "每年") if r["target"] is not None else None
        for column in ("value", "numerator", "denominator"):
            if r.get(f"{column}_suppressed"):
                r[column] = disclosure.SUPPRESSED
        rows.append(r)
    return rows


def _write_table(ws, formats: dict, columns: list[tuple[str, str, int, str]], rows: list[dict], first_row: int = 0,
                 freeze: bool = True):
    for c, (header, _, width, _) in enumerate(columns):
        ws.write_string(first_row, c, header, formats["header"])
        ws.set_column(c, c, width)
    for i, row in enumerate(rows, start=first_row + 1):
        for c, (_, field, _, kind) in enumerate(columns):
            value = row.get(field)
            if value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if kind == "value":
                    fmt = formats["percent"] if row.get("unit") == "%" else formats["count"]
                else:
                    fmt = formats.get(kind)
                ws.write_number(i, c, value, fmt)
            else:  # never ws.write(): text must stay text
                ws.write_string(i, c, neutralise(str(value)), formats["wrap" if kind == "wrap" else "text"])
    if freeze:
        ws.freeze_panes(first_row + 1, 0)
    if rows:
        ws.autofilter(first_row, 0, first_row + len(rows), len(columns) - 1)


def _headline_rows(data: ExportData) -> list[dict]:
    city = data.values.filter((pl.col("geo_code") == CITY) & (pl.col("breakdown") == "")
                              & pl.col("target").is_not_null())
    rows = []
    for r in _sheet_rows(city.sort("period").group_by("indicator_id", maintain_order=True).last()
                         .sort("sort_order")):
        t = data.targets.filter(pl.col("indicator_id") == r["indicator_id"]).to_dicts()
        r["note"] = "目标年度原文未载明，假定为2030年" if t and t[0]["deadline_assumed"] else None
        r["source"] = t[0]["source_quote_zh"] if t else None
        rows.append(r)
    return rows


def _notes(data: ExportData, as_of_text: str) -> list[tuple[str, str]]:
    notes = [
        ("数据截至", as_of_text),
        ("说明", "数据截至日为仓库中最新一份报送的到达时间；同一快照导出结果逐字节相同。"),
        ("年度", "所有指标均按自然年（1月1日至12月31日）计；存量指标取年末状态。"),
        ("区域", "区划代码120000为全市，其余为GB/T 2260区代码；“分组”为“合计”的行是总数。"),
        ("目标", "目标值仅取自 seeds/targets.csv（ref.targets）；计数类目标只适用于全市合计，比率类目标适用于全市及各区合计。"),
        ("进展状态（存量目标）", (
            "线性法：R = ((v − b) / (T − b)) / ((t − t0) / (D − t0))，b 为首个报告年度 t0 的值，v 为 t 年的值，"
            f"T 为截止年度 D 的目标值。v ≥ T 为已实现；R ≥ {ON_TRACK} 按期推进；{ACCELERATION_NEEDED} ≤ R < {ON_TRACK} 需加快；"
            f"0 ≤ R < {ACCELERATION_NEEDED} 进展有限；R < 0 倒退；不足两个时间点为数据不足。阈值采用 {THRESHOLDS_SOURCE}。")),
        ("进展状态（年度目标）", "当年数值达到目标为已完成；未达到时，若为数据截至年度（含以后）为进行中，否则为未完成。"),
    ]
    for t in data.targets.iter_rows(named=True):
        if t["deadline_assumed"]:
            notes.append((f"{t['indicator_id']} 目标年度", f"原文未载明截止年度，假定为{t['target_year']}年。"))
    if data.forecast.height:
        notes.append(("科学高中阶段晋级", data.forecast["method_zh"][0]))
        notes.append(("科学高中展望", (
            "展望为一个中位数估计及其80%区间：以各阶段已观察的晋级率与用时模拟全部候选校2000次（仍在阶段中、等待已超过"
            "所有已观察晋级用时的学校按未晋级计入比率；固定随机种子），取截止年底前命名数的中位数与10%–90%分位。"
            "进展状态按线性方法判定，直线外推仅作参照。")))
    notes.append(("安全", "以 = + - @ 开头的文本已在前面加单引号，以免被电子表格当作公式执行。"))
    notes.append(("隐私", "本文件不含学生姓名、学籍号或导师身份信息；学员仅以汇总数出现。"))
    notes.append(("小数隐去", ("青少年科创计划的学员是未成年人：1至4人的计数记为“<5”；同一组中仅一格隐去时，另隐去最小的一格，"
                             "以免由合计推算；分子或分母隐去时，比例亦不列出。")))
    notes.append(("时间", "本文件中的时间均为北京时间（UTC+8）。"))
    return notes


def write_xlsx(data: ExportData, path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"title": "天津市科技教育2030目标进展指标", "created": data.as_of or FALLBACK_CREATED})
    formats = {
        "header": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                 "valign": "vcenter"}),
        "text": wb.add_format({"valign": "top"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "count": wb.add_format({"num_format": "#,##0"}),
        "percent": wb.add_format({"num_format": "0.0"}),
        "ratio": wb.add_format({"num_format": "0.00"}),
        "year": wb.add_format({"num_format": "0"}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "label": wb.add_format({"bold": True, "valign": "top"}),
    }
    as_of_text = beijing_text(data.as_of)

    ws = wb.add_worksheet("目标进展")
    headline_columns = [("指标代码", "indicator_id", 22, "text"), ("指标名称", "indicator_name_zh", 22, "text"),
                        ("最新年度", "period", 9, "year"), ("数值", "value", 10, "value"),
                        ("单位", "unit_zh", 7, "text"), ("目标值", "target", 9, "value"),
                        ("目标年度", "target_year_text", 9, "text"), ("进展状态", "status_zh", 11, "text"),
                        ("进展比率R", "progress_ratio", 10, "ratio"), ("备注", "note", 30, "text"),
                        ("目标原文", "source", 60, "text")]
    _write_table(ws, formats, headline_columns, _headline_rows(data))

    rows = _sheet_rows(data.values)
    for group, (group_zh, _) in GROUPS.items():
        ws = wb.add_worksheet(group_zh)
        _write_table(ws, formats, SHEET_COLUMNS, [r for r in rows if r["indicator_group"] == group])

    if data.forecast.height:
        ws = wb.add_worksheet("科学高中预测")
        stage_zh = {"applied": "申报", "district_recommended": "区推荐", "city_approved": "市立项",
                    "midterm_reviewed": "中期评估", "": "合计"}
        frows = [{**r, "stage_zh": stage_zh.get(r["stage"], r["stage"])} for r in data.forecast.iter_rows(named=True)]
        _write_table(ws, formats, [
            ("阶段", "stage_zh", 10, "text"), ("候选校数", "candidates", 9, "count"),
            ("已观察晋级", "transitions_observed", 10, "count"), ("已观察退出", "withdrawals_observed", 10, "count"),
            ("仍在阶段", "still_in_stage", 9, "count"), ("晋级率", "transition_rate", 8, "ratio"),
            ("晋级用时中位数(天)", "median_days_to_next", 12, "count"),
            ("至命名概率", "probability_named", 10, "ratio"), ("至命名用时(天)", "median_days_to_named", 12, "count"),
            ("现已命名", "named_now", 9, "count"),
            ("展望：截止年底预计命名（中位数）", "outlook_central", 14, "count"),
            ("区间下限（10%）", "outlook_low", 10, "count"), ("区间上限（90%）", "outlook_high", 10, "count"),
            ("等待已超过所有已观察晋级用时的候选校", "stuck_in_stage", 14, "count"),
            ("直线外推至截止年度（参照）", "linear_projection_by_deadline", 14, "ratio"), ("目标", "target", 7, "count"),
            ("截止年度", "deadline_year", 9, "year"),
        ], frows)

    ws = wb.add_worksheet("说明")
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 100)
    ws.write_string(0, 0, "天津市科技教育2030目标进展指标 · 说明", formats["title"])
    r = 2
    for label, text in _notes(data, as_of_text):
        ws.write_string(r, 0, label, formats["label"])
        ws.write_string(r, 1, neutralise(text), formats["wrap"])
        r += 1
    r += 1
    _write_table(ws, formats, [("指标代码", "id", 22, "text"), ("名称、单位与口径", "text", 100, "wrap")],
                 [{"id": i.id, "text": f"{i.name_zh}（{UNIT_ZH.get(i.unit, i.unit)}）：{i.definition_zh}"}
                  for i in INDICATORS], first_row=r, freeze=False)
    wb.close()
    return path


def _quiet(_: str) -> None:
    """What is being done, told to nobody."""


def export_indicators(snapshot: Path, out_dir: Path, lang: str | None = None,
                      status: Callable[[str], None] = _quiet) -> dict[str, Path]:
    """Write indicators.csv, indicators.xlsx and indicators.parquet from a snapshot into out_dir
    (the CSV's headers: stable English names, or Chinese with lang="zh"). `status` hears what is
    being done (the command line shows it on a terminal)."""
    status(f"读取快照 reading the snapshot: {snapshot.name}")
    data = load_export(snapshot)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    for kind, write in (("csv", lambda p: write_csv(data, p, lang)), ("xlsx", lambda p: write_xlsx(data, p)),
                        ("parquet", lambda p: write_parquet(data, p))):
        status(f"写 writing indicators.{kind}")
        out[kind] = write(out_dir / f"indicators.{kind}")
    return out


def export_command(published_dir: Path, out_dir: Path, as_of: str | None, snapshot: Path | None,
                   echo: Callable[..., None], status: Callable[[str], None] = _quiet) -> int:
    """`kejiao export`: pick the snapshot (given, current, or as of a date) and write the three files."""
    from pipelines.publish.snapshot import snapshot_for

    try:
        when = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        echo(f"日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD: {as_of}", err=True)
        return 2
    try:
        source = snapshot.resolve() if snapshot else snapshot_for(published_dir, when)
    except FileNotFoundError as exc:
        echo(f"未找到发布快照 / {exc}", err=True)
        return 1
    files = export_indicators(source, out_dir, status=status)
    echo(f"快照 snapshot: {source}")
    for kind, path in files.items():
        echo(f"  {kind:<8} {path}")
    return 0
