"""Each target's chart against its path (Plotly), and their static export through kaleido 1.x.

kaleido drives a headless Chromium: it finds Debian's /usr/bin/chromium by itself. One kaleido
server is started for all the charts of a briefing (the first image costs seconds, the next
ones a fraction of that).
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import plotly.graph_objects as go

from pipelines.operations.briefing.data import STATUS_TONE, TargetView

FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, sans-serif"
TONE_COLOUR = {"good": "#1a7f37", "warn": "#b76e00", "bad": "#c62828", "none": "#6e7781"}
ACTUAL = "#1f4e79"
PATH = "#8c959f"
WIDTH, HEIGHT = 640, 220


def target_figure(view: TargetView) -> go.Figure:
    """Actual values by year against the path to the target (stock) or the yearly target (quota)."""
    s = view.series.drop_nulls("value")
    years = [int(p) for p in s["period"].to_list()]
    values = [float(v) for v in s["value"].to_list()]
    colour = TONE_COLOUR[STATUS_TONE.get(view.status, "none")]
    fig = go.Figure()
    if view.kind == "stock" and view.target is not None and view.target_year is not None and years:
        fig.add_trace(go.Scatter(
            x=[years[0], view.target_year], y=[values[0], view.target], mode="lines", name="目标路径",
            line={"color": PATH, "dash": "dash", "width": 2},
        ))
        fig.add_trace(go.Scatter(
            x=[view.target_year], y=[view.target], mode="markers+text", name="目标",
            marker={"symbol": "star", "size": 12, "color": PATH}, text=[f"{view.target:g}"],
            textposition="top center", showlegend=False,
        ))
        fig.add_trace(go.Scatter(x=years, y=values, mode="lines+markers+text", name="实际",
                                 line={"color": colour, "width": 3}, marker={"size": 8},
                                 text=[f"{v:g}" for v in values], textposition="top left"))
        fig.update_xaxes(range=[years[0] - 0.5, view.target_year + 0.5], dtick=1)
    else:
        statuses = s["status"].to_list()
        colours = [TONE_COLOUR[STATUS_TONE.get(st or "", "none")] if st else ACTUAL for st in statuses]
        fig.add_trace(go.Bar(x=years, y=values, name="实际", marker_color=colours, width=0.5,
                             text=[_fmt(v, view.unit) for v in values], textposition="outside"))
        if view.target is not None and years:
            fig.add_trace(go.Scatter(
                x=[years[0] - 0.5, years[-1] + 0.5], y=[view.target, view.target], mode="lines",
                name="年度目标", line={"color": PATH, "dash": "dash", "width": 2},
            ))
        fig.update_xaxes(dtick=1)
    top = max([*values, view.target or 0, 1])
    fig.update_yaxes(range=[0, top * 1.2], rangemode="tozero", title_text=_unit_label(view.unit))
    fig.update_layout(
        width=WIDTH, height=HEIGHT, template="simple_white", font={"family": FONT, "size": 12},
        margin={"l": 56, "r": 16, "t": 16, "b": 32}, legend={"orientation": "h", "y": 1.12, "x": 0},
        xaxis_title=None,
    )
    return fig


def _unit_label(unit: str) -> str:
    return {"%": "%", "schools": "所", "bases": "个", "students": "人", "members": "家", "districts": "个区"}.get(unit, unit)


def _fmt(v: float, unit: str) -> str:
    return f"{v:.1f}%" if unit == "%" else f"{v:g}"


@contextmanager
def chart_server() -> Iterator[None]:
    """One kaleido (Chromium) session for all the charts made inside the block."""
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    try:
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def svg_data_uri(fig: go.Figure) -> str:
    with warnings.catch_warnings():  # plotly warns that a running server ignores its options
        warnings.simplefilter("ignore", UserWarning)
        svg = fig.to_image(format="svg", width=WIDTH, height=HEIGHT)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
