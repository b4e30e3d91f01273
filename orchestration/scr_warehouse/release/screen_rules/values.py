"""Screener rules on a file's values: time, filters, geography, general, indicators (numeric or a GSS symbol, and
additive: our own), harmonised values and the API's character limits."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...policy import setting
from ..datasets import load_datasets
from ..relations import row_relations
from .file import GEO_COLS, LEVEL_COLUMNS, NUMBER, OBSERVATIONAL, SYMBOLS, TIME_IDENTIFIERS, File, lookups


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
    bad = ~((f.data["country_code"] == setting("country_code")) & (f.data["country_name"] == setting("country_name")))
    return [f"country code and name do not match the lookup, {f.lines(bad)}"] if bad.any() else []


def _lookup_mismatch(f: File, key: str, levels: list[str], matches, what: str) -> list[str]:
    """Rows at `levels` whose `key` column's lookup entry does not match the row (`matches(row frame) -> bool
    series`); nothing when the file has no such column."""
    d = f.data
    if key not in d.columns:
        return []
    bad = d["geographic_level"].isin(levels) & ~matches(d)
    return [f"{what} do not match the lookup, {f.lines(bad)}"] if bad.any() else []


def rule_geog_region_combo(f: File) -> list[str]:
    regions = lookups().regions
    return _lookup_mismatch(f, "region_code", ["Regional", "Local authority"],
                            lambda d: d["region_code"].map(regions).fillna("\0") == d["region_name"],
                            "region code and name")


def rule_geog_la_combo(f: File) -> list[str]:
    las = lookups().las
    return _lookup_mismatch(
        f, "new_la_code", ["Local authority"],
        lambda d: pd.Series([las.get(c) == (o, n) for c, o, n in zip(d["new_la_code"], d["old_la_code"], d["la_name"])],
                            index=d.index),
        "old number, new code and name")


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
    if any("rounded" in str(lab) for c, lab in zip(f.meta["col_name"], f.meta["label"]) if c in ds.counts):
        # regional counts published rounded (contract 2.6): a relation with a regional cell holds only before rounding
        regional = (f.data["geographic_level"] == "Regional").to_numpy()
        rels = [(t, parts) for t, parts in rels if not regional[[t, *parts]].any()]
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
