"""The explorer's defences against the real server (issue 25, item 4): waitress on 127.0.0.1 in a thread of this
process, built by server.make_server as `scr-warehouse explore` builds it, stopped by each test. Requests are
real HTTP; a Dash callback is sent as the browser sends it (the JSON body dash-renderer posts). The browser tests
at the end load the explorer in Chromium under its own Content-Security-Policy.

Cases: CSRF (a cross-site or token-less request that would change something is refused), sign-in locks by user
name and by user name + address with the address read through trusted proxies, an attempt counted before its
password is checked, security headers on every response, request size limits, no file path from input."""
from __future__ import annotations

import base64
import csv
import http.client
import json
import os
import threading
import time

import duckdb
import pytest
import requests

from dashboards.explorer import auth
from dashboards.explorer.app import create_app, queue_files
from dashboards.explorer.auth import Gate, User, hash_password
from dashboards.explorer.server import make_server, settings_from_env

from tests.a11y.axe_runner import ARGS, CHROMIUM, require_chromium
from tests.dashboards.test_report import write_release

PASSWORD = "analyst password 1"
STEWARD_PASSWORD = "steward password 1"
SECRET_MARKER = "SECRET-MARKER-7f3a"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
needs_browser = pytest.mark.skipif(not os.path.exists(CHROMIUM) and not IN_CI, reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("explorer_security")
    rel = write_release(root / "release")
    by_la = rel / "quality" / "by_la"
    by_la.mkdir(parents=True, exist_ok=True)
    with open(by_la / "E06000001_Hartlepool.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["feed", "record_id", "la_code", "problem"])
        w.writerow(["notifications", "N-T1", "E06000001", "invalid_value"])
    # files a traversal would aim at: beside the queue folder, and outside the release; and a link to one of them
    # named like an LA's queue file (a listing does not follow it)
    (rel / "quality" / "secret.csv").write_text(f"x\n{SECRET_MARKER}\n")
    (root / "secret.csv").write_text(f"x\n{SECRET_MARKER}\n")
    (by_la / "E06000003.csv").symlink_to(root / "secret.csv")
    wh = root / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema marts")
    con.execute("create table marts.incident_journey (incident_id varchar, la_code varchar, stuck_at varchar)")
    con.close()
    users = {"analyst1": User("analyst1", hash_password(PASSWORD, iterations=20_000), frozenset({"analyst"})),
             "steward1": User("steward1", hash_password(STEWARD_PASSWORD, iterations=20_000),
                              frozenset({"steward"}), frozenset({"E06000001"}))}
    return rel, wh, users


class Served:
    """The explorer on waitress in a thread; `stop` closes every connection and ends the thread."""

    def __init__(self, data, clock=time.monotonic, landing=None, **overrides):
        rel, wh, users = data
        self.settings = settings_from_env({**auth.security_settings(), **overrides})
        self.gate = Gate(users, self.settings, clock)
        self.app = create_app(str(wh), str(rel), users, secret="test-secret-" + "x" * 20, gate=self.gate,
                              warm=False, settings=self.settings, landing=landing)
        self.server = make_server(self.app, host="127.0.0.1", port=0, threads=8, settings=self.settings)
        self.port = int(self.server.effective_port)
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.run, name="explorer-under-test", daemon=True)
        self.thread.start()

    def stop(self):
        from waitress import wasyncore

        server = self.server
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # run in the server's own loop
        self.thread.join(10)
        server.task_dispatcher.shutdown()
        assert not self.thread.is_alive(), "the explorer's server thread did not stop"

    # ---------------------------------------------------------------- a browser-like client
    def client(self) -> requests.Session:
        s = requests.Session()
        r = s.get(self.url + "/")
        assert r.status_code == 200 and s.cookies.get("_csrf_token")
        return s

    def headers(self, s: requests.Session, **extra) -> dict:
        """What Chromium sends with a callback from the explorer's own page."""
        return {"Content-Type": "application/json", "X-CSRFToken": s.cookies.get("_csrf_token"),
                "Origin": self.url, "Sec-Fetch-Site": "same-origin", **extra}

    def callback(self, s: requests.Session, body: dict, headers: dict | None = None) -> requests.Response:
        return s.post(self.url + "/_dash-update-component", data=json.dumps(body),
                      headers=self.headers(s) if headers is None else headers)

    def sign_in(self, s, username, password, headers=None, forwarded_for=None) -> str:
        h = self.headers(s) if headers is None else headers
        if forwarded_for:
            h = {**h, "X-Forwarded-For": forwarded_for}
        r = self.callback(s, login_body(username, password), h)
        assert r.status_code == 200, (r.status_code, r.text[:200])
        return r.json()["response"]["whoami"]["children"]


LOGIN_OUTPUTS = [("whoami", "children"), ("password", "value"), ("signin-form", "style"), ("logout-btn", "style"),
                 ("steward-forms", "style"), ("queue-la", "options"), ("queue-la", "value")]


def login_body(username, password, button="login-btn") -> dict:
    return {"output": ".." + "...".join(f"{i}.{p}" for i, p in LOGIN_OUTPUTS) + "..",
            "outputs": [{"id": i, "property": p} for i, p in LOGIN_OUTPUTS],
            "inputs": [{"id": "login-btn", "property": "n_clicks", "value": 1},
                       {"id": "logout-btn", "property": "n_clicks", "value": 1}],
            "changedPropIds": [f"{button}.n_clicks"], "parsedChangedPropsIds": [f"{button}.n_clicks"],
            "state": [{"id": "username", "property": "value", "value": username},
                      {"id": "password", "property": "value", "value": password}]}


def queue_body(la) -> dict:
    return {"output": "..queue.children...chase.children..",
            "outputs": [{"id": "queue", "property": "children"}, {"id": "chase", "property": "children"}],
            "inputs": [{"id": "queue-la", "property": "value", "value": la},
                       {"id": "whoami", "property": "children", "value": ""},
                       {"id": "corr-result", "property": "children", "value": ""}],
            "changedPropIds": ["queue-la.value"], "parsedChangedPropsIds": ["queue-la.value"], "state": []}


@pytest.fixture
def served(data):
    s = Served(data)
    yield s
    s.stop()


# ---------------------------------------------------------------- CSRF
def test_cross_site_requests_that_change_something_are_refused(served):
    s = served.client()
    good = served.headers(s)
    refused = {
        "another site (Sec-Fetch-Site)": {**good, "Sec-Fetch-Site": "cross-site"},
        "a sibling site on another port": {**good, "Sec-Fetch-Site": "same-site"},
        "another origin": {**good, "Origin": "http://evil.example"},
        "an opaque origin": {**good, "Origin": "null"},
        "no token header": {k: v for k, v in good.items() if k != "X-CSRFToken"},
        "a token unlike the cookie": {**good, "X-CSRFToken": good["X-CSRFToken"][:-1]
                                      + ("1" if good["X-CSRFToken"].endswith("0") else "0")},
    }
    for why, headers in refused.items():
        r = served.callback(s, login_body("analyst1", PASSWORD), headers)
        assert r.status_code == 403, why
        assert "cross-site request protection" in r.text, why
    # a token the attacker made up, sent both as cookie and header, is not signed with the explorer's secret
    forged = requests.Session()
    forged.cookies.set("_csrf_token", "made-up.0123abcd", domain="127.0.0.1")
    r = served.callback(forged, login_body("analyst1", PASSWORD), served.headers(forged))
    assert r.status_code == 403
    assert served.gate.password_checks == 0  # none of them reached the sign-in
    # the same request from the explorer's own page signs in; a cross-site sign-out is refused and the session lives
    assert served.sign_in(s, "analyst1", PASSWORD).startswith("Signed in as analyst1")
    r = served.callback(s, login_body("", "", button="logout-btn"), {**good, "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = served.callback(s, queue_body("E06000001"))
    assert r.status_code == 200 and "1 open problems" in r.text  # still signed in
    r = served.callback(s, login_body("", "", button="logout-btn"))
    assert r.json()["response"]["whoami"]["children"] == "Signed out."
    # a client that sends no Sec-Fetch-Site or Origin (an old browser, a script) still needs the token
    bare = {"Content-Type": "application/json", "X-CSRFToken": s.cookies.get("_csrf_token")}
    assert served.callback(s, queue_body("E06000001"), bare).status_code == 200
    assert served.callback(s, queue_body("E06000001"), {"Content-Type": "application/json"}).status_code == 403


def test_cookies_are_not_sent_cross_site_and_the_session_cookie_is_not_readable_by_scripts(served):
    s = served.client()
    served.sign_in(s, "analyst1", PASSWORD)
    cookies = {c.name: c for c in s.cookies}
    assert cookies["_csrf_token"].get_nonstandard_attr("SameSite") == "Strict"
    session = cookies["session"]
    assert session.get_nonstandard_attr("SameSite") == "Strict" and session.has_nonstandard_attr("HttpOnly")


# ---------------------------------------------------------------- sign-in limits
def test_eight_wrong_passwords_at_once_only_five_reach_the_check(served, monkeypatch):
    """Sent at once from one address: each attempt is counted before its password is checked, so at most the
    limit (5) are checked and the others are refused at once."""
    real, inside = auth.verify_password, []

    def slow(password, stored):
        inside.append(1)
        time.sleep(0.5)  # the eight requests all arrive while the first are being checked
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", slow)
    clients = [served.client() for _ in range(8)]
    barrier, answers = threading.Barrier(8), []

    def attempt(i):
        barrier.wait()
        answers.append(served.sign_in(clients[i], "analyst1", f"wrong password {i}"))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    allowed = served.settings["failed_signins_allowed"]
    assert allowed == 5
    assert len(inside) == served.gate.password_checks <= allowed
    assert answers.count("Too many failed sign-ins: try again later.") >= 8 - allowed
    # locked now: the right password is refused without being checked
    checks = served.gate.password_checks
    assert "Too many" in served.sign_in(served.client(), "analyst1", PASSWORD)
    assert served.gate.password_checks == checks


def test_locks_by_name_and_address_read_through_a_trusted_proxy(data):
    """Behind one trusted proxy the client is the rightmost X-Forwarded-For address: one client failing locks only
    its own (name, address), other clients behind the same proxy still sign in, and an address a client writes
    into the header itself is not believed."""
    served = Served(data, trusted_proxies=1)
    try:
        s = served.client()
        for i in range(5):
            assert "not recognised" in served.sign_in(s, "analyst1", f"wrong {i}", forwarded_for="203.0.113.5")
        assert "Too many" in served.sign_in(s, "analyst1", PASSWORD, forwarded_for="203.0.113.5")
        # the attacker claims another address on the left: the proxy appended the real one on the right
        assert "Too many" in served.sign_in(s, "analyst1", PASSWORD, forwarded_for="198.51.100.1, 203.0.113.5")
        # another person behind the same proxy (same connection address 127.0.0.1) is not locked out
        assert served.sign_in(served.client(), "analyst1", PASSWORD,
                              forwarded_for="203.0.113.6").startswith("Signed in as analyst1")
        # the name is locked for everyone only after failures from many addresses (20 within the window)
        per_user = served.settings["failed_signins_per_user_allowed"]
        for i in range(per_user - 5):
            served.sign_in(s, "analyst1", "wrong", forwarded_for=f"192.0.2.{i + 1}")
        assert "Too many" in served.sign_in(served.client(), "analyst1", PASSWORD, forwarded_for="203.0.113.77")
    finally:
        served.stop()


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(served):
    """No proxy configured: a client cannot dodge its lock by sending a different X-Forwarded-For each time."""
    s = served.client()
    for i in range(5):
        served.sign_in(s, "steward1", "wrong", forwarded_for=f"203.0.113.{i + 1}")
    assert "Too many" in served.sign_in(s, "steward1", STEWARD_PASSWORD, forwarded_for="203.0.113.99")
    # the analyst, from the same address, is not locked: locks are per user name, never per address alone
    assert served.sign_in(served.client(), "analyst1", PASSWORD).startswith("Signed in as analyst1")


def test_failure_records_are_pruned_on_the_server(data):
    """Failed sign-ins from many addresses are forgotten once the window has passed: the server's registers hold
    only what is current (the clock is one the test moves)."""
    now = [1000.0]
    served = Served(data, clock=lambda: now[0], trusted_proxies=1)
    try:
        s = served.client()
        for i in range(30):
            served.sign_in(s, f"nobody{i}", "wrong", forwarded_for=f"198.51.100.{i + 1}")
        for _ in range(5):
            served.sign_in(s, "analyst1", "wrong", forwarded_for="203.0.113.50")
        assert served.gate.records() >= 62  # two records an attempt (name; name and address), and a lock
        assert "Too many" in served.sign_in(s, "analyst1", PASSWORD, forwarded_for="203.0.113.50")
        now[0] += served.settings["failed_signin_window_seconds"] + served.settings["lockout_seconds"] + 1
        assert served.sign_in(s, "analyst1", PASSWORD, forwarded_for="203.0.113.50").startswith("Signed in")
        assert served.gate.records() == 1  # the new session only
    finally:
        served.stop()


# ---------------------------------------------------------------- security headers
def test_security_headers_on_every_response(served):
    s = served.client()
    responses = {path: s.get(served.url + path) for path in
                 ("/", "/_dash-layout", "/_dash-dependencies", "/assets/style.css", "/assets/a11y.js", "/_views",
                  "/no-such-page", "/assets/no-such-file.js")}
    responses["callback"] = served.callback(s, queue_body("E06000001"))
    responses["refused callback"] = served.callback(s, queue_body("E06000001"), {"Content-Type": "application/json"})
    for what, r in responses.items():
        h = r.headers
        csp = h.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp, what
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, what
        assert h.get("X-Content-Type-Options") == "nosniff", what
        assert h.get("Referrer-Policy") == "no-referrer", what
        assert h.get("X-Frame-Options") == "DENY", what
    assert responses["callback"].headers.get("Cache-Control") == "no-store"  # restricted answers are not cached
    assert responses["/"].headers.get("Cache-Control") == "no-store"


# ---------------------------------------------------------------- request size
def _raw_post(port: int, path: str, body_size: int, headers: dict) -> tuple[int, bytes]:
    """Send a POST of body_size bytes (in 1 MB pieces) and read the answer, however early the server gave it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("POST", path)
        for k, v in {**headers, "Content-Length": str(body_size)}.items():
            conn.putheader(k, v)
        conn.endheaders()
        chunk, sent = b"x" * (1 << 20), 0
        try:
            while sent < body_size:
                conn.send(chunk[:min(len(chunk), body_size - sent)])
                sent += min(len(chunk), body_size - sent)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking the whole body
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_request_bodies_are_limited(served):
    s = served.client()
    h = served.headers(s)
    h["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    limit = served.settings["max_request_bytes"]
    # 20 MB: refused by waitress before the app reads it (its default limit was 1 GB)
    status, _ = _raw_post(served.port, "/_dash-update-component", 20 << 20, h)
    assert status == 413
    # just over the app's limit: refused by the app, with a message a person can act on
    status, body = _raw_post(served.port, "/_dash-update-component", limit + 1, h)
    assert status == 413 and b"Request too large" in body and b"4 MB" in body
    # even before the CSRF check: an oversize request from anywhere is refused by size
    status, _ = _raw_post(served.port, "/_dash-update-component", limit + 1, {"Content-Type": "application/json"})
    assert status == 413
    # a normal callback passes
    assert served.callback(s, queue_body("E06000001")).status_code == 200


# ---------------------------------------------------------------- no path from input
def test_no_file_is_reached_by_a_typed_path(served, data):
    rel, _, _ = data
    s = served.client()
    for path in ("/assets/../auth.py", "/assets/%2e%2e/auth.py", "/assets/..%2fapp.py", "/assets/%2e%2e%2fapp.py",
                 "/assets/..%5capp.py", "/_dash-component-suites/dash/../../../../../etc/passwd",
                 "/_dash-component-suites/dash/%2e%2e/%2e%2e/dash.py", "/assets//etc/passwd",
                 "/_dash-component-suites/dash/dcc/..%2f..%2fdash.py"):
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)  # the path exactly as written
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read().decode("utf-8", "replace")
        conn.close()
        # refused, or the explorer's own page (Dash answers any other path with it): never a file's content
        assert r.status in (200, 400, 404), (path, r.status)
        assert r.status != 200 or 'id="react-entry-point"' in body, path
        assert not any(m in body for m in ("HASH_ITERATIONS", "def create_app", "root:x:", "class Dash")), path
    # the stewards' queue is chosen by LA: an analyst may see every LA's, but a value that is not an LA code's
    # file in the listing reads nothing
    served.sign_in(s, "analyst1", PASSWORD)
    assert "1 open problems" in served.callback(s, queue_body("E06000001")).text
    for la in ("../secret", "../../secret", "E06000001/../../secret", "E06000001_Hartlepool", "../quality/secret",
               "/etc/passwd", "E06000001\x00", "E06000003", ["E06000001"], {"a": 1}):
        r = served.callback(s, queue_body(la))
        assert r.status_code in (200, 500), la
        assert SECRET_MARKER not in r.text and "open problems." not in r.text, la
    # the listing a callback looks the LA up in: only regular files named by an LA code, no links
    files = queue_files(rel)
    assert set(files) == {"E06000001"} and files["E06000001"].name == "E06000001_Hartlepool.csv"


# ---------------------------------------------------------------- in Chromium, under the explorer's CSP
CSP_LOG = """window.__csp = []; document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@needs_browser
def test_the_explorer_works_under_its_csp_and_cannot_be_framed(served, browser):
    """No eval, no inline script but Dash's by its hash: the charts draw, tabs open and sign-in works, with no CSP
    violation reported; another site's frame of the explorer stays empty."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)  # the CSP as served
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(CSP_LOG)
    page.goto(served.url + "/")
    page.wait_for_selector("#funnel .main-svg")
    page.wait_for_selector("#tilemap .main-svg")
    page.wait_for_selector("#table td")
    with page.expect_download() as dl:  # the table's CSV, made in the browser from the callback's answer
        page.click("#download-btn")
    assert dl.value.suggested_filename.endswith(".csv")
    page.locator(".tab", has_text="Profile of the children").first.click()
    page.wait_for_selector("#profile .main-svg")
    page.locator(".tab", has_text="Restricted (sign in)").first.click()
    page.fill("#username", "analyst1")
    page.fill("#password", PASSWORD)
    page.click("#login-btn")
    page.locator("#whoami", has_text="Signed in as analyst1").wait_for()
    page.locator("#queue", has_text="open problems").wait_for()  # the national team's own queue, chosen for them
    page.click("#queue-la")
    page.locator(".dash-dropdown-content input[type=search]").fill("Hartlepool")
    page.locator("label.dash-dropdown-option", has_text="Hartlepool").first.click()
    page.locator("#queue", has_text="1 open problems").wait_for()
    with page.expect_download() as dl:  # the LA's queue file as written
        page.click("#queue-download-btn")
    assert "N-T1" in open(dl.value.path(), encoding="utf-8").read()
    assert page.evaluate("window.__csp") == []
    assert not errors, errors

    # another site puts the explorer in a frame: the browser refuses to show it (frame-ancestors 'none')
    attacker = browser.new_page()
    attacker.set_content(f'<iframe id="f" src="{served.url}/" width="800" height="600"></iframe>')
    attacker.wait_for_timeout(1500)
    frame = next(f for f in attacker.frames if f != attacker.main_frame)
    assert frame.evaluate("() => document.querySelector('#react-entry-point') === null")
    attacker.close()
    page.close()


@needs_browser
def test_a_form_on_another_site_cannot_call_the_explorer(served, browser, tmp_path):
    """A page on another origin posts to the explorer with the person's cookies: refused (403)."""
    import http.server
    import socketserver

    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "index.html").write_text(
        f'<form id="f" method="post" enctype="text/plain" action="{served.url}/_dash-update-component">'
        '<input name=\'{"output":"queue.children","x":"\' value=\'"}\'></form>')
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(evil), **k)  # noqa: E731
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as site:
        t = threading.Thread(target=site.serve_forever, daemon=True)
        t.start()
        try:
            page = browser.new_page()
            page.goto(served.url + "/")  # the person has the explorer's cookies
            page.wait_for_selector("#funnel .main-svg")
            page.goto(f"http://localhost:{site.server_address[1]}/index.html")
            with page.expect_response(lambda r: "_dash-update-component" in r.url) as resp:
                page.evaluate("document.getElementById('f').submit()")
            assert resp.value.status == 403
            assert "cross-site request protection" in resp.value.text()
            page.close()
        finally:
            site.shutdown()
            t.join(5)


def test_behind_a_trusted_proxy_that_rewrites_host_the_forwarded_host_is_the_origin(data):
    """A reverse proxy that passes the request on to 127.0.0.1 says which host the browser asked for; a request
    from that host's page is accepted, one from elsewhere is still refused. Without a trusted proxy,
    X-Forwarded-Host is not believed."""
    for proxies, accepted in ((1, 200), (0, 403)):
        served = Served(data, trusted_proxies=proxies)
        try:
            s = served.client()
            h = {**served.headers(s), "Origin": "https://explorer.example.org",
                 "X-Forwarded-Host": "explorer.example.org", "X-Forwarded-For": "203.0.113.8"}
            assert served.callback(s, queue_body("E06000001"), h).status_code == accepted
            h["Origin"] = "https://evil.example"
            assert served.callback(s, queue_body("E06000001"), h).status_code == 403
        finally:
            served.stop()


def test_an_upload_is_limited_before_it_is_decoded():
    """A file sent with dcc.Upload arrives base64 in a callback: at most max_upload_bytes, and that fits in one
    request under max_request_bytes with room for the rest of the callback."""
    import base64

    from dashboards.explorer.app import UploadError, upload_bytes

    s = settings_from_env()
    limit = s["max_upload_bytes"]
    assert limit * 4 / 3 + 64 * 1024 < s["max_request_bytes"]
    ok = b"notification_id,la_code\nN1,E06000001\n" * 10
    url = "data:text/csv;base64," + base64.b64encode(ok).decode()
    assert upload_bytes(url, limit) == ok
    exact = "data:text/csv;base64," + base64.b64encode(b"x" * 1000).decode()
    assert len(upload_bytes(exact, 1000)) == 1000
    with pytest.raises(UploadError, match="at most"):
        upload_bytes("data:text/csv;base64," + base64.b64encode(b"x" * 1001).decode(), 1000)
    big = "data:text/csv;base64," + "A" * (limit * 4 // 3 + 8)
    with pytest.raises(UploadError, match=r"MB; the explorer takes files of at most 2 MB"):
        upload_bytes(big, limit)
    for bad in (None, "", "no comma", "data:text/csv,plain", "data:text/csv;base64,@@@@"):
        with pytest.raises(UploadError):
            upload_bytes(bad, limit)


def correction_body(chosen: dict, value="F", reason="case file") -> dict:
    return {"output": "corr-result.children", "outputs": {"id": "corr-result", "property": "children"},
            "inputs": [{"id": "corr-btn", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["corr-btn.n_clicks"], "parsedChangedPropsIds": ["corr-btn.n_clicks"],
            "state": [{"id": "corr-row", "property": "data", "value": chosen},
                      {"id": "corr-value", "property": "value", "value": value},
                      {"id": "corr-reason", "property": "value", "value": reason}]}


def upload_body(data: bytes, la: str) -> dict:
    url = "data:text/csv;base64," + base64.b64encode(data).decode()
    return {"output": "upload-result.children", "outputs": {"id": "upload-result", "property": "children"},
            "inputs": [{"id": "check-btn", "property": "n_clicks", "value": None},
                       {"id": "submit-btn", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["submit-btn.n_clicks"], "parsedChangedPropsIds": ["submit-btn.n_clicks"],
            "state": [{"id": "upload", "property": "contents", "value": url},
                      {"id": "upload-feed", "property": "value", "value": "notifications"},
                      {"id": "queue-la", "property": "value", "value": la}]}


def test_a_steward_cannot_send_for_another_la_nor_without_the_csrf_token(data, tmp_path):
    """The LA of a submission is the user record's: a correction or a file naming another LA in the request is
    refused with a message and nothing lands; an analyst sends nothing; a request without the token is refused."""
    from dashboards.explorer.submissions import csv_bytes, feed_columns

    from tests.helpers import notification_row

    landing = tmp_path / "landing"
    landing.mkdir()
    served = Served(data, landing=str(landing))
    try:
        s = served.client()
        served.sign_in(s, "steward1", STEWARD_PASSWORD)
        other = {"la": "E06000047", "index": 0, "record_id": "N-T1", "column_name": None}
        r = served.callback(s, correction_body(other))
        assert r.status_code == 200 and "own local authority only" in r.text
        durham = csv_bytes(feed_columns("notifications"), [notification_row("D1", "ID1", la_code="E06000047")])
        r = served.callback(s, upload_body(durham, "E06000047"))
        assert "own local authority only" in r.text
        r = served.callback(s, upload_body(durham, "E06000001"))  # their own LA chosen, another LA's rows sent
        assert "line 2: local authority E06000047, not yours (E06000001)" in r.text
        assert served.callback(s, correction_body({"la": "E06000001", "index": 0}),
                               {"Content-Type": "application/json"}).status_code == 403
        assert not any(landing.rglob("*.csv"))
        served.sign_in(s, "analyst1", PASSWORD)
        assert "Only a steward" in served.callback(s, upload_body(durham, "E06000047")).text
        assert not any(landing.rglob("*.csv"))
    finally:
        served.stop()
