"""Chart builders: pure functions from data and already-translated labels to a Plotly figure.

No Streamlit and no queries here: every builder takes what it draws and the words it shows
(title, axis titles with units, legend names) and returns a `go.Figure`. Colours come from the
Okabe–Ito palette, which stays distinguishable under the common colour-vision deficiencies; a
status is never told by colour alone (its word is on the card, in the hover and in the table).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

# Okabe & Ito (2008), "Color Universal Design"
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}
SERIES = [OKABE_ITO[c] for c in ("blue", "orange", "bluish_green", "vermillion", "sky_blue",
                                   "reddish_purple", "yellow", "black", "grey")]

STATUS_COLOURS = {
    "achieved": OKABE_ITO["blue"],
    "met": OKABE_ITO["blue"],
    "on_track": OKABE_ITO["bluish_green"],
    "in_progress": OKABE_ITO["sky_blue"],
    "acceleration_needed": OKABE_ITO["yellow"],
    "limited_progress": OKABE_ITO["orange"],
    "deterioration": OKABE_ITO["vermillion"],
    "not_met": OKABE_ITO["vermillion"],
    "insufficient_data": OKABE_ITO["grey"],
}
# text drawn on a status colour: dark on the light ones
STATUS_TEXT_COLOURS = {s: ("#000000" if s in {"acceleration_needed", "limited_progress", "in_progress",
                                               "insufficient_data"} else "#FFFFFF") for s in STATUS_COLOURS}

# fonts with Chinese glyphs first: the browser (and a static export) must not fall back to tofu
FONT_FAMILY = ("WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, PingFang SC, "
               "Microsoft YaHei, SimHei, sans-serif")

# a sequential scale from white to Okabe–Ito blue: readable by everyone, printable in grey
SEQUENTIAL = [[0.0, "#F7FBFF"], [0.5, "#7FB8DA"], [1.0, OKABE_ITO["blue"]]]


def _layout(fig: go.Figure, title: str, x_title: str | None, y_title: str | None, *,
            height: int = 380, legend: bool = True) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 16}},
        font={"family": FONT_FAMILY, "size": 14},
        height=height + (30 if legend else 0),
        margin={"l": 10, "r": 10, "t": 80 if legend else 60, "b": 10},
        showlegend=legend,
        # the legend sits between the title and the plot, never over either
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        separators=".,",  # 1,234.5 — the separators used in Chinese official statistics
        plot_bgcolor="#FFFFFF",
        paper_bgcolor="#FFFFFF",
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title, automargin=True, showgrid=False, linecolor="#444444")
    if y_title is not None:
        fig.update_yaxes(title_text=y_title, automargin=True, gridcolor="#E5E5E5", linecolor="#444444",
                         rangemode="tozero")
    return fig


def target_path(
    years: Sequence[int],
    actual: Sequence[float | None],
    *,
    path_years: Sequence[int],
    path_values: Sequence[float],
    projection_years: Sequence[int] = (),
    projection_values: Sequence[float] = (),
    forecast_year: int | None = None,
    forecast_value: float | None = None,
    target_year: int,
    target_value: float,
    names: dict[str, str],
    title: str,
    x_title: str,
    y_title: str,
) -> go.Figure:
    """Actual values per year against the straight path to the target, the extrapolation of
    the pace so far and (optionally) a forward-looking estimate for the deadline.

    `names` holds the legend words for 'actual', 'path', 'projection', 'forecast', 'target'.
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=list(path_years), y=list(path_values), name=names["path"], mode="lines",
        line={"color": OKABE_ITO["grey"], "dash": "dash", "width": 2},
        hovertemplate="%{x}: %{y:,.1f}<extra>" + names["path"] + "</extra>",
    ))
    if projection_years:
        fig.add_trace(go.Scatter(
            x=list(projection_years), y=list(projection_values), name=names["projection"], mode="lines",
            line={"color": OKABE_ITO["orange"], "dash": "dot", "width": 2},
            hovertemplate="%{x}: %{y:,.1f}<extra>" + names["projection"] + "</extra>",
        ))
    fig.add_trace(go.Scatter(
        x=list(years), y=list(actual), name=names["actual"], mode="lines+markers+text",
        text=[("" if v is None else f"{v:,.0f}") for v in actual], textposition="top center",
        line={"color": OKABE_ITO["blue"], "width": 3}, marker={"size": 9},
        hovertemplate="%{x}: %{y:,}<extra>" + names["actual"] + "</extra>",
    ))
    if forecast_year is not None and forecast_value is not None:
        fig.add_trace(go.Scatter(
            x=[forecast_year], y=[forecast_value], name=names["forecast"], mode="markers+text",
            text=[f"{forecast_value:,.1f}"], textposition="middle left",
            marker={"color": OKABE_ITO["bluish_green"], "size": 14, "symbol": "diamond"},
            hovertemplate="%{x}: %{y:,.1f}<extra>" + names["forecast"] + "</extra>",
        ))
    fig.add_trace(go.Scatter(
        x=[target_year], y=[target_value], name=names["target"], mode="markers",
        marker={"color": OKABE_ITO["vermillion"], "size": 14, "symbol": "star"},
        hovertemplate="%{x}: %{y:,}<extra>" + names["target"] + "</extra>",
    ))
    all_years = [*years, *path_years, target_year]
    fig.update_xaxes(dtick=1, tickformat="d", range=[min(all_years) - 0.5, max(all_years) + 0.5])
    return _layout(fig, title, x_title, y_title)


def bars(
    categories: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    x_title: str,
    y_title: str,
    horizontal: bool = False,
    text: Sequence[str] | None = None,
    colour: str | Sequence[str] = OKABE_ITO["blue"],
    target: float | None = None,
    target_label: str | None = None,
    hover_name: str = "",
    height: int = 380,
) -> go.Figure:
    """One series of bars; with `target`, a labelled reference line (e.g. 100 per cohort)."""
    cats, vals = list(categories), list(values)
    shown_text = list(text) if text is not None else [("" if v is None else f"{v:,.0f}") for v in vals]
    top = max((v for v in vals if v is not None), default=0)
    # a short bar (a zero, a gap) keeps its figure readable beside it rather than inside
    positions = ["outside" if v is None or not top or v < 0.15 * top else "inside" for v in vals]
    bar = go.Bar(
        x=vals if horizontal else cats,
        y=cats if horizontal else vals,
        orientation="h" if horizontal else "v",
        marker={"color": colour},
        text=shown_text,
        textposition=positions,
        textangle=0,
        cliponaxis=False,
        name=hover_name,
        hovertemplate=("%{y}: %{text}" if horizontal else "%{x}: %{text}") + "<extra></extra>",
    )
    fig = go.Figure(bar)
    if target is not None:
        line = {"line_dash": "dash", "line_color": OKABE_ITO["vermillion"], "line_width": 2,
                "annotation_text": target_label or "", "annotation_font_color": OKABE_ITO["vermillion"]}
        if horizontal:
            fig.add_vline(x=target, annotation_position="top right", **line)
        else:
            fig.add_hline(y=target, annotation_position="top left", **line)
    if horizontal:
        fig.update_yaxes(autorange="reversed", type="category")
        fig.update_xaxes(rangemode="tozero", gridcolor="#E5E5E5")
        fig = _layout(fig, title, x_title, None, legend=False, height=height)
        fig.update_yaxes(title_text=y_title, automargin=True)
        return fig
    fig.update_xaxes(type="category")
    return _layout(fig, title, x_title, y_title, legend=False, height=height)


def grouped_bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    text: dict[str, Sequence[str]] | None = None,
    stacked: bool = False,
    horizontal: bool = False,
    height: int = 420,
    notes: Sequence[str | None] | None = None,
) -> go.Figure:
    """Several named series over the same categories, side by side or stacked.

    `notes` writes a word at the foot of a category (e.g. '<5' where a count is suppressed, or
    'no data'), so an absent bar is never mistaken for a zero."""
    fig = go.Figure()
    cats = list(categories)
    shift = -12 if len(series) > 1 and not stacked else 0  # under the first series' bar
    for cat, note in zip(cats, notes or []):
        if note:
            fig.add_annotation(x=0 if horizontal else cat, y=cat if horizontal else 0, text=note, showarrow=False,
                               xshift=0 if horizontal else shift, yshift=shift if horizontal else 0,
                               xanchor="left" if horizontal else "center", yanchor="middle" if horizontal else "bottom",
                               font={"color": OKABE_ITO["black"], "size": 12})
    for i, (name, values) in enumerate(series.items()):
        vals = list(values)
        shown = list(text[name]) if text and name in text else None
        fig.add_trace(go.Bar(
            x=vals if horizontal else cats, y=cats if horizontal else vals, name=name,
            orientation="h" if horizontal else "v",
            marker={"color": SERIES[i % len(SERIES)]},
            text=shown, textposition="auto" if shown else None, textangle=0,
            hovertemplate=name + " · %{" + ("y" if horizontal else "x") + "}: %{"
            + ("x" if horizontal else "y") + ":,.1f}<extra></extra>",
        ))
    fig.update_layout(barmode="stack" if stacked else "group")
    if horizontal:
        fig.update_yaxes(autorange="reversed", type="category")
        fig = _layout(fig, title, x_title, None, height=height)
        fig.update_xaxes(rangemode="tozero", gridcolor="#E5E5E5")
        fig.update_yaxes(title_text=y_title, automargin=True)
        return fig
    fig.update_xaxes(type="category")
    return _layout(fig, title, x_title, y_title, height=height)


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    matrix: Sequence[Sequence[float]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    colourbar_title: str,
) -> go.Figure:
    """A count per (row, column), written in each cell so the colour is never needed."""
    z = [list(r) for r in matrix]
    text = [[("" if v in (None, 0) else f"{v:,.0f}") for v in r] for r in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(columns), y=list(rows), text=text, texttemplate="%{text}",
        colorscale=SEQUENTIAL, zmin=0, xgap=2, ygap=2,
        colorbar={"title": {"text": colourbar_title}},
        hovertemplate="%{y} · %{x}: %{z:,}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", tickangle=-45)
    fig = _layout(fig, title, x_title, None, legend=False, height=max(360, 60 + 34 * len(rows)))
    fig.update_yaxes(title_text=y_title, automargin=True, showgrid=False)
    return fig


def histogram(
    values: Sequence[float],
    *,
    title: str,
    x_title: str,
    y_title: str,
    bin_size: float = 10.0,
    start: float = 0.0,
    end: float = 100.0,
    marker_value: float | None = None,
    marker_label: str | None = None,
) -> go.Figure:
    """A distribution (e.g. schools by participation rate), optionally marking a reference value."""
    fig = go.Figure(go.Histogram(
        x=list(values), xbins={"start": start, "end": end + 1e-9, "size": bin_size},
        marker={"color": OKABE_ITO["sky_blue"], "line": {"color": "#FFFFFF", "width": 1}},
        hovertemplate="%{x}: %{y:,}<extra></extra>",
    ))
    if marker_value is not None:
        fig.add_vline(x=marker_value, line_dash="dash", line_color=OKABE_ITO["vermillion"], line_width=2,
                      annotation_text=marker_label or "", annotation_position="top right",
                      annotation_font_color=OKABE_ITO["vermillion"])
    fig.update_xaxes(range=[start, end])
    return _layout(fig, title, x_title, y_title, legend=False)


def binned_histogram(
    band_from: Sequence[float],
    counts: Sequence[int],
    *,
    title: str,
    x_title: str,
    y_title: str,
    bin_size: float = 10.0,
    start: float = 0.0,
    end: float = 100.0,
    band_labels: Sequence[str] | None = None,
    marker_value: float | None = None,
    marker_label: str | None = None,
) -> go.Figure:
    """`histogram` from counts already made per band (e.g. by SQL): the same picture, without
    handing every value to the browser. Band i covers [band_from[i], band_from[i] + bin_size)."""
    lows = list(band_from)
    labels = list(band_labels) if band_labels is not None else [f"{lo:g}–{lo + bin_size:g}" for lo in lows]
    fig = go.Figure(go.Bar(
        x=[lo + bin_size / 2 for lo in lows], y=list(counts), width=[bin_size] * len(lows), customdata=labels,
        marker={"color": OKABE_ITO["sky_blue"], "line": {"color": "#FFFFFF", "width": 1}},
        hovertemplate="%{customdata}: %{y:,}<extra></extra>",
    ))
    if marker_value is not None:
        fig.add_vline(x=marker_value, line_dash="dash", line_color=OKABE_ITO["vermillion"], line_width=2,
                      annotation_text=marker_label or "", annotation_position="top right",
                      annotation_font_color=OKABE_ITO["vermillion"])
    fig.update_layout(bargap=0)
    fig.update_xaxes(range=[start, end])
    return _layout(fig, title, x_title, y_title, legend=False)


def status_bar(
    labels: Sequence[str],
    values: Sequence[float],
    statuses: Sequence[str],
    status_words: Sequence[str],
    *,
    title: str,
    x_title: str,
    y_title: str,
    target: float | None = None,
    target_label: str | None = None,
) -> go.Figure:
    """Bars coloured by status, with the status written on each bar (never colour alone)."""
    colours = [STATUS_COLOURS.get(s, OKABE_ITO["grey"]) for s in statuses]
    text = [f"{v:,.0f} · {w}" if v is not None else w for v, w in zip(values, status_words)]
    return bars(labels, values, title=title, x_title=x_title, y_title=y_title, text=text, colour=colours,
                target=target, target_label=target_label)
