"""What every page shares: the filters' current values, the page header with the data's as-of
and snapshot, labels of codes, status badges, and charts that always come with their table."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboards import auth, charts, data, media  # noqa: F401  (media: made-on-click downloads kept)
from dashboards import format as fmt
from dashboards.glance_text import FIELD_LABELS
from dashboards.i18n import DEFAULT_LANG, t
from pipelines.exports import files

CITY = data.CITY


@dataclass(frozen=True)
class Context:
    """The filters and the snapshot a page is drawn from."""

    snap: data.Snapshot
    lang: str
    year: int
    district: str | None  # None: the whole city
    years: tuple[int, ...]

    @property
    def geo(self) -> str:
        return self.district or CITY


def lang() -> str:
    return st.session_state.get("lang", DEFAULT_LANG)


def tr(key: str, **values) -> str:
    """Translate into the language chosen in the sidebar."""
    return t(key, lang(), **values)


def context() -> Context:
    """The shared sidebar's values (set by streamlit_app.py before the page runs)."""
    snap = st.session_state.get("_snapshot")
    if snap is None:
        st.warning(tr("no_snapshot"))
        st.stop()
    district = st.session_state.get("district") or CITY
    if not snap.scope.is_city_wide and district not in snap.districts:
        district = CITY  # a district bureau's filter holds the city and its own district, nothing else
    return Context(
        snap=snap,
        lang=lang(),
        year=_year(snap),
        district=None if district == CITY else district,
        years=tuple(st.session_state.get("_years", ())),
    )


def _year(snap: data.Snapshot) -> int:
    """The year filter's value; a viewer without filters (a school) reads the year of the data's
    as-of (Beijing time), else the newest year of the snapshot's figures, else this year."""
    chosen = st.session_state.get("year")
    if chosen is not None:
        return int(chosen)
    years = st.session_state.get("_years") or ()
    if years:
        return int(max(years))
    as_of = data.snapshot_meta(snap).get("as_of")
    if as_of is not None:
        return fmt.to_beijing(as_of).year
    return fmt.to_beijing(datetime.now(UTC)).year


def page_header(ctx: Context, title_key: str, intro_key: str | None = None, *, of_rows: bool = False) -> None:
    """Title, scope (year and place) and the data's provenance, on every page. `of_rows`: the page
    shows school-level rows, so its place is what the viewer's scope holds (`rows_place`)."""
    st.title(tr(title_key))
    st.caption(provenance(ctx, of_rows=of_rows))
    if intro_key:
        st.markdown(tr(intro_key))


def provenance(ctx: Context, *, of_rows: bool = False) -> str:
    meta = data.snapshot_meta(ctx.snap)
    return tr(
        "provenance",
        as_of=fmt.fmt_datetime(meta.get("as_of"), ctx.lang),
        snapshot=ctx.snap.name,
        published_at=fmt.fmt_datetime(meta.get("published_at"), ctx.lang),
        year=fmt.fmt_year(ctx.year, ctx.lang),
        place=rows_place(ctx) if of_rows else place_name(ctx, ctx.district),
    )


# ---------------------------------------------------------------- labels of codes and places

def place_name(ctx: Context, geo: str | None) -> str:
    if geo in (None, "", CITY):
        return tr("whole_city")
    frame = data.districts(ctx.snap).filter(pl.col("district_code") == geo)
    if frame.is_empty():
        return str(geo)
    return frame.item(0, "district_name_zh" if ctx.lang == "zh" else "district_name_en")


def rows_place(ctx: Context) -> str:
    """The place of a section drawn from school-level rows (listings, the marts): for a viewer whose
    scope is one district or a few schools, "全市" would be untrue there (the rows are only those
    the scope holds), so the section names what the viewer sees."""
    if ctx.district is not None or ctx.snap.scope.is_city_wide:
        return place_name(ctx, ctx.district)
    names = district_names(ctx)
    codes = ctx.snap.scope.districts or ctx.snap.scope.schools
    separator = "、" if ctx.lang == "zh" else ", "
    return tr("rows_place", districts=separator.join(names.get(c, c) for c in codes))


def visible_district(ctx: Context, code: str) -> bool:
    """Whether the viewer's scope may see a district's own figures (a district bureau: its own)."""
    return ctx.snap.scope.is_city_wide or code in ctx.snap.scope.districts


def withheld_districts_note(ctx: Context) -> None:
    """Under a by-district view: the districts whose figures the viewer may not see, named as such
    (they are left out, never drawn as zero or as 'no data')."""
    names = district_names(ctx)
    withheld = [names[g] for g in names if not visible_district(ctx, g)]
    if withheld:
        separator = "、" if ctx.lang == "zh" else ", "
        st.caption(tr("districts_withheld", n=len(withheld), districts=separator.join(withheld)))


def district_names(ctx: Context) -> dict[str, str]:
    frame = data.districts(ctx.snap)
    column = "district_name_zh" if ctx.lang == "zh" else "district_name_en"
    return dict(zip(frame["district_code"].to_list(), frame[column].to_list()))


def code_label(ctx: Context, code_list: str, code: str | None) -> str:
    """The label of a code (stage, discipline, school type, …) in the chosen language."""
    if code is None:
        return fmt.MISSING
    labels = code_labels(ctx, code_list)
    if code in labels:
        return labels[code]
    return tr("unknown") if code == "unknown" else str(code)


def code_labels(ctx: Context, code_list: str) -> dict[str, str]:
    return dict(_code_labels(ctx.snap, code_list, ctx.lang))


def code_order(ctx: Context, code_list: str) -> list[str]:
    return list(_code_order(ctx.snap, code_list))


# The labels of a snapshot's codes never change (a new snapshot is a new key): looked up once,
# not once per cell (st.cache_data would hand back a fresh copy of the frame on every call).
@lru_cache(maxsize=256)
def _code_labels(snap: data.Snapshot, code_list: str, lang: str) -> tuple[tuple[str, str], ...]:
    frame = data.code_labels(snap).filter(pl.col("code_list") == code_list)
    column = "label_zh" if lang == "zh" else "label_en"
    return tuple(zip(frame["code"].to_list(), frame[column].to_list()))


@lru_cache(maxsize=256)
def _code_order(snap: data.Snapshot, code_list: str) -> tuple[str, ...]:
    frame = data.code_labels(snap).filter(pl.col("code_list") == code_list).sort("sort_order")
    return tuple(frame["code"].to_list())


def target_row(ctx: Context, indicator_id: str) -> dict | None:
    frame = data.targets(ctx.snap).filter(pl.col("indicator_id") == indicator_id)
    return None if frame.is_empty() else frame.row(0, named=True)


def indicator_name(ctx: Context, indicator_id: str) -> str:
    frame = data.definitions(ctx.snap).filter(pl.col("indicator_id") == indicator_id)
    if frame.is_empty():
        return indicator_id
    return frame.item(0, "name_zh" if ctx.lang == "zh" else "name_en")


def unit_word(unit: str) -> str:
    """'所', 'schools', … for a count unit ('' for %)."""
    return "" if unit == "%" else tr(f"unit_{unit}")


# ---------------------------------------------------------------- status

def status_word(status: str | None) -> str:
    return tr(f"status_{status}") if status else tr("status_none")


def status_badge(status: str | None) -> str:
    """HTML of a status: its word on its colour (Okabe–Ito), so it reads without colour too."""
    key = status or "insufficient_data"
    background = charts.STATUS_COLOURS.get(key, charts.OKABE_ITO["grey"])
    colour = charts.STATUS_TEXT_COLOURS.get(key, "#000000")
    return (f'<span class="kj-status" data-status="{html.escape(key)}" style="background:{background};'
            f'color:{colour};padding:2px 10px;border-radius:10px;font-weight:600;white-space:nowrap">'
            f"{html.escape(status_word(status))}</span>")


# ---------------------------------------------------------------- dates and times in tables

BEIJING_ZONE = "Asia/Shanghai"
DATE_FORMAT = {"zh": "YYYY年M月D日", "en": "YYYY-MM-DD"}
DATETIME_FORMAT = {"zh": "YYYY年M月D日 HH:mm", "en": "YYYY-MM-DD HH:mm"}


def date_column(values) -> pl.Series:
    """Dates as dates (a table sorts them by time, not as text), shown the Chinese way by the
    table's column format (column_config)."""
    return pl.Series(values, dtype=pl.Date, strict=False)


def time_column(values) -> pl.Series:
    """Warehouse times (UTC) as Beijing times, kept as times so that they sort; their header says
    Beijing time (column_config)."""
    local = [None if v is None else fmt.to_beijing(datetime.fromisoformat(v) if isinstance(v, str) else v)
             .replace(tzinfo=None) for v in values]
    return pl.Series(local, dtype=pl.Datetime("us"), strict=False).dt.replace_time_zone(BEIJING_ZONE)


def column_config(table: pl.DataFrame) -> dict:
    """How a table shows its date and time columns (and says that times are Beijing time)."""
    config = {}
    for name, dtype in table.schema.items():
        if dtype == pl.Date:
            config[name] = st.column_config.DateColumn(name, format=DATE_FORMAT.get(lang(), DATE_FORMAT["zh"]))
        elif isinstance(dtype, pl.Datetime):
            config[name] = st.column_config.DatetimeColumn(name + tr("beijing_time_suffix"),
                                                           format=DATETIME_FORMAT.get(lang(), DATETIME_FORMAT["zh"]))
    return config


def dataframe(table: pl.DataFrame, key: str, **kwargs) -> None:
    """st.dataframe with the dates and times of the table shown as such (sortable)."""
    st.dataframe(table, hide_index=True, key=key, column_config=column_config(table), **kwargs)


# ---------------------------------------------------------------- charts and their tables

def chart_with_table(fig: go.Figure, table: pl.DataFrame, key: str, *, download: pl.DataFrame | None = None) -> None:
    """A chart, and below it (folded) the table it was drawn from, with a CSV to download.

    `table` is what the reader sees (formatted the Chinese way); `download` the raw figures
    (defaults to `table`). CSV in UTF-8 with BOM so that Excel opens the Chinese correctly.
    """
    st.plotly_chart(fig, key=f"chart_{key}", config={"displaylogo": False})
    with st.expander(tr("chart_table")):
        dataframe(table, f"table_{key}")
        frame = download if download is not None else table
        download_button(tr("download_csv"), lambda: frame, download_name(key), key=f"download_{key}", now=True)


def download_button(label: str, frame: Callable[[], pl.DataFrame] | Callable[[], bytes], file_name: str, *,
                    key: str, mime: str = "text/csv", what: str = "", now: bool = False, **kwargs) -> None:
    """Every download of the dashboard, recorded in the audit log when clicked.

    `now=False` (a whole listing, a workbook, a PDF: costly to make): the file is made on click,
    with no rerun ("ignore"); a rerun on click would draw every deferred button of the page anew
    under new file ids and drop the id the browser asks for next. The made file is held for two
    minutes (`dashboards.media`): Streamlit's sweeps would remove it before the browser asks.
    `now=True` (a table the page has already read): the file is made with the page and handed
    over as it is, under an id of its content: the click fetches it at once, with no round trip
    for the server to answer first, and the download is recorded by the click's callback.

    `frame` gives a frame (written as a report-ready CSV in the language and with the place names
    of the moment the button was drawn: a deferred click runs outside any script run) or the bytes."""
    viewer, words = auth.current_viewer(), _download_words()

    def made() -> bytes:
        got = frame()
        return got if isinstance(got, bytes) else files.csv_bytes(report_ready(got, *words))

    def record() -> None:
        auth.record("download", viewer, subject=file_name, **({"detail": {"what": what}} if what else {}))

    def payload() -> bytes:
        body = made()
        record()
        return body

    icon = kwargs.pop("icon", ":material/download:")
    if now:
        st.download_button(label, data=made(), file_name=file_name, mime=mime, key=key, icon=icon,
                           on_click=record, **kwargs)
    else:
        st.download_button(label, data=payload, file_name=file_name, mime=mime, key=key, icon=icon,
                           on_click="ignore", **kwargs)


DISTRICT_COLUMNS = {"district_code": "district_name", "geo_code": "geo_name"}


def _district_lookup() -> dict[str, str]:
    snap = st.session_state.get("_snapshot")
    if snap is None:
        return {}
    try:
        frame = data.districts(snap)
    except data.SnapshotUnavailable:
        return {}
    names = dict(zip(frame["district_code"].to_list(),
                     frame["district_name_zh" if lang() == "zh" else "district_name_en"].to_list()))
    names[CITY] = tr("whole_city")
    return names


def _download_words() -> tuple[str, dict[str, str], str]:
    """The language, the district names and the word for Beijing time of this script run."""
    return lang(), _district_lookup(), tr("beijing_time_suffix")


def report_ready(frame: pl.DataFrame, language: str | None = None, names: dict[str, str] | None = None,
                 time_suffix: str | None = None) -> pl.DataFrame:
    """A download as a report wants it: headers in the reader's language (Chinese by default,
    through the one translation table), each district code with its name beside it, and every
    time in Beijing time with the header saying so (warehouse times are UTC)."""
    language = language or lang()
    time_suffix = time_suffix if time_suffix is not None else t("beijing_time_suffix", language)
    if names is None:
        names = _district_lookup() if set(DISTRICT_COLUMNS) & set(frame.columns) else {}
    columns, index = [], 1 if language == "en" else 0
    for name, dtype in frame.schema.items():
        label = FIELD_LABELS[name][index] if name in FIELD_LABELS else name
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            zoned = column.dt.replace_time_zone("UTC") if dtype.time_zone is None else column
            columns.append(zoned.dt.convert_time_zone(BEIJING_ZONE).dt.strftime("%Y-%m-%d %H:%M:%S")
                           .alias(label + time_suffix))
            continue
        columns.append(column.alias(label))
        if name in DISTRICT_COLUMNS and names and dtype == pl.String:
            partner = DISTRICT_COLUMNS[name]
            columns.append(column.replace_strict(names, default=None, return_dtype=pl.String)
                           .alias(FIELD_LABELS[partner][index]))
    return frame.select(columns)


def as_of_stamp(snap: data.Snapshot | None = None) -> str:
    """The data's as-of in Beijing time for a file name: '2026-11-24_1308' ('' without a snapshot)."""
    snap = snap or st.session_state.get("_snapshot")
    if snap is None:
        return ""
    as_of = data.snapshot_meta(snap).get("as_of")
    return f"{fmt.to_beijing(as_of):%Y-%m-%d_%H%M}" if as_of else ""


def download_name(stem: str, suffix: str = "csv", snap: data.Snapshot | None = None) -> str:
    """A download's file name names the data's as-of (Beijing time): 'shs_candidates_2026_截至2026-11-24_1308.csv'."""
    stamp = as_of_stamp(snap)
    if not stamp:
        return f"{stem}.{suffix}"
    return f"{stem}_{tr('as_of_word')}{stamp}.{suffix}"


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV in UTF-8 with BOM (Excel then opens the Chinese correctly), report-ready (report_ready:
    headers in the reader's language, district names, Beijing time), lists '; '-joined, and text a
    spreadsheet would run as a formula neutralised: the product's one writer (pipelines/exports/files.py)."""
    return files.csv_bytes(report_ready(frame))


def table_with_download(table: pl.DataFrame, key: str, *,
                        download: pl.DataFrame | Callable[[], pl.DataFrame] | None = None,
                        height: int | str = "auto") -> None:
    """A table and its CSV. `download` may be a function giving the frame: the file is then made
    only when the button is clicked (a whole listing, when the table shows one page of it)."""
    dataframe(table, f"table_{key}", height=height)
    fetch = download if callable(download) else (lambda: download if download is not None else table)
    download_button(tr("download_csv"), fetch, download_name(key), key=f"download_{key}", now=not callable(download))


def paged_table(key: str, total: int, page: Callable[[int, int], pl.DataFrame],
                shown: Callable[[pl.DataFrame], pl.DataFrame], *, download: Callable[[], pl.DataFrame],
                height: int | str = "auto", page_rows: int = data.PAGE_ROWS) -> None:
    """A listing of `total` rows shown `page_rows` at a time: `page(limit, offset)` reads one page
    (in SQL), `shown` words it for the reader, `download` gives every row for the CSV (on click)."""
    pages = max(1, math.ceil(total / page_rows))
    number = 1
    if pages > 1:
        widget = f"page_{key}"
        if not 1 <= st.session_state.get(widget, 1) <= pages:  # fewer rows since (another filter)
            st.session_state[widget] = 1
        number = int(st.number_input(tr("table_page", pages=fmt.fmt_int(pages)), min_value=1, max_value=pages,
                                     step=1, key=widget, width=220))
    offset = (number - 1) * page_rows
    frame = page(page_rows, offset)
    if pages > 1:
        st.caption(tr("table_rows_shown", first=fmt.fmt_int(offset + 1), last=fmt.fmt_int(offset + frame.height),
                      total=fmt.fmt_int(total)))
    table_with_download(shown(frame), key, download=download, height=height)


def no_data(what_key: str = "no_data") -> None:
    st.info(tr(what_key))


# ---------------------------------------------------------------- files received, waiting for a run

def waiting_uploads(viewer, snap: data.Snapshot | None) -> None:
    """The viewer's files received on the upload page that no run has ingested yet, shown at once
    as "received, waiting for the next run" (nothing when there are none)."""
    if viewer is None:
        return
    ingested = frozenset()
    if snap is not None:
        try:
            ingested = frozenset(data.submissions(snap)["inbox_path"].to_list())
        except data.SnapshotUnavailable:
            pass
    waiting = data.waiting_uploads(viewer.identity, viewer.role.value, tuple(viewer.scope.schools),
                                   tuple(viewer.scope.districts), ingested)
    if waiting.is_empty():
        return
    st.markdown("#### " + tr("waiting_title", n=fmt.fmt_int(waiting.height)))
    dataframe(pl.DataFrame({
        tr("col_file"): waiting["original_name"].to_list(),
        tr("col_uploaded"): time_column(waiting["uploaded_at"].to_list()),
        tr("my_col_status"): [tr("waiting_status")] * waiting.height,
    }), "table_waiting_uploads")
    st.caption(tr("waiting_note"))


# ---------------------------------------------------------------- where a figure comes from

def lineage(ctx: Context, indicator_id: str, period: int, geo: str | None = None, breakdown: str = "", *,
            key: str) -> None:
    """A "来源" button beside a figure: the files behind it (name, sender, arrival in Beijing time),
    how many of their rows, and the rule that combined them, as the viewer's scope may see them."""
    geo = geo or CITY
    with st.popover(tr("lineage_button"), icon=":material/account_tree:", key=f"lineage_{key}"):
        _lineage_body(ctx, indicator_id, period, geo, breakdown, key)


def lineage_explorer(ctx: Context, indicator_ids: list[str], *, key: str) -> None:
    """Any value of the page's indicators (any year, place the viewer may see, breakdown cell): its
    files, rows and rule, as the "来源" button gives them for a headline figure."""
    with st.expander(tr("lineage_explorer_title"), icon=":material/account_tree:"):
        names = {i: indicator_name(ctx, i) for i in indicator_ids}
        chosen = st.selectbox(tr("col_indicator"), indicator_ids, format_func=names.get, key=f"lx_ind_{key}_{ctx.lang}")
        values = data.indicator_values(ctx.snap).filter(pl.col("indicator_id") == chosen)
        if values.is_empty():
            no_data()
            return
        places = {CITY: tr("whole_city"), **{g: n for g, n in district_names(ctx).items()
                                               if g in set(values["geo_code"].to_list())}}
        c1, c2, c3 = st.columns(3)
        period = c1.selectbox(tr("year_label"), sorted(set(values["period"].to_list()), reverse=True),
                              key=f"lx_year_{key}")
        geo = c2.selectbox(tr("district_label"), [g for g in places if g in set(values["geo_code"].to_list())],
                           format_func=places.get, key=f"lx_geo_{key}_{ctx.lang}")
        cells = sorted(set(values.filter((pl.col("period") == period) & (pl.col("geo_code") == geo))["breakdown"]
                           .to_list()))
        breakdown = c3.selectbox(tr("lineage_breakdown"), cells or [""], key=f"lx_cell_{key}",
                                 format_func=lambda b: tr("lineage_total") if b == "" else _cell_label(ctx, b))
        row = values.filter((pl.col("period") == period) & (pl.col("geo_code") == geo) & (pl.col("breakdown") == breakdown))
        if not row.is_empty():
            r = row.row(0, named=True)
            shown = fmt.SUPPRESSED if fmt.value_hidden(r) else fmt.fmt_value(r["value"], r["unit"])
            st.metric(tr("col_value"), shown)
        _lineage_body(ctx, chosen, period, geo, breakdown, f"lx_{key}")


def _cell_label(ctx: Context, breakdown: str) -> str:
    """'stage=named' -> '阶段：验收命名' (a code's label where the snapshot has one)."""
    dimension, _, value = breakdown.partition("=")
    code_list = {"stage": "shs_stage", "discipline": "discipline", "member_type": "member_type", "gender": "gender",
                 "school_type": "school_type"}.get(dimension)
    label = code_label(ctx, code_list, value) if code_list else value
    return f"{tr('dimension_' + dimension) if dimension in DIMENSIONS else dimension}：{label}"


DIMENSIONS = ("stage", "discipline", "host_university", "gender", "member_type", "school_type")


def _lineage_body(ctx: Context, indicator_id: str, period: int, geo: str, breakdown: str, key: str) -> None:
    """The rule, the files and the rows behind one value (the viewer's scope)."""
    definition = data.definitions(ctx.snap).filter(pl.col("indicator_id") == indicator_id)
    st.markdown(tr("lineage_heading", indicator=indicator_name(ctx, indicator_id), year=period,
                   place=place_name(ctx, None if geo == CITY else geo)))
    if not definition.is_empty():
        st.markdown(tr("lineage_rule", rule=definition.item(0, "definition_zh" if ctx.lang == "zh" else "definition_en")))
    st.caption(tr("lineage_in_force"))
    frame = data.value_lineage(ctx.snap, indicator_id, period, geo, breakdown)
    if frame.is_empty():
        closed = not ctx.snap.scope.is_city_wide and geo not in ctx.snap.scope.districts
        st.info(tr("lineage_not_visible") if closed else tr("lineage_none"))
        return
    files = (frame.group_by("submission_id", maintain_order=True)
             .agg(pl.col("original_name").first(), pl.col("sender_identity").first(), pl.col("inbox_path").first(),
                  pl.col("arrived_at").first(), pl.col("report_type").first(), pl.col("staging_rows").sum()))
    st.markdown(tr("lineage_summary", files=fmt.fmt_int(files.height), rows=fmt.fmt_int(frame["staging_rows"].sum())))
    shown = pl.DataFrame({
        tr("col_file"): [n or tr("not_visible_to_you") for n in files["original_name"].to_list()],
        tr("lineage_col_sender"): [s or (tr("lineage_shared_inbox") if p else tr("not_visible_to_you"))
                                   for s, p in zip(files["sender_identity"].to_list(), files["inbox_path"].to_list())],
        tr("col_arrived"): time_column(files["arrived_at"].to_list()),
        tr("col_report"): [tr(f"report_{r}") if r else fmt.MISSING for r in files["report_type"].to_list()],
        # rows of a roster are minors: under 5 not shown, as everywhere
        tr("lineage_col_rows"): [fmt.fmt_count_suppressed(n) for n in files["staging_rows"].to_list()]
        if fmt.counts_minors(indicator_id) else files["staging_rows"].to_list(),
    })
    dataframe(shown, f"table_lineage_{key}")
