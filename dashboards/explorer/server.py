"""Serving the explorer: waitress, a production WSGI server (pure Python, threads in one process, so the sign-in
limits and sessions of auth.Gate are shared by every request), on 127.0.0.1 unless told otherwise."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .app import create_app
from .auth import UsersError, hash_password, load_users


def run(warehouse: str, release: str, port: int = 8050, host: str = "127.0.0.1", secure_cookie: bool = False,
        threads: int = 8) -> int:
    """Start the explorer. Restricted views only with a valid SCR_EXPLORER_USERS file; the session cookie is
    marked Secure with `secure_cookie` (or SCR_EXPLORER_SECURE_COOKIE=1), for serving over HTTPS."""
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
    app = create_app(warehouse, release, users, secret=os.environ.get("SCR_EXPLORER_SECRET"), secure_cookie=secure)
    from waitress import serve

    print(f"explorer: http://{host}:{port}/ (waitress, {threads} threads"
          f"{', Secure session cookie' if secure else ''})", flush=True)
    serve(app.server, host=host, port=port, threads=threads, ident="explorer")
    return 0


def hash_cli() -> int:
    import getpass

    pw = getpass.getpass("New password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(pw) < 12:
        print("use at least 12 characters", file=sys.stderr)
        return 2
    print(hash_password(pw))
    return 0
