"""What every figure shares: the house template, the layout, titles that name area and years, the empty figure
that says why, and the Table every builder returns beside its figure."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from ..common import (
    FONT,
    MOSTLY_SUPPRESSED,
    PALETTE,
    SUPPRESSED_MARKER,
    SUPPRESSED_NAME,
    SUPPRESSED_PATTERN,
    esc,
    period_label,
)

# The house style's base template, set once as the default: naming a template on every figure re-validates it
# (about 20 ms a figure, seconds over a report's 160 figures).
pio.templates.default = "simple_white"

EMPTY_HEIGHT = 260  # a "Nothing to plot" panel
Table = tuple[list[str], list[list[str]], list[str]]  # headers, rows, per-column kind ("count", "num", "text")


def _layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "", height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": esc(title).replace("\n", "<br>"), "x": 0, "xanchor": "left"},
        font={"family": FONT, "size": 14, "color": "#0b0c0c"},
        height=height,
        margin={"l": 70, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.2},
        colorway=PALETTE,
    )
    fig.update_xaxes(title_text=esc(x_title))
    fig.update_yaxes(title_text=esc(y_title), separatethousands=True, rangemode="tozero")  # counts never below 0
    return fig


def or_nothing(fig: go.Figure, message: str) -> go.Figure:
    """The figure, or a "Nothing to plot" panel when none of its named data traces has a number to draw (every
    value suppressed or not available), instead of empty axes."""
    for trace in fig.data:
        values = trace.x if getattr(trace, "orientation", None) == "h" else trace.y
        if trace.type in ("bar", "scatter") and trace.name and trace.name != SUPPRESSED_NAME and values is not None \
                and any(v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values):
            return fig
    return empty_figure(f"Nothing to plot: {message}", title_html=fig.layout.title.text)


def mostly_suppressed_figure(title_html: str | None) -> go.Figure:
    """The panel a chart becomes when most of its values are `c`: words, under the chart's own title, instead of a
    picture of the few published values that would read as the whole (the table keeps every value)."""
    return empty_figure(MOSTLY_SUPPRESSED, title_html=title_html)


def add_suppressed(fig: go.Figure, positions: list, size: float | list[float] | None = None, *,
                   horizontal: bool = False, offsetgroup: str | None = None, what: str = "", to_scale: bool = False,
                   base: list[float] | None = None) -> None:
    """Mark suppressed values at `positions` (categories), with one legend entry "c: suppressed" per figure.
    `to_scale`: hatched bars whose sizes are what an exact published total leaves for its suppressed parts (the
    total less its published parts, as anyone can draw it from the file), labelled c. Otherwise a ringed c marker,
    which has no size to misread: at the baseline (`base` None: an empty slot of a grouped bar chart, aligned by
    `offsetgroup`) or at the end of a stack of published parts (`base`). Neither prints a number: the hover names the
    mark, the figures are in the table."""
    if not positions:
        return
    shown = not any(t.name == SUPPRESSED_NAME and t.showlegend is not False for t in fig.data)
    where = "%{" + ("y" if horizontal else "x") + "}"
    if to_scale:
        sizes = list(size) if isinstance(size, list) else [size] * len(positions)
        axes = {"y": positions, "x": sizes, "orientation": "h"} if horizontal else {"x": positions, "y": sizes}
        fig.add_bar(**axes, name=SUPPRESSED_NAME, legendgroup="suppressed", showlegend=shown,
                    offsetgroup=offsetgroup, marker={"color": "#ffffff", "pattern": SUPPRESSED_PATTERN,
                                                     "line": {"color": "#505a5f", "width": 1}},
                    text=["c"] * len(positions), textposition="inside", insidetextanchor="middle",
                    textfont={"color": "#0b0c0c"},
                    hovertemplate=where + ": suppressed parts (c), together what the published total leaves for "
                                          "them<extra>" + esc(what) + "</extra>")
        return
    at = list(base) if base is not None else [0.0] * len(positions)
    axes = {"y": positions, "x": at} if horizontal else {"x": positions, "y": at}
    fig.add_scatter(**axes, mode="markers+text", name=SUPPRESSED_NAME, legendgroup="suppressed", showlegend=shown,
                    offsetgroup=offsetgroup, marker=SUPPRESSED_MARKER, text=["c"] * len(positions),
                    # on the baseline the c stands above its ring, clear of the axis line
                    textposition="middle center" if base is not None else "top center",
                    textfont={"size": 11 if base is not None else 14, "color": "#0b0c0c"}, cliponaxis=False,
                    hovertemplate=where + ": suppressed (c)<extra>" + esc(what) + "</extra>")
    if offsetgroup is not None:
        fig.update_layout(scattermode="group")


def drawn(trace) -> bool:
    """Whether a bar or scatter trace draws anything: a bar of finite non-zero size, a point with both coordinates."""
    def real(v) -> bool:
        return v is not None and not (isinstance(v, float) and not math.isfinite(v))

    if trace.type == "bar":
        values = trace.x if trace.orientation == "h" else trace.y
        return any(real(v) and isinstance(v, (int, float)) and v != 0 for v in values or [])
    if trace.type == "scatter":
        return any(real(x) and real(y) for x, y in zip(trace.x or [], trace.y or []))
    return True


def legend_only_drawn(fig: go.Figure) -> go.Figure:
    """Drop traces that draw nothing (a band of 0% in every year, a grade never given): a legend lists what is
    drawn, never a colour the chart does not show. The table keeps their published values."""
    fig.data = [t for t in fig.data if t.showlegend is False and t.name != SUPPRESSED_NAME or drawn(t)]
    marks = [t for t in fig.data if t.name == SUPPRESSED_NAME]
    if marks and not any(t.showlegend is not False for t in marks):
        marks[0].showlegend = True
    return fig


def _span(years: list[str]) -> str:
    """'2012-13 to 2016-17' for a title ('' without years)."""
    return f"{period_label(years[0])} to {period_label(years[-1])}" if years else ""


def level(df: pd.DataFrame, name: str) -> pd.DataFrame:
    return df[df["geographic_level"] == name] if not df.empty else df



def empty_figure(message: str, title_html: str | None = None) -> go.Figure:
    """A panel saying why there is no chart, under the chart's own title when there is one (`title_html` is
    already escaped)."""
    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 16})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    _layout(fig, message, height=EMPTY_HEIGHT)
    if title_html:
        fig.update_layout(title={"text": title_html})
    return fig


def isfinite(v) -> bool:
    return v is not None and math.isfinite(v)
