"""The rules of the Department's published-data screener (eesyscreener 0.3.1, see screener.py), one function each:
`rule_<name>(f: File) -> list[str]`, messages naming the lines they concern; the registry with each rule's stage and
level is in screener.py. Also two rules of our own: indicators numeric or a GSS symbol, and additivity."""
from __future__ import annotations

import csv
import re
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..paths import REFERENCE_SEEDS_DIR
from .datasets import META_COLUMNS, load_datasets
from .relations import row_relations

PASS, WARNING, FAIL = "PASS", "WARNING", "FAIL"
OPTIONAL_META = ["filter_default", "parent_filter"]
TIME_COLS = ["time_period", "time_identifier"]
GEO_COLS = ["geographic_level", "country_code", "country_name", "region_code", "region_name", "new_la_code",
            "old_la_code", "la_name"]
OBSERVATIONAL = TIME_COLS + GEO_COLS
REQUIRED_DATA = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
UNITS = {"", "%", "pp", "£", "£m", "numberstring"}
SYMBOLS = {"c", "x", "z", "k", "low", "u"}
LEVEL_COLUMNS = {"National": [], "Regional": ["region_code", "region_name"],
                 "Local authority": ["region_code", "region_name", "old_la_code", "new_la_code", "la_name"]}
TIME_IDENTIFIERS = {"Financial year", "Academic year", "Calendar year", "Tax year", "Reporting year"}
SMUSHED = re.compile(r"(^|_)(male|female|white|asian|black|mixed|boys|girls)(_|$)")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@lru_cache(maxsize=None)
def _lookups() -> tuple[dict, dict]:
    """region code -> name; LA code -> (old number, name) as the Department's lookup lists them."""
    regions: dict[str, str] = {}
    with open(REFERENCE_SEEDS_DIR / "ref_region_la_hierarchy.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["region_code"].startswith("E12"):
                regions[r["region_code"]] = r["region_name"]
    las: dict[str, tuple[str, str]] = {}
    with open(REFERENCE_SEEDS_DIR / "ref_las.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if " / " not in r["new_la_code"]:
                las[r["new_la_code"]] = (r["old_la_code"], r["la_name"])
    return regions, las


class File:
    """One data file and its meta file, read as text."""

    def __init__(self, data_path: Path):
        self.path = Path(data_path)
        self.name = self.path.name
        self.meta_path = self.path.with_name(self.path.name[: -len(".csv")] + ".meta.csv")

    @cached_property
    def data(self) -> pd.DataFrame:
        return pd.read_csv(self.path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")

    @cached_property
    def meta(self) -> pd.DataFrame:
        if not self.meta_path.exists():
            return pd.DataFrame(columns=META_COLUMNS)
        return pd.read_csv(self.meta_path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")

    def of_type(self, kind: str) -> list[str]:
        if "col_type" not in self.meta.columns:
            return []
        return self.meta.loc[self.meta["col_type"] == kind, "col_name"].tolist()

    @property
    def filters(self) -> list[str]:
        return [c for c in self.of_type("Filter") if c in self.data.columns]

    @property
    def indicators(self) -> list[str]:
        return [c for c in self.of_type("Indicator") if c in self.data.columns]

    def lines(self, mask) -> str:
        """The data lines (header = line 1) where mask holds, the first few."""
        rows = np.flatnonzero(np.asarray(mask)) + 2
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        return "line " + ", ".join(map(str, rows[:5])) + more


# ---------------------------------------------------------------------------------------------------- filenames
def rule_filename_spaces(f: File) -> list[str]:
    return [f"{n} has a space" for n in (f.name, f.meta_path.name) if " " in n]


def rule_filename_special(f: File) -> list[str]:
    stem = f.name[: -len(".csv")]
    return [] if re.fullmatch(r"[A-Za-z0-9_-]+", stem) else [f"{f.name}: only letters, digits, - and _ allowed"]


def rule_filenames_match(f: File) -> list[str]:
    return [] if f.meta_path.exists() else [f"no {f.meta_path.name} beside {f.name}"]


# ------------------------------------------------------------------------------------------------ column prechecks
def rule_col_req_meta(f: File) -> list[str]:
    cols = list(f.meta.columns)
    extra = [c for c in cols if c not in META_COLUMNS + OPTIONAL_META]
    missing = [c for c in META_COLUMNS if c not in cols]
    return [f"meta columns missing {missing}" for _ in [1] if missing] + [f"meta has unknown columns {extra}"
                                                                          for _ in [1] if extra]


def rule_col_req_data(f: File) -> list[str]:
    missing = [c for c in REQUIRED_DATA if c not in f.data.columns]
    return [f"data lacks {missing}"] if missing else []


def rule_col_to_rows(f: File) -> list[str]:
    if len(f.data.columns) < len(f.meta) + 5:
        return [f"{len(f.data.columns)} data columns for {len(f.meta)} meta rows: needs at least 5 more columns"]
    return []


# ------------------------------------------------------------------------------------------------------ cross-file
def rule_cross_meta_to_data(f: File) -> list[str]:
    named = list(f.meta["col_name"]) + [g for g in f.meta["filter_grouping_column"] if g]
    return [f"meta names {c!r}, not a data column" for c in named if c not in f.data.columns]


def rule_cross_data_to_meta(f: File) -> list[str]:
    described = set(f.meta["col_name"]) | set(f.meta["filter_grouping_column"]) | set(OBSERVATIONAL)
    return [f"data column {c!r} is not in the meta file" for c in f.data.columns
            if c not in described and f.data[c].nunique() > 1]


# --------------------------------------------------------------------------------------------------------- columns
def rule_col_names_spaces(f: File) -> list[str]:
    return [f"column {c!r} has a space" for c in f.data.columns if " " in c]


def rule_col_snake_case(f: File) -> list[str]:
    return [f"column {c!r} is not snake_case" for c in f.data.columns if not SNAKE.match(c)]


def rule_col_var_start(f: File) -> list[str]:
    return [f"column {c!r} does not start with a lowercase letter" for c in f.data.columns
            if not re.match(r"[a-z]", c)]


def rule_col_ind_smushed(f: File) -> list[str]:
    return [f"indicator {c!r} bakes a breakdown into its name" for c in f.of_type("Indicator") if SMUSHED.search(c)]


# ------------------------------------------------------------------------------------------------------------ meta
def rule_meta_col_type(f: File) -> list[str]:
    bad = f.meta.loc[~f.meta["col_type"].isin(["Filter", "Indicator"]), "col_name"]
    return [f"{c}: col_type must be Filter or Indicator" for c in bad]


def rule_meta_ob_unit(f: File) -> list[str]:
    return [f"{c} is a time or geography column and must not be in the meta" for c in f.meta["col_name"]
            if c in OBSERVATIONAL]


def rule_label(f: File) -> list[str]:
    return [f"{c}: label missing" for c, lab in zip(f.meta["col_name"], f.meta["label"]) if not lab.strip()]


def rule_dupe_label(f: File) -> list[str]:
    d = f.meta["label"][f.meta["label"].duplicated()]
    return [f"label {x!r} used twice" for x in d]


def rule_fil_grp(f: File) -> list[str]:
    m = f.meta
    return [f"{c}: filter_grouping_column only on filters" for c in m.loc[(m["col_type"] != "Filter")
                                                                          & (m["filter_grouping_column"] != ""),
                                                                          "col_name"]]


def rule_fil_grp_dupe(f: File) -> list[str]:
    g = f.meta["filter_grouping_column"]
    return [f"filter_grouping_column {x!r} repeated" for x in g[(g != "") & g.duplicated()]]


def rule_fil_grp_match(f: File) -> list[str]:
    return [f"{c}: filter_grouping_column {g!r} is the filter itself" for c, g in
            zip(f.meta["col_name"], f.meta["filter_grouping_column"]) if g and g == c]


def rule_fil_grp_stripped(f: File) -> list[str]:
    names = [re.sub(r"[^a-z0-9]", "", c.lower()) for c in f.meta["col_name"]]
    return ["column names not unique once punctuation is stripped"] if len(set(names)) != len(names) else []


def _blank_for(f: File, column: str, kind: str) -> list[str]:
    m = f.meta
    return [f"{c}: {column} must be blank for a {kind.lower()}" for c in
            m.loc[(m["col_type"] == kind) & (m[column].str.strip() != ""), "col_name"]]


def rule_filter_hint(f: File) -> list[str]:
    return _blank_for(f, "filter_hint", "Indicator")


def rule_indicator_grouping(f: File) -> list[str]:
    return _blank_for(f, "indicator_grouping", "Filter")


def rule_ind_unit(f: File) -> list[str]:
    return _blank_for(f, "indicator_unit", "Filter")


def rule_indicator_dp(f: File) -> list[str]:
    return _blank_for(f, "indicator_dp", "Filter")


def rule_ind_dp_values(f: File) -> list[str]:
    m = f.meta[f.meta["col_type"] == "Indicator"]
    return [f"{c}: indicator_dp {d!r} is not a whole number" for c, d in zip(m["col_name"], m["indicator_dp"])
            if d.strip() and not d.strip().isdigit()]


def rule_ind_dp_set(f: File) -> list[str]:
    m = f.meta[f.meta["col_type"] == "Indicator"]
    return [f"{c}: indicator_dp not set" for c, d in zip(m["col_name"], m["indicator_dp"]) if not d.strip()]


def rule_ind_unit_validation(f: File) -> list[str]:
    m = f.meta[f.meta["col_type"] == "Indicator"]
    return [f"{c}: indicator_unit {u!r} is not one of {sorted(UNITS)}" for c, u in
            zip(m["col_name"], m["indicator_unit"]) if u not in UNITS]


# ------------------------------------------------------------------------------------------------------------ time
def rule_time_period_num(f: File) -> list[str]:
    bad = ~f.data["time_period"].str.fullmatch(r"\d+")
    return [f"time_period not numeric, {f.lines(bad)}"] if bad.any() else []


def rule_time_id_valid(f: File) -> list[str]:
    bad = ~f.data["time_identifier"].isin(TIME_IDENTIFIERS)
    return [f"time_identifier not known, {f.lines(bad)}"] if bad.any() else []


def rule_time_id_mix(f: File) -> list[str]:
    ids = set(f.data["time_identifier"])
    return [f"time identifiers mixed: {sorted(ids)}"] if len(ids) > 1 else []


def rule_time_period_six(f: File) -> list[str]:
    tp = f.data["time_period"]
    six = tp.str.fullmatch(r"\d{6}")
    start, end = tp.str[:4].where(six, "0").astype(int), tp.str[4:].where(six, "0").astype(int)
    bad = ~(six & ((start + 1) % 100 == end))
    return [f"financial years must be six digits of consecutive years (200910), {f.lines(bad)}"] if bad.any() else []


# --------------------------------------------------------------------------------------------------------- filters
def rule_filter_not_singular(f: File) -> list[str]:
    return [f"filter {c} has a single value" for c in f.filters if f.data[c].nunique() < 2]


def rule_filter_defaults(f: File) -> list[str]:
    return [f"filter {c} has no Total" for c in f.filters if "Total" not in set(f.data[c])]


def rule_filter_group_level(f: File) -> list[str]:
    out = []
    for c, g in zip(f.meta["col_name"], f.meta["filter_grouping_column"]):
        if g and c in f.data.columns and g in f.data.columns and f.data[g].nunique() > f.data[c].nunique():
            out.append(f"group {g} has more values than its filter {c}")
    return out


def rule_filter_item_limit(f: File) -> list[str]:
    return [f"filter {c} has over 25,000 values" for c in f.filters if f.data[c].nunique() > 25000]


def rule_filter_whitespace(f: File) -> list[str]:
    return [f"filter {c}: leading or trailing space, {f.lines(f.data[c] != f.data[c].str.strip())}"
            for c in f.filters if (f.data[c] != f.data[c].str.strip()).any()]


def rule_filter_blanks(f: File) -> list[str]:
    return [f"filter {c}: blank value, {f.lines(f.data[c].str.strip() == '')}" for c in f.filters
            if (f.data[c].str.strip() == "").any()]


def rule_filter_ob_total(f: File) -> list[str]:
    out = []
    for c in [c for c in OBSERVATIONAL if c in f.data.columns]:
        bad = f.data[c].str.lower().isin(["total", "all"])
        if bad.any():
            out.append(f"{c} holds Total or All, {f.lines(bad)}")
    return out


# ------------------------------------------------------------------------------------------------------- geography
def rule_geog_level(f: File) -> list[str]:
    bad = ~f.data["geographic_level"].isin(LEVEL_COLUMNS)
    return [f"geographic_level not known, {f.lines(bad)}"] if bad.any() else []


def rule_geog_level_present(f: File) -> list[str]:
    out = []
    for lvl in set(f.data["geographic_level"]) & set(LEVEL_COLUMNS):
        missing = [c for c in LEVEL_COLUMNS[lvl] if c not in f.data.columns]
        if missing:
            out.append(f"{lvl} rows need columns {missing}")
    return out


def rule_geog_country_combo(f: File) -> list[str]:
    bad = ~((f.data["country_code"] == "E92000001") & (f.data["country_name"] == "England"))
    return [f"country code and name do not match the lookup, {f.lines(bad)}"] if bad.any() else []


def rule_geog_region_combo(f: File) -> list[str]:
    regions, _ = _lookups()
    d = f.data
    if "region_code" not in d.columns:
        return []
    rows = d["geographic_level"].isin(["Regional", "Local authority"])
    bad = rows & (d["region_code"].map(regions).fillna("\0") != d["region_name"])
    return [f"region code and name do not match the lookup, {f.lines(bad)}"] if bad.any() else []


def rule_geog_la_combo(f: File) -> list[str]:
    _, las = _lookups()
    d = f.data
    if "new_la_code" not in d.columns:
        return []
    rows = d["geographic_level"] == "Local authority"
    ok = pd.Series([las.get(c) == (o, n) for c, o, n in zip(d["new_la_code"], d["old_la_code"], d["la_name"])],
                   index=d.index)
    bad = rows & ~ok
    return [f"old number, new code and name do not match the lookup, {f.lines(bad)}"] if bad.any() else []


def rule_geog_level_completed(f: File) -> list[str]:
    out = []
    for lvl, cols in LEVEL_COLUMNS.items():
        rows = f.data["geographic_level"] == lvl
        for c in [c for c in cols if c in f.data.columns]:
            bad = rows & (f.data[c] == "")
            if bad.any():
                out.append(f"{lvl} rows with {c} empty, {f.lines(bad)}")
    return out


def rule_geog_overcompleted_cols(f: File) -> list[str]:
    out = []
    for lvl, cols in LEVEL_COLUMNS.items():
        rows = f.data["geographic_level"] == lvl
        for c in [c for c in GEO_COLS[3:] if c not in cols and c in f.data.columns]:
            bad = rows & (f.data[c] != "")
            if bad.any():
                out.append(f"{lvl} rows with {c} filled, {f.lines(bad)}")
    return out


def rule_geog_na(f: File) -> list[str]:
    out = []
    for code, name in (("region_code", "region_name"), ("new_la_code", "la_name")):
        if code in f.data.columns:
            bad = (f.data[code] == "x") != (f.data[name] == "Not available")
            if bad.any():
                out.append(f"{code} x goes with {name} 'Not available' and only with it, {f.lines(bad)}")
    return out


# --------------------------------------------------------------------------------------------------------- general
def rule_general_dupes(f: File) -> list[str]:
    keys = [c for c in OBSERVATIONAL if c in f.data.columns] + f.filters
    bad = f.data.duplicated(keys, keep="first")
    return [f"rows repeat the same time, geography and filters, {f.lines(bad)}"] if bad.any() else []


def _cells_in(f: File, values: set) -> list[str]:
    out = []
    for c in f.data.columns:
        bad = f.data[c].isin(values)
        if bad.any():
            out.append(f"{c}: {sorted(set(f.data.loc[bad, c]))}, {f.lines(bad)}")
    return out


def rule_general_null(f: File) -> list[str]:
    return _cells_in(f, {"NULL", "Null", "null", "NA", "na"})


def rule_general_null_warn(f: File) -> list[str]:
    return _cells_in(f, {"N/A", "n/a", ".", "..", "-"})


# ------------------------------------------------------------------------------------------------------ indicators
def rule_ind_invalid_entry(f: File) -> list[str]:
    out = []
    for c in f.indicators:
        bad = f.data[c].str.strip().isin(["", "~", ":"])
        if bad.any():
            out.append(f"indicator {c}: blank, ~ or :, {f.lines(bad)}")
    return out


def rule_ind_numeric(f: File) -> list[str]:
    """Ours: every indicator cell is a number or a GSS symbol."""
    out = []
    for c in f.indicators:
        v = f.data[c].str.strip()
        bad = ~(v.str.fullmatch(NUMBER.pattern) | v.isin(SYMBOLS))
        if bad.any():
            out.append(f"indicator {c}: neither a number nor a GSS symbol, {f.lines(bad)}")
    return out


def rule_additive(f: File) -> list[str]:
    """Ours: for a dataset of this release, every additive relation of its configuration (parts and Total, regions
    and England, LAs and their region) holds wherever all its cells are published numbers."""
    ds = load_datasets().get(f.name[: -len(".csv")])
    if ds is None:
        return []
    d = f.data.replace("", None)
    rels = row_relations(d, ds)
    out = []
    for c in [c for c in ds.counts if c in d.columns]:
        v = pd.to_numeric(f.data[c], errors="coerce").to_numpy()
        bad = [t for t, parts in rels
               if not np.isnan(v[t]) and not np.isnan(v[parts]).any() and abs(v[parts].sum() - v[t]) > 1e-9]
        if bad:
            out.append(f"{c}: parts do not add up to their total, {f.lines(np.isin(np.arange(len(d)), bad))}")
    return out


# ---------------------------------------------------------------------------------------------- harmonised and API
def rule_eth_values(f: File) -> list[str]:
    allowed = {"White", "Mixed / Multiple ethnic groups", "Asian / Asian British",
               "Black / African / Caribbean / Black British", "Other ethnic group", "Unknown", "Total"}
    if "ethnicity_major" not in f.data.columns:
        return []
    bad = ~f.data["ethnicity_major"].isin(allowed)
    return [f"ethnicity_major values not harmonised, {f.lines(bad)}"] if bad.any() else []


def rule_api_char_limits(f: File) -> list[str]:
    out = [f"column name {c!r} over 50 characters" for c in f.data.columns if len(c) > 50]
    out += [f"label of {c!r} over 100 characters" for c, lab in zip(f.meta["col_name"], f.meta["label"])
            if len(lab) > 100]
    for c in ("region_code", "new_la_code"):
        if c in f.data.columns and (f.data[c].str.len() > 30).any():
            out.append(f"{c} over 30 characters")
    for c in f.filters:
        if (f.data[c].str.len() > 120).any():
            out.append(f"filter {c}: an item over 120 characters")
    return out
