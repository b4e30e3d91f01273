"""Figures of reviews and children: timeliness bands with the suppressed share drawn, profiles of the children,
evaluation grades, decisions on time, and action plans by agency."""
from __future__ import annotations


import pandas as pd
import plotly.graph_objects as go

from ..common import PALETTE, SUPPRESSED_COLOUR, esc, fmt_1dp, fmt_count, number, period_label

from .base import Table, _layout, _span, empty_figure, isfinite, level, or_nothing


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
