"""Serving the explorer: waitress, a production WSGI server (pure Python, threads in one process, so the sign-in
limits and sessions of auth.Gate are shared by every request), on 127.0.0.1 unless told otherwise.

`harden` is what every request and response of the explorer goes through (create_app applies it):
- CSRF: a request that may change something (any method but GET, HEAD, OPTIONS: sign-in, sign-out and every
  Dash callback are POSTs) is refused with 403 unless the browser says it comes from the explorer's own page
  (Sec-Fetch-Site `same-origin` when sent; Origin, when sent, naming the explorer's own host: Host, or behind
  trusted proxies X-Forwarded-Host) AND it carries the double-submit token: the `_csrf_token` cookie (random,
  signed with the app's secret; Dash's renderer reads it and sends it back as the X-CSRFToken header on every
  callback) equal to that header. A page on another site can neither read the cookie nor set the header. The
  session cookie is SameSite=Strict as well.
- Security headers on every response: a Content-Security-Policy as tight as Dash and Plotly allow (scripts from
  the explorer only, Dash's one inline script by its hash, no eval; no framing), X-Frame-Options DENY,
  X-Content-Type-Options nosniff, Referrer-Policy no-referrer, Cross-Origin-Opener-Policy and a
  Permissions-Policy; answers to callbacks (which may hold restricted data) are not stored by caches.
- Request size: a body over `max_request_bytes` is refused with a 413 and a message; waitress refuses bodies over
  twice that before the app sees them (its default would be 1 GB).
- No file path is built from what a person sends: Dash serves assets and component files by its own lookups,
  and the explorer's callbacks find files by looking values up in listings they made themselves (app.py)."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

from .app import create_app
from .auth import UsersError, client_address, hash_password, load_users, security_settings

CSRF_COOKIE = "_csrf_token"  # the cookie dash-renderer reads and sends back as X-CSRFToken
CSRF_HEADER = "X-CSRFToken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def settings_from_env(settings: dict[str, int] | None = None) -> dict[str, int]:
    """config/explorer_security.yml, with SCR_EXPLORER_TRUSTED_PROXIES overriding `trusted_proxies`."""
    s = dict(settings or security_settings())
    s.setdefault("trusted_proxies", 0)
    s.setdefault("max_request_bytes", 4 << 20)
    s.setdefault("max_upload_bytes", 2 << 20)
    env = os.environ.get("SCR_EXPLORER_TRUSTED_PROXIES")
    if env is not None and env.strip().isdigit():
        s["trusted_proxies"] = int(env)
    return s


def content_security_policy(script_hashes: list[str]) -> str:
    """The explorer's CSP. Scripts: the explorer's own files and Dash's inline renderer start-up by hash (no
    'unsafe-inline', no 'unsafe-eval': Dash 4.4 and Plotly's SVG charts run without either). Styles need
    'unsafe-inline': Plotly and Dash's components add <style> elements and style attributes as they draw. Images:
    the map key's icons are data: URIs. Nothing may frame the explorer, and forms post only to it."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(f"'{h.strip(chr(39))}'" for h in script_hashes),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _sign(secret: bytes, value: str) -> str:
    return hmac.new(secret, b"csrf:" + value.encode(), hashlib.sha256).hexdigest()


def new_csrf_token(secret: bytes) -> str:
    value = secrets.token_urlsafe(24)
    return f"{value}.{_sign(secret, value)}"


def csrf_token_valid(secret: bytes, token: str | None) -> bool:
    if not token or "." not in token:
        return False
    value, sig = token.rsplit(".", 1)
    return hmac.compare_digest(_sign(secret, value), sig)


def _same_origin(origin: str, host: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc.lower() == host.lower()


def _from_own_page(request, settings: dict[str, int], key: bytes) -> bool:
    """A request that may change something passes the CSRF checks (see the module's docstring)."""
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    host = request.headers.get("Host", "")
    forwarded_host = request.headers.get("X-Forwarded-Host", "").split(",")[-1].strip()
    if settings.get("trusted_proxies", 0) > 0 and forwarded_host and origin is not None \
            and _same_origin(origin, forwarded_host):
        host = forwarded_host  # a trusted proxy that rewrites Host says which host the browser asked for
    token = request.cookies.get(CSRF_COOKIE)
    return not ((site is not None and site != "same-origin") or (origin is not None and not _same_origin(origin, host))
                or not csrf_token_valid(key, token)
                or not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), token or ""))


def harden(dash_app, settings: dict[str, int], secure_cookie: bool = False) -> None:
    """CSRF checks, security headers and request limits on every request of a Dash app (see the module's
    docstring). Call once the layout and callbacks are defined (the CSP names the inline scripts by hash)."""
    import flask

    server = dash_app.server
    limit = int(settings["max_request_bytes"])
    server.config["MAX_CONTENT_LENGTH"] = limit  # a body sent without a length is cut off at the limit too
    key = hashlib.sha256(b"csrf-key:" + str(server.secret_key).encode()).digest()
    csp = content_security_policy(list(dash_app.csp_hashes()))

    def refuse(status: int, message: str):
        response = flask.make_response(message + "\n", status)
        response.mimetype = "text/plain"
        return response

    from dash.exceptions import DependencyException

    # Dash refuses a component-file path it did not register (a traversal among them) by raising: a plain 404
    server.register_error_handler(DependencyException, lambda e: refuse(404, "Not found."))

    @server.before_request
    def _check_request():
        request = flask.request
        length = request.content_length
        if length is not None and length > limit:
            return refuse(413, f"Request too large: the explorer accepts at most {limit / (1 << 20):g} MB in one "
                               "request (a file to upload must be smaller: see the upload limit on the page).")
        if request.method in SAFE_METHODS or _from_own_page(request, settings, key):
            return None
        return refuse(403, "Refused: this request did not come from the explorer's own page (cross-site "
                           "request protection). Reload the explorer and try again.")

    @server.after_request
    def _headers(response):
        h = response.headers
        h["Content-Security-Policy"] = csp
        h["X-Frame-Options"] = "DENY"
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        if secure_cookie:
            h["Strict-Transport-Security"] = "max-age=31536000"
        request = flask.request
        if request.path.startswith("/_dash-update-component") or request.path in ("/", "/_views"):
            h["Cache-Control"] = "no-store"
        if not csrf_token_valid(key, request.cookies.get(CSRF_COOKIE)):
            # readable by the page's scripts (that is how the token gets into the header), never sent cross-site
            response.set_cookie(CSRF_COOKIE, new_csrf_token(key), samesite="Strict", secure=bool(secure_cookie),
                                httponly=False, path="/")
        return response


def make_server(app, host: str = "127.0.0.1", port: int = 8050, threads: int = 8,
                settings: dict[str, int] | None = None):
    """A waitress server for the app (not yet serving: call .run(), stop with .close()); port 0 takes a free port.
    Bodies over twice max_request_bytes are refused by waitress before they reach the app. With no trusted proxy,
    waitress removes X-Forwarded-* headers before the app sees them; with some, the app reads X-Forwarded-For
    itself (auth.client_address)."""
    from waitress.server import create_server

    s = settings_from_env(settings)
    return create_server(app.server, host=host, port=port, threads=threads, ident="explorer",
                         max_request_body_size=2 * int(s["max_request_bytes"]),
                         clear_untrusted_proxy_headers=int(s["trusted_proxies"]) == 0)


def run(warehouse: str, release: str, port: int = 8050, host: str = "127.0.0.1", secure_cookie: bool = False,
        threads: int = 8, landing: str | None = None) -> int:
    """Start the explorer. Restricted views only with a valid SCR_EXPLORER_USERS file; the session cookie is
    marked Secure with `secure_cookie` (or SCR_EXPLORER_SECURE_COOKIE=1), for serving over HTTPS. Stewards'
    submissions (contract section 4) go to `landing` (or SCR_EXPLORER_LANDING); without one, none are taken."""
    if not Path(release).is_dir():
        print(f"scr-warehouse explore: release folder not found: {release}", file=sys.stderr)
        return 2
    users = None
    try:
        users = load_users(os.environ.get("SCR_EXPLORER_USERS"))
        print(f"restricted views enabled for {len(users)} configured users")
    except UsersError as e:
        print(f"restricted views disabled ({e}); starting with published statistics only", file=sys.stderr)
    secure = secure_cookie or os.environ.get("SCR_EXPLORER_SECURE_COOKIE") == "1"
    settings = settings_from_env()
    landing = landing or os.environ.get("SCR_EXPLORER_LANDING") or None
    if landing and not Path(landing).is_dir():
        print(f"scr-warehouse explore: landing folder not found: {landing}", file=sys.stderr)
        return 2
    app = create_app(warehouse, release, users, secret=os.environ.get("SCR_EXPLORER_SECRET"), secure_cookie=secure,
                     settings=settings, landing=landing)
    server = make_server(app, host=host, port=port, threads=threads, settings=settings)
    proxies = settings["trusted_proxies"]
    print(f"explorer: http://{host}:{port}/ (waitress, {threads} threads"
          f"{', Secure session cookie' if secure else ''}"
          f"{f', client address read through {proxies} trusted proxies' if proxies else ''})", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def hash_cli() -> int:
    import getpass

    pw = getpass.getpass("New password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(pw) < 12:
        print("use at least 12 characters", file=sys.stderr)
        return 2
    print(hash_password(pw))
    return 0


__all__ = ["client_address", "content_security_policy", "harden", "make_server", "run", "settings_from_env"]
