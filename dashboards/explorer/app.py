"""The explorer's Dash app: the layout, the filter state (held in the URL, so a view can be sent as a link), and
the callbacks. Published views come from views.Views (published files only); restricted views exist only when
users are configured, and every restricted callback asks the Gate (auth.py) who is signed in."""
from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from ..common import period_label, populations
from .auth import LA_CODE, Gate, User, client_address
from .views import INCIDENT_TYPES, SELECTED, Views

FILTERS = ("year", "region", "la", "itype", "topic")

# Dash's page with the language of its content named (WCAG 3.1.1) and no script of its own beyond Dash's
INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


class UploadError(ValueError):
    """A file sent to the explorer that cannot be taken; the message is for the person who sent it."""


def upload_bytes(contents: str | None, max_bytes: int) -> bytes:
    """The bytes of a file sent with dcc.Upload (a base64 data: URL), refused with a message a person can act on
    when it is larger than `max_bytes` (config/explorer_security.yml: max_upload_bytes; give dcc.Upload the same
    number as max_size, so the browser refuses it first). The size is worked out from the base64 text before
    anything is decoded. The file's name is never used to build a path (the landing file is named by the server)."""
    if not contents or "," not in contents:
        raise UploadError("No file was received: choose the file again.")
    header, data = contents.split(",", 1)
    if not header.startswith("data:") or not header.endswith(";base64"):
        raise UploadError("The file did not arrive as expected: choose it again.")
    size = len(data) * 3 // 4 - (2 if data.endswith("==") else 1 if data.endswith("=") else 0)
    if size > max_bytes:
        raise UploadError(f"The file is {size / (1 << 20):.1f} MB; the explorer takes files of at most "
                          f"{max_bytes / (1 << 20):g} MB. Send it in parts (for example one file per year).")
    import base64
    import binascii

    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise UploadError("The file could not be read: choose it again.") from None


def queue_files(release_dir: Path) -> dict[str, Path]:
    """LA code -> its stewards' queue file, from a listing of <release>/quality/by_la (a file is named by its LA
    code, optionally followed by `_` or `-` and the LA's name). A callback looks the chosen LA up here: no path is
    ever built from what a person sent."""
    folder = release_dir / "quality" / "by_la"
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        m = re.match(r"^(E\d{8})(?:[_-][^/\\]*)?\.csv$", path.name)
        if m and path.is_file() and not path.is_symlink():
            found.setdefault(m.group(1), path)
    return found


def _label(html, text, for_id):
    return html.Label(text, htmlFor=for_id, className="filter-label")


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


def create_app(warehouse: str, release: str, users: dict[str, User] | None = None, secret: str | None = None,
               secure_cookie: bool = False, gate: Gate | None = None, warm: bool = True,
               settings: dict[str, int] | None = None):
    """The explorer's Dash app, hardened (server.harden: CSRF checks, security headers, request limits).
    `settings` are config/explorer_security.yml's (with SCR_EXPLORER_TRUSTED_PROXIES) unless given."""
    import dash
    import flask
    from dash import ClientsideFunction, Input, Output, State, dash_table, dcc, html

    from .server import harden, settings_from_env

    settings = settings_from_env(settings)
    release_dir = Path(release)
    views = Views(release_dir, populations(warehouse))
    periods = views.periods()
    restricted = bool(users)
    gate = gate or (Gate(users, settings) if restricted else None)
    app = dash.Dash(__name__, title="Child safeguarding incidents explorer",
                    assets_folder=str(Path(__file__).parent / "assets"), serve_locally=True, update_title=None,
                    index_string=INDEX)
    app.server.secret_key = secret or secrets.token_hex(32)
    app.server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                             SESSION_COOKIE_SECURE=bool(secure_cookie))
    default = default_state(views)
    if warm:
        import threading

        threading.Thread(target=views.warm, name="warm-views", daemon=True).start()

    @app.server.route("/_views")
    def _views_status():
        """Whether the common views are built yet (for the benchmark and a load balancer's readiness probe)."""
        return flask.jsonify({"warm": views.warmed})

    def dropdown(id_, options, value, **kw):
        return dcc.Dropdown(id=id_, options=options, value=value, **kw)

    filters = html.Div([
        html.Div([_label(html, "Financial year", "year"),
                  dropdown("year", [{"label": period_label(p), "value": p} for p in periods], default["year"],
                           clearable=False)], className="f"),
        html.Div([_label(html, "Region", "region"),
                  dropdown("region", [{"label": n, "value": c} for c, n in views.regions()], None,
                           placeholder="All of England")], className="f"),
        html.Div([_label(html, "Local authority", "la"),
                  dropdown("la", [{"label": n, "value": c} for c, n in views.las()], None,
                           placeholder="None selected")], className="f"),
        html.Div([_label(html, "Incident type", "itype"),
                  dropdown("itype", [{"label": t, "value": t} for t in INCIDENT_TYPES], "Total", clearable=False)],
                 className="f"),
        html.Div([_label(html, "Child characteristic", "topic"),
                  dropdown("topic", [{"label": t, "value": t} for t in views.topics()], default["topic"],
                           clearable=False)], className="f"),
    ], className="filters")

    # until its callback answers, a graph shows nothing (Dash's default empty figure has axes from -1 to 4)
    blank = {"data": [], "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False}, "height": 200}}

    def graph(id_):
        return dcc.Graph(id=id_, config={"displaylogo": False}, figure=blank)

    published_tab = ("published", "Areas and years", [
        html.P("Counts are not performance measures: they count incidents local authorities notified, and a higher "
               "number can reflect better reporting. Suppressed values are shown as c, unavailable as x, not "
               "applicable as z.", className="warning"),
        html.Div([graph("funnel"), html.Div([graph("tilemap"), colour_key(html, views)])], className="two"),
        graph("trend"),
        dash_table.DataTable(id="trend-table", style_cell={"fontFamily": "Arial", "textAlign": "right"}),
        html.H2("Table"),
        html.Button("Download this table (CSV)", id="download-btn"),
        dcc.Download(id="download"),
        dash_table.DataTable(id="table", page_size=20, sort_action="native",
                             style_cell={"fontFamily": "Arial", "textAlign": "right"},
                             style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"} for c in
                                                     ("geographic_level", "region_name", "la_name", "incident_type")],
                             style_header={"fontWeight": "bold"}, style_table={"overflowX": "auto"}),
    ])
    # Each topic on its own tab: the browser draws only the open tab's charts when a filter changes
    profile_tab = ("profile", "Profile of the children", [
        html.H2("Profile of the children"),
        graph("profile"),
        dash_table.DataTable(id="profile-table", page_size=20, style_cell={"fontFamily": "Arial"}),
    ])
    actions_tab = ("actions", "Action plans", [
        html.H2("Were the lessons acted on? Action plans"),
        graph("actions"),
        dash_table.DataTable(id="actions-table", page_size=12, style_cell={"fontFamily": "Arial"},
                             style_table={"overflowX": "auto"}),
        dash_table.DataTable(id="overdue-table", page_size=12, style_cell={"fontFamily": "Arial"}),
    ])
    tabs = [published_tab, profile_tab, actions_tab]
    if restricted:
        tabs.append(("restricted", "Restricted (sign in)", [
            html.P("Management information: not for publication. Sign in with your explorer account.",
                   className="warning"),
            html.Div(id="whoami"),
            html.Div([_label(html, "User name", "username"),
                      dcc.Input(id="username", type="text", autoComplete="username"),
                      _label(html, "Password", "password"),
                      dcc.Input(id="password", type="password", autoComplete="current-password"),
                      html.Button("Sign in", id="login-btn"), html.Button("Sign out", id="logout-btn")]),
            html.H2("Incident journey"),
            _label(html, "Incident identifier", "incident-id"), dcc.Input(id="incident-id", type="text", debounce=True),
            html.Div(id="journey"),
            html.H2("Stewards' queue for a local authority"),
            _label(html, "Local authority", "queue-la"),
            dcc.Dropdown(id="queue-la", options=[{"label": n, "value": c} for c, n in views.las()]),
            html.Div(id="queue"),
        ]))
    mode = "published and restricted views" if restricted else "published statistics only"
    span = f"financial years {period_label(periods[0])} to {period_label(periods[-1])}" if periods else "no data"
    app.layout = html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="catalogue", data=catalogue(views)),
        dcc.Store(id="profile-filters"), dcc.Store(id="actions-filters"),
        html.H1("Child deaths and serious injuries notified, and serious case reviews: explorer"),
        html.P(f"Published statistics for England, {span} ({mode}). Choose filters below; the address bar keeps "
               "them, so you can send a link to this view.", id="mode"),
        filters,
        # The tabs are headings only: every tab's content stays in the page and a closed tab's is hidden
        # (assets/state.js), so opening a tab shows charts already drawn instead of drawing them all again
        dcc.Tabs(id="tabs", value="published",
                 children=[dcc.Tab(label=label, value=value) for value, label, _ in tabs]),
        html.Div([html.Div(children, id=f"section-{value}", role="tabpanel", **{"aria-label": label},
                           className="section" if value == "published" else "section closed")
                  for value, label, children in tabs], className="sections"),
    ], className="page")
    app.clientside_callback(ClientsideFunction(namespace="explorer", function_name="sections"),
                            *(Output(f"section-{value}", "className") for value, _, _ in tabs), Input("tabs", "value"))

    # ---------------------------------------------------------------- filter state <-> URL
    # worked out in the browser (assets/state.js), so a filter change costs one request, for its views
    app.clientside_callback(ClientsideFunction(namespace="explorer", function_name="state"),
                            *(Output(f, "value") for f in FILTERS), Output("la", "options"), Output("url", "search"),
                            Input("url", "search"), *(Input(f, "value") for f in FILTERS),
                            State("catalogue", "data"))

    # ---------------------------------------------------------------- published views
    @app.callback(Output("funnel", "figure"), Output("tilemap", "figure"), Output("trend", "figure"),
                  Output("table", "data"), Output("table", "columns"),
                  Output("trend-table", "data"), Output("trend-table", "columns"),
                  Input("year", "value"), Input("region", "value"), Input("la", "value"), Input("itype", "value"))
    def _areas(year, region, la, itype):
        v = views.areas(year, region, la, itype)
        return v["funnel"], v["tile"], v["trend"], v["rows"], v["cols"], v["trend_rows"], v["trend_cols"]

    @app.callback(Output("download", "data"), Input("download-btn", "n_clicks"),
                  State("year", "value"), State("region", "value"), State("la", "value"), State("itype", "value"),
                  prevent_initial_call=True)
    def _download(_, year, region, la, itype):
        t = views.download_table(year, region, la, itype)
        return dcc.send_data_frame(t.to_csv, views.download_name(year, region, la, itype), index=False)

    # The profile and action plans are drawn only while their tab is open: the browser passes the filters on to
    # a tab's store (assets/state.js) only then, so a filter change on another tab sends no request for them.
    for store in ("profile-filters", "actions-filters"):
        app.clientside_callback(ClientsideFunction(namespace="explorer", function_name="tab_filters"),
                                Output(store, "data"), Input("tabs", "value"),
                                *(Input(f, "value") for f in FILTERS))

    @app.callback(Output("actions", "figure"), Output("actions-table", "data"), Output("actions-table", "columns"),
                  Output("overdue-table", "data"), Output("overdue-table", "columns"),
                  Input("actions-filters", "data"), prevent_initial_call=True)
    def _actions(f):
        v = views.actions(f["year"], f["region"])
        return v["fig"], v["rows"], v["cols"], v["orows"], v["ocols"]

    @app.callback(Output("profile", "figure"), Output("profile-table", "data"), Output("profile-table", "columns"),
                  Input("profile-filters", "data"), prevent_initial_call=True)
    def _profile(f):
        v = views.profile(f["year"], f["topic"], f["itype"], f["region"], f["la"])
        return v["fig"], v["rows"], v["cols"]

    if restricted:
        _restricted_callbacks(app, gate, warehouse, release_dir, settings)
    harden(app, settings, secure_cookie=bool(secure_cookie))
    return app


def _restricted_callbacks(app, gate: Gate, warehouse: str, release_dir: Path, settings: dict[str, int]) -> None:
    import dash
    import flask
    from dash import Input, Output, State, dash_table, html

    def current_user() -> User | None:
        return gate.user_for(flask.session.get("token"))

    @app.callback(Output("whoami", "children"), Output("password", "value"),
                  Input("login-btn", "n_clicks"), Input("logout-btn", "n_clicks"),
                  State("username", "value"), State("password", "value"))
    def _login(_in, _out, username, password):
        trig = dash.ctx.triggered_id
        if trig == "logout-btn":
            gate.sign_out(flask.session.get("token"))
            flask.session.clear()
            return "Signed out.", ""
        if trig == "login-btn":
            gate.sign_out(flask.session.get("token"))
            flask.session.clear()
            client = client_address(flask.request.remote_addr, flask.request.headers.get("X-Forwarded-For"),
                                    int(settings["trusted_proxies"]))
            token, message = gate.sign_in(str(username or ""), str(password or ""), client)
            if token:
                flask.session["token"] = token
            return message, ""
        u = current_user()
        return (f"Signed in as {u.username}." if u else "Not signed in."), ""

    @app.callback(Output("journey", "children"), Input("incident-id", "value"), Input("whoami", "children"))
    def _journey(incident_id, _):
        u = current_user()
        if not u or "analyst" not in u.roles:
            return "Sign in with the analyst role to see an incident's journey."
        if not incident_id:
            return "Enter an incident identifier."
        import duckdb

        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            df = con.execute("select * from marts.incident_journey where incident_id = ?",
                             [str(incident_id).strip()]).df()
        except duckdb.Error as e:
            return f"The incident journey is not available in this warehouse ({type(e).__name__})."
        finally:
            con.close()
        if df.empty:
            return "No incident with that identifier."
        row = df.iloc[0]
        return dash_table.DataTable(data=[{"Stage": c, "Value": "" if pd.isna(v) else str(v)} for c, v in row.items()],
                                    columns=[{"name": "Stage", "id": "Stage"}, {"name": "Value", "id": "Value"}],
                                    style_cell={"textAlign": "left", "fontFamily": "Arial"})

    @app.callback(Output("queue", "children"), Input("queue-la", "value"), Input("whoami", "children"))
    def _queue(la, _):
        u = current_user()
        if not u:
            return "Sign in to see a stewards' queue."
        if not la:
            return "Choose a local authority."
        if not LA_CODE.match(str(la)) or not u.may_see_queue(la):
            return "Your account may not see this local authority's queue."
        path = queue_files(release_dir).get(str(la))
        if path is None:
            return "No open problems for this local authority (no queue file)."
        q = pd.read_csv(path, dtype=str, keep_default_na=False)
        return [html.P(f"{len(q):,} open problems."),
                dash_table.DataTable(data=q.to_dict("records"), columns=[{"name": c, "id": c} for c in q.columns],
                                     page_size=25, style_cell={"textAlign": "left", "fontFamily": "Arial"},
                                     export_format="csv")]
