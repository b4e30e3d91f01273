"""Screener rules on a file's structure: file names, required columns, data against meta, column names and the meta
file itself."""
from __future__ import annotations

import re

from ..datasets import META_COLUMNS
from .file import OBSERVATIONAL, OPTIONAL_META, REQUIRED_DATA, SMUSHED, SNAKE, UNITS, File


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
