"""The Department's published-data screener (eesyscreener 0.3.1 rules, listed below in RULES), applied to
every published data file and its meta file, with the same levels and stage order: a stage with any FAIL stops the
file's run. Two checks of our own follow the Department's: indicators are numbers or GSS symbols, and published
parts add up to their published Total. A release is publishable only when no rule FAILs.

One rule is one function in screen_rules/ (structure.py, values.py), registered here with its stage and level (RULES);
tests/release/test_screener.py gives each a failing fixture.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import screen_rules as R
from .screen_rules import FAIL, PASS, WARNING, File

__all__ = ["FAIL", "PASS", "RULES", "STAGES", "WARNING", "Result", "screen_file", "screen_release", "screen_results"]

@dataclass
class Result:
    file: str
    stage: str
    rule: str
    level: str
    message: str

    def __str__(self) -> str:
        return f"{self.level} {self.file}: {self.rule}: {self.message}"


STAGES = ["filenames", "column prechecks", "cross-file", "columns", "meta", "time", "filters", "geography",
          "general", "indicators", "harmonised", "API"]
RULES: list[tuple[str, str, object]] = [
    ("filenames", FAIL, R.rule_filename_spaces), ("filenames", FAIL, R.rule_filename_special),
    ("filenames", FAIL, R.rule_filenames_match),
    ("column prechecks", FAIL, R.rule_col_req_meta), ("column prechecks", FAIL, R.rule_col_req_data),
    ("column prechecks", FAIL, R.rule_col_to_rows),
    ("cross-file", FAIL, R.rule_cross_meta_to_data), ("cross-file", WARNING, R.rule_cross_data_to_meta),
    ("columns", FAIL, R.rule_col_names_spaces), ("columns", WARNING, R.rule_col_snake_case),
    ("columns", WARNING, R.rule_col_var_start), ("columns", FAIL, R.rule_col_ind_smushed),
    ("meta", FAIL, R.rule_meta_col_type), ("meta", FAIL, R.rule_meta_ob_unit), ("meta", FAIL, R.rule_label),
    ("meta", FAIL, R.rule_dupe_label), ("meta", FAIL, R.rule_fil_grp), ("meta", FAIL, R.rule_fil_grp_dupe),
    ("meta", FAIL, R.rule_fil_grp_match), ("meta", FAIL, R.rule_fil_grp_stripped), ("meta", FAIL, R.rule_filter_hint),
    ("meta", FAIL, R.rule_indicator_grouping), ("meta", FAIL, R.rule_ind_unit), ("meta", FAIL, R.rule_indicator_dp),
    ("meta", FAIL, R.rule_ind_dp_values), ("meta", WARNING, R.rule_ind_dp_set),
    ("meta", FAIL, R.rule_ind_unit_validation),
    ("time", FAIL, R.rule_time_period_num), ("time", FAIL, R.rule_time_id_valid), ("time", FAIL, R.rule_time_id_mix),
    ("time", FAIL, R.rule_time_period_six),
    ("filters", FAIL, R.rule_filter_not_singular), ("filters", WARNING, R.rule_filter_defaults),
    ("filters", FAIL, R.rule_filter_group_level), ("filters", FAIL, R.rule_filter_item_limit),
    ("filters", FAIL, R.rule_filter_whitespace), ("filters", FAIL, R.rule_filter_blanks),
    ("filters", FAIL, R.rule_filter_ob_total),
    ("geography", FAIL, R.rule_geog_level), ("geography", FAIL, R.rule_geog_level_present),
    ("geography", FAIL, R.rule_geog_country_combo), ("geography", FAIL, R.rule_geog_region_combo),
    ("geography", FAIL, R.rule_geog_la_combo), ("geography", FAIL, R.rule_geog_level_completed),
    ("geography", FAIL, R.rule_geog_overcompleted_cols), ("geography", FAIL, R.rule_geog_na),
    ("general", FAIL, R.rule_general_dupes), ("general", FAIL, R.rule_general_null),
    ("general", WARNING, R.rule_general_null_warn),
    ("indicators", FAIL, R.rule_ind_invalid_entry), ("indicators", FAIL, R.rule_ind_numeric),
    ("indicators", FAIL, R.rule_additive),
    ("harmonised", FAIL, R.rule_eth_values),
    ("API", WARNING, R.rule_api_char_limits),
    ("API", WARNING, R.rule_api_dict_col_name), ("API", WARNING, R.rule_api_dict_fil_item),
]


def screen_file(data_path: Path) -> list[Result]:
    """Every rule on one data file and its meta file, stage by stage; a stage with a FAIL ends the run."""
    f = File(data_path)
    results: list[Result] = []
    try:
        if f.path.stat().st_size == 0 or len(f.data) == 0:
            return [Result(f.name, "filenames", "empty_file", FAIL, "the file has no rows: do not publish it")]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        return [Result(f.name, "filenames", "readable", FAIL, f"cannot be read as UTF-8 CSV: {e}")]
    for stage in STAGES:
        failed = False
        for st, level, rule in RULES:
            if st != stage:
                continue
            name = rule.__name__[len("rule_"):]
            for msg in rule(f):
                results.append(Result(f.name, stage, name, level, msg))
                failed |= level == FAIL
        if failed:
            break
    return results


NOT_DATA = {"revisions.csv"}  # the revisions list (contract 2.8) sits beside the data files but is not one


def data_files(directory: Path | str) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.csv")
                  if not p.name.endswith(".meta.csv") and p.name not in NOT_DATA)


def screen_results(directory: Path | str) -> list[Result]:
    files = data_files(directory)
    if not files:
        return [Result(str(directory), "filenames", "data_files", FAIL, "no data files")]
    return [r for p in files for r in screen_file(p)]


def screen_release(directory: Path | str) -> list[str]:
    """Every FAIL of every published data file in directory; [] means the release can be published."""
    return [str(r) for r in screen_results(directory) if r.level == FAIL]
