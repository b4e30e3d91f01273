"""Test set-up: environment for every test process, the `landing` fixture and the shared output folder. The
helpers themselves are in tests/helpers.py; tests are in one folder per stage.

Browser tests (every test of a `*_browser.py` file or of tests/a11y/, marked `browser`) need /usr/bin/chromium
(`make browser`). A browser test that skips because Chromium is missing FAILS, so that a machine without it (CI
included) cannot pass with none of them run; on a machine that cannot have Chromium, SCR_SKIP_BROWSER=1 lets them
skip (`make test-fast` sets it: it leaves the browser tests out anyway)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
# Builds run on an ephemeral Dagster instance (never the project's data/dagster_home, which the Makefile exports):
# a persistent one writes each of a build's events to SQLite, 10 to 13 s of a small build. The tests of the daemon,
# the jobs and the failure sensor make their own persistent instance.
os.environ.pop("DAGSTER_HOME", None)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# Builds draw no PNG copies of the report's charts (a Chromium each time) unless a test asks for them
# (tests/dashboards/test_report_numbers.py's real build does; test_report.py's PNG tests call the export themselves).
os.environ["SCR_REPORT_PNG"] = "0"

from tests.helpers import TEST_OUTPUT, Landing  # noqa: E402  (after the environment is set)


@pytest.fixture
def landing(tmp_path) -> Landing:
    return Landing(tmp_path / "landing")


def pytest_configure(config):
    TEST_OUTPUT.mkdir(exist_ok=True)


CHROMIUM = Path("/usr/bin/chromium")
SKIP_BROWSER = "SCR_SKIP_BROWSER"


def is_browser_test(path: Path) -> bool:
    return path.name.endswith("_browser.py") or "a11y" in path.parts


def missing_browser_fails(reason: str, chromium: Path | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether a skip for want of Chromium is turned into a failure: yes, unless Chromium is there (the skip is for
    another reason) or SCR_SKIP_BROWSER=1 says this machine cannot have it."""
    environ = os.environ if environ is None else environ
    return ("chromium" in reason.lower() and not (chromium or CHROMIUM).exists()
            and environ.get(SKIP_BROWSER) != "1")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if is_browser_test(item.path):
            item.add_marker(pytest.mark.browser)
    # Modules that make whole builds (any test marked slow) run first, each module's tests in their own order: the
    # two xdist workers (--dist loadfile) then end on short modules instead of one waiting for a long one.
    heavy = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in heavy)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if missing_browser_fails(reason):
            report.outcome = "failed"
            report.longrepr = (f"{reason}\nA browser test may not skip for want of Chromium: run `make browser`, or "
                               f"set {SKIP_BROWSER}=1 on a machine that cannot have it (never in CI).")
