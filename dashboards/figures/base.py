"""What every figure shares: the house template, the layout, titles that name area and years, the empty figure
that says why, and the Table every builder returns beside its figure."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from ..common import FONT, PALETTE, esc, period_label

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
        if trace.type in ("bar", "scatter") and trace.name and values is not None \
                and any(v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values):
            return fig
    return empty_figure(f"Nothing to plot: {message}", title_html=fig.layout.title.text)


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
