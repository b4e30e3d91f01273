"""The published national report: one HTML page per reporting period (financial year), built ONLY from the
published release files `<release>/<dataset>.csv` (disclosure control already applied; `c`, `x`, `z` shown as
they are, never recomputed). plotly.js is shipped once beside the pages (`report/plotly.min.js`, copied from the
installed plotly package), so the pages need no network and no CDN.

Extra, non-statistical inputs, read when present: the stewards' scoreboard `quality.la_scoreboard` (read-only
warehouse connection; shares and data-problem counts only, never a count of children) or
`<release>/quality/steward_queue.csv` (counted by problem type only), and the population
`source` labels (to say where the population is illustrative). Everything from a file is HTML-escaped."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from scr_warehouse.parallel import fork_map

from ..common import DATASETS, period_label, populations, read_published
from .changes import read_revisions
from .html import render
from .page import CHROMIUM, METHODOLOGY, PageInputs, render_methodology, render_page

PNG_EXPORT_SECONDS = 180  # four charts take 4 to 10 s; kaleido's own limit is 90 s a chart


@dataclass
class ReportResult:
    pages: list[Path] = field(default_factory=list)
    pngs: list[Path] = field(default_factory=list)
    png_message: str = ""
    periods: list[str] = field(default_factory=list)
    methodology: Path | None = None

    def as_metadata(self) -> dict:
        return {
            "pages": len(self.pages),
            "latest_page": str(self.pages[-1]) if self.pages else "",
            "latest_page_bytes": self.pages[-1].stat().st_size if self.pages else 0,
            "pngs": len(self.pngs),
            "png_export": self.png_message,
        }


# ---------------------------------------------------------------- inputs beyond the published files
def _scoreboard(warehouse: str | None, release: Path) -> tuple[str, list[str], list[list[str]], list[str]]:
    """(source, headers, rows, kinds) for the data-quality section: completeness as shares and counts of data
    problems, by financial year, for England. Never a count of children (notifications): the stewards' counts are
    of records as they stand in the warehouse, not the published figures, and a report that printed them would
    print what disclosure control hides; the children counted are in the published files. The scoreboard's
    LA-by-quarter figures stay with the stewards (explorer)."""
    if warehouse and Path(warehouse).is_file():
        try:
            import duckdb

            con = duckdb.connect(str(warehouse), read_only=True)
            try:
                rows = con.execute("""
                    select financial_year, sum(required_present), sum(required_values), sum(problems_open),
                           count(distinct la_code) filter (where problems_open > 0)
                    from quality.la_scoreboard where financial_year is not null
                    group by financial_year order by financial_year""").fetchall()
            finally:
                con.close()
            out = []
            for fy, present, values, problems, las in rows:
                pct = f"{100 * present / values:,.1f}" if values else "x"
                # a share of values and counts of data problems only: a problem is a value to check, not a child
                # (no share of notifications either: beside a count of problems it would narrow the children down)
                out.append([period_label(fy), pct, f"{problems or 0:,}", f"{las or 0:,}"])
            return ("the stewards' scoreboard (quality.la_scoreboard), totals for England", [
                "Financial year of incident", "Required values filled in (%)", "Open data problems",
                "Local authorities with open problems"], out, ["text", "num", "num", "num"])
        except Exception as e:  # noqa: BLE001 - the scoreboard is optional; the report still publishes
            return f"the stewards' scoreboard could not be read ({type(e).__name__})", [], [], []
    queue = release / "quality" / "steward_queue.csv"
    if queue.is_file():
        q = pd.read_csv(queue, dtype=str, keep_default_na=False)
        if {"feed", "problem"} <= set(q.columns):
            counts = q.groupby(["feed", "problem"]).size().reset_index(name="n")
            return ("the stewards' queue (quality/steward_queue.csv)", ["Feed", "Problem", "Open problems"],
                    [[str(f), str(p), f"{n:,}"] for f, p, n in counts.itertuples(index=False)],
                    ["text", "text", "num"])
    return "no data-quality outputs were found for this release", [], [], []


def _population_sources(warehouse: str | None) -> list[str]:
    if not (warehouse and Path(warehouse).is_file()):
        return []
    try:
        import duckdb

        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return [r[0] for r in con.execute(
                "select distinct source from intermediate.int_population where source is not null order by 1"
            ).fetchall()]
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - optional footnote input
        return []


PNG_SIZE = {"width": 1000, "height": 600, "scale": 1}
PNG_STAMPS = ".png_stamps.json"  # beside the PNGs: what each was drawn from


def png_stamp(fig: go.Figure) -> str:
    """What a PNG is drawn from: the figure's JSON, the size, and the plotly and kaleido versions."""
    import importlib.metadata

    versions = [importlib.metadata.version(p) for p in ("plotly", "kaleido")]
    text = json.dumps([fig.to_plotly_json(), PNG_SIZE, versions], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def export_pngs(figs: dict[str, go.Figure], out_dir: Path) -> tuple[list[Path], str]:
    """PNG copies of the main charts via kaleido and the system Chromium; skipped with a message without it. A PNG
    whose figure is the same as when it was drawn (png_stamp, kept in PNG_STAMPS) is kept: a steward's correction
    that changes no chart starts no Chromium (6 to 7 s of a report)."""
    if not os.path.exists(CHROMIUM):
        return [], f"PNG export skipped: no system Chromium at {CHROMIUM} (kaleido needs one)"
    os.environ.setdefault("BROWSER_PATH", CHROMIUM)
    import plotly.io as pio

    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(figs)
    paths = [out_dir / f"{n}.png" for n in names]
    stamps = {n: png_stamp(figs[n]) for n in names}
    try:
        drawn = json.loads((out_dir / PNG_STAMPS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        drawn = {}
    (out_dir / PNG_STAMPS).unlink(missing_ok=True)  # written again only once every PNG matches its figure
    todo = [(n, p) for n, p in zip(names, paths) if drawn.get(n) != stamps[n] or not p.is_file()]
    for _, p in todo:
        p.unlink(missing_ok=True)  # never a PNG of an earlier figure beside this report
    message = f"{len(paths)} PNG charts unchanged since they were drawn, kept in {out_dir}"
    if todo:
        outcome: dict[str, BaseException | bool] = {}

        def export() -> None:
            try:
                pio.write_images([figs[n] for n, _ in todo], [p for _, p in todo], **PNG_SIZE)
                outcome["done"] = True
            except Exception as e:  # noqa: BLE001 - charts are in the HTML anyway; PNGs are a convenience
                outcome["error"] = e

        # kaleido times out a chart, but not a Chromium that never starts (seen once in a test run: 13 minutes):
        # the export runs on a thread the report waits for a limited time
        worker = threading.Thread(target=export, name="png-export", daemon=True)
        worker.start()
        worker.join(PNG_EXPORT_SECONDS)
        if worker.is_alive():
            return [], f"PNG export timed out after {PNG_EXPORT_SECONDS} s (the charts are in the HTML pages)"
        if "error" in outcome:
            e = outcome["error"]
            return [], f"PNG export failed ({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''})"
        kept = f", {len(names) - len(todo)} unchanged kept" if len(todo) < len(names) else ""
        message = f"{len(todo)} PNG charts written to {out_dir}{kept}"
    (out_dir / PNG_STAMPS).write_text(json.dumps(stamps, sort_keys=True), encoding="utf-8")
    return paths, message


def build_reports(release: Path | str, out_dir: Path | str | None = None, warehouse: str | None = None,
                  png: bool = True) -> ReportResult:
    """Write `national_report_<yyyy-yy>.html` for every financial year in the published notifications file, an
    `index.html`, `plotly.min.js` beside them and (for the latest year) PNG copies of the main charts."""
    release = Path(release)
    out = Path(out_dir) if out_dir else release / "report"
    result = ReportResult()
    data = {ds: read_published(release, ds) for ds in DATASETS}
    for ds, df in data.items():
        if df.empty:  # keep column names the figures expect
            data[ds] = pd.DataFrame(columns=["time_period", "geographic_level", "incident_type", "measure", "band",
                                             "breakdown_topic", "breakdown", "outcome", "grade"])
    nba = data["notifications_by_area"]
    periods = sorted(nba["time_period"].unique())
    result.periods = periods
    if not periods:
        return result
    out.mkdir(parents=True, exist_ok=True)
    from plotly.offline import get_plotlyjs

    (out / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    inputs = PageInputs(release, data, _scoreboard(warehouse, release), _population_sources(warehouse), periods,
                        populations(warehouse), read_revisions(release))
    # Earlier years render on forked worker processes while this one renders the latest year and exports its
    # charts to PNG (a Chromium process via kaleido), so the two cores overlap instead of waiting for each other.
    pages: dict[str, str] = {}
    png_result: dict[str, tuple[list[Path], str]] = {}

    def latest_and_pngs() -> None:
        pages[periods[-1]], latest_figs = render_page(inputs, periods[-1])
        if png:
            main = {k: latest_figs[k] for k in ("deaths_injuries_by_year", "regional_funnel", "la_tile_map",
                                                "timeliness") if k in latest_figs}
            png_result["r"] = export_pngs(main, out / "png")

    earlier = periods[:-1]
    pages.update(zip(earlier, fork_map(lambda p: render_page(inputs, p)[0], earlier, beside=latest_and_pngs)))
    for p in periods:
        path = out / f"national_report_{period_label(p)}.html"
        path.write_text(pages[p], encoding="utf-8")
        result.pages.append(path)
    result.methodology = out / METHODOLOGY
    result.methodology.write_text(render_methodology(release, periods), encoding="utf-8")
    (out / "index.html").write_text(str(render(
        "index.html.j2", methodology=METHODOLOGY,
        pages=[{"name": p.name, "label": p.stem.replace("national_report_", "")} for p in reversed(result.pages)])),
        encoding="utf-8")
    if png:
        result.pngs, result.png_message = png_result.get("r", ([], "PNG export failed (no result)"))
    else:
        result.png_message = "PNG export not requested"
    return result
