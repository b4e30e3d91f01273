"""The restricted tab: sign-in, the steward's own view (their LA chosen for them; its queue, chase list, overdue
actions and incidents' journeys in words) and what a steward sends (contract section 4: a notification by form,
a file checked or submitted, a correction from a queue row; submissions.py lands them).

Every callback asks the Gate who is signed in. The LA is the user record's: a steward's view and submissions are
for an LA of their own (`steward_la`), whatever the request says; an analyst (the national team) sees every LA's
queue and the problems that belong to no LA, and sends nothing. Files are found in listings made here (`la_files`):
no path is built from anything a person sent."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from scr_warehouse.policy import code_lists, landing_columns, reference_rows

from .auth import LA_CODE, Gate, User, client_address
from .submissions import FILE_FEEDS, Refused, Sender, check_bytes, csv_bytes, feed_columns, log_path
from .words import FEEDS, readable, table

NATIONAL = "national_team"  # the stewards' file of problems that belong to no LA (quality/stewards.py)
QUEUE_SHOWN = 100  # rows of a queue drawn on the page (the rest: "first 100 of N")
JOURNEY_COLUMNS = ["incident_id", "incident_date", "incident_type", "children", "notified_date", "notified_on_time",
                   "decision", "decision_date", "review_status", "completion_date", "stuck_at"]
QUEUE_COLUMNS = ["feed", "record_id", "source_file", "source_line", "column_name", "problem", "value", "message"]
HIDDEN = {"display": "none"}


def la_names() -> dict[str, str]:
    """ONS code -> name of every English LA (the reference seed)."""
    return {r["new_la_code"]: r["la_name"] for r in reference_rows("ref_las")}


def la_files(release_dir: Path, sub: str) -> dict[str, Path]:
    """LA code (or national_team) -> its file in <release>/quality/<sub>/, from a listing of the folder (a file is
    named by its LA code, optionally followed by `_` and the LA's name)."""
    folder = release_dir / "quality" / sub
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        m = re.match(r"^(E\d{8}|national_team)(?:[_-][^/\\]*)?\.csv$", path.name)
        if m and path.is_file() and not path.is_symlink():
            found.setdefault(m.group(1), path)
    return found


def steward_las(user: User | None) -> list[str]:
    if not user or "steward" not in user.roles:
        return []
    return sorted(la for la in user.las if LA_CODE.match(la))


def steward_la(user: User | None, requested: str | None) -> str:
    """The LA a steward acts for: their only LA, or the one they chose among their own; Refused otherwise."""
    own = steward_las(user)
    if not own:
        raise Refused("Only a steward of a local authority can send data here.")
    if requested in own:
        return str(requested)
    if requested and requested != own[0]:
        raise Refused("Refused: you may act for your own local authority only.")
    return own[0]


def la_options(user: User | None) -> list[dict]:
    names = la_names()
    if user and "analyst" in user.roles:
        return [{"label": "Problems that belong to no local authority", "value": NATIONAL},
                *({"label": n, "value": c} for c, n in sorted(names.items(), key=lambda t: t[1]))]
    return [{"label": f"{names.get(c, c)} ({c})", "value": c} for c in steward_las(user)]


def may_see(user: User | None, la: str | None) -> bool:
    if not user or not la:
        return False
    if la == NATIONAL:
        return "analyst" in user.roles
    return bool(LA_CODE.match(la)) and (user.may_see_queue(la))


def read_rows(path: Path | None) -> list[dict]:
    if path is None:
        return []
    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


# ---------------------------------------------------------------------------------------------------------------
# layout

def _field(html, dcc, column):
    """One notification field: a labelled dropdown of its code list, or a text box (dates as YYYY-MM-DD)."""
    from .words import field_label as _label

    fid = f"nf-{column.column_name}"
    text = column.column_name.replace("_", " ").capitalize() + ("" if column.required else " (optional)")
    if column.code_list:
        codes = code_lists()[column.code_list]
        control = dcc.Dropdown(id=fid, options=[{"label": f"{lab} ({c})", "value": c} for c, lab in codes.items()])
    else:
        hint = {"date": "YYYY-MM-DD", "int": "whole number"}.get(column.kind, "")
        control = dcc.Input(id=fid, type="text", debounce=True, placeholder=hint)
    return html.Div([_label(html, text, fid), control], className="f")


def notify_fields() -> list:
    return [c for c in landing_columns()["notifications"] if c.column_name != "la_code"]


def notify_form(html, dcc):
    return html.Div([
        html.H3("Notify an incident"),
        html.P("One child per notification; the local authority is yours. Each value is checked with the stewards' "
               "queue's rules as you leave its box."),
        html.Div([_field(html, dcc, c) for c in notify_fields()], className="filters"),
        html.Div(id="notify-check", role="status"),
        html.Button("Send the notification", id="notify-btn"),
        html.Div(id="notify-result", role="status"),
    ], id="notify-form")


def upload_form(html, dcc, max_bytes: int):
    from .words import field_label as _label

    return html.Div([
        html.H3("Check or submit a file"),
        _label(html, "Kind of file", "upload-feed"),
        dcc.Dropdown(id="upload-feed", options=[{"label": f"{FEEDS[f]}s", "value": f} for f in FILE_FEEDS],
                     value=FILE_FEEDS[0], clearable=False),
        dcc.Upload(id="upload", max_size=max_bytes, children=html.Div(
            ["Drop a CSV file here or ", html.Span("choose a file", className="link")]), className="upload"),
        html.Div(id="upload-name"),
        html.Button("Check the file", id="check-btn"), html.Button("Submit the file", id="submit-btn"),
        html.Div(id="upload-result", role="status"),
    ], id="upload-form")


def correction_form(html, dcc):
    from .words import field_label as _label

    return html.Div([
        html.H3("Correct a value"),
        html.Div("Choose Correct on a row of the queue above.", id="corr-target", role="status"),
        dcc.Store(id="corr-row"),
        _label(html, "New value", "corr-value"), dcc.Input(id="corr-value", type="text"),
        _label(html, "Reason for the correction", "corr-reason"), dcc.Input(id="corr-reason", type="text"),
        html.Button("Send the correction", id="corr-btn"),
        html.Div(id="corr-result", role="status"),
    ], id="corr-form")


def restricted_tab(html, dcc, max_upload_bytes: int) -> list:
    from .words import field_label as _label

    return [
        html.P("Management information: not for publication. Sign in with your explorer account.",
               className="warning"),
        html.Div(id="whoami", role="status"),
        html.Div([_label(html, "User name", "username"), dcc.Input(id="username", type="text", autoComplete="username"),
                  _label(html, "Password", "password"),
                  dcc.Input(id="password", type="password", autoComplete="current-password"),
                  html.Button("Sign in", id="login-btn")], id="signin-form"),
        html.Button("Sign out", id="logout-btn", style=HIDDEN),
        html.H2("Stewards' queue"),
        _label(html, "Local authority", "queue-la"), dcc.Dropdown(id="queue-la", options=[]),
        html.Div(id="queue"),
        html.Button("Download this queue (CSV)", id="queue-download-btn"), dcc.Download(id="queue-download"),
        html.Div([correction_form(html, dcc), notify_form(html, dcc), upload_form(html, dcc, max_upload_bytes)],
                 id="steward-forms", style=HIDDEN),
        html.H2("Chase list and overdue actions"), html.Div(id="chase"),
        html.H2("Incident journeys"),
        _label(html, "Incident identifier (the national team: any incident)", "incident-id"),
        dcc.Input(id="incident-id", type="text", debounce=True),
        html.Div(id="journey"),
    ]


# ---------------------------------------------------------------------------------------------------------------
# callbacks

def register(app, gate: Gate, warehouse: str, release_dir: Path, landing: Path | None, settings: dict) -> None:
    import flask

    def current_user() -> User | None:
        return gate.user_for(flask.session.get("token"))

    def sender(user: User, requested: str | None) -> Sender:
        la_code = steward_la(user, requested)  # the user record's LA, whatever the request says
        if landing is None:
            raise Refused("This explorer takes no submissions (it was started without a landing folder).")
        return Sender(user.username, la_code, landing, log_path(warehouse))

    _sign_in_callbacks(app, gate, settings, current_user)
    _view_callbacks(app, warehouse, release_dir, current_user)
    _send_callbacks(app, release_dir, current_user, sender)


def _sign_in_callbacks(app, gate: Gate, settings: dict, current_user) -> None:
    import dash
    import flask
    from dash import Input, Output, State

    shown_style = {}

    @app.callback(Output("whoami", "children"), Output("password", "value"), Output("signin-form", "style"),
                  Output("logout-btn", "style"), Output("steward-forms", "style"),
                  Output("queue-la", "options"), Output("queue-la", "value"),
                  Input("login-btn", "n_clicks"), Input("logout-btn", "n_clicks"),
                  State("username", "value"), State("password", "value"))
    def _login(_in, _out, username, password):
        trig = dash.ctx.triggered_id
        message = None
        if trig in ("logout-btn", "login-btn"):
            gate.sign_out(flask.session.get("token"))
            flask.session.clear()
            message = "Signed out."
        if trig == "login-btn":
            client = client_address(flask.request.remote_addr, flask.request.headers.get("X-Forwarded-For"),
                                    int(settings["trusted_proxies"]))
            token, message = gate.sign_in(str(username or ""), str(password or ""), client)
            if token:
                flask.session["token"] = token
        u = current_user()
        message = message or (f"Signed in as {u.username}." if u else "Not signed in.")
        options = la_options(u)
        own = steward_las(u)
        chosen = own[0] if own else NATIONAL if u and "analyst" in u.roles else None  # the national team's own
        return (message, "", HIDDEN if u else shown_style, shown_style if u else HIDDEN,
                shown_style if own else HIDDEN, options, chosen)


def _queue_view(html, user: User | None, la: str | None, release_dir: Path):
    if not user:
        return "Sign in to see a stewards' queue."
    if not la:
        return "Choose a local authority."
    if not may_see(user, la):
        return "Refused: your account may not see this local authority's queue."
    rows = read_rows(la_files(release_dir, "by_la").get(la))
    if not rows:
        return "No open problems for this local authority."
    can_correct = la in steward_las(user)

    def fix(i, r):
        if not can_correct or not r.get("record_id") or not r.get("column_name"):
            return ""
        return html.Button("Correct", id={"type": "fix-row", "index": i},
                           **{"aria-label": f"Correct {r['column_name']} of record {readable(r['record_id'])}"})

    shown_rows = rows[:QUEUE_SHOWN]
    more = f" (the first {QUEUE_SHOWN} are shown)" if len(rows) > QUEUE_SHOWN else ""
    name = la_names().get(la, "problems that belong to no local authority")
    return [html.P(f"{len(rows):,} open problems for {name}{more}."),
            table(html, shown_rows, QUEUE_COLUMNS, f"Stewards' queue: {name}", extra=fix)]


def _chase_view(html, user: User | None, la: str | None, release_dir: Path):
    if not may_see(user, la) or la == NATIONAL:
        return ""
    out = []
    for sub, caption in (("chase", "Chase list: what is late and who must act"),
                         ("overdue_actions", "Overdue action-plan items")):
        rows = read_rows(la_files(release_dir, sub).get(la))
        cols = [c for c in (rows[0] if rows else {}) if c not in ("lscb_la_code", "la_name", "source_file",
                                                                   "source_line", "as_of_date")]
        out.append(table(html, rows[:QUEUE_SHOWN], cols, caption) if rows else html.P(f"{caption}: nothing."))
    return out


def _journeys(html, warehouse: str, user: User | None, la: str | None, incident_id: str | None):
    """A steward's LA's incidents (or, for an analyst, one incident by identifier), in words."""
    import duckdb

    if not user:
        return "Sign in to see incidents' journeys."
    if incident_id and "analyst" in user.roles:
        sql, params = "select * from marts.incident_journey where incident_id = ?", [str(incident_id).strip()]
    elif la and la != NATIONAL and may_see(user, la):
        sql = "select * from marts.incident_journey where la_code = ?"
        params = [la]
    else:
        return "Enter an incident identifier." if "analyst" in user.roles else "Choose your local authority."
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return "The incident journeys are not available right now (the warehouse is being rebuilt): try again soon."
    try:
        df = con.execute(sql, params).df()
    except duckdb.Error as e:
        return f"The incident journey is not available in this warehouse ({type(e).__name__})."
    finally:
        con.close()
    if df.empty:
        return "No incident with that identifier." if incident_id else "No incidents for this local authority."
    if incident_id:  # one incident: every stage, one per line
        from .words import label

        rows = [{"stage": label(c), "value": readable(v, c)} for c, v in df.iloc[0].items()]
        return table(html, rows, ["stage", "value"], f"Journey of incident {incident_id}")
    cols = [c for c in JOURNEY_COLUMNS if c in df.columns]
    if "incident_date" in df.columns:
        df = df.sort_values("incident_date", ascending=False, na_position="last")
    df = df.head(QUEUE_SHOWN)
    return table(html, df[cols].to_dict("records"), cols, "Incidents of your local authority, latest first")


def _view_callbacks(app, warehouse: str, release_dir: Path, current_user) -> None:
    from dash import Input, Output, State, html, no_update

    @app.callback(Output("queue", "children"), Output("chase", "children"),
                  Input("queue-la", "value"), Input("whoami", "children"), Input("corr-result", "children"))
    def _queue(la, _, __):
        u = current_user()
        return _queue_view(html, u, la, release_dir), _chase_view(html, u, la, release_dir)

    @app.callback(Output("queue-download", "data"), Input("queue-download-btn", "n_clicks"),
                  State("queue-la", "value"), prevent_initial_call=True)
    def _download(_, la):
        """The LA's queue file as written (formulas neutralised for a spreadsheet), named with the LA's name."""
        path = la_files(release_dir, "by_la").get(str(la)) if may_see(current_user(), la) else None
        if path is None:
            return no_update
        return {"content": path.read_text(encoding="utf-8"), "filename": path.name, "type": "text/csv"}

    @app.callback(Output("journey", "children"), Input("incident-id", "value"), Input("queue-la", "value"),
                  Input("whoami", "children"))
    def _journey(incident_id, la, _):
        return _journeys(html, warehouse, current_user(), la, incident_id)


def _problem_list(html, problems, caption: str):
    rows = [{"source_line": p.source_line or "", "column_name": p.column_name or "", "message": p.message}
            for p in problems]
    return table(html, rows, ["source_line", "column_name", "message"], caption)


def _send_callbacks(app, release_dir: Path, current_user, sender) -> None:
    from dash import Input, Output, State, html

    fields = [c.column_name for c in notify_fields()]

    @app.callback(Output("notify-check", "children"), *(Input(f"nf-{c}", "value") for c in fields),
                  State("queue-la", "value"), prevent_initial_call=True)
    def _notify_check(*values):
        *values, la = values
        try:  # a check loads nothing: it needs the steward's LA, not a landing folder
            la_code = steward_la(current_user(), la)
        except Refused as e:
            return str(e)
        given = {c: v for c, v in zip(fields, values) if v not in (None, "")}
        # a row with no identifier is rejected whole before any value is checked: a stand-in until one is typed
        row = {"notification_id": "not-yet-given", "incident_id": "not-yet-given", **given, "la_code": la_code}
        problems = [p for p in check_bytes(csv_bytes(feed_columns("notifications"), [row]), "notifications").problems
                    if p.column_name in given]
        return _problem_list(html, problems, "Problems so far") if problems else "No problems so far."

    @app.callback(Output("notify-result", "children"), Input("notify-btn", "n_clicks"),
                  *(State(f"nf-{c}", "value") for c in fields), State("queue-la", "value"), prevent_initial_call=True)
    def _notify(_, *values):
        *values, la = values
        try:
            landed, problems = sender(current_user(), la).notify(dict(zip(fields, values)))
        except Refused as e:
            return str(e)
        if problems:
            return [html.P("Not sent: fix these first."), _problem_list(html, problems, "Problems")]
        return (f"Sent: the notification is in {landed.relative}. It is loaded at the next stewards' loop; "
                "its problems, if any, then show in your queue.")

    _upload_callbacks(app, current_user, sender)
    _correction_callbacks(app, release_dir, current_user, sender)


def _upload_callbacks(app, current_user, sender) -> None:
    from dash import Input, Output, State, ctx, html

    from .app import UploadError, upload_bytes

    @app.callback(Output("upload-name", "children"), Input("upload", "filename"), prevent_initial_call=True)
    def _name(filename):
        return f"Chosen: {filename}" if filename else ""

    @app.callback(Output("upload-result", "children"), Input("check-btn", "n_clicks"), Input("submit-btn", "n_clicks"),
                  State("upload", "contents"), State("upload-feed", "value"), State("queue-la", "value"),
                  prevent_initial_call=True)
    def _upload(_c, _s, contents, feed, la):
        try:
            s = sender(current_user(), la)
            if feed not in FILE_FEEDS:
                raise Refused("Choose the kind of file.")
            data = upload_bytes(contents, int(app.server.config["SCR_MAX_UPLOAD"]))
            if ctx.triggered_id == "check-btn":
                problems = check_bytes(data, feed).problems
                head = f"Checked (nothing was loaded): {len(problems)} problem(s)."
                return [html.P(head), _problem_list(html, problems, "Problems")] if problems else \
                    "Checked (nothing was loaded): no problems found."
            landed, problems = s.submit_file(data, feed)
        except (Refused, UploadError) as e:
            return str(e)
        return (f"Submitted as {landed.relative} ({landed.rows} rows). It is loaded at the next stewards' loop"
                + (f"; {len(problems)} problem(s) will show in your queue." if problems else "."))


def _correction_callbacks(app, release_dir: Path, current_user, sender) -> None:
    from dash import ALL, Input, Output, State, ctx, no_update

    @app.callback(Output("corr-target", "children"), Output("corr-row", "data"),
                  Input({"type": "fix-row", "index": ALL}, "n_clicks"), State("queue-la", "value"),
                  prevent_initial_call=True)
    def _choose(clicks, la):
        if not ctx.triggered_id or not any(clicks or []):
            return no_update, no_update
        i = int(ctx.triggered_id["index"])
        rows = read_rows(la_files(release_dir, "by_la").get(str(la))) if may_see(current_user(), la) else []
        if i >= len(rows):
            return "The queue has changed: choose the row again.", None
        r = rows[i]
        what = FEEDS.get(r.get("feed", ""), "record").lower()
        return (f"Correcting {r.get('column_name')} of {what} {readable(r.get('record_id'))} (now "
                f"\"{readable(r.get('value'), 'value')}\"). {readable(r.get('message'))}",
                {"la": la, "index": i, "record_id": r.get("record_id"), "column_name": r.get("column_name")})

    @app.callback(Output("corr-result", "children"), Input("corr-btn", "n_clicks"), State("corr-row", "data"),
                  State("corr-value", "value"), State("corr-reason", "value"), prevent_initial_call=True)
    def _correct(_, chosen, value, reason):
        try:
            user = current_user()
            if not chosen:
                raise Refused("Choose Correct on a row of the queue first.")
            s = sender(user, chosen.get("la"))
            rows = read_rows(la_files(release_dir, "by_la").get(s.la_code))
            i = int(chosen.get("index", -1))
            if not 0 <= i < len(rows) or rows[i].get("record_id") != chosen.get("record_id") \
                    or rows[i].get("column_name") != chosen.get("column_name"):
                raise Refused("The queue has changed: choose the row again.")
            r = rows[i]
            landed = s.correct(r["feed"], readable(r["record_id"], "record_id"), r["column_name"], value or "",
                               reason or "")
        except Refused as e:
            return str(e)
        return (f"Correction sent ({landed.relative}): {r['column_name']} of {readable(r['record_id'])} becomes "
                f"\"{value or ''}\". It is applied at the next stewards' loop; the row then leaves your queue.")
