"""The report and the explorer in a real headless browser (Debian Chromium driven by playwright), plus the
explorer's user configuration rules (no default passwords; restricted mode refused without valid users).

Browser tests are skipped with a message when /usr/bin/chromium is missing, except in CI (CI=true), where they fail.
The explorer serves a strict Content-Security-Policy (no eval); playwright's wait_for_function evaluates its
condition with eval, so these tests' pages bypass the CSP, and test_explorer_security.py checks the explorer under
its CSP. The explorer runs as the real command
(`scr-warehouse explore`) in a subprocess on a free 127.0.0.1 port; the test stops exactly the process it started.
Screenshots go to test-output/."""
from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from dashboards.explorer import UsersError, hash_password, load_users, verify_password
from dashboards.report import build_reports

from tests.dashboards.test_report import write_release  # the small published release in contract format
from tests.helpers import REPO, TEST_OUTPUT

OUT = TEST_OUTPUT
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# in CI a missing Chromium fails the test (the browser fixture: require_chromium) instead of skipping it
needs_browser = pytest.mark.skipif(not os.path.exists(CHROMIUM) and not IN_CI,
                                   reason=f"no Chromium at {CHROMIUM}: browser tests skipped "
                                          "(make browser installs it)")


# ---------------------------------------------------------------- users (no browser)
def test_password_hash_is_salted_and_verifies():
    a, b = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert a != b  # different salts
    assert verify_password("correct horse battery", a) and not verify_password("wrong", a)


def test_users_file_rules(tmp_path):
    with pytest.raises(UsersError, match="not set"):
        load_users(None)
    p = tmp_path / "users.yml"
    p.write_text("users:\n  - {username: a, password: secret, password_hash: x, roles: [analyst]}\n")
    with pytest.raises(UsersError):
        load_users(p)
    p.write_text("users:\n  - {username: a, password_hash: 'plain', roles: [analyst]}\n")
    with pytest.raises(UsersError, match="password_hash must be"):
        load_users(p)
    p.write_text(f"users:\n  - {{username: a, password_hash: '{hash_password('pw-for-test-1')}', roles: [admin]}}\n")
    with pytest.raises(UsersError, match="roles"):
        load_users(p)
    p.write_text("users: []\n")
    with pytest.raises(UsersError, match="no users"):
        load_users(p)


def test_example_users_file_has_no_usable_password():
    example = REPO / "config" / "explorer_users.example.yml"
    import yaml

    doc = yaml.safe_load(example.read_text())
    assert doc["users"] and all("password" not in u for u in doc["users"])
    # the example's hashes are placeholders that no password verifies
    with pytest.raises(UsersError):
        load_users(example)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("explorer")
    rel = write_release(root / "release")
    (rel / "quality" / "by_la").mkdir(parents=True, exist_ok=True)
    with open(rel / "quality" / "by_la" / "E06000001.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerows([
            ["feed", "record_id", "la_code", "source_file", "source_line", "column_name", "problem", "value"],
            ["notifications", "N-T1", "E06000001", "notifications/a.csv", "2", "child_sex", "invalid_value", "Q"],
            ["reviews", "R-T2", "E06000001", "reviews/a.csv", "5", "decision_date", "invalid_date", "2009-02-30"]])
    wh = root / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema marts")
    con.execute("create table marts.incident_journey (incident_id varchar, la_code varchar, stuck_at varchar)")
    con.execute("insert into marts.incident_journey values ('INC-T1', 'E06000001', 'review overdue')")
    con.close()
    return rel, wh


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Explorer:
    def __init__(self, release: Path, warehouse: Path, users: Path | None, extra: list[str] | None = None):
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if k != "SCR_EXPLORER_USERS"}
        if users:
            env["SCR_EXPLORER_USERS"] = str(users)
        self.log = open(release.parent / f"explorer_{self.port}.log", "w+")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "scr-warehouse"), "explore", "--warehouse", str(warehouse),
             "--release", str(release), "--port", str(self.port), *(extra or [])],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        self.url = f"http://127.0.0.1:{self.port}/"
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"explorer exited: {self.output()}")
            try:
                urllib.request.urlopen(self.url, timeout=1).read()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("explorer did not start within 60 s")

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


@pytest.fixture(scope="module")
def browser():
    from tests.a11y.axe_runner import require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, errors: list[str]):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True,
                               bypass_csp=True).new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def _tab(page, label: str):
    page.locator(".tab", has_text=label).first.click()


def _choose(page, dropdown_id: str, option: str):
    page.click(f"#{dropdown_id}")
    # a value of an open dropdown is a radio button named by its label (assets/a11y.js); the label takes the click
    page.locator("label.dash-dropdown-option").filter(
        has=page.get_by_role("radio", name=option, exact=True)).first.click()


# ---------------------------------------------------------------- the report
@needs_browser
def test_report_renders_offline_in_chromium(release, browser):
    rel, _ = release
    result = build_reports(rel, png=False)
    page_path = result.pages[-1]
    errors: list[str] = []
    page = _page(browser, errors)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_path.as_uri())
    page.wait_for_selector("#fig-funnel .main-svg")
    for fig in ("fig-by-year", "fig-funnel", "fig-map", "fig-timeliness", "fig-profile", "fig-grades"):
        assert page.locator(f"#{fig} .main-svg").count() >= 1, fig
    # hexagons drawn: one marker per LA of the layout (c, x and coloured traces)
    assert page.locator("#fig-map path.point").count() >= 150
    # points name their region on the page (and so on paper and in a PNG)
    funnel_text = page.locator("#fig-funnel .textpoint").all_text_contents()
    assert "North East" in funnel_text and "London" in funnel_text
    # timeliness: the axis runs to 100% and the suppressed part is drawn and labelled c
    ticks = page.locator("#fig-timeliness .xtick text").all_text_contents()
    assert ticks[-1] == "100%", ticks
    assert "c" in page.locator("#fig-timeliness .bartext").all_text_contents()
    # the map's legend names both symbols; the regions are outlined and named
    legend = " ".join(page.locator("#fig-map .legendtext").all_text_contents())
    assert "Suppressed (c)" in legend and "Not available (x)" in legend and "Region boundary" in legend
    assert "North East" in page.locator("#fig-map .annotation-text").all_text_contents()
    page.locator("#timeliness").screenshot(path=str(OUT / "report_timeliness_section.png"))
    page.locator("#map").screenshot(path=str(OUT / "report_map_section.png"))
    assert not [u for u in requests if u.startswith(("http:", "https:"))], requests
    page.locator("#map details summary").click()
    page.screenshot(path=str(OUT / "report_full.png"), full_page=True)
    page.locator("#regions").screenshot(path=str(OUT / "report_funnel_section.png"))
    assert not errors, errors
    page.close()


@needs_browser
def test_a_report_page_copied_alone_says_its_charts_need_plotly(release, browser, tmp_path):
    rel, _ = release
    result = build_reports(rel, png=False)
    alone = tmp_path / "alone.html"
    alone.write_text(result.pages[-1].read_text(encoding="utf-8"), encoding="utf-8")
    errors: list[str] = []
    page = _page(browser, errors)
    page.goto(alone.as_uri())
    assert page.locator("#charts-missing").is_visible()
    assert "plotly.min.js" in page.locator("#charts-missing").text_content()
    page.goto(result.pages[-1].as_uri())  # beside plotly.min.js: charts, no message
    page.wait_for_selector("#fig-funnel .main-svg")
    assert page.locator("#charts-missing").count() == 0
    page.close()


# ---------------------------------------------------------------- the explorer, published mode
@needs_browser
def test_explorer_published_filters_update_chart_and_table(release, browser, tmp_path):
    rel, wh = release
    ex = Explorer(rel, wh, users=None)
    try:
        errors: list[str] = []
        page = _page(browser, errors)
        page.goto(ex.url)
        page.wait_for_selector("#funnel .main-svg")
        page.wait_for_selector("#table td")
        assert page.get_by_text("Restricted (sign in)").count() == 0  # never in the published tier
        title_before = page.locator("#funnel .gtitle").text_content()
        assert "regions of England, 2016-17" in title_before
        header = page.locator("#mode").inner_text()
        assert "Release: release" not in header and "2015-16 to 2016-17" in header
        rows_before = page.locator("#table tbody tr").count()
        cells_before = page.locator("#table td").all_inner_texts()
        assert "North East" in " ".join(cells_before)

        sent: list[str] = []
        page.on("request", lambda r: sent.append((r.post_data_json or {}).get("output", ""))
                if "_dash-update-component" in r.url else None)
        _choose(page, "region", "North East")
        page.wait_for_function("document.querySelector('#funnel .gtitle').textContent.includes('North East')")
        page.wait_for_function(
            "document.querySelector('#table').innerText.includes('Middlesbrough')")
        # one request for the open tab's views: the filter state is worked out in the browser, and the closed
        # tabs' views are not asked for
        assert len(sent) == 1 and "funnel.figure" in sent[0], sent
        # the map's legend and colour scale, drawn once beside it
        key = page.locator("#tilemap-key").inner_text()
        assert all(k in key for k in ("Suppressed (c)", "Not available (x)", "Region boundary", "per 10,000")), key
        cells_after = page.locator("#table td").all_inner_texts()
        assert cells_after != cells_before
        # North East LAs: Hartlepool is suppressed (c), Middlesbrough 12 at 3.3 per 10,000
        text = " ".join(cells_after)
        assert "Hartlepool" in text and "Camden" not in text
        assert re.search(r"\bc\b", text)
        # the tile map marks the selected region's LAs
        page.wait_for_function(  # the ring is vermilion, #D55E00
            "document.querySelectorAll('#tilemap path.point[style*=\"rgb(213, 94, 0)\"]').length > 0")
        page.screenshot(path=str(OUT / "explorer_region.png"), full_page=True)

        with page.expect_download() as dl:
            page.click("#download-btn")
        csv_text = Path(dl.value.path()).read_text()
        assert "Middlesbrough" in csv_text and "Rate per 10,000 children" in csv_text
        assert rows_before >= 1
        # the trend chart's mirror table: England's children who died / were seriously injured by year
        _choose(page, "region", "London")
        page.locator("#region .dash-dropdown-clear, #region [aria-label*='lear']").first.click()
        page.wait_for_function("document.querySelector('#trend-table').innerText.includes('1,160')")
        assert "1,300" in page.locator("#trend-table").inner_text()
        _tab(page, "Profile of the children")
        _choose(page, "topic", "Sex")
        page.wait_for_function("document.querySelector('#profile .gtitle').textContent.includes('sex')")
        _choose(page, "itype", "Death")
        page.wait_for_function("document.querySelector('#profile .gtitle').textContent.includes('Children who died')")
        _tab(page, "Areas and years")
        page.wait_for_function("document.querySelector('#funnel .gtitle').textContent.includes('Children who died')")
        assert not errors, errors
        page.close()
    finally:
        ex.stop()
    assert "restricted views disabled" in ex_output(ex)
    assert "waitress" in ex_output(ex)  # a production WSGI server, not Flask's development server


@needs_browser
def test_explorer_url_holds_the_view_and_titles_name_area_and_year(release, browser):
    rel, wh = release
    ex = Explorer(rel, wh, users=None)
    try:
        errors: list[str] = []
        page = _page(browser, errors)
        # a permalink opens the view it names
        page.goto(ex.url + "?year=201617&region=E12000001&itype=Death")
        page.wait_for_function("document.querySelector('#funnel .gtitle') && document.querySelector('#funnel .gtitle')"
                               ".textContent.includes('Children who died')")
        title = page.locator("#funnel .gtitle").text_content()
        assert "North East" in title and "2016-17" in title
        assert "North East" in page.locator("#trend .gtitle").text_content()
        _tab(page, "Profile of the children")
        page.wait_for_selector("#profile .gtitle")
        assert "North East" in page.locator("#profile").inner_text()  # the profile follows the region
        _tab(page, "Areas and years")
        # changing a filter rewrites the URL, so the address can be sent to someone else
        _choose(page, "itype", "Total")
        page.wait_for_function("location.search.includes('itype=Total')")
        assert "region=E12000001" in page.url and "year=201617" in page.url
        # choosing an LA keeps the year: the table holds that LA in that year only, and the download says so
        _choose(page, "la", "Middlesbrough")
        page.wait_for_function("location.search.includes('la=E06000002')")
        page.wait_for_function("document.querySelector('#table').innerText.includes('Middlesbrough')")
        page.wait_for_function("document.querySelectorAll('#table tbody tr').length === 2")  # header row + 1
        assert "2015-16" not in page.locator("#table").inner_text()
        with page.expect_download() as dl:
            page.click("#download-btn")
        assert dl.value.suggested_filename == "notifications_middlesbrough-2016-17-total.csv"
        assert "Middlesbrough" in page.locator("#trend .gtitle").text_content()
        _tab(page, "Profile of the children")
        page.wait_for_function("document.querySelector('#profile').innerText.includes('not published for local "
                               "authorities')")
        _tab(page, "Areas and years")
        # a year whose regional rows are all unpublished says so instead of drawing empty axes
        page.goto(ex.url + "?year=201516")
        page.wait_for_selector("#funnel .main-svg")
        page.wait_for_function("document.querySelector('#funnel').innerText.includes('Nothing to plot')")
        page.screenshot(path=str(OUT / "explorer_nothing_to_plot.png"), full_page=True)
        # the back button returns to the earlier view
        page.go_back()
        page.wait_for_function("document.querySelector('#funnel .gtitle') && document.querySelector('#funnel .gtitle')"
                               ".textContent.includes('Middlesbrough') || location.search.includes('la=E06000002')")
        # a link naming an LA opens its region; choosing another region drops the LA, from the address too, and
        # the LA list becomes that region's (all worked out in the browser: assets/state.js)
        page.goto(ex.url + "?la=E06000002")
        page.wait_for_function("document.querySelector('#funnel .gtitle') && document.querySelector('#funnel .gtitle')"
                               ".textContent.includes('North East')")
        _choose(page, "region", "London")
        page.wait_for_function("location.search.includes('region=E12000007') && !location.search.includes('la=')")
        page.click("#la")
        listed = page.locator(".dash-dropdown-option").all_inner_texts()
        assert "Camden" in listed and "Middlesbrough" not in listed, listed
        page.keyboard.press("Escape")
        # a stale or typed link: values the release does not have are ignored, the defaults shown
        page.goto(ex.url + "?year=199900&region=NOPE&la=E99999999&itype=Bad&topic=Nope")
        page.wait_for_function("document.querySelector('#funnel .gtitle') && document.querySelector('#funnel .gtitle')"
                               ".textContent.includes('regions of England, 2016-17')")
        assert not errors, errors
        page.close()
    finally:
        ex.stop()


@needs_browser
def test_a_permalink_keeps_the_tab_and_a_value_the_release_lacks_is_corrected_and_said(release, browser):
    rel, wh = release
    ex = Explorer(rel, wh, users=None)
    try:
        errors: list[str] = []
        page = _page(browser, errors)
        page.goto(ex.url + "?year=201617&itype=Death")
        _tab(page, "Action plans")
        page.wait_for_function("location.search.includes('tab=actions') && location.search.includes('itype=Death')")
        link = page.url
        again = _page(browser, errors)
        again.goto(link)  # the link opens the tab it was made on
        again.locator(".tab--selected", has_text="Action plans").wait_for()
        again.locator("#section-actions.section:not(.closed)").wait_for()
        # an unknown year: the address is corrected to what is shown, and the page says so
        again.goto(ex.url + "?year=199900&itype=Death&tab=profile")
        again.wait_for_function("location.search.includes('year=201617') && !location.search.includes('199900')")
        assert "tab=profile" in again.url and "itype=Death" in again.url
        note = again.locator("#url-note").inner_text()
        assert "year \u201c199900\u201d" in note and "does not hold" in note
        again.locator(".tab--selected", has_text="Profile of the children").wait_for()
        assert not errors, errors
        page.close()
        again.close()
    finally:
        ex.stop()


@needs_browser
def test_explorer_fits_an_800_pixel_window(release, browser):
    rel, wh = release
    ex = Explorer(rel, wh, users=None)
    try:
        errors: list[str] = []
        page = browser.new_page(viewport={"width": 800, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(ex.url)
        page.wait_for_selector("#funnel .main-svg")
        page.wait_for_selector("#tilemap .main-svg")
        assert page.evaluate("document.documentElement.scrollWidth") <= 800
        # the two charts stack: the map starts below the funnel, not beside it
        f, t = page.locator("#funnel").bounding_box(), page.locator("#tilemap").bounding_box()
        assert t["y"] >= f["y"] + f["height"] - 1
        # count axes never go below zero
        page.wait_for_selector("#trend .gtitle")
        ticks = page.locator("#trend .ytick text").all_text_contents()
        assert ticks and all(not x.strip().startswith(("-", "−")) for x in ticks), ticks
        page.screenshot(path=str(OUT / "explorer_800px.png"), full_page=True)
        assert not errors, errors
        page.close()
    finally:
        ex.stop()


def ex_output(ex: Explorer) -> str:
    return Path(ex.log.name).read_text()


# ---------------------------------------------------------------- restricted mode
@needs_browser
def test_explorer_restricted_views_need_login(release, browser, tmp_path):
    rel, wh = release
    password = os.urandom(12).hex()
    users = tmp_path / "users.yml"
    users.write_text(
        "users:\n"
        f"  - username: steward1\n    password_hash: '{hash_password(password)}'\n    roles: [steward]\n"
        "    las: [E06000001]\n"
        f"  - username: analyst1\n    password_hash: '{hash_password(password + 'a')}'\n    roles: [analyst]\n")
    ex = Explorer(rel, wh, users=users, extra=["--secure-cookie"])
    try:
        errors: list[str] = []
        page = _page(browser, errors)
        page.goto(ex.url)
        page.get_by_text("Restricted (sign in)").click()
        page.wait_for_selector("#journey")
        page.wait_for_function("document.querySelector('#journey').innerText.includes('Sign in')")
        page.wait_for_function("document.querySelector('#queue').innerText.includes('Sign in')")
        assert "N-T1" not in page.content()
        assert page.locator("#queue-la").inner_text().strip() in ("", "Select...")  # no LA offered before sign-in

        page.fill("#username", "steward1")
        page.fill("#password", "wrong password")
        page.click("#login-btn")
        page.wait_for_function("document.querySelector('#whoami').innerText.includes('failed')")
        page.fill("#username", "steward1")
        page.fill("#password", password)
        page.click("#login-btn")
        page.wait_for_function("document.querySelector('#whoami').innerText.includes('Signed in as steward1')")
        # the steward's own view: their LA chosen for them (the only one offered), its queue in words, the sign-in
        # fields gone, and their LA's incidents' journeys
        page.wait_for_function("document.querySelector('#queue').innerText.includes('2 open problems for Hartlepool')")
        queue_text = page.locator("#queue").inner_text()
        assert "Value not allowed" in queue_text and "invalid_value" not in queue_text
        assert not page.locator("#username").is_visible() and page.locator("#logout-btn").is_visible()
        page.click("#queue-la")
        assert page.locator(".dash-dropdown-option").all_inner_texts() == ["Hartlepool (E06000001)"]
        page.keyboard.press("Escape")
        page.wait_for_function("document.querySelector('#journey').innerText.includes('INC-T1')")
        # an incident looked up by identifier is the national team's (analyst role) only
        page.fill("#incident-id", "INC-T1")
        page.press("#incident-id", "Enter")
        page.wait_for_function("document.querySelector('#journey').innerText.includes('review overdue')")

        page.click("#logout-btn")
        # sign-out ends before sign-in starts: otherwise the two responses' session cookies race
        page.wait_for_function("document.querySelector('#whoami').innerText.includes('Signed out')")
        page.fill("#username", "analyst1")
        page.fill("#password", password + "a")
        page.click("#login-btn")
        page.wait_for_function("document.querySelector('#journey').innerText.includes('review overdue')")
        page.screenshot(path=str(OUT / "explorer_restricted.png"), full_page=True)
        cookies = page.context.cookies()
        assert cookies and all(c["secure"] for c in cookies if c["name"] == "session")  # --secure-cookie
        # a copy of the session cookie taken before sign-out opens nothing after it
        page.click("#logout-btn")
        page.wait_for_function("document.querySelector('#whoami').innerText.includes('Signed out')")
        thief = browser.new_context(bypass_csp=True)
        thief.add_cookies(cookies)
        stolen = thief.new_page()
        stolen.goto(ex.url)
        stolen.get_by_text("Restricted (sign in)").click()
        stolen.fill("#incident-id", "INC-T1")
        stolen.press("#incident-id", "Enter")
        stolen.wait_for_function("document.querySelector('#journey').innerText.includes('Sign in')")
        assert "review overdue" not in stolen.content()
        thief.close()
        # failed sign-ins are limited: after five, even the right password is refused for a while
        for _ in range(5):
            page.fill("#username", "analyst1")
            page.fill("#password", "not the password")
            page.click("#login-btn")
            page.wait_for_function("document.querySelector('#password').value === ''")  # the answer came back
        page.fill("#username", "analyst1")
        page.fill("#password", password + "a")
        page.click("#login-btn")
        page.wait_for_function("document.querySelector('#whoami').innerText.includes('Too many')")
        assert not errors, errors
        page.close()
    finally:
        ex.stop()
    assert "restricted views enabled for 2 configured users" in ex_output(ex)
