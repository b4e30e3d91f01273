"""One page of the published national report: headlines, charts with the tables behind them, and the notes, as
HTML in which every value from a file is escaped."""

import datetime as dt
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go


from .. import figures as F
from ..common import (
    COUNT_COLUMNS,
    DATASETS,
    SYMBOLS,
    disclosure_threshold,
    esc,
    fmt_1dp,
    fmt_count,
    fmt_rate,
    map_scale_max,
    period_label,
    rate_dp,
    read_meta,
    region_names,
)


CHROMIUM = "/usr/bin/chromium"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"], "toImageButtonOptions": {"format": "png"}}

WARNING = (
    "These statistics count incidents that local authorities notified. They are not performance measures: a "
    "higher number or rate can reflect better identification and reporting as much as more harm, and the numbers "
    "are too small to rank areas. Do not use them to compare the performance of local authorities."
)


# ---------------------------------------------------------------- HTML helpers
def table_html(table, caption: str, tier: str = "published") -> str:
    headers, rows, kinds = table
    head_kinds = kinds[0] if kinds and isinstance(kinds[0], list) else kinds
    head = "".join(f'<th scope="col" class="{"num" if k != "text" else ""}">{esc(h)}</th>'
                   for h, k in zip(headers, head_kinds))
    body = []
    for n, row in enumerate(rows):
        row_kinds = kinds[n] if kinds and isinstance(kinds[0], list) else kinds
        cells = []
        for i, (v, k) in enumerate(zip(row, row_kinds)):
            cls = {"count": "num count", "num": "num", "text": ""}[k]
            tag = "th scope=\"row\"" if i == 0 else "td"
            end = "th" if i == 0 else "td"
            cells.append(f'<{tag} class="{cls}">{esc(v)}</{end}>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<details class="data-table"><summary>Show the data in a table: {esc(caption)}</summary>'
            f'<table data-tier="{esc(tier)}"><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></details>')


def fig_html(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG)


CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;max-width:1100px;margin:0 auto;padding:0 16px 48px;
line-height:1.45}
header{border-bottom:8px solid #1d70b8;margin-bottom:24px}
h1{font-size:2.2rem}h2{font-size:1.6rem;margin-top:48px;border-top:2px solid #b1b4b6;padding-top:16px}
.headlines{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:16px}
.headline{background:#f3f2f1;padding:16px;border-left:6px solid #1d70b8}
.headline .value{font-size:2.2rem;font-weight:bold;display:block}
.warning{border-left:10px solid #d4351c;padding:12px 16px;background:#fff7f5;font-weight:bold}
table{border-collapse:collapse;margin:12px 0;font-size:0.95rem}
th,td{border-bottom:1px solid #b1b4b6;padding:6px 12px;text-align:left;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:bold;padding:6px 0}
summary{cursor:pointer;color:#1d70b8;text-decoration:underline;min-height:24px;padding:2px 0}
nav a,li>a{display:inline-block;min-height:24px;padding:2px 0}
.note{color:#505a5f;font-size:0.95rem}
nav ol{columns:2}
"""


# ---------------------------------------------------------------- the page
def _headlines(nba: pd.DataFrame, period: str) -> tuple[str, F.Table]:
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
        cards.append(f'<div class="headline"><span class="value">{esc(now)}</span>{esc(label)}'
                     f'<br><span class="note">{esc(period_label(prev)) if prev else "No earlier year"}: '
                     f'{esc(before)}</span></div>')
        rows.append([label, now, before])
    kinds = [["text", "count", "count"] if fmt is fmt_count else ["text", "num", "num"] for *_, fmt in items]
    return ('<div class="headlines">' + "".join(cards) + "</div>",
            (["Measure", period_label(period), period_label(prev) if prev else "Previous year"], rows, kinds))


def render_page(release: Path, period: str, data: dict, quality, pop_sources: list[str], periods: list[str],
                population: dict | None = None) -> tuple[str, dict[str, go.Figure]]:
    nba, cc, rt, ev = (data[k] for k in ("notifications_by_area", "child_characteristics", "review_timeliness",
                                         "review_evaluations"))
    label = period_label(period)
    sections: list[tuple[str, str, str]] = []  # id, title, html
    figs: dict[str, go.Figure] = {}

    head_html, head_tab = _headlines(nba, period)
    head_tab_html = table_html(head_tab, "Headline figures")
    # Headline figures come from the published national rows; the counts table is marked for the disclosure test.
    sections.append(("headlines", f"Headline figures, {label}", head_html + head_tab_html))

    fig, tab = F.deaths_injuries_by_year(nba, period)
    figs["deaths_injuries_by_year"] = fig
    sections.append(("by-year", "Deaths and serious injuries by year",
                     fig_html(fig, "fig-by-year") + table_html(tab, "Children who died or were seriously injured")))

    total = nba[(nba["time_period"] == period) & (nba["incident_type"] == "Total")] if not nba.empty else nba
    england = F.level(total, "National")
    england = england.iloc[0] if len(england) else None
    fig, tab = F.funnel(F.level(total, "Regional"), england,
                        f"Children harmed per 10,000 children by region, {label}, with Poisson control limits",
                        population=population)
    figs["regional_funnel"] = fig
    sections.append(("regions", "Regional rates per 10,000 children",
                     f'<p class="warning" role="note">{esc(WARNING)}</p>'
                     "<p>A funnel plot shows each region's rate against the size of its child population. The "
                     "dashed and dotted lines are the limits within which 95% and 99.8% of areas would fall by chance "
                     "alone if every area had the England rate (Poisson limits). A point outside them is worth a "
                     "closer look; it is not a judgement of performance. Areas are not ranked.</p>"
                     + fig_html(fig, "fig-funnel") + table_html(tab, "Regional rates per 10,000 children")))

    fig, tab = F.tile_map(F.level(total, "Local authority"), f"Children harmed per 10,000 children by local "
                          f"authority, {label}", scale_max=map_scale_max(nba), region_names=region_names(nba))
    figs["la_tile_map"] = fig
    sections.append(("map", "Local authorities (tile map)",
                     f'<p class="warning" role="note">{esc(WARNING)}</p>'
                     "<p>Each hexagon is one upper-tier local authority, placed roughly where it is in England; every "
                     "authority has the same size whatever its area; black lines outline the regions. The colour "
                     "scale runs from 0 to the highest rate of any year, so a colour means the same rate in every "
                     "year. Outlined hexagons with a dot are suppressed (c); empty outlines are not available (x)."
                     "</p>" + fig_html(fig, "fig-map") + table_html(tab, "Local authority rates")))

    fig, tab = F.timeliness_bands(rt, period)
    figs["timeliness"] = fig
    ontime = F.decisions_on_time(rt, period)
    sections.append(("timeliness", "Timeliness of reviews",
                     "<p>By the financial year of the incident. Decisions are due within one month of the case "
                     "reaching the chair; serious case reviews are due within the timescale in force when the "
                     "decision was made (Working Together). Reviews in progress are judged at the date the release "
                     "was built.</p>" + fig_html(fig, "fig-timeliness")
                     + table_html(tab, "Time from incident to completion")
                     + table_html(ontime, "Decisions and completions on time, and overdue reviews")))

    parts = []
    topics = list(dict.fromkeys(cc["breakdown_topic"])) if not cc.empty else []
    for i, topic in enumerate(t for t in topics if t != "Total"):
        fig, tab = F.profile(cc, period, topic)
        if i == 0:
            figs["child_profile"] = fig
            parts.append(fig_html(fig, "fig-profile"))
        parts.append(table_html(tab, f"Children harmed by {topic.lower()}"))
    sections.append(("profile", "Profile of the children, compared across years",
                     "<p>Percentages are of all children in notified incidents in that year, outcome 'Total'.</p>"
                     + "".join(parts)))

    rc = data["review_characteristics"]
    rc_parts = []
    if not rc.empty and "breakdown_topic" in rc.columns:
        nat = F.level(rc, "National")
        rc_topics = [t for t in dict.fromkeys(nat["breakdown_topic"]) if t != "Total"]
        if rc_topics:
            fig, _ = F.profile(rc, period, rc_topics[0], count="reviews", percent="reviews_percent",
                               who="Completed serious case reviews")
            figs["review_profile"] = fig
            rc_parts.append(fig_html(fig, "fig-review-profile"))
        for topic in rc_topics:
            sub = nat[(nat["breakdown_topic"] == topic) & (nat["time_period"] == period)]
            rows = [[b, fmt_count(n), fmt_1dp(p)] for b, n, p in
                    zip(sub["breakdown"], sub["reviews"], sub["reviews_percent"])]
            rc_parts.append(table_html(([topic, "Reviews", "Percentage"], rows, ["text", "count", "num"]),
                                       f"Completed serious case reviews by {topic.lower()}, {label}"))
    sections.append(("characteristics", "Completed serious case reviews",
                     "<p>Serious case reviews with status completed, by the financial year of the reviewed "
                     "incident.</p>" + ("".join(rc_parts) or "<p>No published review characteristics.</p>")))

    fig, tab = F.grades(ev, period)
    figs["review_grades"] = fig
    sections.append(("grades", "Review grades over time", fig_html(fig, "fig-grades")
                     + table_html(tab, "Evaluated serious case reviews by grade")))

    ra = data.get("review_actions", pd.DataFrame())
    if not ra.empty and period in set(ra["time_period"]):
        fig, tab = F.actions_by_agency(ra, period)
        figs["actions_by_agency"] = fig
        sections.append(("actions", "Were the lessons acted on? Action plans",
                         "<p>Action-plan items of serious case reviews, by the financial year of the reviewed "
                         "incident, and whether they were carried out by the date the release was built. An item is "
                         "overdue when it is past its due date and neither completed nor dropped.</p>"
                         + fig_html(fig, "fig-actions") + table_html(tab, "Action-plan items by agency and status")
                         + table_html(F.overdue_by_region(ra, period), "Action-plan items overdue, by region")))

    q_source, q_headers, q_rows, q_kinds = quality
    q_html = f"<p>Source: {esc(q_source)}. These are the share of required values filled in and counts of data problems waiting " \
             "for a data steward, not counts of children: the children notified are counted in the published " \
             "figures above.</p>"
    if q_headers:
        q_html += table_html((q_headers, q_rows, q_kinds), "Data quality",
                             tier="published").replace("<details ", "<details open ")
    sections.append(("quality", "Data quality", q_html))

    illustrative = [s for s in pop_sources if "illustrative" in s.lower()]
    pop_note = ("The child population used for rates is labelled <strong>illustrative</strong> by its source ("
                + esc("; ".join(illustrative)) + "): rates in this report are for demonstration and are not "
                "official statistics." if illustrative else
                ("Child population source: " + esc("; ".join(pop_sources)) + "." if pop_sources else
                 "Child population: as named in the population landing files (source column)."))
    meta_rows, rounded = [], []
    for ds in DATASETS:
        meta = read_meta(release, ds)
        for _, m in meta.iterrows():
            if m.get("col_type") == "Indicator":
                meta_rows.append([ds, m.get("col_name", ""), m.get("label", ""), m.get("indicator_unit", "")])
                if m.get("col_name") in COUNT_COLUMNS and "rounded" in str(m.get("label", "")).lower():
                    rounded.append(f"{ds}.{m.get('col_name')}")
    # regional rounding is the release's choice, read from its metadata (the labels of its count indicators)
    rounding_note = (" Regional counts are rounded, as the labels of the count indicators below say; regional "
                     "percentages and rates are worked out from the rounded counts." if rounded else "")
    sym = "".join(f"<li><code>{esc(k)}</code>: {esc(v)}</li>" for k, v in SYMBOLS.items())
    method = (
        f"<p>Sources: the release files of this build (explore education statistics tidy format), "
        f"{esc(', '.join(d + '.csv' for d in DATASETS))}. Notifications are counted by the financial year of the "
        "incident; reviews by the financial year of the reviewed incident; evaluations by the financial year of "
        "the evaluation.</p>"
        "<p>Disclosure control: England's headline figures (children, incidents and serious case reviews "
        "initiated, by incident type; children by outcome) are published exactly, even when small: nationally they "
        f"identify nobody. Below them, counts from 1 to {esc(disclosure_threshold())} are replaced by <code>c</code>, "
        "and so are the percentages and rates derived from them; where a suppressed count could be worked out from "
        "other published figures, further counts are suppressed too." + rounding_note +
        " This report shows the published values only and never works suppressed values back: on its charts a "
        "<code>c</code> is marked c (a ringed c, or a hatched part of a bar whose published total leaves it a "
        "size), never drawn as a gap or a zero, and a chart whose values are mostly suppressed says so instead of "
        "drawing the few that are published.</p>"
        f"<p>Symbols:</p><ul>{sym}</ul>"
        f"<p>{pop_note}</p>"
        "<p>Funnel plot: the x axis is each area's child population aged 0 to 17, the population the published "
        "rates are calculated from; areas whose count or rate is suppressed are not plotted. Limits are exact "
        "Poisson limits around the England rate.</p>"
        f"<p>Numbers are formatted as in GOV.UK statistics: thousands separators, rates per 10,000 children to "
        f"{rate_dp()} decimal places and percentages to one, as the metadata of each file gives. Colours are "
        "from the Okabe-Ito palette and the viridis scale, readable with colour-blindness.</p>"
    )
    if meta_rows:
        method += table_html((["Dataset", "Column", "Label", "Unit"], meta_rows, ["text"] * 4),
                             "Indicators in the release", tier="meta")
    sections.append(("methodology", "Methodology and footnotes", method))

    nav = "".join(f'<li><a href="#{sid}">{esc(title)}</a></li>' for sid, title, _ in sections)
    others = " ".join(f'<a href="national_report_{period_label(p)}.html">{esc(period_label(p))}</a>'
                      for p in periods if p != period)
    body = "".join(f'<section id="{sid}"><h2>{esc(title)}</h2>{content}</section>' for sid, title, content in sections)
    built = dt.date.today().isoformat()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<title>Child deaths and serious injuries notified, and serious case reviews: England, {esc(label)}</title>
<style>{CSS}</style><script src="plotly.min.js"></script></head>
<body><header><p class="note">Official statistics (demonstration build) &middot; built {esc(built)}</p>
<h1>Child deaths and serious injuries where abuse or neglect is suspected, and serious case reviews: England, {esc(label)}</h1>
<p>Reporting period: financial year {esc(label)} (1 April to 31 March), with earlier years for comparison.
{('Other years: ' + others) if others else ''}</p></header>
<p id="charts-missing" class="warning" role="alert">The charts on this page need the file plotly.min.js from the
same folder: copy the whole report folder, not one page. Every chart's numbers are also in the table below it.</p>
<script>if (window.Plotly) document.getElementById("charts-missing").remove();</script>
<nav aria-label="Contents"><h2>Contents</h2><ol>{nav}</ol></nav>
<main>{body}</main></body></html>"""
    return page, figs
