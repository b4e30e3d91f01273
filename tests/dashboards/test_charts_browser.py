"""The tile map as a reader sees it (issue 26, item 3), in a real headless Chromium: the report's tile map figure
(dashboards/figures/areas.py tile_map) drawn from the published rows of tests/dashboards/test_report.py's small
release, with every region named, written as the report writes a chart (report/html.fig_html beside plotly.min.js),
at a browser's width and at the size of the report's PNG copy (the static map). Checked on the page as drawn (the
SVG and Plotly's own record of it), and photographed under test-output/:

- a rate of 0 is its own mark (a white hexagon with a black rim) with its own legend entry, never the colour scale's
  darkest colour;
- pointing at a hexagon shows its local authority's name;
- no region label overlaps any hexagon, at either size.

Browser tests are skipped with a message when /usr/bin/chromium is missing."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards.common import map_scale_max
from dashboards.figures import tile_map
from dashboards.figures.areas import ZERO_NAME
from dashboards.report.build import PNG_SIZE
from dashboards.report.html import fig_html
from scr_warehouse.policy import reference_rows

from tests.dashboards.test_report import write_release
from tests.helpers import TEST_OUTPUT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIRIDIS_DARKEST = "rgb(68, 1, 84)"  # #440154, viridis at 0

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"no Chromium at {CHROMIUM}: browser tests skipped")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """(responsive page, static page): the 2016-17 tile map as the report draws it, and at the PNG's size."""
    from plotly.offline import get_plotlyjs

    root = tmp_path_factory.mktemp("charts")
    rel = write_release(root / "release")
    nba = pd.read_csv(rel / "notifications_by_area.csv", dtype=str, keep_default_na=False)
    las = nba[(nba["geographic_level"] == "Local authority") & (nba["time_period"] == "201617")
              & (nba["incident_type"] == "Total")]
    names = {r["region_code"]: r["region_name"] for r in reference_rows("ref_region_la_hierarchy")}
    fig, _ = tile_map(las, "Children harmed per 10,000 children by local authority, 2016-17",
                      scale_max=map_scale_max(nba), region_names=names)
    (root / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    out = []
    static = go.Figure(fig).update_layout(width=PNG_SIZE["width"], height=PNG_SIZE["height"], autosize=False)
    for name, figure in (("map.html", fig), ("static.html", static)):
        head = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><script src="plotly.min.js"></script>'
        (root / name).write_text(f"{head}</head><body>{fig_html(figure, 'fig-map')}</body></html>",
                                 encoding="utf-8")
        out.append(root / name)
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path, width: int = 1200):
    errors: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("#fig-map .main-svg")
    return page, errors


# Each trace's name, its points' fills as the browser drew them, and their screen positions (Plotly's record of
# the points, placed through its axes).
POINTS = """() => {
  const gd = document.getElementById('fig-map');
  const box = gd.querySelector('.main-svg').getBoundingClientRect();
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return gd.calcdata.map((cd, n) => ({
    name: cd[0].trace.name, text: cd.map(pt => pt.tx),
    fills: [...gd.querySelectorAll('.scatterlayer .trace')[n].querySelectorAll('.point')].map(p => p.style.fill),
    at: cd.map(pt => [box.left + xa._offset + xa.l2p(pt.x), box.top + ya._offset + ya.l2p(pt.y)])}));
}"""

OVERLAPS = """() => {
  const gd = document.getElementById('fig-map');
  const r = e => e.getBoundingClientRect();
  const hexes = [...gd.querySelectorAll('.scatterlayer .point')].map(r);
  const labels = [...gd.querySelectorAll('.annotation')].map(a => ({text: a.textContent.trim(),
                                                                    box: r(a.querySelector('rect') || a)}));
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  return {labels: labels.map(l => l.text), hexes: hexes.length,
          overlaps: labels.filter(l => hexes.some(h => hit(l.box, h))).map(l => l.text),
          outside: labels.filter(l => l.box.left < r(gd).left || l.box.right > r(gd).right).map(l => l.text)};
}"""


@pytest.fixture(scope="module")
def drawn(pages, browser):
    """The responsive map open at 1,200 px (one load for the checks that read it)."""
    page, errors = _open(browser, pages[0])
    yield page, errors
    page.close()


def test_a_zero_rate_is_its_own_mark_and_legend_entry_not_the_scales_darkest_colour(drawn):
    page, errors = drawn
    traces = {t["name"]: t for t in page.evaluate(POINTS)}
    zero = traces[ZERO_NAME]
    assert zero["text"] == ["Camden"]  # the LA published with 0 children, rate 0.0
    assert set(zero["fills"]) == {"rgb(255, 255, 255)"}, zero["fills"]
    assert "Camden" not in traces["Rate per 10,000 children"]["text"]
    assert VIRIDIS_DARKEST not in zero["fills"]
    legend = [e.text_content().strip() for e in page.query_selector_all("#fig-map .legendtext")]
    assert ZERO_NAME in legend
    page.locator("#fig-map").screenshot(path=str(TEST_OUTPUT / "tile_map_zero_rate.png"))
    assert not errors, errors


def test_pointing_at_a_hexagon_shows_its_local_authoritys_name(drawn):
    page, errors = drawn
    traces = {t["name"]: t for t in page.evaluate(POINTS)}
    for trace, name in (("Rate per 10,000 children", "Middlesbrough"), ("Suppressed (c)", "Hartlepool"),
                        (ZERO_NAME, "Camden")):
        x, y = traces[trace]["at"][traces[trace]["text"].index(name)]
        page.mouse.move(x, y)
        label = page.locator("#fig-map .hoverlayer .hovertext")
        label.wait_for()
        assert name in label.text_content(), (trace, label.text_content())
        if name == "Middlesbrough":
            assert "3.30" in label.text_content()  # its published rate beside its name
            page.locator("#fig-map").screenshot(path=str(TEST_OUTPUT / "tile_map_hover.png"))
        page.mouse.move(5, 5)
    assert not errors, errors


@pytest.mark.parametrize("which, width", [("map", 1200), ("map", 800), ("static", 1100)])
def test_region_labels_are_clear_of_every_hexagon(pages, browser, drawn, which, width):
    """At a browser's width, a narrow one, and the PNG's fixed size (the static map)."""
    page, errors = drawn if width == 1200 else _open(browser, pages[0 if which == "map" else 1], width=width)
    found = page.evaluate(OVERLAPS)
    assert len(found["labels"]) == 9 and found["hexes"] > 140
    assert found["overlaps"] == [], found["overlaps"]
    assert found["outside"] == [], found["outside"]  # every label whole, inside the chart
    page.locator("#fig-map").screenshot(path=str(TEST_OUTPUT / f"tile_map_labels_{which}_{width}.png"))
    assert not errors, errors
    if width != 1200:
        page.close()
