"""The explorer's Gate (dashboards/explorer/auth.py): sign-in costs the same for known and unknown user names,
failed sign-ins are limited per user name and per address, and sessions end at sign-out and expire. Real PBKDF2
hashing; the clock is a counter the test moves, so expiry is checked without waiting."""
from __future__ import annotations

import hashlib

import pytest

from dashboards.explorer.auth import Gate, User, hash_password, security_settings
from scr_warehouse import policy
from scr_warehouse.paths import CONFIG_DIR

SETTINGS = {"failed_signins_allowed": 3, "failed_signin_window_seconds": 60, "lockout_seconds": 300,
            "session_idle_seconds": 100, "session_absolute_seconds": 1000}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gate():
    users = {"ana": User("ana", hash_password("right password 1", iterations=20_000), frozenset({"analyst"}))}
    clock = Clock()
    return Gate(users, SETTINGS, clock), clock


def test_settings_come_from_config_with_their_source():
    s = security_settings()
    assert s == policy.explorer_security()
    assert s["failed_signins_allowed"] >= 1 and s["session_idle_seconds"] < s["session_absolute_seconds"]
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


def test_failed_sign_ins_lock_the_user_name_then_expire(gate):
    g, clock = gate
    for i in range(3):
        token, msg = g.sign_in("ana", "wrong", f"10.0.0.{i}")
        assert token is None and "not recognised" in msg
    token, msg = g.sign_in("ana", "right password 1", "10.0.0.9")  # the right password, but locked
    assert token is None and "Too many" in msg
    clock.now += 301
    token, msg = g.sign_in("ana", "right password 1", "10.0.0.9")
    assert token and "Signed in as ana" in msg


def test_failed_sign_ins_lock_the_address_whatever_the_name(gate):
    g, _ = gate
    for name in ("a", "b", "c"):
        assert g.sign_in(name, "x", "192.0.2.7")[0] is None
    assert "Too many" in g.sign_in("ana", "right password 1", "192.0.2.7")[1]
    assert g.sign_in("ana", "right password 1", "192.0.2.8")[0]  # another address is not locked


def test_failures_outside_the_window_do_not_add_up(gate):
    g, clock = gate
    for _ in range(2):
        g.sign_in("ana", "wrong", "10.1.1.1")
    clock.now += 61
    g.sign_in("ana", "wrong", "10.1.1.1")
    assert g.sign_in("ana", "right password 1", "10.1.1.1")[0]


def test_sessions_end_at_sign_out_and_expire(gate):
    g, clock = gate
    token, _ = g.sign_in("ana", "right password 1", "10.2.2.2")
    assert g.user_for(token).username == "ana"
    g.sign_out(token)
    assert g.user_for(token) is None  # a copy of the cookie no longer works
    token, _ = g.sign_in("ana", "right password 1", "10.2.2.2")
    clock.now += 101
    assert g.user_for(token) is None  # idle too long
    token, _ = g.sign_in("ana", "right password 1", "10.2.2.2")
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
