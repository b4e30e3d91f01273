"""Shared by the national report and the explorer: reading the PUBLISHED release files (contract section 2),
GOV.UK number formatting, the colour-blind-safe palette, the hex tile layout and Poisson funnel limits.

Published values are kept as text: `c` (suppressed), `x` (not available) and `z` (not applicable) are shown as
they are and are never recomputed from anything else."""
from __future__ import annotations

import html
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

DATASETS = (
    "notifications_by_area",
    "child_characteristics",
    "review_timeliness",
    "review_evaluations",
    "review_characteristics",
    "review_actions",
)
SYMBOLS = {
    "c": "suppressed to protect confidentiality (a small count, or one that would reveal one)",
    "x": "not available",
    "z": "not applicable",
}
# Okabe-Ito palette: distinguishable with the common forms of colour-blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SUPPRESSED_COLOUR = "#BFBFBF"
# Every chart marks a suppressed value the same way: a hatched grey mark labelled c, with this legend entry.
SUPPRESSED_NAME = "c: suppressed"
SUPPRESSED_PATTERN = {"shape": "/", "fgcolor": "#505a5f", "bgcolor": SUPPRESSED_COLOUR, "solidity": 0.35}
# a suppressed value with no size to draw (a slot of grouped bars, a funnel's area): a ring with c in it
SUPPRESSED_MARKER = {"symbol": "circle", "size": 18, "color": "#ffffff", "line": {"width": 1.5, "color": "#505a5f"}}
# What a chart says instead of a picture when most of its values are suppressed.
MOSTLY_SUPPRESSED = ("Most of these figures are suppressed (c) to protect children's identities: "
                     "see the table for what is published")
# Sequential colour scale for maps: viridis is perceptually uniform, reads for the common colour-blindnesses and
# has no grey in it (cividis's middle is grey, which looked like a suppressed area).
SEQUENTIAL = "viridis"
FONT = "Arial, Helvetica, sans-serif"

# Columns of a published file that hold counts (disclosure control applies to these).
COUNT_COLUMNS = {"incidents", "children", "scr_initiated", "reviews", "actions", "lead_officer_named",
                 "with_due_date", "overdue"}


def esc(value) -> str:
    """HTML-escape anything that came from a file (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def read_published(release: Path | str, dataset: str) -> pd.DataFrame:
    """One published file as text columns (empty frame when the file is absent). Never the restricted tier."""
    path = Path(release) / f"{dataset}.csv"
    if not path.is_file():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def read_meta(release: Path | str, dataset: str) -> pd.DataFrame:
    path = Path(release) / f"{dataset}.meta.csv"
    if not path.is_file():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def is_c(value) -> bool:
    """A published cell that is suppressed (`c`)."""
    return str(value).strip() == "c"


def mostly_suppressed(values) -> bool:
    """More than half of a chart's published cells are `c` (the chart then says so in words instead)."""
    values = [str(v).strip() for v in values]
    return bool(values) and sum(v == "c" for v in values) * 2 > len(values)


def is_symbol(value) -> bool:
    return str(value).strip() in SYMBOLS or str(value).strip() == ""


def number(value) -> float | None:
    """The numeric value of a published cell, or None for c / x / z / empty (no imputation)."""
    text = str(value).strip().replace(",", "")
    if text in SYMBOLS or text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return None


def fmt_count(value) -> str:
    """GOV.UK style: thousands separators; symbols as published."""
    v = number(value)
    if v is None:
        return str(value).strip() or "x"
    return f"{int(round(v)):,}"


def fmt_dp(value, dp: int) -> str:
    """A published number to `dp` decimal places with thousands separators; symbols as published."""
    v = number(value)
    if v is None:
        return str(value).strip() or "x"
    return f"{v:,.{dp}f}"


def fmt_1dp(value) -> str:
    """Percentages to one decimal place (their indicator_dp); symbols as published."""
    return fmt_dp(value, 1)


@lru_cache(maxsize=1)
def rate_dp() -> int:
    """Decimal places of the published rate per 10,000 children (its indicator_dp in config/release_datasets.yml)."""
    from scr_warehouse.release.datasets import load_datasets

    ind = {i["name"]: i for i in load_datasets()["notifications_by_area"].indicators}
    return int(ind["children_rate_per_10000"]["dp"])


def fmt_rate(value) -> str:
    """A rate per 10,000 children to the decimal places its metadata gives."""
    return fmt_dp(value, rate_dp())


def populations(warehouse: str | Path | None) -> dict[tuple[str, str], int]:
    """(financial year, area code) -> children aged 0 to 17, the denominator of the published rates: an LA's
    population (intermediate.int_population, read-only), a region's and England's the sum over their LAs when every
    LA has one (as the release computes it). Empty without a readable warehouse (callers then say so)."""
    if not (warehouse and Path(warehouse).is_file()):
        return {}
    try:
        import duckdb

        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            rows = con.execute("""
                select cast(financial_year as varchar), la_code, population_0_17 from intermediate.int_population
                where population_0_17 > 0""").fetchall()
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - the population is an optional input of the charts
        return {}
    from scr_warehouse.policy import setting

    out: dict[tuple[str, str], int] = {}
    region_of, england = regions(), setting("country_code")
    for fy, la, pop in rows:
        out[(fy, la)] = int(pop)
        for area in (region_of.get(la), england):
            if area:
                out[(fy, area)] = out.get((fy, area), 0) + int(pop)
    return out


def period_label(time_period) -> str:
    """200910 -> 2009-10."""
    text = str(time_period)
    return f"{text[:4]}-{text[4:]}" if len(text) == 6 and text.isdigit() else text


@lru_cache(maxsize=1)
def hex_layout() -> dict[str, tuple[str, float, float]]:
    """la_code -> (name, x, y) from the odd-r hex layout seed: odd rows shift right by half a tile; r grows north."""
    from scr_warehouse.policy import reference_rows

    out = {}
    for row in reference_rows("ref_la_hex_layout"):
        q, r = int(row["q"]), int(row["r"])
        out[row["la_code"]] = (row["la_name"], q + (0.5 if r % 2 else 0.0), r * math.sqrt(3) / 2)
    return out


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    """new_la_code -> region_code (reference seed)."""
    from scr_warehouse.policy import reference_rows

    return {row["new_la_code"]: row["region_code"] for row in reference_rows("ref_region_la_hierarchy")}


def map_scale_max(nba: pd.DataFrame) -> float | None:
    """The top of the tile map's colour scale: the highest published LA rate (Total) of any year, so a colour
    means the same rate on every year's page and in the explorer."""
    if nba.empty:
        return None
    las = nba[(nba["geographic_level"] == "Local authority") & (nba["incident_type"] == "Total")]
    rates = pd.to_numeric(las["children_rate_per_10000"], errors="coerce").dropna()
    return float(rates.max()) if len(rates) else None


def region_names(nba: pd.DataFrame) -> dict[str, str]:
    """region_code -> region_name, from the published regional rows."""
    if nba.empty:
        return {}
    r = nba[nba["geographic_level"] == "Regional"]
    return dict(zip(r["region_code"], r["region_name"]))


def disclosure_threshold() -> str:
    """The suppression threshold (publication settings seed, read through scr_warehouse.policy), as text."""
    from scr_warehouse import policy

    return str(policy.disclosure_threshold())


def poisson_limits(expected: float, coverage: float) -> tuple[float, float]:
    """Exact Poisson control limits (counts) around an expected count, via the chi-square relation."""
    lower, upper = poisson_limits_array([expected], coverage)
    return float(lower[0]), float(upper[0])


def poisson_limits_array(expected, coverage: float):
    """poisson_limits for an array of expected counts in one call (the funnel's 60-point grid)."""
    import numpy as np
    from scipy.stats import chi2

    expected = np.asarray(expected, dtype=float)
    tail = (1 - coverage) / 2
    lower = np.where(expected > 0, chi2.ppf(tail, 2 * np.maximum(expected, 1e-300)) / 2, 0.0)
    upper = chi2.ppf(1 - tail, 2 * (expected + 1)) / 2
    return lower, upper


def national_rate(national_total: pd.Series | dict | None) -> float | None:
    if national_total is None:
        return None
    return number(national_total.get("children_rate_per_10000"))


def classify(observed: float | None, population: float | None, rate_england: float | None) -> str:
    if observed is None or population is None or rate_england is None:
        return "Not plotted (value suppressed or not available)"
    expected = population * rate_england / 10000
    lo95, hi95 = poisson_limits(expected, 0.95)
    lo998, hi998 = poisson_limits(expected, 0.998)
    if observed > hi998:
        return "Above the 99.8% limit"
    if observed < lo998:
        return "Below the 99.8% limit"
    if observed > hi95:
        return "Above the 95% limit"
    if observed < lo95:
        return "Below the 95% limit"
    return "Within the 95% limits"
