"""Every count the national report shows is a published count (issue 23, item 2).

A real build (Dagster + dbt + DuckDB + GX + disclosure control + the report asset, with the warehouse, so the
data-quality section reads the stewards' scoreboard) of a small synthetic landing folder; then every number on every
report page that is a count of children, incidents, reviews or action-plan items (headline cards, every table, the
page's text, and the numbers inside the charts: bar labels, hover figures and the values of count axes) is read and
looked up among the published files' counts of the year it belongs to (its row's or column's financial year, else
the page's year). The reader is checked against pages with a count injected from the restricted tier: it must
catch every one."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from dashboards.common import COUNT_COLUMNS, DATASETS
from scr_warehouse.report.numbers import counts_on_page, published_counts, published_labels, unpublished, year_of


# ---------------------------------------------------------------- on a real build
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.helpers import build, synthetic_landing

    root = tmp_path_factory.mktemp("numbers")
    landing = synthetic_landing(root, seed=11, scale=0.01, years=("2014-15", "2015-16", "2016-17"))
    return build(landing, root / "out", as_of="2018-06-30")


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
