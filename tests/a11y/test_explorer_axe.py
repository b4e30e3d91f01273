"""WCAG 2.2 AA (issue 25, item 5): axe-core (tests/a11y/axe.min.js, from npm) in headless Chromium over every tab
of the explorer, public and signed in, as served (its Content-Security-Policy applies: nothing here bypasses it),
and a keyboard-only sign-in. The explorer is the real command (`scr-warehouse explore`) on a free 127.0.0.1
port, stopped by the test. A failure lists each rule, its impact and the failing elements' selectors.

A browser test fails instead of skipping when CI=true and Chromium is missing (require_chromium)."""
from __future__ import annotations

import csv
import os

import duckdb
import pytest

from dashboards.explorer import hash_password
from tests.a11y.axe_runner import CHROMIUM, chromium, require_chromium, run_axe, summary
from tests.dashboards.test_explorer_browser import Explorer
from tests.dashboards.test_report import write_release

PASSWORD = "analyst password 2"
STEWARD_PASSWORD = "steward password 2"
PUBLIC_TABS = ("Areas and years", "Profile of the children", "Action plans")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM) and not IN_CI, reason=f"no Chromium at {CHROMIUM}")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("a11y")
    rel = write_release(root / "release")
    (rel / "quality" / "by_la").mkdir(parents=True, exist_ok=True)
    with open(rel / "quality" / "by_la" / "E06000001.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["feed", "record_id", "la_code", "source_file", "source_line", "column_name", "problem", "value"])
        for i in range(60):  # more than a page: the table's page buttons are drawn
            w.writerow(["notifications", f"N-A{i}", "E06000001", "notifications/a.csv", str(i + 2), "child_sex",
                        "invalid_value", "Q"])
    wh = root / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema marts")
    con.execute("create table marts.incident_journey (incident_id varchar, la_code varchar, stuck_at varchar)")
    con.execute("insert into marts.incident_journey values ('INC-A1', 'E06000001', 'review overdue')")
    con.close()
    users = root / "users.yml"
    users.write_text(
        "users:\n"
        f"  - username: analyst1\n    password_hash: '{hash_password(PASSWORD, iterations=20_000)}'\n"
        "    roles: [analyst]\n"
        f"  - username: steward1\n    password_hash: '{hash_password(STEWARD_PASSWORD, iterations=20_000)}'\n"
        "    roles: [steward]\n    las: [E06000001]\n")
    return rel, wh, users


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    with chromium() as b:
        yield b


def _open(browser, url, width=1400):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("#funnel .main-svg")
    page.wait_for_selector("#table td")
    return page, errors


def _open_tab(page, label):
    page.locator(".tab", has_text=label).first.click()
    page.locator(".tab[aria-selected=true]", has_text=label).wait_for()
    page.wait_for_load_state("networkidle")


def _assert_no_violations(page, where: str, seen: dict):
    violations = run_axe(page)
    seen[where] = violations
    if violations:  # pytest.fail, so the report is the summary alone (selectors, never the page's content)
        pytest.fail(f"axe (WCAG 2.2 AA) on {where}:\n{summary(violations, max_targets=6)}")


def test_every_public_tab_passes_axe(site, browser):
    rel, wh, _ = site
    ex = Explorer(rel, wh, users=None)
    try:
        seen: dict = {}
        for width in (1400, 800):  # the wide layout and the one-column one
            page, errors = _open(browser, ex.url, width)
            assert page.evaluate("() => document.documentElement.lang") == "en"
            for label in PUBLIC_TABS:
                _open_tab(page, label)
                if label == "Profile of the children":
                    page.wait_for_selector("#profile .main-svg")
                if label == "Action plans":
                    page.wait_for_selector("#actions .main-svg")
                _assert_no_violations(page, f"{label} at {width} px", seen)
            # an open dropdown (its list of options) as well
            page.locator(".tab", has_text="Areas and years").first.click()
            page.click("#region")
            page.get_by_role("radio", name="North East").first.wait_for()
            _assert_no_violations(page, f"the region list open at {width} px", seen)
            page.keyboard.press("Escape")
            assert not errors, errors
            page.close()
        assert len(seen) == 8
    finally:
        ex.stop()


def test_restricted_views_pass_axe_before_and_after_sign_in(site, browser):
    rel, wh, users = site
    ex = Explorer(rel, wh, users=users)
    try:
        seen: dict = {}
        page, errors = _open(browser, ex.url)
        for label in PUBLIC_TABS:
            _open_tab(page, label)
            _assert_no_violations(page, f"{label} (restricted mode)", seen)
        _open_tab(page, "Restricted (sign in)")
        page.locator("#journey", has_text="Sign in").wait_for()
        _assert_no_violations(page, "the sign-in form", seen)
        page.fill("#username", "analyst1")
        page.fill("#password", "not the password")
        page.click("#login-btn")
        page.locator("#whoami", has_text="failed").wait_for()
        _assert_no_violations(page, "a failed sign-in", seen)
        page.fill("#username", "analyst1")
        page.fill("#password", PASSWORD)
        page.click("#login-btn")
        page.locator("#whoami", has_text="Signed in as analyst1").wait_for()
        page.fill("#incident-id", "INC-A1")
        page.press("#incident-id", "Enter")
        page.locator("#journey", has_text="review overdue").wait_for()
        page.click("#queue-la")
        page.locator("label.dash-dropdown-option", has_text="Hartlepool").first.click()
        page.locator("#queue", has_text="60 open problems").wait_for()
        page.locator("#queue .next-page").wait_for()  # 60 rows: the table has pages
        _assert_no_violations(page, "an analyst's journey and queue", seen)
        page.click("#logout-btn")
        page.locator("#whoami", has_text="Signed out").wait_for()
        page.fill("#username", "steward1")
        page.fill("#password", STEWARD_PASSWORD)
        page.click("#login-btn")
        page.locator("#whoami", has_text="Signed in as steward1").wait_for()
        page.locator("#queue", has_text="60 open problems").wait_for()
        page.locator("#journey", has_text="analyst role").wait_for()
        _assert_no_violations(page, "a steward's queue", seen)
        for label in PUBLIC_TABS:  # the public tabs, signed in
            _open_tab(page, label)
            _assert_no_violations(page, f"{label} (signed in)", seen)
        assert not errors, errors
        page.close()
    finally:
        ex.stop()


FOCUSED = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  return {id: e.id, tag: e.tagName, role: e.getAttribute('role'), text: (e.innerText || '').trim().slice(0, 40),
          selected: e.getAttribute('aria-selected'),
          visible: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 || s.boxShadow !== 'none'}; }"""


def _tab_until(page, want, limit=80, key="Tab") -> dict:
    """Press Tab (only the keyboard) until the focused element satisfies `want`; every element focused on the way
    must show where the focus is."""
    for _ in range(limit):
        page.keyboard.press(key)
        f = page.evaluate(FOCUSED)
        assert f["visible"] or f["tag"] == "BODY", f"no visible focus on {f}"
        if want(f):
            return f
    raise AssertionError(f"not reached with {limit} presses of {key}")


def test_sign_in_and_read_a_queue_with_the_keyboard_only(site, browser):
    """From opening the page to a signed-in steward reading their queue and signing out: no mouse."""
    rel, wh, users = site
    ex = Explorer(rel, wh, users=users)
    try:
        page, errors = _open(browser, ex.url)
        f = _tab_until(page, lambda f: f["role"] == "tab")
        assert f["text"] == "Areas and years" and f["selected"] == "true"
        page.keyboard.press("ArrowRight")  # the arrow keys open the next tab, and End the last
        page.locator(".tab[aria-selected=true]:focus", has_text="Profile of the children").wait_for()
        page.keyboard.press("End")
        page.locator(".tab[aria-selected=true]:focus", has_text="Restricted (sign in)").wait_for()
        page.locator("#section-restricted.section:not(.closed)").wait_for()
        _tab_until(page, lambda f: f["id"] == "username")
        page.keyboard.type("steward1")
        _tab_until(page, lambda f: f["id"] == "password", limit=1)
        page.keyboard.type(STEWARD_PASSWORD)
        _tab_until(page, lambda f: f["id"] == "login-btn", limit=1)
        page.keyboard.press("Enter")
        page.locator("#whoami", has_text="Signed in as steward1").wait_for()
        # the queue: the LA list opens from the keyboard, typing narrows it, Enter chooses
        _tab_until(page, lambda f: f["id"] == "queue-la")
        page.keyboard.press("Enter")
        page.get_by_role("radio", name="Hartlepool").first.wait_for()
        page.keyboard.type("Hartle")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.locator("#queue", has_text="60 open problems").wait_for()
        assert "N-A0" in page.locator("#queue").inner_text()
        _assert_no_violations(page, "the steward's queue reached by keyboard", {})
        # sign out, backwards through the form
        _tab_until(page, lambda f: f["id"] == "logout-btn", key="Shift+Tab")
        page.keyboard.press("Enter")
        page.locator("#whoami", has_text="Signed out").wait_for()
        assert not errors, errors
        page.close()
    finally:
        ex.stop()


def test_every_report_page_passes_axe(site, browser, tmp_path):
    import shutil

    from dashboards.report import build_reports

    rel, _, _ = site
    copy = tmp_path / "release"
    shutil.copytree(rel, copy)
    result = build_reports(copy, png=False)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    pages = [*result.pages, copy / "report" / "index.html"]
    assert len(pages) >= 3
    for html in pages:  # every year's page and the index
        page.goto(html.as_uri())
        page.wait_for_load_state("networkidle")
        _assert_no_violations(page, html.name, {})
    page.close()
