"""Figures of areas: children by year, the funnel plot of rates against population, and the hexagon tile map of
LAs with region outlines."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..common import (
    MOSTLY_SUPPRESSED,
    PALETTE,
    SEQUENTIAL,
    SUPPRESSED_MARKER,
    SUPPRESSED_NAME,
    classify,
    esc,
    fmt_count,
    fmt_rate,
    hex_layout,
    is_c,
    mostly_suppressed,
    number,
    period_label,
    poisson_limits_array,
    regions,
)
from .base import Table, _layout, _span, add_suppressed, legend_only_drawn, level, mostly_suppressed_figure, or_nothing


def deaths_injuries_by_year(nba: pd.DataFrame, upto: str, area: str = "England") -> tuple[go.Figure, Table]:
    """Grouped bars of children who died and were seriously injured by year. A suppressed year is a ringed c in its
    slot (never a gap, which reads as none); when most values are suppressed the chart says so in words."""
    nat = level(nba, "National")
    nat = nat[nat["time_period"] <= upto]
    years = sorted(nat["time_period"].unique())
    fig = go.Figure()
    rows = {y: [period_label(y)] for y in years}
    cells, hidden = [], []
    for i, (itype, label) in enumerate([("Death", "Deaths"), ("Serious injury", "Serious injuries")]):
        sub = nat[nat["incident_type"] == itype].set_index("time_period")
        vals = [sub["children"].get(y, "x") for y in years]
        cells += vals
        fig.add_bar(
            x=[period_label(y) for y in years], y=[number(v) for v in vals], name=label, offsetgroup=str(i),
            marker_color=PALETTE[i], text=[fmt_count(v) if number(v) is not None else None for v in vals],
            textposition="outside", customdata=[fmt_count(v) for v in vals],
            hovertemplate="%{x}: %{customdata} children<extra>" + label + "</extra>",
        )
        hidden.append((str(i), label, [period_label(y) for y, v in zip(years, vals) if is_c(v)]))
        for y, v in zip(years, vals):
            rows[y].append(fmt_count(v))
    for group, label, at in hidden:
        add_suppressed(fig, at, offsetgroup=group, what=label)
    # a series with every value c has no bar of its colour (so no legend entry): its c marks are named in words
    named = [label for (group, label, at), t in zip(hidden, fig.data) if at and not any(
        v is not None for v in t.y)]
    if named:
        fig.add_annotation(text=esc("; ".join(f"{n}: every figure suppressed (c)" for n in named)), xref="paper",
                           yref="paper", x=1, y=1, xanchor="right", yanchor="bottom", showarrow=False,
                           font={"size": 12})
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")  # "2007-08" is a financial year, not a date
    _layout(fig, f"Children who died or were seriously injured, {area}, {_span(years)}", "Financial year", "Children")
    table = (["Financial year", "Died", "Seriously injured"], list(rows.values()), ["text", "count", "count"])
    if mostly_suppressed(cells):
        return mostly_suppressed_figure(fig.layout.title.text), table
    fig = or_nothing(legend_only_drawn(fig), f"every count for {area} is suppressed or not available")
    return fig, table


def _funnel_points(areas: pd.DataFrame, population: dict | None) -> tuple[list[tuple], list[tuple]]:
    """(name, count, rate, population or None, published count, published rate, code) of every area, and
    (name, population) of the suppressed ones. Without a population input the population is the one the published
    count and rate imply; an area whose count or rate is not published has none (never estimated)."""
    pts, hidden = [], []
    for _, r in areas.iterrows():
        obs, rate = number(r.get("children")), number(r.get("children_rate_per_10000"))
        code = r.get("new_la_code") or r.get("region_code") or ""
        known = population.get((str(r.get("time_period")), code)) if population else None
        if population:
            pop = known
        else:
            pop = obs * 10000 / rate if obs is not None and rate not in (None, 0.0) else None
        if obs is None or rate is None:
            pop = None
        name = r.get("la_name") or r.get("region_name")
        pts.append((name, obs, rate, pop, r.get("children"), r.get("children_rate_per_10000"), code))
        if is_c(r.get("children")) or is_c(r.get("children_rate_per_10000")):
            hidden.append((name, known))
    return pts, hidden


def _funnel_limits(fig: go.Figure, pmin: float, pmax: float, eng_rate: float) -> None:
    """Poisson 95% and 99.8% limits around the England rate, and the England rate, across the population axis."""
    grid = np.geomspace(pmin, pmax, 30)  # smooth on a log axis; each point is drawing time
    expected = grid * eng_rate / 10000
    for cov, dash, colour in [(0.95, "dash", PALETTE[0]), (0.998, "dot", PALETTE[5])]:
        lo, hi = poisson_limits_array(expected, cov)
        name = f"{cov * 100:g}% limits"
        fig.add_scatter(x=grid, y=hi / grid * 10000, mode="lines", line={"dash": dash, "color": colour},
                        name=name, legendgroup=name, hoverinfo="skip")
        fig.add_scatter(x=grid, y=lo / grid * 10000, mode="lines", line={"dash": dash, "color": colour},
                        name=name, legendgroup=name, showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=[grid[0], grid[-1]], y=[eng_rate, eng_rate], mode="lines",
                    line={"color": "#505a5f"}, name=f"England rate ({fmt_rate(eng_rate)})", hoverinfo="skip")


def _funnel_marks(fig: go.Figure, plotted: list[tuple], strip: list[tuple], verdicts: dict, label: str) -> None:
    """The areas' points (named: all, or those outside the 95% limits) and the suppressed areas' ringed c's."""
    if plotted:
        def shown(p):
            return label == "all" or not verdicts[p[0]].startswith("Within")

        fig.add_scatter(
            x=[p[3] for p in plotted], y=[p[2] for p in plotted], mode="markers+text",
            marker={"size": 10, "color": PALETTE[2], "line": {"width": 1, "color": "#0b0c0c"}},
            name="Area", text=[esc(p[0]) if shown(p) else "" for p in plotted], textposition="middle right",
            textfont={"size": 12}, cliponaxis=False,
            customdata=[[esc(p[0]), fmt_count(p[4]), fmt_rate(p[5]), f"{p[3]:,.0f}"] for p in plotted],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]} children<br>%{customdata[2]} per 10,000"
                          "<br>population %{customdata[3]}<extra></extra>",
        )
    if strip:
        fig.add_scatter(x=[p for _, p in strip], y=[0] * len(strip), mode="markers+text", name=SUPPRESSED_NAME,
                        marker=SUPPRESSED_MARKER,
                        text=["c"] * len(strip), textposition="middle center", textfont={"size": 11},
                        cliponaxis=False, customdata=[[esc(n), f"{p:,.0f}"] for n, p in strip],
                        hovertemplate="%{customdata[0]}: suppressed (c)<br>population %{customdata[1]}"
                                      "<extra></extra>", row=2, col=1)


def _funnel_axes(fig: go.Figure, span: tuple | None, strip: bool) -> None:
    """The log population axis with its ticks given, and the strip of suppressed areas under the plot."""
    if span:
        ticks = log_ticks(*span)
        fig.update_xaxes(type="log", tickmode="array", tickvals=ticks, ticktext=[f"{t:,.0f}" for t in ticks])
    else:
        fig.update_xaxes(type="log", tickformat=",.0f")
    if strip:
        fig.update_xaxes(title_text="", row=1, col=1)
        fig.update_yaxes(title_text="", range=[-1, 1], rangemode="normal", showticklabels=False, ticks="",
                         showline=False, fixedrange=True, row=2, col=1)
        fig.add_annotation(text="c", xref="paper", yref="y2", x=0, y=0, xanchor="right", xshift=-8,
                           showarrow=False, font={"size": 13, "color": "#505a5f"})
        fig.update_layout(height=460)


def _funnel_notes(fig: go.Figure, pts: list[tuple], hidden: list[tuple], strip: bool) -> None:
    """The suppressed areas named in words (on paper and in a PNG the strip's rings are unnamed), and a chart mostly
    suppressed saying so."""
    notes = []
    if hidden:
        names = [esc(n) for n, _ in hidden]
        listed = ", ".join(names) if len(names) <= 6 else f"{len(names)} areas (see the table)"
        notes.append(f"c: suppressed{', marked under the axis' if strip else ', not plotted'}: {listed}")
    if mostly_suppressed([p[4] for p in pts]):
        notes.insert(0, esc(MOSTLY_SUPPRESSED))
    if notes:  # wrapped, so a narrow chart (the explorer's) keeps them clear of the legend
        import textwrap

        lines = [line for note in notes for line in textwrap.wrap(note, 58)]
        fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=1, xanchor="left",
                           yanchor="top", showarrow=False, align="left", bgcolor="rgba(255,255,255,0.85)",
                           font={"size": 12})


def funnel(areas: pd.DataFrame, england: pd.Series | None, title: str,
           population: dict[tuple[str, str], int] | None = None, label: str = "all",
           y_title: str = "Children harmed per 10,000 children") -> tuple[go.Figure, Table]:
    """Funnel plot of rates per 10,000 children against each area's child population (the population input of
    the rates, `population[(time_period, area code)]`), with Poisson 95% and 99.8% limits around the England rate.
    Without a population input the x axis falls back to the population implied by the published count and rate,
    and its title says so. Areas whose count or rate is suppressed are never estimated: with a population input
    each is marked (a ringed c) at its population in a strip under the plot, with a legend entry "c: suppressed";
    without one they are named in words. Areas not available (x) are in the table only. When most areas are
    suppressed the chart says so in words above the plot. Points carry their area's name (`label="all"`), or only
    those outside the 95% limits (`label="outside"`, for the many LAs of a region)."""
    from plotly.subplots import make_subplots

    eng_rate = number(england.get("children_rate_per_10000")) if england is not None else None
    pts, hidden = _funnel_points(areas, population)
    plotted = [p for p in pts if p[3] is not None]
    strip = [(n, p) for n, p in hidden if p]
    # the suppressed areas' strip under the plot, on the same population axis
    fig = (make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.86, 0.14], vertical_spacing=0.04)
           if strip else go.Figure())
    spread = [p[3] for p in plotted] + [p for _, p in strip]
    # the population axis runs from half the smallest area to a little past the largest (limits and ticks alike)
    span = (max(min(spread) * 0.5, 1.0), max(spread) * 1.15) if spread else None
    if eng_rate and span:
        _funnel_limits(fig, *span, eng_rate)
    verdicts = {p[0]: classify(p[1], p[3], eng_rate) for p in pts}
    _funnel_marks(fig, plotted, strip, verdicts, label)
    x_title = ("Children aged 0 to 17 in the area (population input of the rates)" if population else
               "Children aged 0 to 17 in the area (implied by the published count and rate: no population input)")
    _layout(fig, title, x_title, y_title)
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1, "xanchor": "left", "yanchor": "top"},
                      margin={"r": 170})
    _funnel_axes(fig, span, bool(strip))
    _funnel_notes(fig, pts, hidden, bool(strip))
    if not (plotted or strip or (eng_rate and span)):
        fig = or_nothing(fig, "every area's count or rate is suppressed or not available")
    rows = []
    if england is not None:
        rows.append(["England", fmt_count(england.get("children")), fmt_rate(england.get("children_rate_per_10000")),
                     "Reference rate"])
    for name, _obs, _rate, _pop, raw_obs, raw_rate, _code in pts:
        rows.append([str(name), fmt_count(raw_obs), fmt_rate(raw_rate), verdicts[name]])
    return fig, (["Area", "Children", "Rate per 10,000 children", "Compared with England"], rows,
                 ["text", "count", "num", "text"])


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick values for a log axis from lo to hi: 1, 2 and 5 times the powers of ten, or 1, 1.5, 2, 3, 5 and 7 when
    those give fewer than three. Given, not left to the browser: working out a log axis's ticks itself doubles the
    time a browser takes to draw the funnel plot."""
    lo, hi = max(lo, 1.0), max(hi, 1.0)
    for steps in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7)):
        ticks = [m * 10 ** e for e in range(int(math.floor(math.log10(lo))), int(math.ceil(math.log10(hi))) + 1)
                 for m in steps if lo <= m * 10 ** e <= hi]
        if len(ticks) >= 3:
            return ticks
    return ticks


def _hex_outlines(region_of: dict[str, str]) -> str:
    """An SVG path (data coordinates) with one segment along every hex edge whose neighbour is in another region or
    absent: the outlines of the regions. Pointy-top hexes of the odd-r layout: centres 1 apart in a row, rows
    sqrt(3)/2 apart, circumradius 1/sqrt(3); the edge facing direction t runs between the corners at t-30 and t+30
    degrees. One path shape, not a line trace with a gap between segments: a browser draws it in a fraction of the
    time (about 25 ms less for each map redrawn)."""
    layout = hex_layout()
    at = {(round(x * 2), round(y / (math.sqrt(3) / 2))): code for code, (_, x, y) in layout.items()}
    rad = 1 / math.sqrt(3)
    parts = []
    for code, (_, x, y) in layout.items():
        for t in range(0, 360, 60):
            nx, ny = x + math.cos(math.radians(t)), y + math.sin(math.radians(t))
            other = at.get((round(nx * 2), round(ny / (math.sqrt(3) / 2))))
            if other is not None and region_of.get(other) == region_of.get(code):
                continue
            (x0, y0), (x1, y1) = ((x + rad * math.cos(math.radians(a)), y + rad * math.sin(math.radians(a)))
                                  for a in (t - 30, t + 30))
            parts.append(f"M{x0:.4f},{y0:.4f}L{x1:.4f},{y1:.4f}")
    return "".join(parts)


ZERO_NAME = "Rate of 0 (none notified)"
ZERO_MARKER = {"color": "#ffffff", "line": {"width": 2, "color": "#0b0c0c"}}  # white with a black rim: off the scale
LABEL_GAP = 0.75  # data units between a region label and the nearest hexagon centre in its row (circumradius 0.58)
LABEL_SPACING = 0.8  # data units between two labels on the same side
CHAR_WIDTH = 0.2  # data units a label character takes at least, at font size 11 (for the axis range)


@dataclass
class Tiles:
    """Every hexagon of the tile map: where it is, whose it is, and what it shows."""
    codes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    rates: list[float | None] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)  # c or x, for a hexagon without a rate

    def subset(self, keep) -> list[int]:
        return [i for i in range(len(self.codes)) if keep(i)]


def _tiles(las: pd.DataFrame) -> Tiles:
    by_code = {r["new_la_code"]: r for _, r in las.iterrows()} if not las.empty else {}
    t = Tiles()
    for code, (name, x, y) in hex_layout().items():
        r = by_code.get(code)
        raw_rate = r["children_rate_per_10000"] if r is not None else "x"
        raw_count = r["children"] if r is not None else "x"
        t.codes.append(code)
        t.names.append(str(r["la_name"]) if r is not None else name)
        t.xs.append(x)
        t.ys.append(y)
        t.rates.append(number(raw_rate))
        t.shown.append(fmt_rate(raw_rate))
        t.counts.append(fmt_count(raw_count))
        t.symbols.append("c" if "c" in (str(raw_rate).strip(), str(raw_count).strip()) else "x")
    return t


def _tile_traces(fig: go.Figure, t: Tiles, scale_max: float | None) -> None:
    """One trace per kind of hexagon: coloured by rate; a rate of 0 white with a black rim (never the scale's
    darkest colour); c an outlined hexagon with a dark dot; x an empty outline (marks, not text: a map of 150 text
    labels takes a browser twice as long to draw). Each names its LA on hover."""
    marker = {"symbol": "hexagon", "size": 23, "line": {"width": 0.5, "color": "#ffffff"}}
    hover = "%{text}<br>rate: %{customdata[0]}<br>children: %{customdata[1]}<extra></extra>"

    def add(idx: list[int], name: str, mark: dict, **kw) -> None:
        if idx:
            fig.add_scatter(x=[t.xs[i] for i in idx], y=[t.ys[i] for i in idx], mode="markers", name=name,
                            marker={**marker, **mark}, text=[esc(t.names[i]) for i in idx],
                            customdata=[[t.shown[i], t.counts[i]] for i in idx], hovertemplate=hover, **kw)

    for symbol, legend, shape in (("c", "Suppressed (c)", "hexagon-open-dot"), ("x", "Not available (x)",
                                                                                  "hexagon-open")):
        add(t.subset(lambda i, s=symbol: t.rates[i] is None and t.symbols[i] == s), legend,
            {"symbol": shape, "size": 21, "color": "#505a5f" if symbol == "c" else "#b1b4b6", "line": {"width": 1}})
    add(t.subset(lambda i: t.rates[i] == 0), ZERO_NAME, {**ZERO_MARKER, "size": 21})
    col = t.subset(lambda i: t.rates[i] is not None and t.rates[i] > 0)
    top = scale_max or max((t.rates[i] for i in col), default=0) or 1.0
    add(col, "Rate per 10,000 children",
        {"color": [t.rates[i] for i in col], "colorscale": SEQUENTIAL, "showscale": True, "cmin": 0, "cmax": top,
         "colorbar": {"title": {"text": "Per 10,000<br>children"}, "len": 0.6}}, showlegend=False)


def _region_labels(fig: go.Figure, t: Tiles, region_names: dict[str, str]) -> tuple[float, float]:
    """Each region's name beside the map, clear of every hexagon (east of the easternmost, or west of the
    westernmost, hexagon in its rows), with a line to the region's middle hexagon; labels on one side kept apart.
    Returns the x range that holds the map and its labels."""
    region_of = regions()
    members: dict[str, list[int]] = {}
    for i, code in enumerate(t.codes):
        members.setdefault(region_of.get(code, ""), []).append(i)
    mid_x = (min(t.xs) + max(t.xs)) / 2
    lo, hi = min(t.xs) - 1, max(t.xs) + 1
    placed: dict[bool, list[float]] = {True: [], False: []}
    items = sorted(((sum(t.ys[i] for i in idx) / len(idx), r, idx) for r, idx in members.items()
                    if r and r in region_names), reverse=True)
    for y_mid, region, idx in items:
        east = sum(t.xs[i] for i in idx) / len(idx) >= mid_x
        y = min([y_mid, *(p - LABEL_SPACING for p in placed[east])])
        placed[east].append(y)
        row = [t.xs[i] for i in range(len(t.xs)) if abs(t.ys[i] - y) < 1.0] or t.xs
        x = max(row) + LABEL_GAP if east else min(row) - LABEL_GAP
        head = min(idx, key=lambda i: (t.xs[i] - sum(t.xs[j] for j in idx) / len(idx)) ** 2 + (t.ys[i] - y_mid) ** 2)
        text = esc(region_names[region])
        width = CHAR_WIDTH * len(region_names[region]) + 0.5
        lo, hi = min(lo, x - width if not east else lo), max(hi, x + width if east else hi)
        fig.add_annotation(x=t.xs[head], y=t.ys[head], ax=x, ay=y, axref="x", ayref="y", text=text, showarrow=True,
                           arrowhead=0, arrowwidth=1, arrowcolor="#505a5f", xanchor="left" if east else "right",
                           font={"size": 11, "color": "#0b0c0c"}, bgcolor="rgba(255,255,255,0.9)",
                           name=f"Region label {region}")
    return lo, hi


def tile_map(las: pd.DataFrame, title: str, height: int = 640, scale_max: float | None = None,
             region_names: dict[str, str] | None = None) -> tuple[go.Figure, Table]:
    """Hex tile map of LA rates per 10,000 children on a sequential scale with no grey in it (viridis), fixed from 0
    to `scale_max` so a colour means the same rate in every year; a rate of 0 is its own mark and legend entry.
    Suppressed LAs are outlined hexagons with a dot, unavailable ones empty outlines, each with a legend entry;
    every hexagon names its LA on hover; regions are outlined and named beside the map, clear of the hexagons."""
    t = _tiles(las)
    fig = go.Figure()
    # (the template's shape defaults are a translucent black fill: a boundary is a solid line and nothing else)
    fig.add_shape(type="path", path=_hex_outlines(regions()), xref="x", yref="y", layer="above", opacity=1,
                  fillcolor="rgba(0,0,0,0)", line={"color": "#0b0c0c", "width": 2.5}, name="Region boundary",
                  showlegend=True)
    _tile_traces(fig, t, scale_max)
    lo, hi = _region_labels(fig, t, region_names or {})
    _layout(fig, title, height=height)
    fig.update_xaxes(visible=False, scaleanchor="y", scaleratio=1, range=[lo, hi])
    fig.update_yaxes(visible=False, rangemode="normal", range=[min(t.ys) - 1, max(t.ys) + 1])
    fig.update_layout(legend={"orientation": "h", "y": -0.02}, hovermode="closest")
    rows = sorted(([t.names[i], t.codes[i], t.counts[i], t.shown[i]] for i in range(len(t.xs))), key=lambda r: r[0])
    return fig, (["Local authority", "Code", "Children", "Rate per 10,000 children"], rows,
                 ["text", "text", "count", "num"])
