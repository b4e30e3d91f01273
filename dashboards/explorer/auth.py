"""Who may open the explorer's restricted views: users with salted password hashes, a sign-in that costs the same
whether or not the user name exists, a limit on failed sign-ins, and server-side sessions that end at sign-out and
expire. Limits come from config/explorer_security.yml (read through scr_warehouse.policy).

The explorer runs as one process (waitress threads), so the session and failure registers live in memory here; a
restart signs everyone out."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

HASH_SCHEME = "pbkdf2_sha256"
HASH_ITERATIONS = 600_000  # OWASP 2023 guidance for PBKDF2-HMAC-SHA256
ROLES = {"analyst", "steward"}
LA_CODE = re.compile(r"^E\d{8}$")


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


def security_settings() -> dict[str, int]:
    from scr_warehouse import policy

    return policy.explorer_security()


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int) -> str:
    """The address a request came from, read through `trusted_proxies` reverse proxies.

    With no trusted proxy it is the connection's address (X-Forwarded-For is ignored: anyone can send it). With N
    trusted proxies, each appends the address it was reached from to X-Forwarded-For, so the client is the Nth
    address from the right; anything left of it was written by the client and is not believed. A header with
    fewer addresses than that, or a value that is not an IP address, gives the connection's address."""
    import ipaddress

    remote = remote_addr or ""
    if trusted_proxies <= 0 or not forwarded_for:
        return remote
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    if len(hops) < trusted_proxies:
        return remote
    candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class Gate:
    """Sign-in and sessions for one explorer process.

    - `sign_in` verifies a password against a real user's hash or, for an unknown name, against a decoy hash with
      the same scheme and the most iterations of any configured user, so both cost the same.
    - Sign-in attempts are counted per user name (from every address: `failed_signins_per_user_allowed`) and per
      user name and client address together (`failed_signins_allowed`), within a window. An attempt is counted
      under the lock BEFORE its password is checked, so requests sent at once cannot all reach the check: past
      either limit, sign-in is refused for the lockout time without checking the password (for known and unknown
      names alike). A successful sign-in takes back its own attempt and clears that name and address's count.
      One person at one address locks only their (name, address) pair; locking a name for everyone takes more
      attempts, from several addresses. Records older than the window, and ended locks and sessions, are pruned.
    - A session is a random token held on the server; the browser's signed cookie carries only the token. Sign-out
      deletes it, so a copy of the cookie stops working; it also ends after the idle and absolute lifetimes."""

    def __init__(self, users: dict[str, User], settings: dict[str, int] | None = None, clock=time.monotonic):
        self.users = users
        self.settings = {**security_settings(), **settings} if settings is not None else security_settings()
        self.clock = clock
        iterations = max(int(u.password_hash.split("$")[1]) for u in users.values())
        self._decoy = hash_password(secrets.token_hex(16), iterations=iterations)
        self._lock = threading.Lock()
        self._attempts: dict[str, deque[float]] = defaultdict(deque)
        self._locked_until: dict[str, float] = {}
        self._sessions: dict[str, tuple[str, float, float]] = {}  # token -> (user, started, last seen)
        self._last_prune = clock()
        self.password_checks = 0  # how many sign-ins reached the password check (for tests and monitoring)

    # ------------------------------------------------------------ sign-in attempts
    def _limits(self, username: str, client: str) -> list[tuple[str, int]]:
        s = self.settings
        return [(f"user:{username}", s.get("failed_signins_per_user_allowed", s["failed_signins_allowed"])),
                (f"user+addr:{username}\x00{client}", s["failed_signins_allowed"])]

    def _prune(self, now: float, force: bool = False) -> None:
        """Drop attempts older than the window, ended locks and expired sessions (at most once a minute, or when
        the registers grow past 10,000 keys), so the registers do not grow without end. Call under the lock."""
        if not force and now - self._last_prune < 60 and len(self._attempts) + len(self._locked_until) < 10_000:
            return
        self._last_prune = now
        window = self.settings["failed_signin_window_seconds"]
        for key in list(self._attempts):
            q = self._attempts[key]
            while q and q[0] <= now - window:
                q.popleft()
            if not q:
                del self._attempts[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]
        idle, absolute = self.settings["session_idle_seconds"], self.settings["session_absolute_seconds"]
        for token in [t for t, (_, started, seen) in self._sessions.items()
                      if now - seen > idle or now - started > absolute]:
            del self._sessions[token]

    def records(self) -> int:
        """How many attempt, lock and session records are held (pruning keeps this bounded)."""
        with self._lock:
            return len(self._attempts) + len(self._locked_until) + len(self._sessions)

    def prune(self) -> None:
        with self._lock:
            self._prune(self.clock(), force=True)

    def sign_in(self, username: str, password: str, client: str) -> tuple[str | None, str]:
        """(session token or None, message for the person). `client` is the address from client_address."""
        limits = self._limits(username, client)
        window = self.settings["failed_signin_window_seconds"]
        now = self.clock()
        with self._lock:
            self._prune(now)
            for key, _allowed in limits:
                q = self._attempts.get(key)
                while q and q[0] <= now - window:
                    q.popleft()
            if any(self._locked_until.get(key, 0.0) > now or len(self._attempts.get(key, ())) >= allowed
                   for key, allowed in limits):
                return None, "Too many failed sign-ins: try again later."
            for key, _ in limits:  # the attempt counts now, before its password is checked
                self._attempts[key].append(now)
            self.password_checks += 1
        user = self.users.get(username)
        ok = verify_password(password, user.password_hash if user else self._decoy)
        with self._lock:
            now = self.clock()
            if not (user and ok):
                for key, allowed in limits:
                    if len(self._attempts.get(key, ())) >= allowed:
                        self._locked_until[key] = now + self.settings["lockout_seconds"]
                return None, "Sign-in failed: user name or password not recognised."
            # the right password: this attempt is taken back and this name and address start again
            self._attempts.pop(limits[1][0], None)
            q = self._attempts.get(limits[0][0])
            if q:
                q.pop()
            if not q:
                self._attempts.pop(limits[0][0], None)
            token = secrets.token_urlsafe(32)
            self._sessions[token] = (user.username, now, now)
        return token, f"Signed in as {user.username} ({', '.join(sorted(user.roles))})."

    # ------------------------------------------------------------ sessions
    def user_for(self, token: str | None) -> User | None:
        if not token:
            return None
        now = self.clock()
        with self._lock:
            entry = self._sessions.get(token)
            if entry is None:
                return None
            name, started, seen = entry
            if (now - seen > self.settings["session_idle_seconds"]
                    or now - started > self.settings["session_absolute_seconds"]):
                del self._sessions[token]
                return None
            self._sessions[token] = (name, started, now)
        return self.users.get(name)

    def sign_out(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)
