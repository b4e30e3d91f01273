"""Every count the national report shows is a published count (issue 23, item 2).

A real build (Dagster + dbt + DuckDB + GX + disclosure control + the report asset, with the warehouse, so the
data-quality section reads the stewards' scoreboard) of a small synthetic landing folder; then every number on every
report page that is a count of children, incidents, reviews or action-plan items (headline cards, every table, the
page's text, and the numbers inside the charts: bar labels, hover figures and the values of count axes) is read and
looked up among the published files' counts of the year it belongs to (its row's or column's financial year, else
the page's year). The reader is checked against pages with a count injected from the restricted tier: it must
catch every one. The same build serves the other tests of the report on a real build (pages, PNG copies,
guidance and methodology, the run record): one build of three years is the costliest fixture of the suite's
report tests.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
from pathlib import Path

import pytest

from dashboards.common import COUNT_COLUMNS, DATASETS, period_label
from scr_warehouse.report.numbers import counts_on_page, published_counts, published_labels, unpublished, year_of

from tests.dashboards.test_report import CHROMIUM, Cells
from tests.helpers import TEST_OUTPUT

pytestmark = pytest.mark.slow  # one whole build


# ---------------------------------------------------------------- on a real build
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The whole asset graph (ingest -> dbt -> quality -> release -> report, with the report's PNG copies) on a small
    synthetic landing folder of three financial years: one build for every test of the report on a real build."""
    from scr_warehouse.report.assets import REPORT_PNG_ENV

    from tests.helpers import build, synthetic_landing

    root = tmp_path_factory.mktemp("numbers")
    landing = synthetic_landing(root, seed=11, scale=0.01, years=("2014-15", "2015-16", "2016-17"))
    os.environ[REPORT_PNG_ENV] = "1"  # this build draws the PNG copies (conftest turns them off for the others)
    # and is recorded in a persistent Dagster instance, as a command-line build is (conftest gives the others an
    # ephemeral one); it stays set for this module's tests, which read the records
    (root / "dagster_home").mkdir()
    os.environ["DAGSTER_HOME"] = str(root / "dagster_home")
    try:
        yield build(landing, root / "out", as_of="2018-06-30")
    finally:
        os.environ[REPORT_PNG_ENV] = "0"
        os.environ.pop("DAGSTER_HOME", None)


def _pages(built) -> list[Path]:
    pages = sorted((built.release / "report").glob("national_report_*.html"))
    assert pages, "the build wrote no report pages"
    return pages


def _period(page: Path) -> str:
    return year_of(page.stem.replace("national_report_", ""))


def test_every_count_on_every_report_page_is_published_for_its_year(built):
    published, labels = published_counts(built.release), published_labels(built.release)
    seen = {"table": 0, "headline": 0, "chart": 0, "text": 0}
    for page in _pages(built):
        html = page.read_text(encoding="utf-8")
        found = counts_on_page(html, _period(page), labels)
        for where, _, _ in found:
            seen[where.split(" ")[0]] += 1
        assert unpublished(html, _period(page), published, labels) == [], page.name
    # the reader read what a page shows: counts in tables, headline cards and charts on every page
    assert seen["table"] > 50 * len(_pages(built)) and seen["headline"] >= 4 * len(_pages(built)), seen
    assert seen["chart"] > 0, seen
    # the data-quality section shows no count of children (it used to show the scoreboard's notifications)
    latest = _pages(built)[-1].read_text(encoding="utf-8")
    quality = latest[latest.index('<section id="quality">'):latest.index("</section>", latest.index(
        '<section id="quality">'))]
    assert "Open data problems" in quality and "Notifications (children)" not in quality
    assert not re.search(r"<th[^>]*>[^<]*(children|notifications)[^<]*</th>", quality, re.I)


def _restricted_counts(built, period: str) -> list[int]:
    out = []
    for ds in DATASETS:
        path = built.release / "restricted" / f"{ds}.csv"
        if path.is_file():
            with open(path, newline="", encoding="utf-8") as f:
                out += [int(r[c]) for r in csv.DictReader(f) if r["time_period"] == period
                        for c in COUNT_COLUMNS & set(r) if r[c].isdigit()]
    return out


def _inject_in_table(html: str, section: str, secret_for_year) -> str:
    """The first count cell of a section's table replaced by a count the published files hide for that row's
    year (the row's year: the reader must look it up in the right year)."""
    start = html.index(f'<section id="{section}">')
    cell = re.search(r'<td class="num count">([^<]+)</td>', html[start:])
    years = re.findall(r'<th scope="row" class="">(\d{4}-\d{2})</th>', html[start:start + cell.start()])
    at = start + cell.start()
    value = secret_for_year(year_of(years[-1]) if years else None)
    return html[:at] + f'<td class="num count">{value}</td>' + html[at + len(cell.group(0)):]


def _inject_in_chart(html: str, trace_name: str, secret: str) -> str:
    """The first bar label of a chart's trace replaced by `secret`."""
    at = html.index(f'"name":"{trace_name}"')
    label = re.search(r'"text":\["([^"]*)"', html[at:])
    pos = at + label.start(1)
    return html[:pos] + secret + html[pos + len(label.group(1)):]


def test_the_reader_catches_a_count_from_the_restricted_tier(built, tmp_path):
    """The check above can fail: a count that only the restricted tier holds, put where the report shows counts (a
    table cell, a headline card, the text, a chart's bar label), is caught every time."""
    published, labels = published_counts(built.release), published_labels(built.release)
    page = _pages(built)[-1]
    period = _period(page)
    html = page.read_text(encoding="utf-8")
    assert unpublished(html, period, published, labels) == []

    def secret(year):
        hidden = sorted(v for v in set(_restricted_counts(built, year or period))
                        if v not in published.get(year or period, set()))
        assert hidden, f"the restricted tier of {year} has no count the published files hide"
        return f"{hidden[-1]:,}"

    value = re.search(r'<span class="value">([^<]+)</span>Incidents notified', html)
    injected = {
        "table": _inject_in_table(html, "by-year", secret),
        "headline": html.replace(value.group(0), f'<span class="value">{secret(period)}</span>Incidents notified'),
        "text": html.replace("</main>", f"<p>In all, {secret(period)} children were notified.</p></main>"),
    }
    for name, page_html in injected.items():
        problems = unpublished(page_html, period, published, labels)
        assert len(problems) == 1 and problems[0].startswith(name), (name, problems)
    # a chart's label: on a release whose chart of children by year is drawn (the small build's may be words)
    from dashboards.report import build_reports

    from tests.dashboards.test_report import write_release

    rel = write_release(tmp_path / "release")
    small = build_reports(rel, png=False).pages[-1].read_text(encoding="utf-8")
    small_published, small_labels = published_counts(rel), published_labels(rel)
    assert unpublished(small, "201617", small_published, small_labels) == []
    restricted_only = "3"  # Hartlepool's children in 2016-17, published as c
    assert 3 not in small_published["201617"]
    problems = unpublished(_inject_in_chart(small, "Serious injuries", restricted_only), "201617", small_published,
                           small_labels)
    assert problems and all(p.startswith("chart fig-by-year") for p in problems), problems


# ---------------------------------------------------------------- the report, the guidance and the run record
def test_report_on_a_real_build(built):
    rel = built.release
    if not (rel / "notifications_by_area.csv").is_file():
        pytest.skip("the release stage wrote no notifications_by_area.csv yet (release marts not built)")
    published = built.release_csv("notifications_by_area")
    periods = sorted({r["time_period"] for r in published})
    pages = sorted((rel / "report").glob("national_report_*.html"))
    assert [p.name for p in pages] == [f"national_report_{period_label(p)}.html" for p in periods]
    from scr_warehouse.report.assets import check_report_pages

    assert check_report_pages(rel / "report") == []
    latest = pages[-1].read_text(encoding="utf-8")
    nat = [r for r in published if r["geographic_level"] == "National" and r["time_period"] == periods[-1]
           and r["incident_type"] == "Total"][0]
    parser = Cells()
    parser.feed(latest)
    texts = [c[2] for c in parser.cells]
    # The headline table shows the published national incidents for the latest year, formatted, as published.
    i = texts.index("Incidents notified")
    assert texts[i + 1] == (nat["incidents"] if nat["incidents"] in "cxz" else f"{int(nat['incidents']):,}")
    # LA rows: every LA published as c stays c in the report's LA table.
    for r in published:
        if r["geographic_level"] == "Local authority" and r["time_period"] == periods[-1] \
                and r["incident_type"] == "Total" and r["children"] == "c":
            j = texts.index(r["new_la_code"])
            assert texts[j + 1] == "c"
    shutil.copy(pages[-1], TEST_OUTPUT / "real_build_report.html")
    if os.path.exists(CHROMIUM):  # the report asset drew the PNG copies of the latest year's main charts
        pngs = sorted((rel / "report" / "png").glob("*.png"))
        assert len(pngs) == 4 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_guidance_and_methodology_on_a_real_build(built):
    """The release asset writes the data guidance from the release's own files (issue 26): every figure in it is in
    the published and meta files, the audit, the revisions summary or the seeds it quotes; upload.zip carries it; the
    report's methodology page shows it, and every year's page links to it."""
    import zipfile

    from tests.release.test_guidance import _numbers_in, _own_text, _release_numbers

    rel = built.release
    text = (rel / "data_guidance.md").read_text(encoding="utf-8")
    found = _numbers_in(_own_text(rel))
    assert len(found) > 30 and sorted(found - _release_numbers(rel)) == []
    assert len(text.split()) > 1500  # a Department release's guidance, not a list of symbols (issue 26: 153 words)
    with zipfile.ZipFile(rel / "upload.zip") as z:
        assert z.read("data_guidance.md").decode("utf-8") == text
    methodology = (rel / "report" / "methodology.html").read_text(encoding="utf-8")
    for heading in re.findall(r"^## (.+)$", text, re.M):
        assert f">{heading.replace('&', '&amp;')}</h2>" in methodology, heading
    for page in (rel / "report").glob("national_report_*.html"):
        assert 'href="methodology.html"' in page.read_text(encoding="utf-8")
    shutil.copy(rel / "report" / "methodology.html", TEST_OUTPUT / "real_build_methodology.html")
    shutil.copy(rel / "data_guidance.md", TEST_OUTPUT / "real_build_data_guidance.md")


def test_command_line_build_is_recorded_with_its_checks_and_ends_with_a_summary(built):
    """run_build records its run in the DAGSTER_HOME instance (the module's fixture makes one), with the
    asset checks' results, so `make dev` shows command-line builds; tool output goes to the build log."""
    from dagster import DagsterEventType, DagsterInstance

    from scr_warehouse.build import build_log_path
    from scr_warehouse.summary import build_summary

    instance = DagsterInstance.get()
    assert not instance.is_ephemeral
    runs = [r for r in instance.get_runs() if r.is_success]
    assert runs
    checks = {r.event_log_entry.dagster_event.asset_check_evaluation_data.check_name
              for run in runs
              for r in instance.get_records_for_run(run.run_id,
                                                    of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records}
    assert {"disclosure_audit", "published_data_screener"} <= checks
    log = build_log_path(built.warehouse)
    assert "dbt" in log.read_text(encoding="utf-8")
    lines = build_summary({"warehouse": str(built.warehouse), "release": str(built.release),
                           "run_id": runs[0].run_id, "instance": "persistent"}, problems_before=7)
    text = "\n".join(lines)
    assert re.search(r"datasets: +\d+ published", text) and "(before this build: 7)" in text
    assert "corrections:" in text and f"log:       {log}" in text and runs[0].run_id in text
    assert len(lines) < 25
    # no check that only informs warned on this build, and the summary says so
    assert built.summary["warnings"] == [] and "warnings:  0 check(s) warned" in build_summary(built.summary, None)
