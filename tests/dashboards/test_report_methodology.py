"""The report's methodology page and what changed since the last release (issue 26, item 2).

A small published release in the contract's format (tests/dashboards/test_report.py's), compared for real by
scr_warehouse/release/revisions.py with an earlier copy in which some cells differ, and with a data guidance holding
markup that must be shown as text. The pages are built by the real report builder; the methodology page and every
year's page and the index are checked in the HTML and, with axe-core in headless Chromium, for WCAG 2.2 AA."""
from __future__ import annotations

import csv
import os
import re
import shutil

import pytest

from dashboards.report import build_reports
from dashboards.report.changes import read_revisions
from dashboards.report.page import Page, _changes, render_methodology
from scr_warehouse.release import load_datasets, revisions
from scr_warehouse.report.assets import check_report_pages

from tests.dashboards.test_report import write_release

GUIDANCE = """# Data guidance and methodology

- Contact: <b>team</b> <script>alert(1)</script>

## Timescales (Working Together)

| Stage | Due |
|---|---|
| Review decision | within 1 calendar month of chair_aware_date |

## Revisions

Cells listed in `revisions.csv`.
"""


def _set(path, match: dict, column: str, value: str) -> None:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if all(r[k] == v for k, v in match.items()):
            r[column] = value
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The release and the one before it: in the previous release Middlesbrough had 10 children (now 12) and
    London's incidents were c (now 80), both in 2016-17; nothing of 2015-16 changed."""
    root = tmp_path_factory.mktemp("methodology")
    previous, current = write_release(root / "previous"), write_release(root / "release")
    nba = previous / "notifications_by_area.csv"
    _set(nba, {"new_la_code": "E06000002", "time_period": "201617"}, "children", "10")
    _set(nba, {"region_code": "E12000007", "geographic_level": "Regional"}, "incidents", "c")
    shutil.rmtree(previous / "restricted")  # without restricted files a changed figure is a late return
    revisions.write_revisions(current, previous, filters={n: d.filter_names for n, d in load_datasets().items()})
    (current / "data_guidance.md").write_text(GUIDANCE, encoding="utf-8")
    result = build_reports(current, png=False)
    return current, result


def test_methodology_page_is_the_releases_guidance_linked_from_every_page(release):
    rel, result = release
    html = result.methodology.read_text(encoding="utf-8")
    assert '<h2 id="timescales-working-together">Timescales (Working Together)</h2>' in html
    assert "<td>within 1 calendar month of chair_aware_date</td>" in html
    assert "<script>alert" not in html and "<b>team</b>" not in html  # markup in the guidance is text
    assert "&lt;b&gt;team&lt;/b&gt;" in html
    for page in [*result.pages, rel / "report" / "index.html"]:
        assert 'href="methodology.html"' in page.read_text(encoding="utf-8"), page.name
    for p in ("2015-16", "2016-17"):
        assert f'href="national_report_{p}.html"' in html
    # the year pages' links into the methodology land on a heading it has
    year = result.pages[-1].read_text(encoding="utf-8")
    for anchor in re.findall(r'href="methodology\.html#([^"]+)"', year):
        assert f'id="{anchor}"' in html, anchor


def _section(html: str, sid: str) -> str:
    return re.search(rf'<section id="{sid}">(.*?)</section>', html, re.S).group(1)


def test_each_year_page_says_what_changed_since_the_last_release(release):
    rel, result = release
    with open(rel / revisions.REVISIONS, newline="", encoding="utf-8") as f:
        changed = list(csv.DictReader(f))
    assert {r["time_period"] for r in changed} == {"201617"}
    latest = _section(result.pages[-1].read_text(encoding="utf-8"), "changes")
    assert f"{len(changed)} published cells of 2016-17 changed since the previous release" in latest
    by_reason = {}
    for r in changed:
        by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + 1
    assert set(by_reason) == {"late return", "suppression"}
    assert f"<li>a late return (a local authority&#39;s data arrived or changed after the previous release): " \
           f"{by_reason['late return']}</li>" in latest
    assert re.search(rf"<li>suppression \(.*?\): {by_reason['suppression']}</li>", latest)
    assert f"<li><code>notifications_by_area</code>: {len(changed)}</li>" in latest
    assert "<strong>minor</strong> change" in latest
    earlier = _section(result.pages[0].read_text(encoding="utf-8"), "changes")
    assert "No published figure of 2015-16 changed since the previous release" in earlier
    # counts of cells only: every count the pages show is still a published one
    assert check_report_pages(rel / "report") == []


def test_a_release_not_compared_or_the_first_says_so(tmp_path):
    rel = write_release(tmp_path / "release")
    page = Page("201617")
    _changes(page, read_revisions(rel))
    assert "was not compared with a previous one" in page.sections[0].html
    assert "has no data guidance" in render_methodology(rel, ["201516", "201617"])
    revisions.write_revisions(rel, None)
    page = Page("201617")
    _changes(page, read_revisions(rel))
    assert "first release of these statistics" in page.sections[0].html


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="no Chromium at /usr/bin/chromium")
def test_methodology_page_passes_axe(release):
    """(The year pages, this section included, are checked by tests/a11y/test_explorer_axe.py.)"""
    from tests.a11y.axe_runner import chromium, run_axe, summary

    _, result = release
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(result.methodology.as_uri())
        page.wait_for_load_state("networkidle")
        violations = run_axe(page)
        assert not violations, f"axe on methodology.html:\n{summary(violations, max_targets=6)}"
        page.close()
