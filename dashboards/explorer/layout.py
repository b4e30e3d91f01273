"""The explorer's page: the filters, the published tabs and, with users configured, the restricted tab
(steward.restricted_tab). No callbacks here: app.py wires them."""
from __future__ import annotations

from urllib.parse import quote

from ..common import period_label
from .views import INCIDENT_TYPES, SELECTED, Views
from .words import field_label as _label

FILTERS = ("year", "region", "la", "itype", "topic")
# until its callback answers, a graph shows nothing (Dash's default empty figure has axes from -1 to 4)
BLANK = {"data": [], "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False}, "height": 200}}
TABS = {"published": "Areas and years", "profile": "Profile of the children", "actions": "Action plans",
        "restricted": "Restricted (sign in)"}


def default_state(views: Views) -> dict:
    """The view an address without a query opens: the latest year, England, all incident types, the first
    characteristic. (A query's values are read in the browser: assets/state.js.)"""
    periods, topics = views.periods(), views.topics()
    return {"year": periods[-1] if periods else None, "region": None, "la": None, "itype": "Total",
            "topic": topics[0] if topics else None}


def catalogue(views: Views) -> dict:
    """What assets/state.js needs to read and check a filter state without asking the server: every value the
    release has, each LA's region, and the defaults."""
    default = default_state(views)
    return {"periods": views.periods(), "regions": [c for c, _ in views.regions()],
            "las": [[c, n, views.region_of(c)] for c, n in views.las()],
            "la_region": {c: views.region_of(c) for c, _ in views.las()}, "itypes": list(INCIDENT_TYPES),
            "topics": views.topics(), "default_year": default["year"], "default_topic": default["topic"]}


def _icon(shape: str) -> str:
    """A legend mark of the tile map as an inline SVG image (no network): a pointy-top hexagon outlined (x), with a
    dot (c), ringed in vermilion (selected), or a boundary line."""
    hexagon = "M10 1 L18 5.5 L18 14.5 L10 19 L2 14.5 L2 5.5 Z"
    body = {"c": f'<path d="{hexagon}" fill="none" stroke="#505a5f" stroke-width="1.5"/>'
                 '<circle cx="10" cy="10" r="1.8" fill="#505a5f"/>',
            "x": f'<path d="{hexagon}" fill="none" stroke="#b1b4b6" stroke-width="1.5"/>',
            "selected": f'<path d="{hexagon}" fill="none" stroke="{SELECTED}" stroke-width="3"/>',
            "boundary": '<path d="M1 10 L19 10" stroke="#0b0c0c" stroke-width="2.5"/>'}[shape]
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">{body}</svg>'
    return "data:image/svg+xml;utf8," + quote(svg)


def colour_key(html, views: Views):
    """The tile map's legend and colour scale, drawn once in the page (the map itself has neither to redraw)."""
    key = views.colour_key()
    marks = [html.Span([html.Img(src=_icon(shape), alt="", width=20, height=20), text], className="key-mark")
             for shape, text in (("c", "Suppressed (c)"), ("x", "Not available (x)"), ("selected", "Selected"),
                                 ("boundary", "Region boundary"))]
    scale = html.Span([html.Span("Rate per 10,000 children: ", className="key-title"),
                       html.Span(key["low"]), html.Span(className="key-bar", style={"background": key["gradient"]}),
                       html.Span(key["high"])], className="key-scale")
    return html.Div([*marks, scale], id="tilemap-key", className="map-key")




def _graph(dcc, id_):
    return dcc.Graph(id=id_, config={"displaylogo": False}, figure=BLANK)


def filters(html, dcc, views: Views, default: dict):
    periods = views.periods()

    def box(id_, text, options, value, **kw):
        return html.Div([_label(html, text, id_), dcc.Dropdown(id=id_, options=options, value=value, **kw)],
                        className="f")

    return html.Div([
        box("year", "Financial year", [{"label": period_label(p), "value": p} for p in periods], default["year"],
            clearable=False),
        box("region", "Region", [{"label": n, "value": c} for c, n in views.regions()], None,
            placeholder="All of England"),
        box("la", "Local authority", [{"label": n, "value": c} for c, n in views.las()], None,
            placeholder="None selected"),
        box("itype", "Incident type", [{"label": t, "value": t} for t in INCIDENT_TYPES], "Total", clearable=False),
        box("topic", "Child characteristic", [{"label": t, "value": t} for t in views.topics()], default["topic"],
            clearable=False),
    ], className="filters")


def published_tab(html, dcc, dash_table, views: Views) -> list:
    return [
        html.P("Counts are not performance measures: they count incidents local authorities notified, and a higher "
               "number can reflect better reporting. Suppressed values are shown as c, unavailable as x, not "
               "applicable as z.", className="warning"),
        html.Div([_graph(dcc, "funnel"), html.Div([_graph(dcc, "tilemap"), colour_key(html, views)])],
                 className="two"),
        _graph(dcc, "trend"),
        dash_table.DataTable(id="trend-table", style_cell={"fontFamily": "Arial", "textAlign": "right"}),
        html.H2("Table"),
        html.Button("Download this table (CSV)", id="download-btn"),
        dcc.Download(id="download"),
        dash_table.DataTable(id="table", page_size=20, sort_action="native",
                             style_cell={"fontFamily": "Arial", "textAlign": "right"},
                             style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"} for c in
                                                     ("geographic_level", "region_name", "la_name", "incident_type")],
                             style_header={"fontWeight": "bold"}, style_table={"overflowX": "auto"}),
    ]


def topic_tabs(html, dcc, dash_table) -> dict[str, list]:
    """Each topic on its own tab: the browser draws only the open tab's charts when a filter changes."""
    return {"profile": [
        html.H2("Profile of the children"),
        _graph(dcc, "profile"),
        dash_table.DataTable(id="profile-table", page_size=20, style_cell={"fontFamily": "Arial"}),
    ], "actions": [
        html.H2("Were the lessons acted on? Action plans"),
        _graph(dcc, "actions"),
        dash_table.DataTable(id="actions-table", page_size=12, style_cell={"fontFamily": "Arial"},
                             style_table={"overflowX": "auto"}),
        dash_table.DataTable(id="overdue-table", page_size=12, style_cell={"fontFamily": "Arial"}),
    ]}


def page(views: Views, restricted: bool, max_upload_bytes: int):
    """The whole page: heading, filters, the tabs (headings only: every tab's content stays in the page and a
    closed tab's is hidden by assets/state.js, so opening a tab shows charts already drawn)."""
    from dash import dash_table, dcc, html

    from .steward import restricted_tab

    periods = views.periods()
    default = default_state(views)
    tabs = {"published": published_tab(html, dcc, dash_table, views), **topic_tabs(html, dcc, dash_table)}
    if restricted:
        tabs["restricted"] = restricted_tab(html, dcc, max_upload_bytes)
    mode = "published and restricted views" if restricted else "published statistics only"
    span = f"financial years {period_label(periods[0])} to {period_label(periods[-1])}" if periods else "no data"
    return html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="catalogue", data={**catalogue(views), "tabs": list(tabs)}),
        dcc.Store(id="profile-filters"), dcc.Store(id="actions-filters"),
        html.H1("Child deaths and serious injuries notified, and serious case reviews: explorer"),
        html.P(f"Published statistics for England, {span} ({mode}). Choose filters below; the address bar keeps "
               "them, so you can send a link to this view.", id="mode"),
        html.P(id="url-note", role="status"),
        filters(html, dcc, views, default),
        dcc.Tabs(id="tabs", value="published",
                 children=[dcc.Tab(label=TABS[value], value=value) for value in tabs]),
        html.Div([html.Div(children, id=f"section-{value}", role="tabpanel", **{"aria-label": TABS[value]},
                           className="section" if value == "published" else "section closed")
                  for value, children in tabs.items()], className="sections"),
    ], className="page")
