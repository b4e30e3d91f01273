"""The axe runner itself: the axe kept in the project is the npm release it says it is, it finds violations on a
page that has them (so a clean result means something), and a missing Chromium fails browser tests in CI."""
from __future__ import annotations

import hashlib
import os

import pytest

from tests.a11y import axe_runner
from tests.a11y.axe_runner import AXE, CHROMIUM, axe_violations, chromium, require_chromium

AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"  # axe-core 4.14.1, npm
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def test_the_vendored_axe_is_axe_core_4_with_its_licence():
    text = AXE.read_text(encoding="utf-8")
    assert text.startswith("/*! axe v4.14.1")
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    licence = AXE.with_name("axe-core.LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("Mozilla Public License, version 2.0")
    assert AXE.with_name("axe-core.LICENSE-3RD-PARTY.txt").is_file()
    assert axe_runner.TAGS == ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


def test_a_missing_chromium_fails_in_ci_and_is_skipped_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setattr(axe_runner, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="may not be skipped in CI"):
        require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_chromium()


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM) and not IN_CI, reason=f"no Chromium at {CHROMIUM}")
def test_axe_finds_what_is_wrong_and_passes_what_is_right(tmp_path):
    require_chromium()
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><title>t</title></head><body><main>"
                   "<button><svg width='10' height='10'></svg></button>"
                   "<div aria-hidden='true'><a href='#x'>hidden link</a></div>"
                   "<p>Text <a href='#a' style='font-size:8px;line-height:8px'>a</a><a href='#b' "
                   "style='font-size:8px;line-height:8px'>b</a></p></main></body></html>")
    good = tmp_path / "good.html"
    good.write_text("<!DOCTYPE html><html lang='en'><head><title>t</title></head><body><main><h1>Page</h1>"
                    "<button type='button'>Sign in</button></main></body></html>")
    with chromium() as browser:
        found = {v["id"]: v for v in axe_violations(browser, str(bad))}
        assert {"html-has-lang", "button-name", "aria-hidden-focus", "target-size"} <= set(found), sorted(found)
        assert found["button-name"]["impact"] == "critical"
        assert all("html" not in n for v in found.values() for n in v["nodes"])  # selectors, never content
        assert axe_violations(browser, str(good)) == []
