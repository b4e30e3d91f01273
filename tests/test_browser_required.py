"""A missing Chromium fails the browser tests instead of skipping them (tests/conftest.py), unless
SCR_SKIP_BROWSER=1; which tests are browser tests."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import is_browser_test, missing_browser_fails

REASON = "no Chromium at /usr/bin/chromium: browser tests skipped"


def test_a_skip_for_a_missing_chromium_fails(tmp_path):
    absent = tmp_path / "chromium"
    assert missing_browser_fails(REASON, absent, {})
    assert missing_browser_fails("no /usr/bin/chromium", absent, {"CI": "true"})
    assert not missing_browser_fails(REASON, absent, {"SCR_SKIP_BROWSER": "1"})


def test_other_skips_and_a_present_chromium_are_left_alone(tmp_path):
    present = tmp_path / "chromium"
    present.write_bytes(b"")
    assert not missing_browser_fails(REASON, present, {})
    assert not missing_browser_fails("the release marts are not built", tmp_path / "absent", {})


def test_browser_tests_are_the_browser_files_and_a11y():
    assert is_browser_test(Path("tests/dashboards/test_explorer_browser.py"))
    assert is_browser_test(Path("tests/a11y/test_explorer_axe.py"))
    assert not is_browser_test(Path("tests/dashboards/test_report.py"))
