"""Plotly figures and their mirror tables, built from PUBLISHED release rows only (shared by report and explorer).

Each builder returns (figure, table) where table is a list of header names and rows of already formatted text, so
the same numbers appear in the chart's hover text and in the table beside it. Suppressed cells (`c`) and
unavailable ones (`x`, `z`) are shown as such: no bar, no point, and the symbol in the table."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from .common import (
    FONT,
    PALETTE,
    SEQUENTIAL,
    SUPPRESSED_COLOUR,
    classify,
    esc,
    fmt_1dp,
    fmt_count,
    fmt_rate,
    hex_layout,
    number,
    period_label,
    poisson_limits_array,
    regions,
)

# The house style's base template, set once as the default: naming a template on every figure re-validates it
# (about 20 ms a figure, seconds over a report's 160 figures).
pio.templates.default = "simple_white"

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


def deaths_injuries_by_year(nba: pd.DataFrame, upto: str, area: str = "England") -> tuple[go.Figure, Table]:
    nat = level(nba, "National")
    nat = nat[nat["time_period"] <= upto]
    years = sorted(nat["time_period"].unique())
    fig = go.Figure()
    rows = {y: [period_label(y)] for y in years}
    for i, (itype, label) in enumerate([("Death", "Deaths"), ("Serious injury", "Serious injuries")]):
        sub = nat[nat["incident_type"] == itype].set_index("time_period")
        vals = [sub["children"].get(y, "x") for y in years]
        fig.add_bar(
            x=[period_label(y) for y in years], y=[number(v) for v in vals], name=label,
            marker_color=PALETTE[i], text=[fmt_count(v) if number(v) is not None else None for v in vals],
            textposition="outside", customdata=[fmt_count(v) for v in vals],
            hovertemplate="%{x}: %{customdata} children<extra>" + label + "</extra>",
        )
        for y, v in zip(years, vals):
            rows[y].append(fmt_count(v))
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")  # "2007-08" is a financial year, not a date
    _layout(fig, f"Children who died or were seriously injured, {area}, {_span(years)}", "Financial year", "Children")
    fig = or_nothing(fig, f"every count for {area} is suppressed or not available")
    return fig, (["Financial year", "Died", "Seriously injured"], list(rows.values()), ["text", "count", "count"])


def funnel(areas: pd.DataFrame, england: pd.Series | None, title: str,
           population: dict[tuple[str, str], int] | None = None, label: str = "all",
           selected: str | None = None) -> tuple[go.Figure, Table]:
    """Funnel plot of rates per 10,000 children against each area's child population (the population input of
    the rates, `population[(time_period, area code)]`), with Poisson 95% and 99.8% limits around the England rate.
    Without a population input the x axis falls back to the population implied by the published count and rate,
    and its title says so. Areas whose count or rate is suppressed or not available are listed in the table, not
    plotted and not estimated. Points carry their area's name (`label="all"`), or only those outside the 95%
    limits and the selected area (`label="outside"`, for the many LAs of a region)."""
    eng_rate = number(england.get("children_rate_per_10000")) if england is not None else None
    pts = []
    for _, r in areas.iterrows():
        obs, rate = number(r.get("children")), number(r.get("children_rate_per_10000"))
        code = r.get("new_la_code") or r.get("region_code") or ""
        if population:
            pop = population.get((str(r.get("time_period")), code))
        else:
            pop = obs * 10000 / rate if obs is not None and rate not in (None, 0.0) else None
        if obs is None or rate is None:
            pop = None
        name = r.get("la_name") or r.get("region_name")
        pts.append((name, obs, rate, pop, r.get("children"), r.get("children_rate_per_10000"), code))
    fig = go.Figure()
    plotted = [p for p in pts if p[3] is not None]
    if eng_rate and plotted:
        pmax = max(p[3] for p in plotted) * 1.15
        pmin = max(min(p[3] for p in plotted) * 0.5, 1.0)
        grid = np.geomspace(pmin, pmax, 60)
        expected = grid * eng_rate / 10000
        for cov, dash, colour in [(0.95, "dash", PALETTE[0]), (0.998, "dot", PALETTE[5])]:
            lo, hi = poisson_limits_array(expected, cov)
            name = f"{cov * 100:g}% limits"
            fig.add_scatter(x=grid, y=hi / grid * 10000, mode="lines", line={"dash": dash, "color": colour},
                            name=name, hoverinfo="skip")
            fig.add_scatter(x=grid, y=lo / grid * 10000, mode="lines", line={"dash": dash, "color": colour},
                            name=name, showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=[grid[0], grid[-1]], y=[eng_rate, eng_rate], mode="lines",
                        line={"color": "#505a5f"}, name=f"England rate ({fmt_rate(eng_rate)})", hoverinfo="skip")
    verdicts = {p[0]: classify(p[1], p[3], eng_rate) for p in pts}
    if plotted:
        def shown(p):
            return label == "all" or p[6] == selected or not verdicts[p[0]].startswith("Within")

        fig.add_scatter(
            x=[p[3] for p in plotted], y=[p[2] for p in plotted], mode="markers+text",
            marker={"size": 10, "color": PALETTE[2], "line": {"width": 1, "color": "#0b0c0c"}},
            name="Area", text=[esc(p[0]) if shown(p) else "" for p in plotted], textposition="middle right",
            textfont={"size": 12}, cliponaxis=False,
            customdata=[[esc(p[0]), fmt_count(p[4]), fmt_rate(p[5]), f"{p[3]:,.0f}"] for p in plotted],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]} children<br>%{customdata[2]} per 10,000"
                          "<br>population %{customdata[3]}<extra></extra>",
        )
    x_title = ("Children aged 0 to 17 in the area (population input of the rates)" if population else
               "Children aged 0 to 17 in the area (implied by the published count and rate: no population input)")
    _layout(fig, title, x_title, "Children harmed per 10,000 children")
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1, "xanchor": "left", "yanchor": "top"},
                      margin={"r": 170})
    fig.update_xaxes(type="log", tickformat=",.0f")
    fig = or_nothing(fig, "every area's count or rate is suppressed or not available") if not plotted else fig
    rows = []
    if england is not None:
        rows.append(["England", fmt_count(england.get("children")), fmt_rate(england.get("children_rate_per_10000")),
                     "Reference rate"])
    for name, obs, rate, pop, raw_obs, raw_rate, _code in pts:
        rows.append([str(name), fmt_count(raw_obs), fmt_rate(raw_rate), verdicts[name]])
    return fig, (["Area", "Children", "Rate per 10,000 children", "Compared with England"], rows,
                 ["text", "count", "num", "text"])


def _hex_outlines(region_of: dict[str, str]) -> tuple[list, list]:
    """Line segments (x, y with None between) along every hex edge whose neighbour is in another region or absent:
    the outlines of the regions. Pointy-top hexes of the odd-r layout: centres 1 apart in a row, rows sqrt(3)/2
    apart, circumradius 1/sqrt(3); the edge facing direction t runs between the corners at t-30 and t+30 degrees."""
    layout = hex_layout()
    at = {(round(x * 2), round(y / (math.sqrt(3) / 2))): code for code, (_, x, y) in layout.items()}
    rad = 1 / math.sqrt(3)
    xs, ys = [], []
    for code, (_, x, y) in layout.items():
        for t in range(0, 360, 60):
            nx, ny = x + math.cos(math.radians(t)), y + math.sin(math.radians(t))
            other = at.get((round(nx * 2), round(ny / (math.sqrt(3) / 2))))
            if other is not None and region_of.get(other) == region_of.get(code):
                continue
            for a in (t - 30, t + 30):
                xs.append(x + rad * math.cos(math.radians(a)))
                ys.append(y + rad * math.sin(math.radians(a)))
            xs.append(None)
            ys.append(None)
    return xs, ys


def tile_map(las: pd.DataFrame, title: str, height: int = 640, scale_max: float | None = None,
             region_names: dict[str, str] | None = None) -> tuple[go.Figure, Table]:
    """Hex tile map of LA rates per 10,000 children on a sequential scale with no grey in it (viridis), fixed from 0
    to `scale_max` so a colour means the same rate in every year. Suppressed LAs are outlined hexagons with a dot,
    unavailable ones empty outlines, each with a legend entry; regions are outlined and named."""
    layout = hex_layout()
    region_of = regions()
    by_code = {r["new_la_code"]: r for _, r in las.iterrows()} if not las.empty else {}
    xs, ys, names, rates, shown, counts, codes, raw = [], [], [], [], [], [], [], []
    for code, (name, x, y) in layout.items():
        r = by_code.get(code)
        raw_rate = r["children_rate_per_10000"] if r is not None else "x"
        raw_count = r["children"] if r is not None else "x"
        xs.append(x)
        ys.append(y)
        names.append(str(r["la_name"]) if r is not None else name)
        rates.append(number(raw_rate))
        shown.append(fmt_rate(raw_rate))
        counts.append(fmt_count(raw_count))
        codes.append(code)
        raw.append("c" if "c" in (str(raw_rate).strip(), str(raw_count).strip()) else "x")
    fig = go.Figure()
    ox, oy = _hex_outlines(region_of)
    fig.add_scatter(x=ox, y=oy, mode="lines", line={"color": "#0b0c0c", "width": 2.5}, name="Region boundary",
                    hoverinfo="skip")
    marker = {"symbol": "hexagon", "size": 23, "line": {"width": 0.5, "color": "#ffffff"}}
    hover = "%{text}<br>rate: %{customdata[0]}<br>children: %{customdata[1]}<extra></extra>"
    # c: an outlined hexagon with a dark dot; x: an outlined empty hexagon (marks, not text: a map of 150 text
    # labels takes a browser twice as long to draw)
    for symbol, legend, shape in (("c", "Suppressed (c)", "hexagon-open-dot"), ("x", "Not available (x)",
                                                                                  "hexagon-open")):
        idx = [i for i, v in enumerate(rates) if v is None and raw[i] == symbol]
        if idx:
            fig.add_scatter(
                x=[xs[i] for i in idx], y=[ys[i] for i in idx], mode="markers", name=legend,
                marker={**marker, "symbol": shape, "size": 21, "color": "#505a5f" if symbol == "c" else "#b1b4b6",
                        "line": {"width": 1}},
                text=[esc(names[i]) for i in idx], customdata=[[shown[i], counts[i]] for i in idx],
                hovertemplate=hover,
            )
    col = [i for i, v in enumerate(rates) if v is not None]
    if col:
        top = scale_max or max(rates[i] for i in col) or 1.0
        fig.add_scatter(
            x=[xs[i] for i in col], y=[ys[i] for i in col], mode="markers", showlegend=False,
            marker={**marker, "color": [rates[i] for i in col], "colorscale": SEQUENTIAL, "showscale": True,
                    "cmin": 0, "cmax": top,
                    "colorbar": {"title": {"text": "Per 10,000<br>children"}, "len": 0.6}},
            name="Rate per 10,000 children", text=[esc(names[i]) for i in col],
            customdata=[[shown[i], counts[i]] for i in col], hovertemplate=hover,
        )
    centres: dict[str, list[tuple[float, float]]] = {}
    for i, code in enumerate(codes):
        centres.setdefault(region_of.get(code, ""), []).append((xs[i], ys[i]))
    for region, pts in centres.items():
        if region and region_names and region in region_names:
            fig.add_annotation(x=max(p[0] for p in pts) + 0.6, y=sum(p[1] for p in pts) / len(pts),
                               text=esc(region_names[region]), showarrow=False, xanchor="left",
                               font={"size": 11, "color": "#0b0c0c"}, bgcolor="rgba(255,255,255,0.8)")
    _layout(fig, title, height=height)
    fig.update_xaxes(visible=False, scaleanchor="y", scaleratio=1)
    fig.update_yaxes(visible=False, rangemode="normal")
    fig.update_layout(legend={"orientation": "h", "y": -0.02})
    rows = sorted(([names[i], codes[i], counts[i], shown[i]] for i in range(len(xs))), key=lambda r: r[0])
    return fig, (["Local authority", "Code", "Children", "Rate per 10,000 children"], rows,
                 ["text", "text", "count", "num"])


def _suppressed_segment(fig: go.Figure, bars: list[str], sizes: list[float], what: str) -> None:
    """Draw the part of each horizontal 100% bar that the published percentages leave unaccounted for (parts shown
    as c or x) as one grey segment labelled c, so a bar never silently stops short. Its size is 100 minus the
    published parts, which anyone can compute from the published file: nothing is worked back."""
    keep = [(b, v) for b, v in zip(bars, sizes) if v > 0.05]
    if not keep:
        return
    fig.add_bar(y=[b for b, _ in keep], x=[v for _, v in keep], orientation="h",
                name="Suppressed or not available (c, x)",
                marker={"color": SUPPRESSED_COLOUR, "pattern": {"shape": "/", "fgcolor": "#505a5f"}},
                text=["c"] * len(keep), textposition="inside", insidetextanchor="middle",
                customdata=[f"{v:.1f}" for _, v in keep],
                hovertemplate="%{y}: %{customdata}% in parts shown as c or x<extra>" + esc(what) + "</extra>")


def timeliness_bands(rt: pd.DataFrame, upto: str, measure: str = "Incident to completion") -> tuple[go.Figure, Table]:
    """100% stacked bars of the bands of one timeliness measure for the last five years. Bands keep the order of
    the published file, in the legend too; a band with no published percentage in these years gets no legend entry
    (its share is in the grey c segment); the axis always runs from 0 to 100."""
    nat = level(rt, "National")
    sub = nat[(nat["measure"] == measure) & (nat["time_period"] <= upto) & (nat["band"] != "Total")]
    years = sorted(sub["time_period"].unique())[-5:]
    sub = sub[sub["time_period"].isin(years)]
    bands = list(dict.fromkeys(sub["band"]))
    fig = go.Figure()
    rows = []
    accounted = {y: 0.0 for y in years}
    for i, band in enumerate(bands):
        b = sub[sub["band"] == band].set_index("time_period")
        pct = [b["reviews_percent"].get(y, "x") for y in years]
        cnt = [b["reviews"].get(y, "x") for y in years]
        for y, c, p in zip(years, cnt, pct):
            rows.append([period_label(y), band, fmt_count(c), fmt_1dp(p)])
            accounted[y] += number(p) or 0.0
        if all(number(v) is None for v in pct):
            continue
        fig.add_bar(
            y=[period_label(y) for y in years], x=[number(v) for v in pct], orientation="h", name=esc(band),
            marker_color=PALETTE[i % len(PALETTE)], customdata=[[fmt_count(c), fmt_1dp(p)] for c, p in zip(cnt, pct)],
            hovertemplate="%{y}: %{customdata[1]}% (%{customdata[0]} reviews)<extra>" + esc(band) + "</extra>",
        )
    with_rows = [y for y in years if len(sub[sub["time_period"] == y])]
    _suppressed_segment(fig, [period_label(y) for y in with_rows], [100.0 - accounted[y] for y in with_rows], measure)
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_yaxes(type="category")  # financial years, not dates
    titles = {
        "Incident to completion": "Time from incident to completion of serious case reviews",
        "Completed within timescale": "Serious case reviews completed within timescale",
        "Decision within one month": "Review decisions made within one month",
    }
    _layout(fig, f"{titles.get(measure, measure)}, England, {_span(years)}", "Percentage of reviews",
            "Financial year of incident")
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    if not years:
        return empty_figure("Nothing to plot: no published timeliness for these years"), (
            ["Financial year", "Band", "Reviews", "Percentage"], [], ["text", "text", "count", "num"])
    rows.sort(key=lambda r: (r[0], bands.index(r[1])))
    return fig, (["Financial year", "Band", "Reviews", "Percentage"], rows, ["text", "text", "count", "num"])


def _area_rows(df: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """England's rows, or one region's (characteristics are published at National and Regional level)."""
    if region:
        return df[(df["geographic_level"] == "Regional") & (df["region_code"] == region)]
    return level(df, "National")


def profile(cc: pd.DataFrame, upto: str, topic: str = "Age band", outcome: str = "Total", n_years: int = 3,
            region: str | None = None, area: str = "England", count: str = "children",
            percent: str = "children_percent", who: str | None = None) -> tuple[go.Figure, Table]:
    """Grouped bars of each category's percentage for the last `n_years`, for England or one region. A category
    whose percentage is suppressed or not available gets its symbol drawn at the baseline, not a silent gap."""
    nat = _area_rows(cc, region)
    sub = nat[(nat["breakdown_topic"] == topic) & (nat["time_period"] <= upto)]
    if "outcome" in sub.columns:
        sub = sub[sub["outcome"] == outcome]
    sub = sub[sub["breakdown"] != "Total"]
    years = sorted(sub["time_period"].unique())[-n_years:]
    cats = list(dict.fromkeys(sub["breakdown"]))
    fig = go.Figure()
    rows = []
    if who is None:
        who = {"Died": "Children who died", "Seriously injured": "Children seriously injured"}.get(
            outcome, "Children harmed")
    unit = "children" if count == "children" else "reviews"
    symbols: dict[int, list[tuple[str, str]]] = {}  # year's position -> (category, symbol) of its missing bars
    for i, y in enumerate(years):
        s = sub[sub["time_period"] == y].set_index("breakdown")
        pct = [s[percent].get(c, "x") for c in cats]
        cnt = [s[count].get(c, "x") for c in cats]
        fig.add_bar(
            x=[esc(c) for c in cats], y=[number(v) for v in pct], name=period_label(y), offsetgroup=str(i),
            marker_color=PALETTE[i % len(PALETTE)], customdata=[[fmt_count(c), fmt_1dp(p)] for c, p in zip(cnt, pct)],
            hovertemplate="%{x}: %{customdata[1]}% (%{customdata[0]} " + unit + ")<extra>" + period_label(y)
                          + "</extra>",
        )
        for c, n, p in zip(cats, cnt, pct):
            rows.append([period_label(y), c, fmt_count(n), fmt_1dp(p)])
            if number(p) is None:
                symbols.setdefault(i, []).append((esc(c), fmt_1dp(p)))
    for i, marks in symbols.items():  # one text trace per year so each symbol sits over its own (missing) bar
        fig.add_bar(x=[c for c, _ in marks], y=[0] * len(marks), offsetgroup=str(i),
                    text=[s for _, s in marks], textposition="outside", showlegend=False,
                    marker_color=PALETTE[i % len(PALETTE)], cliponaxis=False,
                    hovertemplate="%{x}: %{text} (suppressed or not available)<extra>" + period_label(years[i])
                                  + "</extra>")
    fig.update_layout(barmode="group")
    _layout(fig, f"{who} by {topic.lower()}, {area}, {_span(years)}", topic, f"Percentage of {unit}")
    fig.update_yaxes(ticksuffix="%")
    headers = ["Financial year", topic, unit.capitalize(), "Percentage"]
    if not any(number(r[3]) is not None for r in rows):
        return empty_figure(f"Nothing to plot: no published percentages of {unit} by {topic.lower()}",
                            title_html=fig.layout.title.text), (
            headers, rows, ["text", "text", "count", "num"])
    return fig, (headers, rows, ["text", "text", "count", "num"])


def grades(ev: pd.DataFrame, upto: str) -> tuple[go.Figure, Table]:
    nat = level(ev, "National")
    sub = nat[(nat["time_period"] <= upto) & (nat["grade"] != "Total")]
    years = sorted(sub["time_period"].unique())
    order = ["Outstanding", "Good", "Adequate", "Inadequate"]
    fig = go.Figure()
    rows = {y: [period_label(y)] for y in years}
    for i, g in enumerate(order):
        s = sub[sub["grade"] == g].set_index("time_period")
        cnt = [s["reviews"].get(y, "x") for y in years]
        fig.add_bar(
            x=[period_label(y) for y in years], y=[number(v) for v in cnt], name=g, marker_color=PALETTE[i],
            customdata=[fmt_count(v) for v in cnt],
            hovertemplate="%{x}: %{customdata} reviews<extra>" + g + "</extra>",
        )
        for y, v in zip(years, cnt):
            rows[y].append(fmt_count(v))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")  # financial years, not dates
    _layout(fig, f"Inspectorate grades of evaluated serious case reviews, England, {_span(years)}",
            "Financial year of evaluation", "Reviews evaluated")
    fig = or_nothing(fig, "every count of evaluated reviews is suppressed or not available")
    return fig, (["Financial year", *order], list(rows.values()), ["text"] + ["count"] * len(order))


def decisions_on_time(rt: pd.DataFrame, upto: str) -> Table:
    """Decision within one month (Yes %), completed within timescale (Yes %), reviews in progress and overdue."""
    nat = level(rt, "National")
    nat = nat[nat["time_period"] <= upto]
    years = sorted(nat["time_period"].unique())
    rows = []
    for y in years:
        s = nat[nat["time_period"] == y]

        def cell(measure, band, col):
            m = s[(s["measure"] == measure) & (s["band"] == band)]
            return m[col].iloc[0] if len(m) else "x"

        rows.append([
            period_label(y),
            fmt_1dp(cell("Decision within one month", "Yes", "reviews_percent")),
            fmt_1dp(cell("Completed within timescale", "Yes", "reviews_percent")),
            fmt_count(cell("Completed within timescale", "In progress, overdue", "reviews")),
        ])
    return (["Financial year of incident", "Decisions within one month (%)", "Completed within timescale (%)",
             "Reviews in progress and overdue"], rows, ["text", "num", "num", "count"])


ACTION_STATUSES = ["Completed", "In progress", "Not started", "Dropped", "Not known"]


def actions_by_agency(ra: pd.DataFrame, period: str, region: str | None = None) -> tuple[go.Figure, Table]:
    """Action-plan items by agency and status (National, or one region's rows), one year: stacked bars of counts,
    suppressed parts drawn as a labelled grey segment of unknown size so no bar silently looks complete."""
    if ra.empty:
        return empty_figure("No published action-plan items"), (["Agency"], [], ["text"])
    rows_ = ra[(ra["time_period"] == period) & (ra["focus"] == "Total")]
    rows_ = rows_[rows_["region_code"] == region] if region else level(rows_, "National")
    rows_ = rows_[rows_["geographic_level"] == ("Regional" if region else "National")]
    agencies = [a for a in dict.fromkeys(rows_["agency"]) if a not in ("Total",)]
    fig = go.Figure()
    table = {a: [a] for a in agencies}
    for i, status in enumerate(ACTION_STATUSES):
        s = rows_[rows_["status"] == status].set_index("agency")
        cnt = [s["actions"].get(a, "x") for a in agencies]
        fig.add_bar(y=agencies, x=[number(v) for v in cnt], name=status, orientation="h",
                    marker_color=PALETTE[i % len(PALETTE)], customdata=[fmt_count(v) for v in cnt],
                    hovertemplate="%{y}: %{customdata}<extra>" + status + "</extra>")
        for a, v in zip(agencies, cnt):
            table[a].append(fmt_count(v))
    tot = rows_[rows_["status"] == "Total"].set_index("agency")
    for a in agencies:
        n, o = tot["actions"].get(a, "x"), tot["overdue"].get(a, "x")
        share = f"{100 * number(o) / number(n):.1f}" if isfinite(number(o)) and isfinite(number(n)) and number(n) \
            else ("c" if "c" in (n, o) else "x")
        table[a] += [fmt_count(n), fmt_count(o), share]
    hidden = [a for a in agencies if any(table[a][k] == "c" for k in range(1, len(ACTION_STATUSES) + 1))]
    if hidden:
        fig.add_bar(y=hidden, x=[0.0001] * len(hidden), name="c (suppressed)", orientation="h",
                    marker_color=SUPPRESSED_COLOUR, text=["c"] * len(hidden), textposition="outside",
                    hovertemplate="%{y}: part suppressed (c)<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(rangemode="nonnegative")
    where = "England" if not region else (rows_["region_name"].iloc[0] if len(rows_) else region)
    _layout(fig, f"Action-plan items by agency and status, {where}, {period_label(period)}", "Actions", "",
            height=460)
    fig = or_nothing(fig, f"every count of action-plan items for {where} is suppressed or not available")
    return fig, (["Agency", *ACTION_STATUSES, "All actions", "Overdue", "Overdue (%)"], list(table.values()),
                 ["text"] + ["count"] * (len(ACTION_STATUSES) + 2) + ["num"])


def overdue_by_region(ra: pd.DataFrame, period: str) -> Table:
    """Share of action-plan items overdue, by region (all agencies, focuses and statuses), one year."""
    rows = []
    if ra.empty:
        return (["Region", "Actions", "Overdue", "Overdue (%)"], rows, ["text", "count", "count", "num"])
    sub = ra[(ra["time_period"] == period) & (ra["agency"] == "Total") & (ra["focus"] == "Total")
             & (ra["status"] == "Total")]
    for _, r in sub.iterrows():
        name = "England" if r["geographic_level"] == "National" else r["region_name"]
        n, o = number(r["actions"]), number(r["overdue"])
        share = f"{100 * o / n:.1f}" if isfinite(n) and isfinite(o) and n else (
            "c" if "c" in (r["actions"], r["overdue"]) else "z")
        rows.append([name, fmt_count(r["actions"]), fmt_count(r["overdue"]), share])
    return (["Region", "Actions", "Overdue", "Overdue (%)"], rows, ["text", "count", "count", "num"])


def empty_figure(message: str, title_html: str | None = None) -> go.Figure:
    """A panel saying why there is no chart, under the chart's own title when there is one (`title_html` is
    already escaped)."""
    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 16})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    _layout(fig, message, height=260)
    if title_html:
        fig.update_layout(title={"text": title_html})
    return fig


def isfinite(v) -> bool:
    return v is not None and math.isfinite(v)
