"""The analysts' explorer: a Dash app on 127.0.0.1 (`scr-warehouse explore --warehouse W --release R [--port]`).

Published views read the PUBLISHED release files only (`<release>/<dataset>.csv`, disclosure control applied).
Restricted views (one incident's journey from marts.incident_journey; an LA's stewards' queue from
`<release>/quality/by_la/<la>.csv`) exist only when users are configured: SCR_EXPLORER_USERS names a YAML file of
users with salted password hashes and roles (see config/explorer_users.example.yml). There are no default
passwords; without a valid users file the restricted views are not built at all and the app starts in published
mode. Every restricted callback checks the signed-in user's role on the server. DuckDB is opened read-only.

Roles: `analyst` may open incident journeys and every LA's queue; `steward` may open the queues of the LAs listed
under `las` for that user. Make a password hash with `python -m dashboards.explorer hash-password`."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import figures as F
from .common import DATASETS, fmt_1dp, fmt_count, period_label, read_published

HASH_SCHEME = "pbkdf2_sha256"
HASH_ITERATIONS = 600_000  # OWASP 2023 guidance for PBKDF2-HMAC-SHA256
LA_CODE = re.compile(r"^E\d{8}$")
ROLES = {"analyst", "steward"}


# ---------------------------------------------------------------- users
def hash_password(password: str, salt: str | None = None, iterations: int = HASH_ITERATIONS) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), iterations)
    return f"{HASH_SCHEME}${iterations}${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != HASH_SCHEME:
            return False
        calc = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(calc.hex(), digest)


@dataclass(frozen=True)
class User:
    username: str
    password_hash: str
    roles: frozenset[str]
    las: frozenset[str] = field(default_factory=frozenset)

    def may_see_queue(self, la: str) -> bool:
        return "analyst" in self.roles or ("steward" in self.roles and (la in self.las or "all" in self.las))


class UsersError(Exception):
    pass


def load_users(path: str | os.PathLike | None) -> dict[str, User]:
    """Users from a YAML file; raises UsersError with a message a person can act on when it is unusable."""
    if not path:
        raise UsersError("SCR_EXPLORER_USERS is not set")
    p = Path(path)
    if not p.is_file():
        raise UsersError(f"users file not found: {p}")
    import yaml

    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise UsersError(f"users file is not valid YAML: {type(e).__name__}") from None
    users = {}
    for i, u in enumerate(doc.get("users") or [], start=1):
        if not isinstance(u, dict) or not u.get("username") or not u.get("password_hash"):
            raise UsersError(f"user {i}: needs username and password_hash")
        if "password" in u:
            raise UsersError(f"user {u['username']}: plain-text 'password' is not allowed; store password_hash only")
        h = str(u["password_hash"])
        parts = h.split("$")
        if len(parts) != 4 or parts[0] != HASH_SCHEME or not parts[1].isdigit() or len(parts[2]) < 16:
            raise UsersError(f"user {u['username']}: password_hash must be {HASH_SCHEME}$<iterations>$<salt>$<hash>")
        roles = frozenset(u.get("roles") or [])
        if not roles or not roles <= ROLES:
            raise UsersError(f"user {u['username']}: roles must be a non-empty subset of {sorted(ROLES)}")
        users[str(u["username"])] = User(str(u["username"]), h, roles, frozenset(map(str, u.get("las") or [])))
    if not users:
        raise UsersError("users file lists no users")
    return users


# ---------------------------------------------------------------- data
@dataclass
class Published:
    data: dict[str, pd.DataFrame]

    @classmethod
    def load(cls, release: Path) -> "Published":
        return cls({ds: read_published(release, ds) for ds in DATASETS})

    @property
    def nba(self) -> pd.DataFrame:
        return self.data["notifications_by_area"]

    def periods(self) -> list[str]:
        return sorted(self.nba["time_period"].unique()) if not self.nba.empty else []

    def regions(self) -> list[tuple[str, str]]:
        r = self.nba[self.nba["geographic_level"] == "Regional"] if not self.nba.empty else self.nba
        return sorted(set(zip(r.get("region_code", []), r.get("region_name", []))), key=lambda t: t[1])

    def las(self, region: str | None = None) -> list[tuple[str, str]]:
        r = self.nba[self.nba["geographic_level"] == "Local authority"] if not self.nba.empty else self.nba
        if region:
            r = r[r["region_code"] == region]
        return sorted(set(zip(r.get("new_la_code", []), r.get("la_name", []))), key=lambda t: t[1])


TABLE_COLUMNS = ["time_period", "geographic_level", "region_name", "la_name", "incident_type", "incidents",
                 "children", "children_rate_per_10000", "scr_initiated", "notified_on_time_percent"]
TABLE_LABELS = {"time_period": "Financial year", "geographic_level": "Level", "region_name": "Region",
                "la_name": "Local authority", "incident_type": "Incident type", "incidents": "Incidents",
                "children": "Children", "children_rate_per_10000": "Rate per 10,000 children",
                "scr_initiated": "Serious case reviews initiated", "notified_on_time_percent": "Notified on time (%)"}


def area_table(pub: Published, year, region, la, itype) -> pd.DataFrame:
    """The published rows behind the charts: the chosen year, incident type and area (England, region or LA)."""
    df = pub.nba
    if df.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    df = df[(df["incident_type"] == itype)]
    if la:
        df = df[(df["geographic_level"] == "Local authority") & (df["new_la_code"] == la)]
    elif region:
        df = df[(df["time_period"] == year) & (((df["geographic_level"] == "Regional") & (df["region_code"] == region))
                | ((df["geographic_level"] == "Local authority") & (df["region_code"] == region)))]
    else:
        df = df[(df["time_period"] == year) & (df["geographic_level"].isin(["National", "Regional"]))]
    out = df[[c for c in TABLE_COLUMNS if c in df.columns]].copy()
    for c in ("incidents", "children", "scr_initiated"):
        if c in out:
            out[c] = out[c].map(fmt_count)
    for c in ("children_rate_per_10000", "notified_on_time_percent"):
        if c in out:
            out[c] = out[c].map(fmt_1dp)
    out["time_period"] = out["time_period"].map(period_label)
    return out


def charts(pub: Published, year, region, la, itype):
    df = pub.nba
    if df.empty or not year:
        e = F.empty_figure("No published data in this release")
        return e, e, e, ([], [], [])
    cur = df[(df["time_period"] == year) & (df["incident_type"] == itype)]
    eng = cur[cur["geographic_level"] == "National"]
    eng = eng.iloc[0] if len(eng) else None
    label = period_label(year)
    what = {"Total": "Children harmed", "Death": "Children who died",
            "Serious injury": "Children seriously injured"}.get(itype, "Children")
    if region:
        name = dict(pub.regions()).get(region, region)
        areas = cur[(cur["geographic_level"] == "Local authority") & (cur["region_code"] == region)]
        title = f"{what} per 10,000 children:\nlocal authorities in {name}, {label}"
    else:
        areas = cur[cur["geographic_level"] == "Regional"]
        title = f"{what} per 10,000 children:\nregions, {label}"
    funnel, _ = F.funnel(areas, eng, title)
    las = cur[cur["geographic_level"] == "Local authority"]
    tile, _ = F.tile_map(las, f"{what} per 10,000 children:\nlocal authorities, {label}", height=560)
    highlight = None
    if la:
        highlight = la
    if highlight or region:
        codes = {highlight} if highlight else set(las[las["region_code"] == region]["new_la_code"])
        from .common import hex_layout

        layout = hex_layout()
        pts = [layout[c] for c in codes if c in layout]
        if pts:
            tile.add_scatter(x=[p[1] for p in pts], y=[p[2] for p in pts], mode="markers",
                             marker={"symbol": "hexagon-open", "size": 25, "line": {"width": 3, "color": "#D55E00"}},
                             name="Selected", hoverinfo="skip")
        if highlight:
            row = areas[areas["new_la_code"] == highlight] if "new_la_code" in areas else areas.iloc[0:0]
            if len(row):
                from .common import number

                obs, rate = number(row.iloc[0]["children"]), number(row.iloc[0]["children_rate_per_10000"])
                if obs is not None and rate:
                    funnel.add_scatter(x=[obs * 10000 / rate], y=[rate], mode="markers", name="Selected",
                                       marker={"size": 16, "symbol": "circle-open",
                                               "line": {"width": 3, "color": "#D55E00"}}, hoverinfo="skip")
    # the trend of the selected area
    if la:
        t = df[(df["geographic_level"] == "Local authority") & (df["new_la_code"] == la)]
    elif region:
        t = df[(df["geographic_level"] == "Regional") & (df["region_code"] == region)]
    else:
        t = df[df["geographic_level"] == "National"]
    t = t.assign(geographic_level="National")  # the by-year builder reads national rows
    trend, trend_table = F.deaths_injuries_by_year(t, year)
    return funnel, tile, trend, trend_table


# ---------------------------------------------------------------- the app
def create_app(warehouse: str, release: str, users: dict[str, User] | None = None, secret: str | None = None):
    import dash
    import flask
    from dash import Input, Output, State, dash_table, dcc, html

    release_dir = Path(release)
    pub = Published.load(release_dir)
    periods = pub.periods()
    restricted = bool(users)
    app = dash.Dash(__name__, title="Child safeguarding incidents explorer", assets_folder=str(Path(__file__).parent
                    / "explorer_assets"), serve_locally=True, update_title=None)
    app.server.secret_key = secret or secrets.token_hex(32)
    app.server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict")

    def label(text, for_id):
        return html.Label(text, htmlFor=for_id, style={"fontWeight": "bold", "display": "block"})

    topics = [t for t in dict.fromkeys(pub.data["child_characteristics"].get("breakdown_topic", [])) if t != "Total"]
    filters = html.Div([
        html.Div([label("Financial year", "year"),
                  dcc.Dropdown(id="year", options=[{"label": period_label(p), "value": p} for p in periods],
                               value=periods[-1] if periods else None, clearable=False)], className="f"),
        html.Div([label("Region", "region"),
                  dcc.Dropdown(id="region", options=[{"label": n, "value": c} for c, n in pub.regions()],
                               placeholder="All of England")], className="f"),
        html.Div([label("Local authority", "la"),
                  dcc.Dropdown(id="la", options=[{"label": n, "value": c} for c, n in pub.las()],
                               placeholder="None selected")], className="f"),
        html.Div([label("Incident type", "itype"),
                  dcc.Dropdown(id="itype", options=[{"label": t, "value": t} for t in
                                                    ("Total", "Death", "Serious injury")], value="Total",
                               clearable=False)], className="f"),
        html.Div([label("Child characteristic", "topic"),
                  dcc.Dropdown(id="topic", options=[{"label": t, "value": t} for t in topics],
                               value=topics[0] if topics else None, clearable=False)], className="f"),
    ], style={"display": "grid", "gridTemplateColumns": "repeat(5, 1fr)", "gap": "12px"})

    published_tab = dcc.Tab(label="Published statistics", value="published", children=[
        html.P("Counts are not performance measures: they count incidents local authorities notified, and a higher "
               "number can reflect better reporting. Suppressed values are shown as c, unavailable as x, not "
               "applicable as z.", className="warning"),
        html.Div([dcc.Graph(id="funnel", config={"displaylogo": False}),
                  dcc.Graph(id="tilemap", config={"displaylogo": False})],
                 style={"display": "grid", "gridTemplateColumns": "1fr 1fr", "gap": "12px"}),
        dcc.Graph(id="trend", config={"displaylogo": False}),
        dash_table.DataTable(id="trend-table", style_cell={"fontFamily": "Arial", "textAlign": "right"}),
        html.H2("Table"),
        html.Button("Download this table (CSV)", id="download-btn"),
        dcc.Download(id="download"),
        dash_table.DataTable(id="table", page_size=20, sort_action="native",
                             style_cell={"fontFamily": "Arial", "textAlign": "right"},
                             style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"} for c in
                                                     ("geographic_level", "region_name", "la_name", "incident_type")],
                             style_header={"fontWeight": "bold"}),
        html.H2("Profile of the children"),
        dcc.Graph(id="profile", config={"displaylogo": False}),
        dash_table.DataTable(id="profile-table", page_size=20, style_cell={"fontFamily": "Arial"}),
        html.H2("Were the lessons acted on? Action plans"),
        dcc.Graph(id="actions", config={"displaylogo": False}),
        dash_table.DataTable(id="actions-table", page_size=12, style_cell={"fontFamily": "Arial"}),
        dash_table.DataTable(id="overdue-table", page_size=12, style_cell={"fontFamily": "Arial"}),
    ])
    tabs = [published_tab]
    if restricted:
        tabs.append(dcc.Tab(label="Restricted (sign in)", value="restricted", children=[
            html.P("Management information: not for publication. Sign in with your explorer account.",
                   className="warning"),
            html.Div(id="whoami"),
            html.Div([label("User name", "username"), dcc.Input(id="username", type="text", autoComplete="username"),
                      label("Password", "password"),
                      dcc.Input(id="password", type="password", autoComplete="current-password"),
                      html.Button("Sign in", id="login-btn"), html.Button("Sign out", id="logout-btn")]),
            html.H2("Incident journey"),
            label("Incident identifier", "incident-id"), dcc.Input(id="incident-id", type="text", debounce=True),
            html.Div(id="journey"),
            html.H2("Stewards' queue for a local authority"),
            label("Local authority", "queue-la"),
            dcc.Dropdown(id="queue-la", options=[{"label": n, "value": c} for c, n in pub.las()]),
            html.Div(id="queue"),
        ]))
    mode = "published and restricted views" if restricted else "published statistics only"
    app.layout = html.Div([
        html.H1("Child deaths and serious injuries notified, and serious case reviews: explorer"),
        html.P(f"Release: {release_dir.name} ({mode})", id="mode"),
        filters,
        dcc.Tabs(id="tabs", value="published", children=tabs),
    ], style={"fontFamily": "Arial, Helvetica, sans-serif", "maxWidth": "1400px", "margin": "0 auto"})

    @app.callback(Output("la", "options"), Output("la", "value"), Input("region", "value"), State("la", "value"))
    def _las(region, la):
        opts = pub.las(region)
        keep = la if la in {c for c, _ in opts} else None
        return [{"label": n, "value": c} for c, n in opts], keep

    @app.callback(Output("funnel", "figure"), Output("tilemap", "figure"), Output("trend", "figure"),
                  Output("table", "data"), Output("table", "columns"),
                  Output("trend-table", "data"), Output("trend-table", "columns"),
                  Input("year", "value"), Input("region", "value"), Input("la", "value"), Input("itype", "value"))
    def _areas(year, region, la, itype):
        funnel, tile, trend, (th, trows, _) = charts(pub, year, region, la, itype)
        t = area_table(pub, year, region, la, itype)
        cols = [{"name": TABLE_LABELS.get(c, c), "id": c} for c in t.columns]
        return (funnel, tile, trend, t.to_dict("records"), cols, [dict(zip(th, r)) for r in trows],
                [{"name": h, "id": h} for h in th])

    @app.callback(Output("download", "data"), Input("download-btn", "n_clicks"),
                  State("year", "value"), State("region", "value"), State("la", "value"), State("itype", "value"),
                  prevent_initial_call=True)
    def _download(_, year, region, la, itype):
        t = area_table(pub, year, region, la, itype).rename(columns=TABLE_LABELS)
        return dcc.send_data_frame(t.to_csv, f"notifications_{year}.csv", index=False)

    @app.callback(Output("actions", "figure"), Output("actions-table", "data"), Output("actions-table", "columns"),
                  Output("overdue-table", "data"), Output("overdue-table", "columns"),
                  Input("year", "value"), Input("region", "value"))
    def _actions(year, region):
        ra = pub.data.get("review_actions", pd.DataFrame())
        if ra.empty or not year or year not in set(ra["time_period"]):
            return F.empty_figure("No published action-plan items for this year"), [], [], [], []
        fig, (headers, rows, _) = F.actions_by_agency(ra, year, region)
        oh, orows, _ = F.overdue_by_region(ra, year)
        return (fig, [dict(zip(headers, r)) for r in rows], [{"name": h, "id": h} for h in headers],
                [dict(zip(oh, r)) for r in orows], [{"name": h, "id": h} for h in oh])

    @app.callback(Output("profile", "figure"), Output("profile-table", "data"), Output("profile-table", "columns"),
                  Input("year", "value"), Input("topic", "value"), Input("itype", "value"))
    def _profile(year, topic, itype):
        if not topic or not year:
            return F.empty_figure("No published child characteristics"), [], []
        outcome = {"Death": "Died", "Serious injury": "Seriously injured"}.get(itype, "Total")
        fig, (headers, rows, _) = F.profile(pub.data["child_characteristics"], year, topic, outcome=outcome)
        return fig, [dict(zip(headers, r)) for r in rows], [{"name": h, "id": h} for h in headers]

    if restricted:
        def current_user() -> User | None:
            name = flask.session.get("user")
            return users.get(name) if name else None

        @app.callback(Output("whoami", "children"), Output("password", "value"),
                      Input("login-btn", "n_clicks"), Input("logout-btn", "n_clicks"),
                      State("username", "value"), State("password", "value"))
        def _login(_in, _out, username, password):
            trig = dash.ctx.triggered_id
            if trig == "logout-btn":
                flask.session.clear()
                return "Signed out.", ""
            if trig == "login-btn":
                u = users.get(username or "")
                # verify against a dummy hash for unknown users so timing does not reveal names
                ok = verify_password(password or "", u.password_hash if u else hash_password("x", "00" * 16, 1000))
                if u and ok:
                    flask.session.clear()
                    flask.session["user"] = u.username
                    return f"Signed in as {u.username} ({', '.join(sorted(u.roles))}).", ""
                flask.session.clear()
                return "Sign-in failed: user name or password not recognised.", ""
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
            return dash_table.DataTable(data=[{"Stage": c, "Value": "" if pd.isna(v) else str(v)}
                                              for c, v in row.items()],
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
            path = release_dir / "quality" / "by_la" / f"{la}.csv"
            if not path.is_file():
                return "No open problems for this local authority (no queue file)."
            q = pd.read_csv(path, dtype=str, keep_default_na=False)
            return [html.P(f"{len(q):,} open problems."),
                    dash_table.DataTable(data=q.to_dict("records"), columns=[{"name": c, "id": c} for c in q.columns],
                                         page_size=25, style_cell={"textAlign": "left", "fontFamily": "Arial"},
                                         export_format="csv")]

    return app


def run(warehouse: str, release: str, port: int = 8050) -> int:
    """Start the explorer on 127.0.0.1. Restricted views only with a valid SCR_EXPLORER_USERS file."""
    if not Path(release).is_dir():
        print(f"scr-warehouse explore: release folder not found: {release}", file=sys.stderr)
        return 2
    users = None
    try:
        users = load_users(os.environ.get("SCR_EXPLORER_USERS"))
        print(f"restricted views enabled for {len(users)} configured users")
    except UsersError as e:
        print(f"restricted views disabled ({e}); starting with published statistics only", file=sys.stderr)
    app = create_app(warehouse, release, users, secret=os.environ.get("SCR_EXPLORER_SECRET"))
    print(f"explorer: http://127.0.0.1:{port}/", flush=True)
    app.run(host="127.0.0.1", port=port, debug=False)
    return 0


def _hash_cli() -> int:
    import getpass

    pw = getpass.getpass("New password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(pw) < 12:
        print("use at least 12 characters", file=sys.stderr)
        return 2
    print(hash_password(pw))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["hash-password"]:
        raise SystemExit(_hash_cli())
    if len(sys.argv) >= 3:
        raise SystemExit(run(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 8050))
    print("usage: python -m dashboards.explorer hash-password | WAREHOUSE RELEASE [PORT]", file=sys.stderr)
    raise SystemExit(2)

