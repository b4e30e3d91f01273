"""The national report (dashboards/report/): built from PUBLISHED release files only.

Most tests write a small release folder in the contract section 2 format themselves (the report's input is the
published file format) with hand-chosen values, including suppressed `c`, unavailable `x` and not-applicable `z`
cells, and a restricted/ copy holding the true small counts the report must never show. One test runs the real
build (Dagster + dbt + DuckDB) on a small landing folder and checks the report asset wrote a page."""
from __future__ import annotations

import csv
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dashboards.common import period_label
from dashboards.report import build_reports

from tests.helpers import TEST_OUTPUT  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name", "new_la_code", "old_la_code", "la_name"]
NE = ("E12000001", "North East")
LON = ("E12000007", "London")
EVIL = 'Bad <script>alert("x")</script> & Co'


def _geo(period, level, region=("", ""), la=("", "", "")):
    return [str(period), "Financial year", level, "E92000001", "England", region[0], region[1], la[0], la[1], la[2]]


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


# Notified incidents by area. Hartlepool 2016-17 has 3 children (restricted) and is published as c.
NBA = [
    # period, level, region, la, type, incidents, children, rate, scr, on_time
    (201516, "National", ("", ""), ("", "", ""), "Total", "400", "430", "3.7", "110", "80.0"),
    (201516, "National", ("", ""), ("", "", ""), "Death", "140", "150", "1.3", "60", "82.1"),
    (201516, "National", ("", ""), ("", "", ""), "Serious injury", "260", "280", "2.4", "50", "78.9"),
    (201617, "National", ("", ""), ("", "", ""), "Total", "420", "2460", "3.9", "120", "81.5"),
    (201617, "National", ("", ""), ("", "", ""), "Death", "150", "1160", "1.4", "70", "85.0"),
    (201617, "National", ("", ""), ("", "", ""), "Serious injury", "270", "1300", "2.5", "50", "79.6"),
    (201617, "Regional", NE, ("", "", ""), "Total", "41", "45", "8.0", "12", "75.0"),
    (201617, "Regional", LON, ("", "", ""), "Total", "80", "90", "4.6", "30", "88.9"),
    (201617, "Local authority", NE, ("E06000001", "805", "Hartlepool"), "Total", "c", "c", "c", "c", "c"),
    (201617, "Local authority", NE, ("E06000002", "806", "Middlesbrough"), "Total", "11", "12", "3.3", "c", "c"),
    (201617, "Local authority", LON, ("E09000007", "202", "Camden"), "Total", "0", "0", "0.0", "0", "z"),
    (201617, "Local authority", LON, ("E09000001", "201", EVIL), "Total", "7", "8", "x", "c", "c"),
]
NBA_RESTRICTED_SMALL = {("201617", "E06000001"): "3"}
NBA_COLS = ["incident_type", "incidents", "children", "children_rate_per_10000", "scr_initiated",
            "notified_on_time_percent"]

AGE = ["Under 1", "1 to 2", "3 to 4", "5 to 10", "11 to 14", "15", "16 to 17", "Not known"]
CC = {  # period -> age band counts (Total outcome); 15-year-olds 2016-17 suppressed (restricted 4)
    201516: ["120", "60", "40", "70", "80", "30", "30", "0"],
    201617: ["130", "70", "45", "75", "85", "c", "c", "0"],
}
TIMELINESS = {
    201516: [("Decision within one month", "Yes", "70", "63.6"), ("Decision within one month", "No", "40", "36.4"),
             ("Incident to completion", "6 months or less", "10", "12.5"),
             ("Incident to completion", "Over 6 to 12 months", "40", "50.0"),
             ("Incident to completion", "Over 12 to 18 months", "c", "c"),
             ("Completed within timescale", "Yes", "30", "37.5"),
             ("Completed within timescale", "In progress, overdue", "c", "c")],
    201617: [("Decision within one month", "Yes", "90", "75.0"), ("Decision within one month", "No", "30", "25.0"),
             ("Incident to completion", "6 months or less", "20", "20.0"),
             ("Incident to completion", "Over 6 to 12 months", "50", "50.0"),
             ("Incident to completion", "Not completed", "30", "30.0"),
             ("Completed within timescale", "Yes", "40", "40.0"),
             ("Completed within timescale", "In progress, overdue", "14", "14.0")],
}
GRADES = {201516: ["60", "c", "25", "20", "c"], 201617: ["79", "c", "30", "40", "9"]}


def write_release(release: Path) -> Path:
    """A small published release (plus restricted/ true values for the suppressed cells) in contract format."""
    rows, restricted = [], []
    for p, lvl, region, la, *vals in NBA:
        rows.append(_geo(p, lvl, region, la) + list(vals))
        true = list(vals)
        if (str(p), la[0]) in NBA_RESTRICTED_SMALL:
            n = NBA_RESTRICTED_SMALL[(str(p), la[0])]
            true = [vals[0], n, n, "1.0", "1", "100.0"]
        restricted.append(_geo(p, lvl, region, la) + true)
    _write(release / "notifications_by_area.csv", GEO + NBA_COLS, rows)
    _write(release / "restricted" / "notifications_by_area.csv", GEO + NBA_COLS, restricted)
    cc = []
    for p, counts in CC.items():
        total = sum(int(c) for c in counts if c != "c") + 7
        cc.append(_geo(p, "National") + ["Total", "Total", "Total", str(total), "100.0"])
        for band, c in zip(AGE, counts):
            pct = "c" if c == "c" else f"{100 * int(c) / total:.1f}"
            cc.append(_geo(p, "National") + ["Total", "Age band", band, c, pct])
        cc.append(_geo(p, "National") + ["Total", "Sex", "Male", "200", f"{100 * 200 / total:.1f}"])
    _write(release / "child_characteristics.csv",
           GEO + ["outcome", "breakdown_topic", "breakdown", "children", "children_percent"], cc)
    rt = [_geo(p, "National") + list(r) for p, rs in TIMELINESS.items() for r in rs]
    _write(release / "review_timeliness.csv", GEO + ["measure", "band", "reviews", "reviews_percent"], rt)
    ev = []
    for p, counts in GRADES.items():
        for g, c in zip(["Total", "Outstanding", "Good", "Adequate", "Inadequate"], counts):
            ev.append(_geo(p, "National") + [g, c, "c" if c == "c" else f"{100 * int(c) / int(counts[0]):.1f}"])
    _write(release / "review_evaluations.csv", GEO + ["grade", "reviews", "reviews_percent"], ev)
    rc = [_geo(201617, "National") + r for r in (
        ["Total", "Total", "70", "100.0"], ["Overview author", "Independent", "62", "88.6"],
        ["Overview author", "Internal", "c", "c"], ["Overview author", "Not reported", "c", "c"])]
    _write(release / "review_characteristics.csv", GEO + ["breakdown_topic", "breakdown", "reviews", "reviews_percent"],
           rc)
    _write(release / "notifications_by_area.meta.csv",
           ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp", "filter_hint",
            "filter_grouping_column"],
           [["incident_type", "Filter", "Incident type", "", "", "", "", ""],
            ["children", "Indicator", "Children", "", "", "0", "", ""],
            ["children_rate_per_10000", "Indicator", "Children per 10,000 <aged 0-17>", "", "", "1", "", ""]])
    _write(release / "quality" / "steward_queue.csv",
           ["feed", "record_id", "la_code", "source_file", "source_line", "column_name", "problem", "value"],
           [["notifications", "N1", "E06000001", "notifications/a.csv", "2", "child_sex", "invalid_value", "Q"],
            ["notifications", "N2", "<b>E0</b>", "notifications/a.csv", "3", "la_code", "unknown_reference", "x"]])
    return release


class Cells(HTMLParser):
    """Collects the text of every table cell with its class, and of every table's data-tier."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []  # (tier, class, text)
        self._tier = ""
        self._cls = None
        self._buf = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._tier = a.get("data-tier", "")
        if tag in ("td", "th"):
            self._cls, self._buf = a.get("class", ""), []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cls is not None:
            self.cells.append((self._tier, self._cls, "".join(self._buf).strip()))
            self._cls = None

    def handle_data(self, data):
        if self._cls is not None:
            self._buf.append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    rel = write_release(tmp_path_factory.mktemp("rep") / "release")
    result = build_reports(rel, png=os.path.exists(CHROMIUM))
    return rel, result


def test_one_page_per_period_and_plotly_beside_them(report):
    rel, result = report
    assert [p.name for p in result.pages] == ["national_report_2015-16.html", "national_report_2016-17.html"]
    assert (rel / "report" / "plotly.min.js").stat().st_size > 1_000_000
    assert (rel / "report" / "index.html").is_file()
    page = result.pages[-1].read_text(encoding="utf-8")
    # no network: no http(s) script/link/img sources, no CDN
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "cdn.plot.ly" not in page
    assert '<script src="plotly.min.js"></script>' in page


def test_published_counts_1_to_5_never_appear(report):
    _, result = report
    for page in result.pages:
        parser = Cells()
        parser.feed(page.read_text(encoding="utf-8"))
        counts = [t for tier, cls, t in parser.cells if tier == "published" and "count" in cls.split()]
        assert len(counts) > 20
        for text in counts:
            assert text in ("c", "x", "z") or not (1 <= int(text.replace(",", "")) <= 5), text
    # The restricted small count (Hartlepool 3) is shown as c in the LA table
    parser = Cells()
    parser.feed(result.pages[-1].read_text(encoding="utf-8"))
    rows = [c[2] for c in parser.cells]
    i = rows.index("Hartlepool")
    assert rows[i + 1: i + 4] == ["E06000001", "c", "c"]


def test_numbers_formatted_and_suppression_shown(report):
    _, result = report
    page = result.pages[-1].read_text(encoding="utf-8")
    parser = Cells()
    parser.feed(page)
    texts = [c[2] for c in parser.cells]
    assert "2,460" in texts and "1,160" in texts  # thousands separators
    assert "81.5" in texts and "3.90" in texts  # percentages to 1 dp, rates to 2 dp (their indicator_dp)
    # Middlesbrough: 12 children at 3.3 per 10,000 -> implied population 36,364; England rate 3.9 -> expected
    # 14.2, 95% Poisson limits about (7.3, 24.1): within. Hartlepool c: not plotted.
    i = texts.index("Middlesbrough")
    assert texts[i + 1: i + 4] == ["E06000002", "12", "3.30"]
    i = texts.index("North East")
    # North East: 45 at 8.0 -> population 56,250, expected 21.9; exact Poisson 99.8% upper limit
    # chi2(0.999, 2 x 22.9) / 2 = about 40.6 < 45 -> above.
    assert texts[i + 1: i + 4] == ["45", "8.00", "Above the 99.8% limit"]
    i = texts.index("London")
    # London: 90 at 4.6 -> population 195,652, expected 76.3; 95% limits about (60, 95): within.
    assert texts[i + 3] == "Within the 95% limits"
    assert "not performance measures" in page
    # overdue reviews: 14 in 2016-17, c in 2015-16
    i = texts.index("2016-17", texts.index("Financial year of incident"))
    assert texts[i: i + 4] == ["2016-17", "75.0", "40.0", "14"]
    assert texts[texts.index("2015-16", texts.index("Financial year of incident")) + 3] == "c"
    i = texts.index("Independent")
    assert texts[i: i + 6] == ["Independent", "62", "88.6", "Internal", "c", "c"]
    # headline counts are marked as counts (covered by the disclosure test)
    assert '<th scope="row" class="">Incidents notified</th><td class="num count">420</td>' in page


def test_everything_from_files_is_escaped(report):
    _, result = report
    page = result.pages[-1].read_text(encoding="utf-8")
    assert "<script>alert" not in page
    # escaped (jinja2's autoescape writes a quote as &#34;) and read back as the text it was
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page
    parser = Cells()
    parser.feed(page)
    assert EVIL in [t for _, _, t in parser.cells]
    assert "<b>E0</b>" not in page  # steward queue value from a landing file
    assert "Children per 10,000 &lt;aged 0-17&gt;" in page


def test_png_export_or_message(report):
    rel, result = report
    if not os.path.exists(CHROMIUM):
        assert "skipped" in result.png_message
        pytest.skip(f"no {CHROMIUM}: PNG export skipped with message: {result.png_message}")
    assert len(result.pngs) == 4, result.png_message
    for p in result.pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shutil.copy(result.pngs[1], TEST_OUTPUT / "report_funnel.png")


def test_png_export_that_does_not_finish_in_time_is_given_up_with_a_message(tmp_path, monkeypatch):
    """A Chromium that never starts must not hold the build: past the time allowed, the report goes on without
    PNGs and says why (here the time allowed is none at all)."""
    import plotly.graph_objects as go

    from dashboards.report import build

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no {CHROMIUM}")
    monkeypatch.setattr(build, "PNG_EXPORT_SECONDS", 0)
    paths, message = build.export_pngs({"bars": go.Figure(go.Bar(y=[1, 2]))}, tmp_path)
    assert paths == [] and "timed out after 0 s" in message


def test_png_of_an_unchanged_chart_is_kept_and_a_changed_one_drawn_again(tmp_path):
    """A rebuild whose charts did not change starts no Chromium: each PNG is kept while its figure (data, layout,
    size, versions) is the one it was drawn from; a changed figure is drawn again, and a stamp file that does not
    match (or a PNG that is gone) never passes an old picture off as the new chart."""
    import plotly.graph_objects as go

    from dashboards.report import build

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no {CHROMIUM}")
    figs = {"a": go.Figure(go.Bar(y=[1, 2])), "b": go.Figure(go.Bar(y=[3, 4]))}
    paths, message = build.export_pngs(figs, tmp_path)
    assert message.startswith("2 PNG charts written") and all(p.read_bytes()[:4] == b"\x89PNG" for p in paths)
    drawn = {p.name: p.stat().st_mtime_ns for p in paths}
    again, message = build.export_pngs({"a": go.Figure(go.Bar(y=[1, 2])), "b": go.Figure(go.Bar(y=[3, 4]))}, tmp_path)
    assert again == paths and "unchanged" in message
    assert {p.name: p.stat().st_mtime_ns for p in again} == drawn
    # one chart's data changed: that PNG alone is drawn again
    paths, message = build.export_pngs({"a": go.Figure(go.Bar(y=[1, 2])), "b": go.Figure(go.Bar(y=[3, 5]))}, tmp_path)
    assert message.startswith("1 PNG charts written") and "1 unchanged kept" in message
    assert paths[0].stat().st_mtime_ns == drawn["a.png"] and paths[1].stat().st_mtime_ns != drawn["b.png"]
    # a PNG that is gone is drawn again, whatever the stamps say
    paths[0].unlink()
    paths, message = build.export_pngs({"a": go.Figure(go.Bar(y=[1, 2])), "b": go.Figure(go.Bar(y=[3, 5]))}, tmp_path)
    assert message.startswith("1 PNG charts written") and paths[0].is_file()


def test_period_labels():
    assert period_label("200910") == "2009-10"
    assert period_label(201617) == "2016-17"


def test_report_asset_and_check_run_in_dagster(tmp_path):
    """The Dagster asset writes the pages from a release folder and its check passes; a page showing a count
    from 1 to 5 in a published table fails the check."""
    from dagster import materialize

    from scr_warehouse.report.assets import check_report_pages, report_assets, report_checks
    from scr_warehouse.resources import WarehouseConfig

    rel = write_release(tmp_path / "release")
    res = materialize([*report_assets, *report_checks], resources={"warehouse": WarehouseConfig(
        landing_dir=str(tmp_path / "landing"), warehouse_path=str(tmp_path / "none.duckdb"), release_dir=str(rel))})
    assert res.success
    checks = res.get_asset_check_evaluations()
    assert len(checks) == 1 and checks[0].passed
    mat = res.get_asset_materialization_events()[0].materialization
    assert mat.metadata["pages"].value == 2
    page = rel / "report" / "national_report_2016-17.html"
    # Middlesbrough's 12 children replaced by Hartlepool's 3 (restricted: the published file has c)
    page.write_text(page.read_text().replace('<td class="num count">12</td>', '<td class="num count">3</td>', 1))
    assert check_report_pages(rel / "report") == [
        "national_report_2016-17.html: a count not in the published files: table 'Local authority rates', row "
        "'Middlesbrough', column 'Children': 3 (2016-17)"]


def test_financial_years_are_categories_not_dates():
    """Plotly reads "2007-08" as a date (July/August 2007) unless the axis is categorical: every year must show."""
    import pandas as pd

    from dashboards.figures import deaths_injuries_by_year

    years = ["200708", "200809", "200910"]
    nba = pd.DataFrame([
        {"time_period": y, "geographic_level": "National", "incident_type": t, "children": str(n)}
        for i, y in enumerate(years) for t, n in (("Death", 100 + i), ("Serious injury", 90 + i))
    ])
    fig, (headers, rows, _) = deaths_injuries_by_year(nba, "200910")
    assert fig.layout.xaxis.type == "category"
    assert list(fig.data[0].x) == ["2007-08", "2008-09", "2009-10"]
    assert [r[0] for r in rows] == ["2007-08", "2008-09", "2009-10"]


# ---------------------------------------------------------------- charts that do not mislead
def _nba_frame():
    import pandas as pd

    return pd.read_csv(write_release(Path(__import__("tempfile").mkdtemp()) / "r") / "notifications_by_area.csv",
                       dtype=str, keep_default_na=False)


def test_funnel_points_carry_names_on_the_population_axis():
    from dashboards.figures import funnel

    nba = _nba_frame()
    cur = nba[(nba["time_period"] == "201617") & (nba["incident_type"] == "Total")]
    regions, england = cur[cur["geographic_level"] == "Regional"], cur[cur["geographic_level"] == "National"].iloc[0]
    pop = {("201617", "E12000001"): 560_000, ("201617", "E12000007"): 1_950_000}
    fig, (_, rows, _) = funnel(regions, england, "t", population=pop)
    points = [t for t in fig.data if t.name == "Area"][0]
    assert list(points.x) == [560_000, 1_950_000]  # the population input, not count / rate
    assert list(points.text) == ["North East", "London"] and "text" in points.mode
    assert "population input" in fig.layout.xaxis.title.text
    assert fig.layout.legend.x > 1  # the legend sits right of the plot, clear of the axis titles
    # the population axis has its ticks given (1, 2, 5 x 10^n across the points' range), written with commas
    assert list(fig.layout.xaxis.tickvals) == [500_000, 1_000_000, 2_000_000]
    assert list(fig.layout.xaxis.ticktext) == ["500,000", "1,000,000", "2,000,000"]
    fig, _ = funnel(regions, england, "t", population=None)
    assert "implied" in fig.layout.xaxis.title.text
    # no area has a published rate: England's rate and limits are still drawn over the areas' populations,
    # each suppressed area is a ringed c at its population under the axis, and the chart says so in words
    hidden = regions.assign(children="c", children_rate_per_10000="c")
    fig, _ = funnel(hidden, england, "Regions, 2016-17", population=pop)
    marks = [t for t in fig.data if t.name == "c: suppressed"]
    assert len(marks) == 1 and list(marks[0].x) == [560_000, 1_950_000] and list(marks[0].text) == ["c", "c"]
    assert marks[0].yaxis == "y2" and not [t for t in fig.data if t.name == "Area"]
    assert any(t.name == "England rate (3.90)" for t in fig.data)
    notes = " ".join(a.text.replace("<br>", " ") for a in fig.layout.annotations)
    assert "Most of these figures are suppressed" in notes and "North East, London" in notes
    assert fig.layout.title.text == "Regions, 2016-17"
    # and without a population input there is nowhere to put them: a message, not empty axes
    fig, _ = funnel(hidden, england, "Regions, 2016-17", population=None)
    assert "Nothing to plot" in fig.layout.annotations[0].text and fig.layout.title.text == "Regions, 2016-17"
    # the table beside the chart: England's and each region's published children and rate, as the file has them
    assert [r[:3] for r in rows] == [["England", "2,460", "3.90"], ["North East", "45", "8.00"],
                                     ["London", "90", "4.60"]]  # rates to two places, as the report writes them


def test_tile_map_has_no_grey_scale_marks_c_and_x_and_outlines_regions():
    from plotly.colors import get_colorscale, hex_to_rgb, unlabel_rgb

    from dashboards.common import map_scale_max, region_names
    from dashboards.figures import tile_map

    nba = _nba_frame()
    las = nba[(nba["geographic_level"] == "Local authority") & (nba["time_period"] == "201617")
              & (nba["incident_type"] == "Total")]
    fig, _ = tile_map(las, "t", scale_max=map_scale_max(nba), region_names=region_names(nba))
    coloured = [t for t in fig.data if t.name == "Rate per 10,000 children"][0]
    assert coloured.marker.cmin == 0 and coloured.marker.cmax == 3.3  # the top of every year, not this year's
    for _, colour in get_colorscale(coloured.marker.colorscale if isinstance(coloured.marker.colorscale, str)
                                    else "viridis"):
        rgb = unlabel_rgb(colour) if colour.startswith("rgb") else hex_to_rgb(colour)
        assert max(rgb) - min(rgb) > 40, colour  # no grey in the scale
    marks = {t.name: t for t in fig.data if t.name in ("Suppressed (c)", "Not available (x)")}
    assert list(marks["Suppressed (c)"].text) == ["Hartlepool"]  # a dotted hexagon, in its own legend entry
    assert marks["Suppressed (c)"].marker.symbol == "hexagon-open-dot"
    assert marks["Not available (x)"].marker.symbol == "hexagon-open" and len(marks["Not available (x)"].x) > 100
    outline = [s for s in fig.layout.shapes if s.name == "Region boundary"][0]
    assert outline.showlegend and outline.path.count("M") > 100  # one segment per boundary edge
    assert {a.text for a in fig.layout.annotations} == {"North East", "London"}
    # a rate of 0 (Camden) is its own white mark with a legend entry, not the scale's darkest colour
    zero = [t for t in fig.data if t.name == "Rate of 0 (none notified)"][0]
    assert list(zero.text) == ["Camden"] and zero.marker.color == "#ffffff" and zero.showlegend is not False
    assert "Camden" not in list(coloured.text) and min(coloured.marker.color) > 0


def test_timeliness_bars_run_to_100_with_suppressed_parts_drawn_and_bands_in_order():
    import pandas as pd

    from dashboards.figures import timeliness_bands

    rows = [("201617", "Incident to completion", b, n, p) for b, n, p in (
        ("6 months or less", "20", "20.0"), ("Over 6 to 12 months", "c", "c"), ("Over 12 to 18 months", "40", "40.0"),
        ("Not completed", "c", "c"))] + [("201516", "Incident to completion", "6 months or less", "30", "30.0"),
                                         ("201516", "Incident to completion", "Over 6 to 12 months", "70", "70.0")]
    rt = pd.DataFrame([{"time_period": p, "geographic_level": "National", "measure": m, "band": b, "reviews": n,
                        "reviews_percent": pc} for p, m, b, n, pc in rows])
    fig, _ = timeliness_bands(rt, "201617")
    assert list(fig.layout.xaxis.range) == [0, 100]
    names = [t.name for t in fig.data]
    # "Not completed" has no published percentage in these years: no legend entry of its own
    assert names == ["6 months or less", "Over 6 to 12 months", "Over 12 to 18 months", "c: suppressed"]
    assert fig.layout.legend.traceorder == "normal"
    hatched = fig.data[-1]  # the share the published percentages leave, in 2016-17 only (2015-16 has no c)
    assert list(hatched.y) == ["2016-17"] and list(hatched.x) == [40.0] and list(hatched.text) == ["c"]
    assert hatched.marker.pattern.shape == "/"
    # a band published as 0% in every year draws nothing: no legend entry (its zeros stay in the table)
    zero = rt.assign(reviews_percent=lambda d: d["reviews_percent"].where(d["band"] != "6 months or less", "0.0"))
    fig, (_, rows, _) = timeliness_bands(zero, "201617")
    assert "6 months or less" not in [t.name for t in fig.data]
    assert ["2016-17", "6 months or less", "20", "0.0"] in rows
    # mostly suppressed: words instead of bars
    fig, _ = timeliness_bands(rt.assign(reviews_percent="c"), "201617")
    assert "Most of these figures are suppressed" in fig.layout.annotations[0].text and not fig.data


def test_profile_marks_suppressed_categories_and_reviews_have_a_chart(report):
    import pandas as pd

    from dashboards.figures import profile

    rel, result = report
    cc = pd.read_csv(rel / "child_characteristics.csv", dtype=str, keep_default_na=False)
    fig, _ = profile(cc, "201617", "Age band")
    marks = [t for t in fig.data if t.name == "c: suppressed"]
    assert marks and sorted(x for t in marks for x in t.x) == ["15", "16 to 17"]
    assert all(list(t.text) == ["c"] * len(t.x) and list(t.y) == [0] * len(t.x) for t in marks)
    assert [t.showlegend for t in marks] == [True]  # one legend entry
    assert fig.layout.yaxis.rangemode == "tozero"
    page = result.pages[-1].read_text(encoding="utf-8")
    assert 'id="fig-review-profile"' in page
    # data problems are not children: the quality table shows them as counted, never as c
    parser = Cells()
    parser.feed(page)
    texts = [c[2] for c in parser.cells]
    i = texts.index("invalid_value")
    assert texts[i + 1] == "1"


def test_dataset_config_refuses_a_label_split_by_an_unquoted_comma(tmp_path):
    from scr_warehouse.release.datasets import load_datasets

    bad = tmp_path / "d.yml"
    bad.write_text("datasets:\n  x:\n    title: X\n    filters: []\n    indicators:\n"
                   "      - {name: r, label: Children per 10,000 children, unit: '', dp: 2, kind: rate}\n")
    with pytest.raises(ValueError, match="unknown keys.*000 children"):
        load_datasets(bad)
    labels = {i["name"]: i["label"] for i in load_datasets()["notifications_by_area"].indicators}
    assert labels["children_rate_per_10000"] == "Children per 10,000 children aged 0 to 17"


def test_stacked_counts_mark_c_to_scale_only_where_an_exact_total_gives_the_size():
    """Grades and action plans: a year's (an agency's) suppressed parts are one hatched segment labelled c, sized by
    what England's exact published total leaves for them; with the total suppressed too, or for a region (whose
    counts may be rounded), a ringed c at the end of the published parts instead, with no size of its own; mostly
    c: words, no bars."""
    import pandas as pd

    from dashboards.figures import actions_by_agency, grades

    ev = pd.DataFrame([{"time_period": p, "geographic_level": "National", "grade": g, "reviews": n}
                       for p, counts in (("201516", ["60", "c", "25", "20", "c"]),
                                         ("201617", ["c", "0", "30", "c", "9"]))
                       for g, n in zip(["Total", "Outstanding", "Good", "Adequate", "Inadequate"], counts)])
    fig, (_, rows, _) = grades(ev, "201617")
    marks = {t.type: t for t in fig.data if t.name == "c: suppressed"}
    assert list(marks["bar"].x) == ["2015-16"] and list(marks["bar"].y) == [15.0]  # 60 less 25 and 20
    assert marks["bar"].marker.pattern.shape == "/" and list(marks["bar"].text) == ["c"]
    assert list(marks["scatter"].x) == ["2016-17"] and list(marks["scatter"].y) == [39.0]  # on top of 0 + 30 + 9
    assert [t.showlegend for t in fig.data if t.name == "c: suppressed"].count(True) == 1
    assert "Outstanding" not in [t.name for t in fig.data]  # 0 in 2016-17 and c in 2015-16: nothing drawn
    assert rows == [["2015-16", "c", "25", "20", "c"], ["2016-17", "0", "30", "c", "9"]]
    fig, _ = grades(ev.assign(reviews=ev["reviews"].where(ev["grade"].isin(["Total", "Good"]), "c")), "201617")
    assert not fig.data and "Most of these figures are suppressed" in fig.layout.annotations[0].text

    def plans(level, region=("", "")):
        return [{"time_period": "201516", "geographic_level": level, "region_code": region[0],
                 "region_name": region[1], "agency": a, "focus": "Total", "status": s, "actions": n, "overdue": "0"}
                for a, counts in (("Police", ["20", "12", "c", "c", "0"]), ("Health", ["30", "20", "10", "0", "0"]))
                for s, n in zip(["Total", "Completed", "In progress", "Not started", "Dropped"], counts)]

    ra = pd.DataFrame(plans("National") + plans("Regional", NE))
    fig, _ = actions_by_agency(ra, "201516")
    mark = [t for t in fig.data if t.name == "c: suppressed"]
    assert len(mark) == 1 and mark[0].type == "bar" and list(mark[0].y) == ["Police"] and list(mark[0].x) == [8.0]
    fig, _ = actions_by_agency(ra, "201516", region=NE[0])
    mark = [t for t in fig.data if t.name == "c: suppressed"]
    assert len(mark) == 1 and mark[0].type == "scatter" and list(mark[0].x) == [12.0] and list(mark[0].text) == ["c"]
