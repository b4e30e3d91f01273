"""Shared by the national report and the explorer: reading the PUBLISHED release files (contract section 2),
GOV.UK number formatting, the colour-blind-safe palette, the hex tile layout and Poisson funnel limits.

Published values are kept as text: `c` (suppressed), `x` (not available) and `z` (not applicable) are shown as
they are and are never recomputed from anything else."""
from __future__ import annotations

import csv
import html
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT / "dbt_project" / "seeds" / "reference"
POLICY_DIR = REPO_ROOT / "dbt_project" / "seeds" / "policy"

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
# Sequential colour scale for maps (cividis is designed to read the same for colour-blind viewers).
SEQUENTIAL = "cividis"
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


def fmt_1dp(value) -> str:
    """Rates and percentages to one decimal place; symbols as published."""
    v = number(value)
    if v is None:
        return str(value).strip() or "x"
    return f"{v:,.1f}"


def period_label(time_period) -> str:
    """200910 -> 2009-10."""
    text = str(time_period)
    return f"{text[:4]}-{text[4:]}" if len(text) == 6 and text.isdigit() else text


@lru_cache(maxsize=1)
def hex_layout() -> dict[str, tuple[str, float, float]]:
    """la_code -> (name, x, y) from the odd-r hex layout seed: odd rows shift right by half a tile; r grows north."""
    out = {}
    with open(REFERENCE_DIR / "ref_la_hex_layout.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            q, r = int(row["q"]), int(row["r"])
            out[row["la_code"]] = (row["la_name"], q + (0.5 if r % 2 else 0.0), r * math.sqrt(3) / 2)
    return out


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    """new_la_code -> region_name (reference seed)."""
    out = {}
    with open(REFERENCE_DIR / "ref_region_la_hierarchy.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["new_la_code"]] = row["region_name"]
    return out


def disclosure_threshold() -> str:
    """The suppression threshold (publication settings seed, read through scr_warehouse.policy), as text."""
    from scr_warehouse import policy

    return str(policy.disclosure_threshold())


def poisson_limits(expected: float, coverage: float) -> tuple[float, float]:
    """Exact Poisson control limits (counts) around an expected count, via the chi-square relation."""
    from scipy.stats import chi2

    tail = (1 - coverage) / 2
    lower = chi2.ppf(tail, 2 * expected) / 2 if expected > 0 else 0.0
    upper = chi2.ppf(1 - tail, 2 * (expected + 1)) / 2
    return float(lower), float(upper)


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
