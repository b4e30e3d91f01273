"""A steward acts in the browser (contract section 4), end to end: one real build of a small landing folder, the real
explorer (`scr-warehouse explore --landing`), Chromium, and the real Dagster `intake` job run in-process after the
submissions (the stewards' loop). One module-scoped build and one explorer for every flow.

- a bad file gets the queue's messages at check, and nothing is loaded (the landing folder unchanged);
- another LA's data is refused (and nothing lands);
- a correction made from a queue row, and a notification made by the form, land as web_ files; after intake the
  row has left the queue and the notification is in the statistics;
- the submission log (restricted, beside the warehouse) has a line per submission."""
from __future__ import annotations

import os

import pytest

from dashboards.explorer import hash_password
from dashboards.explorer.submissions import csv_bytes, feed_columns, log_path, read_log

from tests.dashboards.test_explorer_browser import CHROMIUM, IN_CI, Explorer, _page
from tests.helpers import TEST_OUTPUT, Landing, build, notification_row

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM) and not IN_CI, reason=f"no Chromium at {CHROMIUM}")]
HART, DURHAM = "E06000001", "E06000047"
PASSWORD = "steward password for tests"
AS_OF = "2018-06-30"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = TEST_OUTPUT / "submissions"
    landing = Landing(out / "landing")
    # test-output is kept between runs: an earlier run's submissions, log and warehouse (which its intake changed,
    # so a build that finds the landing folder as it last built it must not skip) are removed
    wh = out / "warehouse.duckdb"
    for p in [*landing.root.rglob("*.csv"), log_path(wh), wh, wh.with_name(wh.name + ".last-build.json")]:
        p.unlink(missing_ok=True)
    landing.write_rows("notifications", "2012-13.csv", [
        notification_row("N-OK", "I-OK"), notification_row("N-Q", "I-Q", child_sex="Q"),
        notification_row("N-DUR", "I-DUR", la_code=DURHAM)])
    built = build(landing.root, out, as_of=AS_OF)
    users = out / "users.yml"
    users.write_text("users:\n"
                     f"  - username: steward1\n    password_hash: '{hash_password(PASSWORD, iterations=20_000)}'\n"
                     f"    roles: [steward]\n    las: [{HART}]\n")
    return built, users


@pytest.fixture(scope="module")
def explorer(site):
    built, users = site
    ex = Explorer(built.release, built.warehouse, users=users, extra=["--landing", str(built.landing)])
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.a11y.axe_runner import require_chromium

    require_chromium()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _signed_in(browser, explorer, errors):
    page = _page(browser, errors)
    page.goto(explorer.url + "?tab=restricted")
    page.locator("#section-restricted.section:not(.closed)").wait_for()
    page.fill("#username", "steward1")
    page.fill("#password", PASSWORD)
    page.click("#login-btn")
    page.locator("#whoami", has_text="Signed in as steward1").wait_for()
    return page


def _upload(page, data: bytes, name: str):
    page.set_input_files("#upload input[type=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.locator("#upload-name", has_text=name).wait_for()


def _choose(page, dropdown_id: str, code: str):
    """Pick the option labelled `... (code)` of a dropdown as a person does: open it, type into its search box,
    click the option; then wait until the dropdown shows it and its list has closed (the next field's click must
    not land on this one's open list)."""
    page.click(f"#{dropdown_id}")
    search = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    search.wait_for()
    search.press_sequentially(code)
    page.locator(".dash-dropdown-content .dash-dropdown-option").filter(has_text=f"({code})").first.click()
    page.locator(f"#{dropdown_id} .dash-dropdown-value", has_text=f"({code})").wait_for()
    if page.locator(".dash-dropdown-content").count():
        page.keyboard.press("Escape")
    page.locator(".dash-dropdown-content").wait_for(state="detached")


def _landed(landing) -> list[str]:
    return sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file())


def _intake(built):
    from dagster import DagsterInstance

    from scr_warehouse.definitions import build_definitions

    defs = build_definitions(str(built.landing), str(built.warehouse), str(built.release), AS_OF)
    result = defs.resolve_job_def("intake").execute_in_process(instance=DagsterInstance.ephemeral(),
                                                               raise_on_error=False)
    assert result.success


def test_a_bad_file_is_checked_and_another_las_file_refused_and_nothing_lands(site, explorer, browser):
    built, _ = site
    errors: list[str] = []
    page = _signed_in(browser, explorer, errors)
    before = _landed(built.landing)
    bad = csv_bytes(feed_columns("notifications"), [notification_row("B1", "IB1", child_age_months="300")])
    _upload(page, bad, "bad.csv")
    page.click("#check-btn")
    page.locator("#upload-result", has_text="nothing was loaded").wait_for()
    text = page.locator("#upload-result").inner_text()
    assert "a whole number from 0 to 215" in text and "child_age_months" in text
    assert _landed(built.landing) == before
    other = csv_bytes(feed_columns("notifications"), [notification_row("D1", "ID1", la_code=DURHAM)])
    _upload(page, other, "durham.csv")
    page.click("#submit-btn")
    page.locator("#upload-result", has_text="Refused").wait_for()
    assert f"line 2: local authority {DURHAM}, not yours ({HART})" in page.locator("#upload-result").inner_text()
    assert _landed(built.landing) == before and not read_log(log_path(built.warehouse))
    assert not errors, errors
    page.close()


def test_a_correction_and_a_notification_reach_the_queue_and_statistics_after_intake(site, explorer, browser):
    built, _ = site
    errors: list[str] = []
    page = _signed_in(browser, explorer, errors)
    page.locator("#queue", has_text="N-Q").wait_for()
    page.locator("#queue button", has_text="Correct").first.click()
    page.locator("#corr-target", has_text="Correcting child_sex").wait_for()
    page.fill("#corr-value", "F")
    page.fill("#corr-reason", "The case file says F")
    page.click("#corr-btn")
    page.locator("#corr-result", has_text="Correction sent").wait_for()
    # a notification by the form: each box checked as it is left, sent when it has no problem
    row = notification_row("WEB-1", "WEB-I1", incident_date="2013-05-01", notified_date="2013-05-03")
    for column in (c for c in feed_columns("notifications") if c != "la_code" and row.get(c)):
        if page.locator(f"input#nf-{column}").count() == 0:  # a code list: a dropdown
            _choose(page, f"nf-{column}", row[column])
        else:
            page.fill(f"#nf-{column}", row[column])
            page.press(f"#nf-{column}", "Tab")
    page.locator("#notify-check", has_text="No problems so far").wait_for()
    page.click("#notify-btn")
    page.locator("#notify-result", has_text="Sent").wait_for()
    log = read_log(log_path(built.warehouse))
    assert [(r["kind"], r["username"], r["la_code"], r["rows"]) for r in log] == [
        ("correction", "steward1", HART, "1"), ("notification form", "steward1", HART, "1")]
    assert all((built.landing / r["file"]).name.startswith(f"web_{HART}_") for r in log)
    _intake(built)  # the stewards' loop
    page.reload()
    page.locator("#whoami", has_text="Signed in as steward1").wait_for()
    page.locator("#queue", has_text="No open problems").wait_for()
    (stats,) = built.query("select in_statistics, la_code from intermediate.int_notifications "
                           "where notification_id = 'WEB-1'")
    assert stats == (True, HART)
    (audit,) = built.query("select steward, new_value, status from marts.correction_audit")
    assert audit[0] == "steward1" and audit[1] == "F"
    assert not errors, errors
    page.close()
