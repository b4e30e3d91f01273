"""Charts honest about suppression (issue 23, item 4), in a real headless Chromium: the report's pages and the
explorer, drawn from a small published release written in the contract's format, with a population in a warehouse.

Each case is checked on the page as drawn (the chart's SVG and Plotly's own record of what it drew) and
photographed under test-output/:
- a `c` is marked c with the legend entry "c: suppressed", never a gap or a zero: a ringed c where a value has no
  size to draw (children by year, the profile, the funnel's suppressed regions), a hatched segment labelled c where
  an exact published total leaves the suppressed parts a size (stacked grades and action plans, timeliness);
- a chart whose values are mostly `c` says so in words, with no bars (grades, action plans);
- a legend lists exactly the traces that draw something (no band that is 0% in every year);
- the explorer's Deaths view plots England's published rate and its limits in a year where every region's deaths
  are `c` (it said "Nothing to plot"), with the regions marked c.

Browser tests are skipped with a message when /usr/bin/chromium is missing."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import pytest

from dashboards.common import MOSTLY_SUPPRESSED, SUPPRESSED_NAME, regions
from dashboards.report import build_reports

from tests.dashboards.test_report import GEO, _geo, _write, write_release
from tests.helpers import TEST_OUTPUT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
YORKS = ("E12000003", "Yorkshire and The Humber")
NE = ("E12000001", "North East")
LON = ("E12000007", "London")
POPULATION = 40_000  # children aged 0 to 17 in every LA, both years (a region's is the sum of its LAs')

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"no Chromium at {CHROMIUM}: browser tests skipped")


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]


def _release(root: Path) -> tuple[Path, Path]:
    """The small release of test_report, with the cases of this module written over it:
    - England's children who died: c in 2015-16 (a suppressed year), 3 in 2016-17 (a small headline, published);
      every region's deaths c in 2016-17, and Yorkshire's children c;
    - grades: two of four suppressed in 2015-16 (its total published), three of four in 2016-17;
    - action plans: some statuses suppressed in 2015-16, every one in 2016-17;
    - timeliness: a band that is 0% in every year, and a suppressed band in 2015-16."""
    rel = write_release(root / "release")
    header, rows = _rows(rel / "notifications_by_area.csv")
    col = {c: i for i, c in enumerate(header)}
    for r in rows:
        if r[col["geographic_level"]] == "National" and r[col["incident_type"]] == "Death":
            if r[col["time_period"]] == "201516":
                for c in ("children", "children_rate_per_10000"):
                    r[col[c]] = "c"
            else:
                r[col["incidents"]], r[col["children"]], r[col["children_rate_per_10000"]] = "3", "3", "0.02"
    rows.append(_geo(201617, "Regional", YORKS) + ["Total", "c", "c", "c", "c", "c"])
    for region in (NE, LON, YORKS):
        rows.append(_geo(201617, "Regional", region) + ["Death", "c", "c", "c", "c", "c"])
    _write(rel / "notifications_by_area.csv", header, rows)

    ev = []
    for p, counts in {201516: ["60", "c", "25", "20", "c"], 201617: ["79", "c", "60", "c", "c"]}.items():
        for g, c in zip(["Total", "Outstanding", "Good", "Adequate", "Inadequate"], counts):
            ev.append(_geo(p, "National") + [g, c, "c" if c == "c" else f"{100 * int(c) / int(counts[0]):.1f}"])
    _write(rel / "review_evaluations.csv", GEO + ["grade", "reviews", "reviews_percent"], ev)

    statuses = ["Total", "Completed", "In progress", "Not started", "Dropped"]
    plans = {  # agency -> actions by status (Total first), 2015-16
        "Children's social care": ["40", "25", "c", "10", "c"],
        "Police": ["20", "12", "8", "0", "0"],
        "Health": ["30", "c", "20", "c", "0"],
    }
    ra = []
    for p in (201516, 201617):
        for agency, counts in plans.items():
            for status, n in zip(statuses, counts):
                n = n if p == 201516 else "c"
                ra.append(_geo(p, "National") + [agency, "Total", status, n, n, n, "c" if n == "c" else "0",
                                                 "c" if n == "c" else "100.0"])
        total = "90" if p == 201516 else "c"
        ra.append(_geo(p, "National") + ["Total", "Total", "Total", total, total, total, "c", "100.0"])
    _write(rel / "review_actions.csv", GEO + ["agency", "focus", "status", "actions", "lead_officer_named",
                                              "with_due_date", "overdue", "actions_percent"], ra)

    header, rows = _rows(rel / "review_timeliness.csv")
    rows += [_geo(p, "National") + ["Incident to completion", "Over 18 months", "0", "0.0"] for p in (201516, 201617)]
    _write(rel / "review_timeliness.csv", header, rows)

    wh = root / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_population (financial_year integer, la_code varchar, "
                "population_0_17 integer, source varchar)")
    con.executemany("insert into intermediate.int_population values (?, ?, ?, 'illustrative, test')",
                    [(fy, la, POPULATION) for fy in (201516, 201617) for la, reg in regions().items()
                     if reg.startswith("E12")])
    con.execute("create schema marts")
    con.execute("create table marts.incident_journey (incident_id varchar, la_code varchar, stuck_at varchar)")
    con.close()
    return rel, wh


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return _release(tmp_path_factory.mktemp("suppression"))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(release):
    rel, wh = release
    return build_reports(rel, warehouse=str(wh), png=False)


# What a chart drew, from Plotly's own record of it (calcdata): the names of the traces that show in the legend and
# draw at least one mark (a bar of non-zero size, a point with both coordinates), the legend's entries as the
# browser shows them, the bar labels, and whether a hatched fill is used.
DRAWN = """(sel) => {
  const gd = document.querySelector(sel);
  const drawn = new Set();
  for (const cd of gd.calcdata || []) {
    const t = cd[0].trace;
    if (t.visible !== true || t.showlegend === false || !t.name) continue;
    const marks = cd.filter(pt => t.type === 'bar' ? (isFinite(pt.s) && pt.s !== 0)
                                                    : (isFinite(pt.x) && isFinite(pt.y)));
    if (marks.length) drawn.add(t.name);
  }
  const text = sel => [...gd.querySelectorAll(sel)].map(e => e.textContent.trim());
  return {drawn: [...drawn].sort(), legend: [...new Set(text('.legendtext'))].sort(), bartext: text('.bartext'),
          points: text('.textpoint'), annotations: text('.annotation-text'), traces: gd.data.length,
          hatched: [...gd.querySelectorAll('.trace.bars path')].some(p => (p.style.fill || '').includes('url('))};
}"""


def _open(browser, path: Path):
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("#fig-funnel .main-svg")
    return page, errors


def _shot(page, selector: str, name: str) -> Path:
    out = TEST_OUTPUT / name
    out.parent.mkdir(parents=True, exist_ok=True)
    page.locator(selector).screenshot(path=str(out))
    return out


def test_report_marks_every_c_and_its_legends_list_only_what_is_drawn(report, browser):
    page, errors = _open(browser, report.pages[0])  # 2015-16
    by_year = page.evaluate(DRAWN, "#fig-by-year")
    # England's deaths in 2015-16 are c: a ringed c in the deaths' slot with its legend entry, not a gap (nor a
    # bar of made-up height); no bar has the deaths' colour, so 'Deaths' is no legend entry and the chart names
    # the c in words
    assert by_year["legend"] == by_year["drawn"] == sorted(["Serious injuries", SUPPRESSED_NAME])
    assert by_year["bartext"] == ["280"] and by_year["points"] == ["c"]
    assert "Deaths: every figure suppressed (c)" in by_year["annotations"]
    _shot(page, "#by-year", "suppression_by_year.png")
    # grades 2015-16: two of four c, the total published: the c grades are one hatched segment of the stack
    grades = page.evaluate(DRAWN, "#fig-grades")
    assert grades["legend"] == grades["drawn"] == sorted(["Good", "Adequate", SUPPRESSED_NAME])
    assert grades["bartext"] == ["c"] and grades["hatched"]
    _shot(page, "#grades", "suppression_grades_partly_c.png")
    # action plans 2015-16: each agency's suppressed statuses hatched and labelled c; statuses never drawn
    # (Police's 0 not started, no 'Not known' status) are not in the legend
    actions = page.evaluate(DRAWN, "#fig-actions")
    assert actions["legend"] == actions["drawn"] == sorted(["Completed", "In progress", "Not started",
                                                            SUPPRESSED_NAME])
    assert actions["bartext"].count("c") == 2 and actions["hatched"]
    _shot(page, "#actions", "suppression_actions_partly_c.png")
    # timeliness: 'Over 18 months' is 0% and 'Over 12 to 18 months' c: neither has an entry; the share the
    # published bands leave (37.5%) is one hatched segment labelled c
    timeliness = page.evaluate(DRAWN, "#fig-timeliness")
    assert timeliness["legend"] == timeliness["drawn"] == sorted(
        ["6 months or less", "Over 6 to 12 months", SUPPRESSED_NAME])
    assert "Over 18 months" not in timeliness["legend"] and "c" in timeliness["bartext"]
    _shot(page, "#timeliness", "suppression_timeliness.png")
    assert not errors, errors
    page.close()

    page, errors = _open(browser, report.pages[-1])  # 2016-17
    profile = page.evaluate(DRAWN, "#fig-profile")
    assert profile["legend"] == profile["drawn"] == sorted(["2015-16", "2016-17", SUPPRESSED_NAME])
    assert profile["points"] == ["c", "c"]  # 15 and 16 to 17 in 2016-17
    _shot(page, "#profile", "suppression_profile.png")
    # the funnel: Yorkshire's rate is c: a ringed c at its population under the axis, and named in words
    funnel = page.evaluate(DRAWN, "#fig-funnel")
    assert SUPPRESSED_NAME in funnel["legend"] and funnel["legend"] == funnel["drawn"]
    assert funnel["points"].count("c") == 1 and {"North East", "London"} <= set(funnel["points"])
    assert "YorkshireandTheHumber" in "".join(funnel["annotations"]).replace(" ", "")
    _shot(page, "#regions", "suppression_funnel.png")
    # England's 3 children who died (a small headline, published exactly) is shown as published
    assert page.evaluate("[...document.querySelectorAll('.headline')].find(h => h.childNodes[1].textContent.trim() "
                         "=== 'Children who died').querySelector('.value').textContent") == "3"
    assert not errors, errors
    page.close()


def test_report_says_in_words_when_most_values_are_c(report, browser):
    page, errors = _open(browser, report.pages[-1])  # 2016-17
    for fig, section, name in (("fig-grades", "#grades", "suppression_grades_mostly_c.png"),
                               ("fig-actions", "#actions", "suppression_actions_all_c.png")):
        drawn = page.evaluate(DRAWN, f"#{fig}")
        # words, no bars: not 'Good' alone (which reads as every review good), not grey bars on a 0 to 100µ axis
        assert drawn["traces"] == 0 and drawn["bartext"] == [] and drawn["legend"] == [], (fig, drawn)
        assert drawn["annotations"] == [MOSTLY_SUPPRESSED], (fig, drawn)
        assert page.locator(f"#{fig} .xtick").count() == 0 and page.locator(f"#{fig} .ytick").count() == 0
        _shot(page, section, name)
    # the numbers are in the table under the chart, as published
    assert "Show the data in a table: Evaluated serious case reviews by grade" in page.content()
    assert not errors, errors
    page.close()


def test_explorer_deaths_view_plots_england_when_every_region_is_c(release, browser):
    from tests.dashboards.test_explorer_browser import Explorer

    rel, wh = release
    ex = Explorer(rel, wh, users=None)
    try:
        errors: list[str] = []
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(ex.url + "?year=201617&itype=Death")
        # (locators, not wait_for_function: the explorer's CSP forbids the eval that one uses, and is kept on)
        page.locator("#funnel .gtitle", has_text="Children who died").wait_for()
        page.locator("#funnel .legendtext").first.wait_for()
        page.locator("#trend .gtitle").wait_for()
        drawn = page.evaluate(DRAWN, "#funnel .js-plotly-plot")
        assert "Nothing to plot" not in page.locator("#funnel").inner_text()
        assert page.locator("#funnel .ytitle").first.text_content() == "Children who died per 10,000 children"
        # England's published rate (3 children, 0.02 per 10,000) and its limits over the regions' populations
        assert "England rate (0.02)" in drawn["drawn"] and "95% limits" in drawn["drawn"]
        # every region c: three ringed c marks, named, and the chart says most values are suppressed
        assert drawn["points"].count("c") == 3 and SUPPRESSED_NAME in drawn["legend"]
        assert drawn["legend"] == drawn["drawn"]
        notes = "".join(drawn["annotations"]).replace(" ", "")  # wrapped lines: compare without spaces
        assert MOSTLY_SUPPRESSED.replace(" ", "") in notes
        assert all(r.replace(" ", "") in notes for r in ("North East", "London", "Yorkshire and The Humber"))
        _shot(page, "#funnel", "suppression_explorer_deaths_funnel.png")
        # England's deaths by year: 2015-16 is c, a ringed c in its slot; 2016-17's 3 drawn as published
        trend = page.evaluate(DRAWN, "#trend .js-plotly-plot")
        assert SUPPRESSED_NAME in trend["legend"] and trend["points"] == ["c"] and "3" in trend["bartext"]
        assert trend["legend"] == trend["drawn"]
        _shot(page, "#trend", "suppression_explorer_trend.png")
        assert not errors, errors
        page.close()
    finally:
        ex.stop()
