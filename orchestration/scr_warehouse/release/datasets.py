"""The published datasets (config/release_datasets.yml): filters, indicators, published levels, and the relations
an attacker can see within and between them. Also the meta file rows and the row order of every file."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from ..paths import CONFIG_DIR

GEOGRAPHY = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name",
             "region_code", "region_name", "new_la_code", "old_la_code", "la_name"]
LEVELS = ["National", "Regional", "Local authority"]
META_COLUMNS = ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
                "filter_hint", "filter_grouping_column"]


@dataclass
class Dataset:
    name: str
    title: str
    filters: list[dict]
    indicators: list[dict]
    additive: list[dict]
    levels: list[str] = field(default_factory=lambda: list(LEVELS))
    hidden: list[dict] = field(default_factory=list)
    within_row: list[dict] = field(default_factory=list)

    @property
    def filter_names(self) -> list[str]:
        return [f["name"] for f in self.filters]

    @property
    def indicator_names(self) -> list[str]:
        return [i["name"] for i in self.indicators]

    @property
    def columns(self) -> list[str]:
        return GEOGRAPHY + self.filter_names + self.indicator_names

    @property
    def counts(self) -> list[str]:
        return [i["name"] for i in self.indicators if i["kind"] == "count"]

    @property
    def hidden_counts(self) -> list[str]:
        return [h["name"] for h in self.hidden]

    def filter_order(self, name: str) -> dict:
        """value -> sort position for one filter (grouped filters sort within their group)."""
        f = next(f for f in self.filters if f["name"] == name)
        if "values" in f:
            return {v: i for i, v in enumerate(f["values"])}
        return {(g, v): i for g, vals in f.get("values_by_group", {}).items() for i, v in enumerate(vals)}


@lru_cache(maxsize=None)
def _config(path: str) -> dict:
    """The configuration, read and checked once per file."""
    with open(path, encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    _check_keys(cfg, path)
    return cfg


INDICATOR_KEYS = {"name", "label", "unit", "dp", "kind", "numerator", "denominator", "denominator_row", "grouping"}
FILTER_KEYS = {"name", "label", "hint", "values", "values_by_group", "grouping_column"}


def _check_keys(cfg: dict, path: str) -> None:
    """Unknown keys are mistakes (an unquoted comma in a YAML flow mapping splits a label into a stray key)."""
    for name, d in cfg["datasets"].items():
        for kind, items, known in (("indicator", d["indicators"], INDICATOR_KEYS),
                                   ("filter", d["filters"], FILTER_KEYS)):
            for item in items:
                stray = set(item) - known
                if stray:
                    raise ValueError(f"{path}: dataset {name}, {kind} {item.get('name')}: unknown keys "
                                     f"{sorted(map(str, stray))} (quote a label that holds a comma)")


def load_datasets(path: Path | None = None) -> dict[str, Dataset]:
    cfg = _config(str(path or CONFIG_DIR / "release_datasets.yml"))
    return {
        name: Dataset(name=name, title=d["title"], filters=d["filters"], indicators=d["indicators"],
                      additive=d.get("additive", []), levels=d.get("levels", list(LEVELS)),
                      hidden=d.get("hidden", []), within_row=d.get("within_row", []))
        for name, d in cfg["datasets"].items()
    }


def suppression_cost(path: Path | None = None) -> dict[str, float]:
    """geographic level -> cost multiple of hiding one of its cells (config `suppression_cost`)."""
    cfg = _config(str(path or CONFIG_DIR / "release_datasets.yml"))
    return {str(k): float(v) for k, v in (cfg.get("suppression_cost") or {}).items()}


def headline_cells(path: Path | None = None) -> list[dict]:
    """The rows whose counts are the release's headline, always published exactly (config `headline`)."""
    return _config(str(path or CONFIG_DIR / "release_datasets.yml")).get("headline", [])


def linked_relations(path: Path | None = None) -> list[dict]:
    """Relations between cells of different datasets (same time and geography)."""
    return _config(str(path or CONFIG_DIR / "release_datasets.yml")).get("linked", [])


def meta_rows(ds: Dataset, rounding: int = 0) -> list[dict]:
    """The meta file's rows; with regional rounding every count's label says so (contract 2.6), and so does every
    percentage's and rate's at regional level (worked out from the rounded counts)."""
    rows = []
    note = f" (regions rounded to nearest {rounding})" if rounding and "Regional" in ds.levels else ""
    for f in ds.filters:
        rows.append({"col_name": f["name"], "col_type": "Filter", "label": f["label"], "indicator_grouping": "",
                     "indicator_unit": "", "indicator_dp": "", "filter_hint": f.get("hint", ""),
                     "filter_grouping_column": f.get("grouping_column", "")})
    for ind in ds.indicators:
        rows.append({"col_name": ind["name"], "col_type": "Indicator", "label": ind["label"] + note,
                     "indicator_grouping": ind.get("grouping", ""), "indicator_unit": ind["unit"],
                     "indicator_dp": str(ind["dp"]), "filter_hint": "", "filter_grouping_column": ""})
    return rows


def sort_rows(df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """Rows in time, level, region, LA and configured filter order."""
    d = df.copy()
    keys = [d["time_period"].astype(str), d["geographic_level"].map({lv: i for i, lv in enumerate(LEVELS)}).fillna(9),
            d["region_code"].fillna("").astype(str), d["new_la_code"].fillna("").astype(str)]
    sort_cols = []
    for i, k in enumerate(keys):
        d[f"_k{i}"] = k.to_numpy()
        sort_cols.append(f"_k{i}")
    for f in ds.filters:
        order = ds.filter_order(f["name"])
        if "values" in f:
            d[f"_f_{f['name']}"] = d[f["name"]].map(order).fillna(999)
        else:
            g = f["grouping_column"]
            d[f"_f_{f['name']}"] = [order.get((a, b), 999) for a, b in zip(d[g], d[f["name"]])]
        sort_cols += [f"_f_{f['name']}", f["name"]]
    d = d.sort_values(sort_cols, kind="mergesort").drop(columns=[c for c in d.columns if c.startswith(("_k", "_f_"))])
    return d.reset_index(drop=True)
