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
        w.writerow(["feed", "record_id", "la_code", "source_file", "source_line", "column_name", "problem", "value",
                    "message"])
        for i in range(60):  # long values and messages: the table must still fit the page
            w.writerow(["notifications", f"N-A{i}", "E06000001", "notifications/a.csv", str(i + 2), "child_sex",
                        "invalid_value", "Q" * 120, '"Q" is not allowed in child_sex: allowed values: M, F, U. ' * 4])
    with open(rel / "quality" / "by_la" / "national_team.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["feed", "record_id", "la_code", "source_file", "source_line", "column_name", "problem", "value",
                    "message"])
        for i in range(3):
            w.writerow(["notifications", f"N-X{i}", "E99999999", "notifications/b.csv", str(i + 2), "la_code",
                        "unknown_reference", "E99999999", "not an English local authority"])
    (rel / "quality" / "chase").mkdir(exist_ok=True)
    with open(rel / "quality" / "chase" / "E06000001_Hartlepool.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["lscb_la_code", "la_name", "what_is_late", "who_must_act", "incident_id", "review_id", "due_date",
                    "days_overdue"])
        w.writerow(["E06000001", "Hartlepool", "The review decision is late", "The LSCB chair", "INC-A1", "",
                    "2016-05-01", "40"])
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
        # the national team's own queue first: the problems that belong to no LA
        page.locator("#queue", has_text="3 open problems").wait_for()
        _assert_no_violations(page, "the national team's queue", seen)
        page.fill("#incident-id", "INC-A1")
        page.press("#incident-id", "Enter")
        page.locator("#journey", has_text="review overdue").wait_for()
        _assert_no_violations(page, "an analyst's journey", seen)
        page.click("#logout-btn")
        page.locator("#whoami", has_text="Signed out").wait_for()
        page.fill("#username", "steward1")
        page.fill("#password", STEWARD_PASSWORD)
        page.click("#login-btn")
        page.locator("#whoami", has_text="Signed in as steward1").wait_for()
        page.locator("#queue", has_text="60 open problems").wait_for()
        page.locator("#journey", has_text="INC-A1").wait_for()
        page.locator("#chase", has_text="late").wait_for()
        _assert_no_violations(page, "a steward's queue, chase list, journeys and forms", seen)
        page.set_viewport_size({"width": 1280, "height": 900})  # the tables wrap: nothing wider than the page
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        page.locator("#queue button", has_text="Correct").first.click()
        page.locator("#corr-target", has_text="Correcting child_sex").wait_for()
        page.fill("#nf-child_age_months", "300")
        page.press("#nf-child_age_months", "Tab")
        page.locator("#notify-check", has_text="a whole number from 0 to 215").wait_for()
        _assert_no_violations(page, "the correction and notification forms with messages", seen)
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


def test_sign_in_and_correct_a_value_with_the_keyboard_only(site, browser, tmp_path):
    """From opening the page to a signed-in steward correcting a value from their queue and signing out: no mouse.
    The correction lands in the landing folder as contract section 4 says."""
    rel, wh, users = site
    landing = tmp_path / "landing"
    landing.mkdir()
    ex = Explorer(rel, wh, users=users, extra=["--landing", str(landing)])
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
        # their LA is chosen for them: the queue is there; the first row's Correct button, from the keyboard
        page.locator("#queue", has_text="60 open problems").wait_for()
        assert "N-A0" in page.locator("#queue").inner_text()
        _tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Correct", limit=40)
        page.keyboard.press("Enter")
        page.locator("#corr-target", has_text="Correcting child_sex of notification N-A0").wait_for()
        _tab_until(page, lambda f: f["id"] == "corr-value", limit=200)
        page.keyboard.type("F")
        _tab_until(page, lambda f: f["id"] == "corr-reason", limit=1)
        page.keyboard.type("The case file says F")
        _tab_until(page, lambda f: f["id"] == "corr-btn", limit=1)
        page.keyboard.press("Enter")
        page.locator("#corr-result", has_text="Correction sent").wait_for()
        _assert_no_violations(page, "the steward's correction made by keyboard", {})
        (landed,) = list((landing / "corrections").glob("web_E06000001_*_1.csv"))
        row = landed.read_text(encoding="utf-8").splitlines()[1].split(",")
        assert row[1:5] == ["notifications", "N-A0", "child_sex", "F"] and row[6] == "steward1"
        # sign out, backwards through the page
        _tab_until(page, lambda f: f["id"] == "logout-btn", key="Shift+Tab", limit=300)
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
