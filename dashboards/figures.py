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
    hex_layout,
    number,
    period_label,
    poisson_limits,
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
    fig.update_yaxes(title_text=esc(y_title), separatethousands=True)
    return fig


def level(df: pd.DataFrame, name: str) -> pd.DataFrame:
    return df[df["geographic_level"] == name] if not df.empty else df


def deaths_injuries_by_year(nba: pd.DataFrame, upto: str) -> tuple[go.Figure, Table]:
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
    _layout(fig, "Children who died or were seriously injured, by financial year", "Financial year", "Children")
    return fig, (["Financial year", "Died", "Seriously injured"], list(rows.values()), ["text", "count", "count"])


def funnel(areas: pd.DataFrame, england: pd.Series | None, title: str) -> tuple[go.Figure, Table]:
    """Funnel plot of rates per 10,000 children against the child population implied by each area's published
    count and rate, with Poisson 95% and 99.8% limits around the England rate. Areas whose count or rate is
    suppressed or not available are listed in the table, not plotted and not estimated."""
    eng_rate = number(england.get("children_rate_per_10000")) if england is not None else None
    pts = []
    for _, r in areas.iterrows():
        obs, rate = number(r.get("children")), number(r.get("children_rate_per_10000"))
        pop = obs * 10000 / rate if obs is not None and rate not in (None, 0.0) else None
        name = r.get("la_name") or r.get("region_name")
        pts.append((name, obs, rate, pop, r.get("children"), r.get("children_rate_per_10000")))
    fig = go.Figure()
    plotted = [p for p in pts if p[3] is not None]
    if eng_rate and plotted:
        pmax = max(p[3] for p in plotted) * 1.1
        pmin = max(min(p[3] for p in plotted) * 0.5, 1.0)
        grid = np.geomspace(pmin, pmax, 60)
        for cov, dash, colour in [(0.95, "dash", PALETTE[0]), (0.998, "dot", PALETTE[5])]:
            lo, hi = [], []
            for pop in grid:
                e = pop * eng_rate / 10000
                a, b = poisson_limits(e, cov)
                lo.append(a / pop * 10000)
                hi.append(b / pop * 10000)
            name = f"{cov * 100:g}% limits"
            fig.add_scatter(x=grid, y=hi, mode="lines", line={"dash": dash, "color": colour}, name=name,
                            hoverinfo="skip")
            fig.add_scatter(x=grid, y=lo, mode="lines", line={"dash": dash, "color": colour}, name=name,
                            showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=[grid[0], grid[-1]], y=[eng_rate, eng_rate], mode="lines",
                        line={"color": "#505a5f"}, name=f"England rate ({eng_rate:,.1f})", hoverinfo="skip")
    if plotted:
        fig.add_scatter(
            x=[p[3] for p in plotted], y=[p[2] for p in plotted], mode="markers",
            marker={"size": 10, "color": PALETTE[2], "line": {"width": 1, "color": "#0b0c0c"}},
            name="Area", text=[esc(p[0]) for p in plotted],
            customdata=[[fmt_count(p[4]), fmt_1dp(p[5])] for p in plotted],
            hovertemplate="%{text}<br>%{customdata[0]} children<br>%{customdata[1]} per 10,000<extra></extra>",
        )
    _layout(fig, title, "Children aged 0 to 17 in the area (implied by the published count and rate)",
            "Children harmed per 10,000 children")
    fig.update_xaxes(type="log", tickformat=",.0f")
    rows = []
    if england is not None:
        rows.append(["England", fmt_count(england.get("children")), fmt_1dp(england.get("children_rate_per_10000")),
                     "Reference rate"])
    for name, obs, rate, pop, raw_obs, raw_rate in pts:
        rows.append([str(name), fmt_count(raw_obs), fmt_1dp(raw_rate), classify(obs, pop, eng_rate)])
    return fig, (["Area", "Children", "Rate per 10,000 children", "Compared with England"], rows,
                 ["text", "count", "num", "text"])


def tile_map(las: pd.DataFrame, title: str, height: int = 640) -> tuple[go.Figure, Table]:
    """Hex tile map of LA rates per 10,000 children; suppressed or unavailable LAs in grey with their symbol."""
    layout = hex_layout()
    by_code = {r["new_la_code"]: r for _, r in las.iterrows()} if not las.empty else {}
    xs, ys, names, rates, shown, counts, codes = [], [], [], [], [], [], []
    for code, (name, x, y) in layout.items():
        r = by_code.get(code)
        raw_rate = r["children_rate_per_10000"] if r is not None else "x"
        raw_count = r["children"] if r is not None else "x"
        xs.append(x)
        ys.append(y)
        names.append(str(r["la_name"]) if r is not None else name)
        rates.append(number(raw_rate))
        shown.append(fmt_1dp(raw_rate))
        counts.append(fmt_count(raw_count))
        codes.append(code)
    fig = go.Figure()
    grey = [i for i, v in enumerate(rates) if v is None]
    col = [i for i, v in enumerate(rates) if v is not None]
    marker = {"symbol": "hexagon", "size": 23, "line": {"width": 0.5, "color": "#ffffff"}}
    if grey:
        fig.add_scatter(
            x=[xs[i] for i in grey], y=[ys[i] for i in grey], mode="markers",
            marker={**marker, "color": SUPPRESSED_COLOUR}, name="Suppressed (c) or not available (x)",
            text=[esc(names[i]) for i in grey], customdata=[[shown[i], counts[i]] for i in grey],
            hovertemplate="%{text}<br>rate: %{customdata[0]}<br>children: %{customdata[1]}<extra></extra>",
        )
    if col:
        fig.add_scatter(
            x=[xs[i] for i in col], y=[ys[i] for i in col], mode="markers",
            marker={**marker, "color": [rates[i] for i in col], "colorscale": SEQUENTIAL, "showscale": True, "cmin": 0,
                    "colorbar": {"title": {"text": "Per 10,000<br>children"}}},
            name="Rate per 10,000 children", text=[esc(names[i]) for i in col],
            customdata=[[shown[i], counts[i]] for i in col],
            hovertemplate="%{text}<br>rate: %{customdata[0]}<br>children: %{customdata[1]}<extra></extra>",
        )
    _layout(fig, title, height=height)
    fig.update_xaxes(visible=False, scaleanchor="y", scaleratio=1)
    fig.update_yaxes(visible=False)
    fig.update_layout(legend={"orientation": "h", "y": -0.05})
    rows = sorted(([names[i], codes[i], counts[i], shown[i]] for i in range(len(xs))), key=lambda r: r[0])
    return fig, (["Local authority", "Code", "Children", "Rate per 10,000 children"], rows,
                 ["text", "text", "count", "num"])


def timeliness_bands(rt: pd.DataFrame, upto: str, measure: str = "Incident to completion") -> tuple[go.Figure, Table]:
    nat = level(rt, "National")
    sub = nat[(nat["measure"] == measure) & (nat["time_period"] <= upto) & (nat["band"] != "Total")]
    years = sorted(sub["time_period"].unique())[-5:]
    bands = list(dict.fromkeys(sub["band"]))
    fig = go.Figure()
    rows = []
    for i, band in enumerate(bands):
        b = sub[sub["band"] == band].set_index("time_period")
        pct = [b["reviews_percent"].get(y, "x") for y in years]
        cnt = [b["reviews"].get(y, "x") for y in years]
        fig.add_bar(
            y=[period_label(y) for y in years], x=[number(v) for v in pct], orientation="h", name=esc(band),
            marker_color=PALETTE[i % len(PALETTE)], customdata=[[fmt_count(c), fmt_1dp(p)] for c, p in zip(cnt, pct)],
            hovertemplate="%{y}: %{customdata[1]}% (%{customdata[0]} reviews)<extra>" + esc(band) + "</extra>",
        )
        for y, c, p in zip(years, cnt, pct):
            rows.append([period_label(y), band, fmt_count(c), fmt_1dp(p)])
    fig.update_layout(barmode="stack")
    fig.update_yaxes(type="category")  # financial years, not dates
    titles = {
        "Incident to completion": "Time from incident to completion of serious case reviews",
        "Completed within timescale": "Serious case reviews completed within timescale",
        "Decision within one month": "Review decisions made within one month",
    }
    _layout(fig, titles.get(measure, measure), "Percentage of reviews", "Financial year of incident")
    rows.sort(key=lambda r: (r[0], bands.index(r[1])))
    return fig, (["Financial year", "Band", "Reviews", "Percentage"], rows, ["text", "text", "count", "num"])


def profile(cc: pd.DataFrame, upto: str, topic: str = "Age band", outcome: str = "Total", n_years: int = 3
            ) -> tuple[go.Figure, Table]:
    nat = level(cc, "National")
    sub = nat[(nat["breakdown_topic"] == topic) & (nat["outcome"] == outcome) & (nat["time_period"] <= upto)]
    sub = sub[sub["breakdown"] != "Total"]
    years = sorted(sub["time_period"].unique())[-n_years:]
    cats = list(dict.fromkeys(sub["breakdown"]))
    fig = go.Figure()
    rows = []
    for i, y in enumerate(years):
        s = sub[sub["time_period"] == y].set_index("breakdown")
        pct = [s["children_percent"].get(c, "x") for c in cats]
        cnt = [s["children"].get(c, "x") for c in cats]
        fig.add_bar(
            x=[esc(c) for c in cats], y=[number(v) for v in pct], name=period_label(y),
            marker_color=PALETTE[i % len(PALETTE)], customdata=[[fmt_count(c), fmt_1dp(p)] for c, p in zip(cnt, pct)],
            hovertemplate="%{x}: %{customdata[1]}% (%{customdata[0]} children)<extra>" + period_label(y) + "</extra>",
        )
        for c, n, p in zip(cats, cnt, pct):
            rows.append([period_label(y), c, fmt_count(n), fmt_1dp(p)])
    fig.update_layout(barmode="group")
    who = {"Died": "Children who died", "Seriously injured": "Children seriously injured"}.get(outcome, "Children harmed")
    _layout(fig, f"{who} by {topic.lower()}, compared across years", topic, "Percentage of children")
    return fig, (["Financial year", topic, "Children", "Percentage"], rows, ["text", "text", "count", "num"])


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
    _layout(fig, "Inspectorate grades of evaluated serious case reviews", "Financial year of evaluation",
            "Reviews evaluated")
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


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=esc(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, message, height=200)


def isfinite(v) -> bool:
    return v is not None and math.isfinite(v)
