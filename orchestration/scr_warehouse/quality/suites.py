"""Data quality for the stewards (contract sections 1 and 3): GX expectation suites generated from the policy seeds,
validated on pandas frames read from DuckDB, turned into one row per failing value (`quality.gx_failures`).

- The suites are GENERATED from `seeds/policy/landing_columns.csv` and `code_lists.csv` (`generate_suite`) and
  written to `expectations/<feed>.json` for review (`write_suites`); a test regenerates them and checks they match.
- Each expectation carries the contract problem code and the landing column in its `meta`; a failing value becomes
  a queue row from GX's `unexpected_index_list` (the record identifier, lineage and a row number).
- Rules GX cannot state on one text frame (a real date in two accepted formats, a number's range, an LA code valid
  at the incident date, a reference into another feed, dates in order) are checked by GX on helper columns that
  `frame_sql` derives in DuckDB (prefix `_chk_`); the expectation's meta still names the landing column.
- GX cannot read DuckDB through SQLAlchemy, so frames are read with DuckDB and validated in one ephemeral context.

Never log record-level data here: counts only.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..paths import EXPECTATIONS_DIR
from ..policy import code_lists, dates_that_may_be_future, earliest_plausible_date, identifier_columns, landing_columns

# The problem codes of contract section 3 (the vocabulary of the stewards' queue).
PROBLEMS = (
    "missing_required", "invalid_value", "invalid_date", "date_order", "unknown_reference",
    "rejected_file", "rejected_row", "rejected_correction",
)
# Feeds validated by GX. Corrections are validated when they are applied (int_corrections: rejected_correction).
GX_FEEDS = ("notifications", "reviews", "evaluations", "actions", "population")
# Where the current (corrected) text records of each feed are; population is not correctable.
FEED_RELATIONS = {
    "notifications": "intermediate.int_notifications_corrected",
    "reviews": "intermediate.int_reviews_corrected",
    "evaluations": "intermediate.int_evaluations_corrected",
    "actions": "intermediate.int_actions_corrected",
}
GX_FAILURE_COLUMNS = ["feed", "record_id", "la_code", "source_file", "source_line", "column_name", "problem",
                      "value", "expectation", "rule", "other_column", "other_value"]
ROW = "_row"  # row number in the validated frame: maps an unexpected index back to its record

# Date order (contract 3, date_order): (feed, earlier column, later column); the later column is the one flagged.
# `review_completion_date` is the evaluated review's completion_date, joined in by frame_sql.
DATE_ORDER = (
    ("notifications", "incident_date", "notified_date"),  # notified before the incident
    ("reviews", "chair_aware_date", "decision_date"),  # decided before the chair knew
    ("reviews", "decision_date", "completion_date"),  # completed before the decision
    ("evaluations", "review_completion_date", "evaluation_date"),  # evaluated before completion
    ("actions", "review_completion_date", "completed_date"),  # an action-plan item done before the review's report
)
# Values required only in some records (contract 3, missing_required): (feed, column, when column, when value).
REQUIRED_WHEN = (
    ("actions", "completed_date", "status", "completed"),  # a completed action-plan item says when
)
# References into another feed (contract 3, unknown_reference): feed -> (column, feed referred to).
REFERENCES = {
    "reviews": ("incident_id", "notifications"),
    "evaluations": ("review_id", "reviews"),
    "actions": ("review_id", "reviews"),
}
# The date an LA code must be valid at, per feed (None: valid at any date).
LA_DATE = {"notifications": "incident_date", "reviews": "incident_date", "population": None}

WHOLE = r"^[+-]?[0-9]{1,9}$"  # as the typed models read whole numbers (macro parse_int_in_range)


def _chk(kind: str, column: str) -> str:
    return f"_chk_{kind}__{column}"


def _exp(type_: str, problem: str, landing_column: str, rule: str, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"problem": problem, "column": landing_column, "rule": rule}}


def _window_rule(feed: str, column: str) -> str:
    latest = "" if (feed, column) in dates_that_may_be_future() else " to the day of the build"
    return f"a date from {earliest_plausible_date()}{latest}"


def generate_suite(feed: str) -> dict:
    """The expectation suite of one feed, from the policy seeds (deterministic: the committed JSON must match)."""
    cols = landing_columns()[feed]
    lists = code_lists()
    ids = identifier_columns(feed)
    exps: list[dict] = []
    if len(ids) == 1:
        exps.append(_exp("expect_column_values_to_be_unique", "invalid_value", ids[0],
                         "identifiers are unique within their feed", column=ids[0]))
    else:
        exps.append(_exp("expect_compound_columns_to_be_unique", "invalid_value", ids[0],
                         "identifiers are unique within their feed", column_list=list(ids)))
    for c in cols:
        if c.required:
            exps.append(_exp("expect_column_values_to_not_be_null", "missing_required", c.column_name,
                             "a required value is empty", column=c.column_name))
        if c.kind == "code" and c.code_list:
            codes = sorted(lists[c.code_list])
            exps.append(_exp("expect_column_values_to_be_in_set", "invalid_value", c.column_name,
                             f"a code of list {c.code_list}", column=c.column_name, value_set=codes))
        elif c.kind == "int":
            exps.append(_exp("expect_column_values_to_match_regex", "invalid_value", c.column_name,
                             "a whole number", column=c.column_name, regex=WHOLE))
            if c.min_value is not None or c.max_value is not None:
                exps.append(_exp("expect_column_values_to_be_between", "invalid_value", c.column_name,
                                 f"between {c.min_value} and {c.max_value}", column=_chk("int", c.column_name),
                                 min_value=c.min_value, max_value=c.max_value))
        elif c.kind == "date":
            # Parsed set-wise in frame_sql (GX's strftime expectation runs strptime row by row).
            exps.append(_exp("expect_column_values_to_be_in_set", "invalid_date", c.column_name,
                             "a real date, YYYY-MM-DD or DD/MM/YYYY", column=_chk("real", c.column_name),
                             value_set=[True]))
            exps.append(_exp("expect_column_values_to_be_in_set", "invalid_value", c.column_name,
                             _window_rule(feed, c.column_name), column=_chk("window", c.column_name),
                             value_set=[True]))
        elif c.kind == "la_code":
            at = LA_DATE.get(feed)
            exps.append(_exp("expect_column_values_to_be_in_set", "unknown_reference", c.column_name,
                             "an English local authority code" + (f" valid at {at}" if at else ""),
                             column=_chk("valid", c.column_name), value_set=[True]))
    for f, earlier, later in DATE_ORDER:
        if f == feed:
            exps.append(_exp("expect_column_pair_values_a_to_be_greater_than_b", "date_order", later,
                             f"{later} on or after {earlier}", column_A=_chk("date", later),
                             column_B=_chk("date", earlier), or_equal=True, ignore_row_if="either_value_is_missing"))
    for f, column, when, value in REQUIRED_WHEN:
        if f == feed:
            exps.append(_exp("expect_column_values_to_be_in_set", "missing_required", column,
                             f"{column} is required when {when} is {value}", column=_chk("present", column),
                             value_set=[True]))
    if feed in REFERENCES:
        column, target = REFERENCES[feed]
        exps.append(_exp("expect_column_values_to_be_in_set", "unknown_reference", column,
                         f"{column} of a known {target} record", column=_chk("known", column), value_set=[True]))
    return {"name": feed, "expectations": exps,
            "meta": {"generated_from": "dbt_project/seeds/policy/landing_columns.csv, code_lists.csv",
                     "generator": "scr_warehouse.quality.generate_suite"}}


def suite_path(feed: str, directory: Path = EXPECTATIONS_DIR) -> Path:
    return directory / f"{feed}.json"


def suite_json(feed: str) -> str:
    return json.dumps(generate_suite(feed), indent=2, sort_keys=True) + "\n"


def write_suites(directory: Path = EXPECTATIONS_DIR) -> list[Path]:
    """(Re)write expectations/<feed>.json from the seeds: `scr-warehouse suites`."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for feed in GX_FEEDS:
        p = suite_path(feed, directory)
        p.write_text(suite_json(feed), encoding="utf-8")
        out.append(p)
    return out


def load_suite(feed: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    """The committed suite; refuses a suite that no longer matches the seeds (regenerate with write_suites)."""
    p = suite_path(feed, directory)
    if not p.exists() or p.read_text(encoding="utf-8") != suite_json(feed):
        raise RuntimeError(f"{p} is missing or out of date with the policy seeds: run "
                           "`scr-warehouse suites` and commit expectations/")
    return json.loads(p.read_text(encoding="utf-8"))
