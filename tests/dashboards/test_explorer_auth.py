"""The explorer's Gate (dashboards/explorer/auth.py): sign-in costs the same for known and unknown user names,
failed sign-ins are limited per user name and per address, and sessions end at sign-out and expire. Real PBKDF2
hashing; the clock is a counter the test moves, so expiry is checked without waiting."""
from __future__ import annotations

import hashlib

import pytest

from dashboards.explorer.auth import Gate, User, client_address, hash_password, security_settings
from scr_warehouse import policy
from scr_warehouse.paths import CONFIG_DIR

SETTINGS = {"failed_signins_allowed": 3, "failed_signins_per_user_allowed": 5, "failed_signin_window_seconds": 60,
            "lockout_seconds": 300, "session_idle_seconds": 100, "session_absolute_seconds": 1000}
RIGHT = "right password 1"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gate():
    users = {"ana": User("ana", hash_password(RIGHT, iterations=20_000), frozenset({"analyst"}))}
    clock = Clock()
    return Gate(users, SETTINGS, clock), clock


def test_settings_come_from_config_with_their_source():
    s = security_settings()
    assert s == policy.explorer_security()
    assert s["failed_signins_allowed"] >= 1 and s["session_idle_seconds"] < s["session_absolute_seconds"]
    # one address locks its own (name, address) pair before the name is locked for every address
    assert s["failed_signins_allowed"] < s["failed_signins_per_user_allowed"]
    assert s["trusted_proxies"] == 0  # no proxy believed unless configured
    assert 0 < s["max_upload_bytes"] < s["max_request_bytes"] <= 16 << 20
    assert "OWASP" in (CONFIG_DIR / "explorer_security.yml").read_text()


def test_unknown_and_known_user_names_cost_the_same_hashing(gate, monkeypatch):
    """The decoy hash for an unknown name has the iterations of the configured users: the same PBKDF2 work."""
    g, _ = gate
    calls: list[int] = []
    real = hashlib.pbkdf2_hmac

    def spy(name, password, salt, iterations, *a):
        calls.append(iterations)
        return real(name, password, salt, iterations, *a)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", spy)
    g.sign_in("ana", "wrong", "10.0.0.1")
    g.sign_in("nobody", "wrong", "10.0.0.2")
    assert calls == [20_000, 20_000]


def test_failed_sign_ins_lock_the_name_at_that_address_only(gate):
    """One person at one address locks their own (name, address) pair: the user signs in from elsewhere."""
    g, clock = gate
    for _ in range(3):
        token, msg = g.sign_in("ana", "wrong", "192.0.2.7")
        assert token is None and "not recognised" in msg
    checks = g.password_checks
    token, msg = g.sign_in("ana", RIGHT, "192.0.2.7")  # the right password, but locked: not even checked
    assert token is None and "Too many" in msg and g.password_checks == checks
    assert g.sign_in("ana", RIGHT, "192.0.2.8")[0]  # the same name from another address
    clock.now += 301
    assert g.sign_in("ana", RIGHT, "192.0.2.7")[0]  # the lock ends


def test_failed_sign_ins_from_many_addresses_lock_the_user_name_then_expire(gate):
    g, clock = gate
    for i in range(5):
        assert g.sign_in("ana", "wrong", f"10.0.0.{i}")[0] is None
    token, msg = g.sign_in("ana", RIGHT, "10.0.0.99")  # a new address: the name itself is locked
    assert token is None and "Too many" in msg
    clock.now += 301
    token, msg = g.sign_in("ana", RIGHT, "10.0.0.99")
    assert token and "Signed in as ana" in msg


def test_an_address_failing_with_other_names_does_not_lock_a_user(gate):
    """Locks are not by address alone: behind a proxy every user may share one address."""
    g, _ = gate
    for name in ("a", "b", "c", "d", "e", "f"):
        assert g.sign_in(name, "x", "192.0.2.7")[0] is None
    assert g.sign_in("ana", RIGHT, "192.0.2.7")[0]


def test_failures_outside_the_window_do_not_add_up(gate):
    g, clock = gate
    for _ in range(2):
        g.sign_in("ana", "wrong", "10.1.1.1")
    clock.now += 61
    g.sign_in("ana", "wrong", "10.1.1.1")
    g.sign_in("ana", "wrong", "10.1.1.1")
    assert g.sign_in("ana", RIGHT, "10.1.1.1")[0]


def test_failure_records_are_pruned(gate):
    """Failure records, ended locks and expired sessions do not stay in memory: one failure from each of many
    addresses is forgotten once the window has passed (at the next sign-in after a minute)."""
    g, clock = gate
    for i in range(200):
        g.sign_in(f"user{i}", "wrong", f"10.2.{i // 250}.{i % 250}")
    for _ in range(3):
        g.sign_in("ana", "wrong", "10.9.9.9")  # a lock as well
    assert g.records() >= 400
    clock.now += 61
    assert g.sign_in("ana", RIGHT, "10.3.3.3")[0]  # this sign-in prunes what is older than the window
    assert g.records() == 2  # the lock at 10.9.9.9 (until 300 s) and the new session
    clock.now += 400
    g.prune()
    assert g.records() == 0  # the lock has ended and the session has expired


def test_an_attempt_counts_before_its_password_is_checked(gate, monkeypatch):
    """Eight wrong passwords at once, from one address: at most the limit (3 here) reach the password check."""
    import threading
    import time

    from dashboards.explorer import auth

    g, _ = gate
    real, inside, barrier = auth.verify_password, [], threading.Barrier(8)

    def slow(password, stored):
        inside.append(password)
        time.sleep(0.3)  # every request arrives while the first ones are still being checked
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", slow)
    answers: list[str] = []

    def attempt(i):
        barrier.wait()
        answers.append(g.sign_in("ana", f"wrong {i}", "198.51.100.4")[1])

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(inside) == 3 == g.password_checks
    assert sorted(answers).count("Too many failed sign-ins: try again later.") == 5


def test_client_address_through_trusted_proxies():
    assert client_address("10.0.0.1", "203.0.113.9", 0) == "10.0.0.1"  # no proxy: the header is not believed
    assert client_address("10.0.0.1", "203.0.113.9", 1) == "203.0.113.9"
    # a client writes its own X-Forwarded-For: only the rightmost N entries were written by trusted proxies
    assert client_address("10.0.0.1", "1.1.1.1, 203.0.113.9", 1) == "203.0.113.9"
    assert client_address("10.0.0.1", "1.1.1.1, 203.0.113.9, 10.0.0.2", 2) == "203.0.113.9"
    assert client_address("10.0.0.1", "203.0.113.9", 2) == "10.0.0.1"  # fewer hops than proxies
    assert client_address("10.0.0.1", "not-an-address", 1) == "10.0.0.1"
    assert client_address("10.0.0.1", " 2001:db8::1 ", 1) == "2001:db8::1"
    assert client_address(None, None, 1) == ""


def test_sessions_end_at_sign_out_and_expire(gate):
    g, clock = gate
    token, _ = g.sign_in("ana", RIGHT, "10.2.2.2")
    assert g.user_for(token).username == "ana"
    g.sign_out(token)
    assert g.user_for(token) is None  # a copy of the cookie no longer works
    token, _ = g.sign_in("ana", RIGHT, "10.2.2.2")
    clock.now += 101
    assert g.user_for(token) is None  # idle too long
    token, _ = g.sign_in("ana", RIGHT, "10.2.2.2")
    for _ in range(11):  # active every 95 s, but past the absolute lifetime
        clock.now += 95
        seen = g.user_for(token)
    assert seen is None
    assert g.user_for("made-up-token") is None and g.user_for(None) is None


def test_the_explorer_download_neutralises_formulas(tmp_path):
    """A CSV an analyst downloads opens in a spreadsheet: a published name beginning with = is written as text."""
    import csv

    from dashboards.explorer.views import Views

    rel = tmp_path / "release"
    rel.mkdir()
    header = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "new_la_code", "old_la_code", "la_name", "incident_type", "incidents", "children",
              "children_rate_per_10000", "scr_initiated", "notified_on_time_percent"]
    geo = ["201617", "Financial year", "Local authority", "E92000001", "England", "E12000001", "North East"]
    with open(rel / "notifications_by_area.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerow(geo + ["E06000001", "805", '=HYPERLINK("http://x","y")', "Total", "7", "8", "1.00", "c", "c"])
    views = Views(rel)
    table = views.download_table("201617", None, "E06000001", "Total")
    assert table["Local authority"].tolist() == ['\'=HYPERLINK("http://x","y")']
    assert table["Children"].tolist() == ["8"]
