"""One page of the published national report: headlines, what changed since the last release, charts with the
tables behind them, and the notes, as sections rendered by jinja2 templates (dashboards/report/templates/, every
value from a file escaped); and the methodology page, the release's own data guidance as HTML."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from .. import figures as F
from ..common import (
    COUNT_COLUMNS,
    DATASETS,
    SYMBOLS,
    disclosure_threshold,
    fmt_1dp,
    fmt_count,
    fmt_rate,
    map_scale_max,
    period_label,
    rate_dp,
    read_meta,
    region_names,
)
from .changes import Revisions
from .html import fig_html, markdown_html, render, table_html

CHROMIUM = "/usr/bin/chromium"
METHODOLOGY = "methodology.html"
GUIDANCE = "data_guidance.md"  # release/writer.py GUIDANCE: the report reads the release's own file

WARNING = (
    "These statistics count incidents that local authorities notified. They are not performance measures: a "
    "higher number or rate can reflect better identification and reporting as much as more harm, and the numbers "
    "are too small to rank areas. Do not use them to compare the performance of local authorities."
)


@dataclass
class Section:
    id: str
    title: str
    html: Markup


@dataclass
class PageInputs:
    """What every page of one report is drawn from (read once by build.py)."""
    release: Path
    data: dict[str, pd.DataFrame]
    quality: tuple
    pop_sources: list[str]
    periods: list[str]
    population: dict | None = None
    revisions: Revisions = field(default_factory=Revisions)


@dataclass
class Page:
    """One year's page while it is put together: its sections and the figures drawn for it."""
    period: str
    sections: list[Section] = field(default_factory=list)
    figs: dict[str, go.Figure] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return period_label(self.period)

    def add(self, sid: str, title: str, template: str, **context) -> None:
        self.sections.append(Section(sid, title, render(f"sections/{template}.html.j2", **context)))

    def figure(self, name: str, fig: go.Figure, div_id: str) -> Markup:
        self.figs[name] = fig
        return fig_html(fig, div_id)


# ---------------------------------------------------------------- sections
def _headlines(page: Page, nba: pd.DataFrame) -> None:
    period = page.period
    nat = F.level(nba, "National")
    prev_periods = sorted(p for p in nat["time_period"].unique() if p < period)
    prev = prev_periods[-1] if prev_periods else None

    def cell(p, itype, col):
        m = nat[(nat["time_period"] == p) & (nat["incident_type"] == itype)]
        return m[col].iloc[0] if len(m) and col in m.columns else "x"

    items = [
        ("Incidents notified", "Total", "incidents", fmt_count),
        ("Children who died or were seriously injured", "Total", "children", fmt_count),
        ("Children harmed per 10,000 children", "Total", "children_rate_per_10000", fmt_rate),
        ("Children who died", "Death", "children", fmt_count),
        ("Children seriously injured", "Serious injury", "children", fmt_count),
        ("Serious case reviews initiated", "Total", "scr_initiated", fmt_count),
        ("Notified on time (%)", "Total", "notified_on_time_percent", fmt_1dp),
    ]
    cards, rows = [], []
    for label, itype, col, fmt in items:
        now = fmt(cell(period, itype, col))
        before = fmt(cell(prev, itype, col)) if prev else "x"
        cards.append({"now": now, "label": label, "before": before,
                      "previous_label": period_label(prev) if prev else "No earlier year"})
        rows.append([label, now, before])
    kinds = [["text", "count", "count"] if fmt is fmt_count else ["text", "num", "num"] for *_, fmt in items]
    table = (["Measure", page.label, period_label(prev) if prev else "Previous year"], rows, kinds)
    # Headline figures come from the published national rows; the counts table is marked for the disclosure test.
    page.add("headlines", f"Headline figures, {page.label}", "headlines", cards=cards,
             table=table_html(table, "Headline figures"))


def _changes(page: Page, revisions: Revisions) -> None:
    """What changed in this year's published figures since the last release (revisions.csv): cells, never values."""
    year = revisions.for_period(page.period)
    page.add("changes", "What changed since the last release", "changes", compared=revisions.compared,
             first=revisions.first_release, label=page.label, cells=year.cells, reasons=year.by_reason,
             datasets=year.by_dataset, change=revisions.change, methodology=METHODOLOGY)


def _areas(page: Page, nba: pd.DataFrame, population: dict | None) -> None:
    period, label = page.period, page.label
    fig, tab = F.deaths_injuries_by_year(nba, period)
    page.sections.append(Section("by-year", "Deaths and serious injuries by year", Markup(
        page.figure("deaths_injuries_by_year", fig, "fig-by-year")
        + table_html(tab, "Children who died or were seriously injured"))))
    total = nba[(nba["time_period"] == period) & (nba["incident_type"] == "Total")] if not nba.empty else nba
    england = F.level(total, "National")
    england = england.iloc[0] if len(england) else None
    fig, tab = F.funnel(F.level(total, "Regional"), england,
                        f"Children harmed per 10,000 children by region, {label}, with Poisson control limits",
                        population=population)
    page.add("regions", "Regional rates per 10,000 children", "regions", warning=WARNING,
             figure=page.figure("regional_funnel", fig, "fig-funnel"),
             table=table_html(tab, "Regional rates per 10,000 children"))
    fig, tab = F.tile_map(F.level(total, "Local authority"), f"Children harmed per 10,000 children by local "
                          f"authority, {label}", scale_max=map_scale_max(nba), region_names=region_names(nba))
    page.add("map", "Local authorities (tile map)", "map", warning=WARNING,
             figure=page.figure("la_tile_map", fig, "fig-map"), table=table_html(tab, "Local authority rates"))


def _timeliness(page: Page, rt: pd.DataFrame) -> None:
    fig, tab = F.timeliness_bands(rt, page.period)
    page.add("timeliness", "Timeliness of reviews", "timeliness", methodology=METHODOLOGY,
             figure=page.figure("timeliness", fig, "fig-timeliness"),
             bands=table_html(tab, "Time from incident to completion"),
             on_time=table_html(F.decisions_on_time(rt, page.period),
                                "Decisions and completions on time, and overdue reviews"))


def _profile(page: Page, cc: pd.DataFrame) -> None:
    figure, tables = Markup(""), []
    topics = list(dict.fromkeys(cc["breakdown_topic"])) if not cc.empty else []
    for i, topic in enumerate(t for t in topics if t != "Total"):
        fig, tab = F.profile(cc, page.period, topic)
        if i == 0:
            figure = page.figure("child_profile", fig, "fig-profile")
        tables.append(table_html(tab, f"Children harmed by {topic.lower()}"))
    page.add("profile", "Profile of the children, compared across years", "profile", figure=figure, tables=tables)


def _characteristics(page: Page, rc: pd.DataFrame) -> None:
    figure, parts = Markup(""), []
    if not rc.empty and "breakdown_topic" in rc.columns:
        nat = F.level(rc, "National")
        topics = [t for t in dict.fromkeys(nat["breakdown_topic"]) if t != "Total"]
        if topics:
            fig, _ = F.profile(rc, page.period, topics[0], count="reviews", percent="reviews_percent",
                               who="Completed serious case reviews")
            figure = page.figure("review_profile", fig, "fig-review-profile")
        for topic in topics:
            sub = nat[(nat["breakdown_topic"] == topic) & (nat["time_period"] == page.period)]
            rows = [[b, fmt_count(n), fmt_1dp(p)] for b, n, p in
                    zip(sub["breakdown"], sub["reviews"], sub["reviews_percent"])]
            parts.append(table_html(([topic, "Reviews", "Percentage"], rows, ["text", "count", "num"]),
                                    f"Completed serious case reviews by {topic.lower()}, {page.label}"))
    page.add("characteristics", "Completed serious case reviews", "characteristics", figure=figure, parts=parts)


def _reviews_and_actions(page: Page, ev: pd.DataFrame, ra: pd.DataFrame) -> None:
    fig, tab = F.grades(ev, page.period)
    page.sections.append(Section("grades", "Review grades over time", Markup(
        page.figure("review_grades", fig, "fig-grades") + table_html(tab, "Evaluated serious case reviews by grade"))))
    if ra.empty or page.period not in set(ra["time_period"]):
        return
    fig, tab = F.actions_by_agency(ra, page.period)
    page.add("actions", "Were the lessons acted on? Action plans", "actions",
             figure=page.figure("actions_by_agency", fig, "fig-actions"),
             by_agency=table_html(tab, "Action-plan items by agency and status"),
             overdue=table_html(F.overdue_by_region(ra, page.period), "Action-plan items overdue, by region"))


def _quality(page: Page, quality) -> None:
    source, headers, rows, kinds = quality
    table = table_html((headers, rows, kinds), "Data quality", tier="published", open_=True) if headers else ""
    page.add("quality", "Data quality", "quality", source=source, table=table)


def _notes(page: Page, release: Path, pop_sources: list[str]) -> None:
    meta_rows, rounded = [], []
    for ds in DATASETS:
        for _, m in read_meta(release, ds).iterrows():
            if m.get("col_type") == "Indicator":
                meta_rows.append([ds, m.get("col_name", ""), m.get("label", ""), m.get("indicator_unit", "")])
                if m.get("col_name") in COUNT_COLUMNS and "rounded" in str(m.get("label", "")).lower():
                    rounded.append(f"{ds}.{m.get('col_name')}")
    # regional rounding is the release's choice, read from its metadata (the labels of its count indicators)
    illustrative = [s for s in pop_sources if "illustrative" in s.lower()]
    table = (table_html((["Dataset", "Column", "Label", "Unit"], meta_rows, ["text"] * 4), "Indicators in the release",
                        tier="meta") if meta_rows else "")
    page.add("methodology", "Methodology and footnotes", "notes", methodology=METHODOLOGY,
             files=", ".join(d + ".csv" for d in DATASETS), threshold=disclosure_threshold(), rounded=bool(rounded),
             symbols=list(SYMBOLS.items()), illustrative="; ".join(illustrative), pop_sources="; ".join(pop_sources),
             rate_dp=rate_dp(), table=table)


# ---------------------------------------------------------------- pages
def render_page(inputs: PageInputs, period: str) -> tuple[str, dict[str, go.Figure]]:
    """The page of one financial year, and its figures (for the PNG export)."""
    data = inputs.data
    page = Page(period)
    _headlines(page, data["notifications_by_area"])
    _changes(page, inputs.revisions)
    _areas(page, data["notifications_by_area"], inputs.population)
    _timeliness(page, data["review_timeliness"])
    _profile(page, data["child_characteristics"])
    _characteristics(page, data["review_characteristics"])
    _reviews_and_actions(page, data["review_evaluations"], data.get("review_actions", pd.DataFrame()))
    _quality(page, inputs.quality)
    _notes(page, inputs.release, inputs.pop_sources)
    html = render("year.html.j2", label=page.label, built=dt.date.today().isoformat(), sections=page.sections,
                  others=[period_label(p) for p in inputs.periods if p != period], methodology=METHODOLOGY)
    return str(html), page.figs


def render_methodology(release: Path, periods: list[str]) -> str:
    """The methodology page: the release's own data guidance (data_guidance.md, every number the release's) as HTML,
    linked to every year's page."""
    path = Path(release) / GUIDANCE
    guidance = markdown_html(path.read_text(encoding="utf-8")) if path.is_file() else ""
    return str(render("methodology.html.j2", built=dt.date.today().isoformat(), guidance=guidance,
                      years=[period_label(p) for p in reversed(periods)]))
