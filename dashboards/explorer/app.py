"""The explorer's Dash app: the layout, the filter state (held in the URL, so a view can be sent as a link), and
the callbacks. Published views come from views.Views (published files only); restricted views exist only when
users are configured, and every restricted callback asks the Gate (auth.py) who is signed in."""
from __future__ import annotations

import secrets
from pathlib import Path

from ..common import populations
from .auth import Gate, User
from .layout import FILTERS, TABS, catalogue, colour_key, default_state  # noqa: F401 (used by tests)
from .views import Views

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
    from .steward import NATIONAL, la_files

    return {la: path for la, path in la_files(release_dir, "by_la").items() if la != NATIONAL}




def create_app(warehouse: str, release: str, users: dict[str, User] | None = None, secret: str | None = None,
               secure_cookie: bool = False, gate: Gate | None = None, warm: bool = True,
               settings: dict[str, int] | None = None, landing: str | None = None):
    """The explorer's Dash app, hardened (server.harden: CSRF checks, security headers, request limits).
    `settings` are config/explorer_security.yml's (with SCR_EXPLORER_TRUSTED_PROXIES) unless given. `landing`: the
    landing folder stewards' submissions go to (contract section 4); without it the explorer takes none."""
    import dash
    import flask

    from .layout import page
    from .server import harden, settings_from_env

    settings = settings_from_env(settings)
    release_dir = Path(release)
    views = Views(release_dir, populations(warehouse))
    restricted = bool(users)
    gate = gate or (Gate(users, settings) if restricted else None)
    app = dash.Dash(__name__, title="Child safeguarding incidents explorer",
                    assets_folder=str(Path(__file__).parent / "assets"), serve_locally=True, update_title=None,
                    index_string=INDEX)
    app.server.secret_key = secret or secrets.token_hex(32)
    app.server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                             SESSION_COOKIE_SECURE=bool(secure_cookie),
                             SCR_MAX_UPLOAD=int(settings["max_upload_bytes"]))
    if warm:
        import threading

        threading.Thread(target=views.warm, name="warm-views", daemon=True).start()

    @app.server.route("/_views")
    def _views_status():
        """Whether the common views are built yet (for the benchmark and a load balancer's readiness probe)."""
        return flask.jsonify({"warm": views.warmed})

    app.layout = page(views, restricted, int(settings["max_upload_bytes"]))
    _state_callbacks(app, ["published", "profile", "actions", *(["restricted"] if restricted else [])])
    _published_callbacks(app, views)
    if restricted:
        from .steward import register

        register(app, gate, warehouse, release_dir, Path(landing) if landing else None, settings)
    harden(app, settings, secure_cookie=bool(secure_cookie))
    return app


def _state_callbacks(app, tabs: list[str]) -> None:
    """The open tab's section, and the filter state <-> the address (worked out in the browser: assets/state.js,
    so a filter change costs one request, for its views)."""
    from dash import ClientsideFunction, Input, Output, State

    app.clientside_callback(ClientsideFunction(namespace="explorer", function_name="sections"),
                            *(Output(f"section-{value}", "className") for value in tabs), Input("tabs", "value"))
    app.clientside_callback(ClientsideFunction(namespace="explorer", function_name="state"),
                            *(Output(f, "value") for f in FILTERS), Output("la", "options"), Output("url", "search"),
                            Output("tabs", "value"), Output("url-note", "children"),
                            Input("url", "search"), *(Input(f, "value") for f in FILTERS), Input("tabs", "value"),
                            State("catalogue", "data"))
    # The profile and action plans are drawn only while their tab is open: the browser passes the filters on to
    # a tab's store (assets/state.js) only then, so a filter change on another tab sends no request for them.
    for store in ("profile-filters", "actions-filters"):
        app.clientside_callback(ClientsideFunction(namespace="explorer", function_name="tab_filters"),
                                Output(store, "data"), Input("tabs", "value"),
                                *(Input(f, "value") for f in FILTERS))


def _published_callbacks(app, views: Views) -> None:
    from dash import Input, Output, State, dcc

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
