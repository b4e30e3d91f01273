"""What each view of the explorer shows, from the PUBLISHED release files only: the published rows indexed once by
year and incident type, and each view's figures and tables built once per filter combination and kept (the files
do not change while the explorer runs), so a filter change costs a dictionary lookup after its first time.

Figures are kept as plain dicts (what Dash sends), not plotly objects, so a cached view is not re-serialised."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import figures as F
from ..common import (
    DATASETS,
    SEQUENTIAL,
    esc,
    fmt_1dp,
    fmt_count,
    fmt_rate,
    hex_layout,
    map_scale_max,
    number,
    period_label,
    read_published,
    region_names,
)

TABLE_COLUMNS = ["time_period", "geographic_level", "region_name", "la_name", "incident_type", "incidents",
                 "children", "children_rate_per_10000", "scr_initiated", "notified_on_time_percent"]
TABLE_LABELS = {"time_period": "Financial year", "geographic_level": "Level", "region_name": "Region",
                "la_name": "Local authority", "incident_type": "Incident type", "incidents": "Incidents",
                "children": "Children", "children_rate_per_10000": "Rate per 10,000 children",
                "scr_initiated": "Serious case reviews initiated", "notified_on_time_percent": "Notified on time (%)"}
INCIDENT_TYPES = ("Total", "Death", "Serious injury")
WHAT = {"Total": "Children harmed", "Death": "Children who died", "Serious injury": "Children seriously injured"}
OUTCOME = {"Death": "Died", "Serious injury": "Seriously injured"}


SELECTED = "#D55E00"  # the ring round a selected area (vermilion, of the Okabe-Ito palette)
HEIGHT = 420  # every chart's height in the explorer, a "Nothing to plot" panel's too


def _sent(fig) -> dict:
    """A figure as the explorer sends it: a plain dict, one height (a panel that changes height moves the page
    and makes the browser draw a chart twice), and the house template's trace defaults for the trace types the
    figure has only (the template carries 24 types' defaults, 8.6 kB in every chart sent)."""
    out = fig.to_plotly_json()
    layout = dict(out["layout"])
    template = dict(layout.get("template") or {})
    used = {t.get("type", "scatter") for t in out["data"]}
    if "data" in template:
        template["data"] = {k: v for k, v in dict(template["data"]).items() if k in used}
        layout["template"] = template
    if layout.get("height") == F.EMPTY_HEIGHT:
        layout["height"] = HEIGHT
    return {**out, "layout": layout}


def _records(table) -> tuple[list[dict], list[dict]]:
    headers, rows, _ = table
    return [dict(zip(headers, r)) for r in rows], [{"name": h, "id": h} for h in headers]


class Views:
    """The published release of one folder, and every view of it the explorer draws."""

    def __init__(self, release: Path | str, population: dict[tuple[str, str], int] | None = None):
        self.release = Path(release)
        self.data = {ds: read_published(self.release, ds) for ds in DATASETS}
        self.population = population or {}
        nba = self.nba
        self._slices = {k: g for k, g in nba.groupby(["time_period", "incident_type"], sort=False)} \
            if not nba.empty else {}
        self._region_name = region_names(nba)
        self._regions = sorted(self._region_name.items(), key=lambda t: t[1])
        la_rows = nba[nba["geographic_level"] == "Local authority"] if not nba.empty else nba
        self._las = sorted({(r.new_la_code, r.la_name, r.region_code) for r in la_rows.itertuples()},
                           key=lambda t: t[1]) if not nba.empty else []
        self._la_name = {c: n for c, n, _ in self._las}
        self._la_rows = {c: g for c, g in la_rows.groupby("new_la_code", sort=False)} if not nba.empty else {}
        self._la_region = {c: r for c, _, r in self._las}
        self.scale_max = map_scale_max(nba)
        self.warmed = False

    # ------------------------------------------------------------ what there is
    @property
    def nba(self) -> pd.DataFrame:
        return self.data["notifications_by_area"]

    def periods(self) -> list[str]:
        return sorted(self.nba["time_period"].unique()) if not self.nba.empty else []

    def regions(self) -> list[tuple[str, str]]:
        return self._regions

    def las(self, region: str | None = None) -> list[tuple[str, str]]:
        return [(c, n) for c, n, r in self._las if not region or r == region]

    def region_of(self, la: str | None) -> str | None:
        return self._la_region.get(la)

    def topics(self) -> list[str]:
        cc = self.data["child_characteristics"]
        return [t for t in dict.fromkeys(cc.get("breakdown_topic", [])) if t != "Total"]

    def area_name(self, region: str | None, la: str | None) -> str:
        if la:
            return self._la_name.get(la, la)
        if region:
            return self._region_name.get(region, region)
        return "England"

    def _slice(self, year, itype) -> pd.DataFrame:
        return self._slices.get((year, itype), self.nba.iloc[0:0])

    # ------------------------------------------------------------ views
    def table(self, year, region, la, itype) -> pd.DataFrame:
        """The published rows behind the charts, for the chosen year and incident type: England and the regions,
        a region and its LAs, or one LA."""
        df = self._slice(year, itype)
        if df.empty:
            return pd.DataFrame(columns=TABLE_COLUMNS)
        if la:
            df = df[(df["geographic_level"] == "Local authority") & (df["new_la_code"] == la)]
        elif region:
            df = df[df["geographic_level"].isin(["Regional", "Local authority"]) & (df["region_code"] == region)]
        else:
            df = df[df["geographic_level"].isin(["National", "Regional"])]
        out = df[[c for c in TABLE_COLUMNS if c in df.columns]].copy()
        for c in ("incidents", "children", "scr_initiated"):
            out[c] = out[c].map(fmt_count)
        out["children_rate_per_10000"] = out["children_rate_per_10000"].map(fmt_rate)
        out["notified_on_time_percent"] = out["notified_on_time_percent"].map(fmt_1dp)
        out["time_period"] = out["time_period"].map(period_label)
        return out

    def download_table(self, year, region, la, itype) -> pd.DataFrame:
        """The table as an analyst downloads it: labelled columns, and every text cell that a spreadsheet would run
        as a formula written with a leading apostrophe (people_csv.neutralise, as the stewards' files are)."""
        from scr_warehouse.people_csv import neutralise

        return self.table(year, region, la, itype).rename(columns=TABLE_LABELS).map(neutralise)

    def download_name(self, year, region, la, itype) -> str:
        """notifications_<area>_<year>_<incident type>.csv: named for exactly what the table holds."""
        area = self.area_name(region, la)
        slug = re.sub(r"[^a-z0-9]+", "-", f"{area} {period_label(year)} {itype}".lower()).strip("-")
        return f"notifications_{slug}.csv"

    @lru_cache(maxsize=256)
    def _tile(self, year, itype) -> dict:
        """The England-wide tile map of one year and incident type (a selection is drawn over it)."""
        cur = self._slice(year, itype)
        las = cur[cur["geographic_level"] == "Local authority"]
        tile, _ = F.tile_map(las, f"{WHAT.get(itype, 'Children')} per 10,000 children:\nlocal authorities of "
                             f"England, {period_label(year)}", height=560, scale_max=self.scale_max,
                             region_names=self._region_name)
        # the colour bar and legend are drawn once, beside the map (colour_key): they are the same in every view,
        # and they are half the time a browser takes to redraw the map
        tile.update_traces(marker_showscale=False, selector={"name": "Rate per 10,000 children"})
        tile.update_layout(showlegend=False)  # and so is its legend, which never changes
        return _sent(tile)

    def colour_key(self) -> dict:
        """The tile map's colour scale for the page: a CSS gradient of the map's colour scale from 0 to the top
        of every year's rates, and the labels at its ends."""
        from plotly.colors import get_colorscale

        stops = ", ".join(f"{c} {p * 100:g}%" for p, c in get_colorscale(SEQUENTIAL))
        return {"gradient": f"linear-gradient(to right, {stops})", "low": "0",
                "high": fmt_rate(self.scale_max) if self.scale_max is not None else ""}

    @lru_cache(maxsize=512)
    def _trend(self, year, region, la) -> tuple[dict, list, list]:
        df = self.nba
        if la:
            t = self._la_rows.get(la, df.iloc[0:0])
        elif region:
            t = df[(df["geographic_level"] == "Regional") & (df["region_code"] == region)]
        else:
            t = df[df["geographic_level"] == "National"]
        trend, table = F.deaths_injuries_by_year(t.assign(geographic_level="National"), year,
                                                 area=self.area_name(region, la))
        return (_sent(trend), *_records(table))

    def _selected(self, year, itype, region, la) -> dict:
        """The orange outline over the selected LA, or over the selected region's LAs."""
        if la:
            codes = {la}
        else:
            cur = self._slice(year, itype)
            codes = set(cur[(cur["geographic_level"] == "Local authority") & (cur["region_code"] == region)]
                        ["new_la_code"])
        layout = hex_layout()
        pts = [layout[c] for c in sorted(codes) if c in layout]
        return {"type": "scatter", "x": [p[1] for p in pts], "y": [p[2] for p in pts], "mode": "markers",
                # an open symbol is drawn in the marker's colour (its line colour is not used)
                "marker": {"symbol": "hexagon-open", "size": 25, "color": SELECTED, "line": {"width": 3}},
                "name": "Selected", "hoverinfo": "skip"}

    @lru_cache(maxsize=512)
    def _funnel(self, year, region, itype) -> dict:
        """The funnel plot of a region's LAs (or of the regions): an LA's view draws its region's, with the LA
        marked (_with_selected), so choosing an LA does not build a figure."""
        cur = self._slice(year, itype)
        eng = cur[cur["geographic_level"] == "National"]
        eng = eng.iloc[0] if len(eng) else None
        label, what = period_label(year), WHAT.get(itype, "Children")
        if region:
            areas = cur[(cur["geographic_level"] == "Local authority") & (cur["region_code"] == region)]
            title = f"{what} per 10,000 children:\nlocal authorities in {self.area_name(region, None)}, {label}"
            funnel, _ = F.funnel(areas, eng, title, population=self.population, label="outside",
                                 y_title=f"{what} per 10,000 children")
        else:
            areas = cur[cur["geographic_level"] == "Regional"]
            funnel, _ = F.funnel(areas, eng, f"{what} per 10,000 children:\nregions of England, {label}",
                                 population=self.population, y_title=f"{what} per 10,000 children")
        return _sent(funnel)

    def _with_selected(self, funnel: dict, year, itype, la) -> dict:
        """The funnel plot with one LA ringed and named (its name moves from the points' labels to the ring);
        unchanged when the LA's rate is not published or its population unknown."""
        cur = self._slice(year, itype)
        row = cur[(cur["geographic_level"] == "Local authority") & (cur["new_la_code"] == la)]
        pop = self.population.get((year, la))
        rate = number(row.iloc[0]["children_rate_per_10000"]) if len(row) else None
        if rate is None or not pop:
            return funnel
        name = esc(self.area_name(None, la))
        data = [{**t, "text": ["" if cd[0] == name else tx for tx, cd in zip(t["text"], t["customdata"])]}
                if t.get("name") == "Area" else t for t in funnel["data"]]
        data.append({"type": "scatter", "x": [pop], "y": [rate], "mode": "markers+text", "text": [name],
                     "textposition": "middle right", "textfont": {"size": 12}, "cliponaxis": False,
                     "name": "Selected", "hoverinfo": "skip",
                     "marker": {"size": 16, "symbol": "circle-open", "color": SELECTED, "line": {"width": 3}}})
        return {**funnel, "data": data}

    @lru_cache(maxsize=2048)
    def areas(self, year, region, la, itype) -> dict:
        """Funnel plot, tile map, trend and their tables for one filter combination."""
        if self.nba.empty or not year:
            e = _sent(F.empty_figure("Nothing to plot: no published data in this release"))
            return {"funnel": e, "tile": e, "trend": e, "trend_rows": [], "trend_cols": [], "rows": [], "cols": []}
        region = region or (self.region_of(la) if la else None)
        funnel = self._funnel(year, region, itype)
        if la:
            funnel = self._with_selected(funnel, year, itype, la)
        tile = self._tile(year, itype)
        if la or region:
            tile = {**tile, "data": [*tile["data"], self._selected(year, itype, region, la)]}
        trend, trend_rows, trend_cols = self._trend(year, region if not la else None, la)
        table = self.table(year, region if not la else None, la, itype)
        return {"funnel": funnel, "tile": tile, "trend": trend,
                "trend_rows": trend_rows, "trend_cols": trend_cols, "rows": table.to_dict("records"),
                "cols": [{"name": TABLE_LABELS.get(c, c), "id": c} for c in table.columns]}

    def warm(self) -> None:
        """Build the views analysts open most (each year's England and regional views, all incident types, and the
        first characteristic), so their first opening is a lookup too. Run on a background thread at start."""
        topics = self.topics()[:1] or [None]
        areas = [None, *(c for c, _ in self._regions)]
        for year in reversed(self.periods()):
            for region in areas:
                self.areas(year, region, None, "Total")
                self.profile(year, topics[0], "Total", region, None)
                self.actions(year, region)
        for itype in INCIDENT_TYPES[1:]:
            for year in reversed(self.periods()):
                for region in areas:
                    self.areas(year, region, None, itype)
                    self.profile(year, topics[0], itype, region, None)
        self.warmed = True

    @lru_cache(maxsize=1024)
    def profile(self, year, topic, itype, region, la) -> dict:
        """Children by one characteristic for England or a region (published at those levels only: an LA's
        profile is its region's, and the title says so)."""
        if not topic or not year:
            e = _sent(F.empty_figure("Nothing to plot: no published child characteristics"))
            return {"fig": e, "rows": [], "cols": []}
        region = region or (self.region_of(la) if la else None)
        area = self.area_name(region, None)
        if la:
            area = f"{area} (the region of {self.area_name(None, la)}: not published for local authorities)"
        fig, table = F.profile(self.data["child_characteristics"], year, topic, outcome=OUTCOME.get(itype, "Total"),
                               region=region, area=area)
        rows, cols = _records(table)
        return {"fig": _sent(fig), "rows": rows, "cols": cols}

    @lru_cache(maxsize=512)
    def actions(self, year, region) -> dict:
        ra = self.data.get("review_actions", pd.DataFrame())
        if ra.empty or not year or year not in set(ra["time_period"]):
            e = _sent(F.empty_figure("Nothing to plot: no published action-plan items for this year"))
            return {"fig": e, "rows": [], "cols": [], "orows": [], "ocols": []}
        fig, table = F.actions_by_agency(ra, year, region)
        rows, cols = _records(table)
        orows, ocols = _records(F.overdue_by_region(ra, year))
        return {"fig": _sent(fig), "rows": rows, "cols": cols, "orows": orows, "ocols": ocols}
