"""Figures of reviews and children: timeliness bands with the suppressed share drawn, profiles of the children,
evaluation grades, decisions on time, and action plans by agency."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..common import PALETTE, esc, fmt_1dp, fmt_count, is_c, mostly_suppressed, number, period_label
from .base import (
    Table,
    _layout,
    _span,
    add_suppressed,
    empty_figure,
    isfinite,
    legend_only_drawn,
    level,
    mostly_suppressed_figure,
    or_nothing,
)


def timeliness_bands(rt: pd.DataFrame, upto: str, measure: str = "Incident to completion") -> tuple[go.Figure, Table]:
    """100% stacked bars of the bands of one timeliness measure for the last five years. Bands keep the order of
    the published file, in the legend too; a band drawn nowhere in these years (no published percentage, or 0% in
    every year) gets no legend entry. A year with suppressed bands gets one hatched segment labelled c, the share
    its published percentages leave (100 less the published parts, which anyone can work out from the file); the
    axis always runs from 0 to 100. Mostly suppressed: words instead of bars."""
    nat = level(rt, "National")
    sub = nat[(nat["measure"] == measure) & (nat["time_period"] <= upto) & (nat["band"] != "Total")]
    years = sorted(sub["time_period"].unique())[-5:]
    sub = sub[sub["time_period"].isin(years)]
    bands = list(dict.fromkeys(sub["band"]))
    fig = go.Figure()
    rows = []
    accounted = {y: 0.0 for y in years}
    missing: dict[str, set[str]] = {y: set() for y in years}  # the symbols of a year's unpublished bands
    for i, band in enumerate(bands):
        b = sub[sub["band"] == band].set_index("time_period")
        pct = [b["reviews_percent"].get(y) for y in years]
        cnt = [b["reviews"].get(y) for y in years]
        for y, c, p in zip(years, cnt, pct):
            if p is None:  # the band has no row this year
                continue
            rows.append([period_label(y), band, fmt_count(c), fmt_1dp(p)])
            accounted[y] += number(p) or 0.0
            if number(p) is None:
                missing[y].add(str(p).strip() or "x")
        fig.add_bar(
            y=[period_label(y) for y in years], x=[number(v) if v is not None else None for v in pct],
            orientation="h", name=esc(band), marker_color=PALETTE[i % len(PALETTE)],
            customdata=[[fmt_count(c if c is not None else "x"), fmt_1dp(p if p is not None else "x")]
                        for c, p in zip(cnt, pct)],
            hovertemplate="%{y}: %{customdata[1]}% (%{customdata[0]} reviews)<extra>" + esc(band) + "</extra>",
        )
    short = [y for y in years if "c" in missing[y]]
    add_suppressed(fig, [period_label(y) for y in short], [max(100.0 - accounted[y], 0.0) for y in short],
                   horizontal=True, to_scale=True, what=measure)
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
    headers = (["Financial year", "Band", "Reviews", "Percentage"])
    rows.sort(key=lambda r: (r[0], bands.index(r[1])))
    table = (headers, rows, ["text", "text", "count", "num"])
    if not years:
        return empty_figure("Nothing to plot: no published timeliness for these years"), table
    if mostly_suppressed([r[3] for r in rows]):
        return mostly_suppressed_figure(fig.layout.title.text), table
    return legend_only_drawn(fig), table


def _area_rows(df: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """England's rows, or one region's (characteristics are published at National and Regional level)."""
    if region:
        return df[(df["geographic_level"] == "Regional") & (df["region_code"] == region)]
    return level(df, "National")


def _profile_gaps(fig: go.Figure, years: list[str], drawn_years: list[str], hidden: dict[int, list[str]],
                  symbols: dict[int, list[tuple[str, str]]]) -> None:
    """What the profile does not draw, said: the years with nothing published named in words, a ringed c in each
    suppressed category's slot beside its year's other bars, and x or z over its own (missing) bar."""
    left_out = [period_label(y) for y in years if y not in drawn_years]
    if left_out and drawn_years:
        fig.add_annotation(text=f"Not drawn, no figure published (c or x): {', '.join(left_out)}", xref="paper",
                           yref="paper", x=1, y=1, xanchor="right", yanchor="bottom", showarrow=False,
                           font={"size": 12})
    for i, at in hidden.items():
        add_suppressed(fig, at, offsetgroup=str(i), what=period_label(drawn_years[i]))
    for i, marks in symbols.items():
        fig.add_bar(x=[c for c, _ in marks], y=[0] * len(marks), offsetgroup=str(i),
                    text=[s for _, s in marks], textposition="outside", showlegend=False,
                    marker_color=PALETTE[i % len(PALETTE)], cliponaxis=False,
                    hovertemplate="%{x}: %{text} (not available or not applicable)<extra>"
                                  + period_label(drawn_years[i]) + "</extra>")


def profile(cc: pd.DataFrame, upto: str, topic: str = "Age band", outcome: str = "Total", n_years: int = 3,
            region: str | None = None, area: str = "England", count: str = "children",
            percent: str = "children_percent", who: str | None = None) -> tuple[go.Figure, Table]:
    """Grouped bars of each category's percentage for the last `n_years`, for England or one region. A suppressed
    percentage is a ringed c in its slot ("c: suppressed" in the legend), one not available or not applicable its
    symbol at the baseline, never a silent gap; a year with nothing published is named in words, not drawn; when
    most values are suppressed the chart says so in words instead."""
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
    hidden: dict[int, list[str]] = {}  # year's position -> its suppressed categories
    # a year with no published percentage at all is left out of the picture and named in words (its slots would
    # be a row of c marks with no legend colour to tell which year they are); its values stay in the table
    drawn_years = [y for y in years if sub[(sub["time_period"] == y)][percent].map(number).notna().any()]
    for y in years:
        s = sub[sub["time_period"] == y].set_index("breakdown")
        for c in cats:
            n, p = s[count].get(c, "x"), s[percent].get(c, "x")
            rows.append([period_label(y), c, fmt_count(n), fmt_1dp(p)])
    for i, y in enumerate(drawn_years):
        s = sub[sub["time_period"] == y].set_index("breakdown")
        pct = [s[percent].get(c, "x") for c in cats]
        cnt = [s[count].get(c, "x") for c in cats]
        fig.add_bar(
            x=[esc(c) for c in cats], y=[number(v) for v in pct], name=period_label(y), offsetgroup=str(i),
            marker_color=PALETTE[i % len(PALETTE)], customdata=[[fmt_count(c), fmt_1dp(p)] for c, p in zip(cnt, pct)],
            hovertemplate="%{x}: %{customdata[1]}% (%{customdata[0]} " + unit + ")<extra>" + period_label(y)
                          + "</extra>",
        )
        for c, p in zip(cats, pct):
            if is_c(p):
                hidden.setdefault(i, []).append(esc(c))
            elif number(p) is None:
                symbols.setdefault(i, []).append((esc(c), fmt_1dp(p)))
    _profile_gaps(fig, years, drawn_years, hidden, symbols)
    fig.update_layout(barmode="group")
    _layout(fig, f"{who} by {topic.lower()}, {area}, {_span(years)}", topic, f"Percentage of {unit}")
    fig.update_yaxes(ticksuffix="%")
    headers = ["Financial year", topic, unit.capitalize(), "Percentage"]
    table = (headers, rows, ["text", "text", "count", "num"])
    if mostly_suppressed([r[3] for r in rows]):
        return mostly_suppressed_figure(fig.layout.title.text), table
    if not any(number(r[3]) is not None for r in rows):
        return empty_figure(f"Nothing to plot: no published percentages of {unit} by {topic.lower()}",
                            title_html=fig.layout.title.text), table
    return legend_only_drawn(fig), table


def _rest(total, parts) -> float | None:
    """What a published total leaves for its suppressed parts (total less its published parts, which anyone can
    work out from the file), or None when the total is not published."""
    t = number(total)
    if t is None:
        return None
    return max(t - sum(number(v) or 0.0 for v in parts), 0.0)


def grades(ev: pd.DataFrame, upto: str) -> tuple[go.Figure, Table]:
    """Stacked bars of evaluated reviews by grade and year. A year's suppressed grades are one hatched segment
    labelled c, the reviews its published total leaves for them (a ringed c when the total is suppressed too); when
    most grades are suppressed the chart says so in words (a stack of the one published grade would read as every
    review having that grade)."""
    nat = level(ev, "National")
    sub = nat[(nat["time_period"] <= upto) & (nat["grade"] != "Total")]
    totals = nat[nat["grade"] == "Total"].set_index("time_period")["reviews"] if len(nat) else pd.Series(dtype=str)
    years = sorted(sub["time_period"].unique())
    order = ["Outstanding", "Good", "Adequate", "Inadequate"]
    fig = go.Figure()
    rows = {y: [period_label(y)] for y in years}
    by_year: dict[str, list[str]] = {y: [] for y in years}
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
            by_year[y].append(v)
    cells = [v for vs in by_year.values() for v in vs]
    short = [y for y in years if any(is_c(v) for v in by_year[y])]
    scaled = [y for y in short if _rest(totals.get(y), by_year[y]) is not None]
    add_suppressed(fig, [period_label(y) for y in scaled], [_rest(totals.get(y), by_year[y]) for y in scaled],
                   to_scale=True, what="Grades suppressed")
    rest = [y for y in short if y not in scaled]  # total suppressed too: a ringed c on top of the published grades
    add_suppressed(fig, [period_label(y) for y in rest], base=[sum(number(v) or 0.0 for v in by_year[y]) for y in rest],
                   what="Grades suppressed")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")  # financial years, not dates
    _layout(fig, f"Inspectorate grades of evaluated serious case reviews, England, {_span(years)}",
            "Financial year of evaluation", "Reviews evaluated")
    table = (["Financial year", *order], list(rows.values()), ["text"] + ["count"] * len(order))
    if mostly_suppressed(cells):
        return mostly_suppressed_figure(fig.layout.title.text), table
    fig = or_nothing(legend_only_drawn(fig), "every count of evaluated reviews is suppressed or not available")
    return fig, table


def decisions_on_time(rt: pd.DataFrame, upto: str) -> Table:
    """Decision within one month (Yes %), completed within timescale (Yes %), reviews in progress and overdue."""
    nat = level(rt, "National")
    nat = nat[nat["time_period"] <= upto]
    years = sorted(nat["time_period"].unique())
    rows = []
    for y in years:
        s = nat[nat["time_period"] == y]

        def cell(measure, band, col, s=s):
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
    """Action-plan items by agency and status (National, or one region's rows), one year: stacked bars of counts.
    An agency's suppressed statuses are one hatched segment labelled c, the items its published total leaves for
    them (a ringed c when its total is suppressed too), so no bar silently looks complete; when most counts are
    suppressed the chart says so in words."""
    if ra.empty:
        return empty_figure("No published action-plan items"), (["Agency"], [], ["text"])
    rows_ = ra[(ra["time_period"] == period) & (ra["focus"] == "Total")]
    rows_ = rows_[rows_["region_code"] == region] if region else level(rows_, "National")
    rows_ = rows_[rows_["geographic_level"] == ("Regional" if region else "National")]
    agencies = [a for a in dict.fromkeys(rows_["agency"]) if a not in ("Total",)]
    fig = go.Figure()
    table = {a: [a] for a in agencies}
    parts: dict[str, list[str]] = {a: [] for a in agencies}
    for i, status in enumerate(ACTION_STATUSES):
        s = rows_[rows_["status"] == status].set_index("agency")
        cnt = [s["actions"].get(a, "x") for a in agencies]
        fig.add_bar(y=agencies, x=[number(v) for v in cnt], name=status, orientation="h",
                    marker_color=PALETTE[i % len(PALETTE)], customdata=[fmt_count(v) for v in cnt],
                    hovertemplate="%{y}: %{customdata}<extra>" + status + "</extra>")
        for a, v in zip(agencies, cnt):
            table[a].append(fmt_count(v))
            if a in s.index:
                parts[a].append(v)
    tot = rows_[rows_["status"] == "Total"].set_index("agency")
    for a in agencies:
        n, o = tot["actions"].get(a, "x"), tot["overdue"].get(a, "x")
        share = f"{100 * number(o) / number(n):.1f}" if isfinite(number(o)) and isfinite(number(n)) and number(n) \
            else ("c" if "c" in (n, o) else "x")
        table[a] += [fmt_count(n), fmt_count(o), share]
    cells = [v for vs in parts.values() for v in vs]
    hidden = [a for a in agencies if any(is_c(v) for v in parts[a])]
    # to scale only for England, whose counts are exact: a region's may be rounded, and a rounded total less
    # rounded parts is no size of anything
    scaled = [a for a in hidden if not region and _rest(tot["actions"].get(a), parts[a]) is not None]
    add_suppressed(fig, scaled, [_rest(tot["actions"].get(a), parts[a]) for a in scaled], horizontal=True,
                   to_scale=True, what="Statuses suppressed")
    rest = [a for a in hidden if a not in scaled]  # a ringed c at the end of the agency's published statuses
    add_suppressed(fig, rest, base=[sum(number(v) or 0.0 for v in parts[a]) for a in rest], horizontal=True,
                   what="Statuses suppressed")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(rangemode="nonnegative")
    where = "England" if not region else (rows_["region_name"].iloc[0] if len(rows_) else region)
    _layout(fig, f"Action-plan items by agency and status, {where}, {period_label(period)}", "Actions", "",
            height=460)
    out = (["Agency", *ACTION_STATUSES, "All actions", "Overdue", "Overdue (%)"], list(table.values()),
           ["text"] + ["count"] * (len(ACTION_STATUSES) + 2) + ["num"])
    if mostly_suppressed(cells):
        return mostly_suppressed_figure(fig.layout.title.text), out
    fig = or_nothing(legend_only_drawn(fig), f"every count of action-plan items for {where} is suppressed or not "
                     "available")
    return fig, out


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
