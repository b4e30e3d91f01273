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

import html
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .ingest import RECORD_ID_SEPARATOR
from .paths import EXPECTATIONS_DIR
from .policy import code_lists, dates_that_may_be_future, earliest_plausible_date, identifier_columns, landing_columns

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


# ---------------------------------------------------------------------------------------------------------------
# Frames: one DuckDB query per feed gives the text records, lineage and every `_chk_` helper column, so the rules
# are evaluated set-wise in the warehouse (the date and whole-number patterns are those of the dbt macros
# parse_date and parse_int_in_range, LA validity that of int_las) and pandas only carries the result to GX.

# Where the current (corrected) text records of each feed are.
_SOURCES = {**FEED_RELATIONS, "population": "staging.stg_population"}
LA_COLUMN = {"notifications": "la_code", "reviews": "lscb_la_code", "population": "la_code"}
RECORD_LA = "_record_la_code"  # the LA a record belongs to, for the per-LA queue


def _date_sql(expr: str) -> str:
    """As the dbt macro parse_date: ISO YYYY-MM-DD or DD/MM/YYYY, impossible dates NULL."""
    return (f"(case when regexp_full_match({expr}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
            f"then try_strptime({expr}, '%Y-%m-%d') "
            f"when regexp_full_match({expr}, '[0-9]{{2}}/[0-9]{{2}}/[0-9]{{4}}') "
            f"then try_strptime({expr}, '%d/%m/%Y') end)")


def _int_sql(expr: str) -> str:
    """As the dbt macro parse_int_in_range without bounds (GX checks the bounds)."""
    return f"(case when regexp_full_match({expr}, '[+-]?[0-9]{{1,9}}') then try_cast({expr} as bigint) end)"


def _la_valid_sql(code: str, at: str | None) -> str:
    """NULL when the code is missing; an English LA code valid at the date (any date when there is none)."""
    ever = f"exists (select 1 from _las l where l.la_code = {code})"
    if at is None:
        return f"(case when {code} is null then null else {ever} end)"
    return (f"(case when {code} is null then null when not {ever} then false when {at} is null then true "
            f"else exists (select 1 from _las l where l.la_code = {code} "
            f"and (l.valid_from is null or {at} >= l.valid_from) and (l.valid_to is null or {at} <= l.valid_to)) end)")


def _relation_exists(con, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, name]).fetchall()[0][0])


def _text_relation(con, feed: str) -> str:
    """SQL for the feed's current text records with lineage (an empty relation when the feed is not built)."""
    cols = [c.column_name for c in landing_columns()[feed]]
    if _relation_exists(con, _SOURCES[feed]):
        select = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in cols)
        return f"select {select}, cast(_source_file as varchar) as _source_file, _source_line from {_SOURCES[feed]}"
    select = ", ".join(f'cast(null as varchar) as "{c}"' for c in cols)
    return f"select {select}, cast(null as varchar) as _source_file, cast(null as integer) as _source_line where false"


def frame_sql(con, feed: str) -> str:
    """The query giving the frame GX validates for one feed: text columns, lineage, `_chk_` helper columns and the
    record's LA."""
    ctes = {f: _text_relation(con, f) for f in ("notifications", "reviews", feed)}
    has_las = _relation_exists(con, "intermediate.int_las")
    las = ("select la_code, valid_from, valid_to from intermediate.int_las" if has_las
           else "select cast(null as varchar) as la_code, cast(null as date) as valid_from, "
                "cast(null as date) as valid_to where false")
    with_sql = ", ".join([f"_las as ({las})", *(f"_{f} as ({sql})" for f, sql in ctes.items())])
    cols = landing_columns()[feed]
    out = ["t.*"]
    joins = []
    for c in cols:
        col = f't."{c.column_name}"'
        if c.kind == "int":
            out.append(f'{_int_sql(col)} as "{_chk("int", c.column_name)}"')
        elif c.kind == "date":
            out.append(f'(case when {col} is null then null else {_date_sql(col)} is not null end) '
                       f'as "{_chk("real", c.column_name)}"')
            latest = "" if (feed, c.column_name) in dates_that_may_be_future() else " and d <= current_date"
            out.append(f"(select d >= date '{earliest_plausible_date()}'{latest} "
                       f'from (select cast({_date_sql(col)} as date) as d)) as "{_chk("window", c.column_name)}"')
    dated: set[str] = set()  # a date in two rules (decision_date) is parsed once
    for f, earlier, later in DATE_ORDER:
        if f == feed:
            for col in (earlier, later):
                if col in dated:
                    continue
                dated.add(col)
                if col == "review_completion_date":
                    joins.append("left join (select review_id, max(" + _date_sql("completion_date") + ") as d "
                                 "from _reviews group by review_id) _rc on _rc.review_id = t.review_id")
                    out.append(f'_rc.d as "{_chk("date", col)}"')
                else:
                    out.append(f'{_date_sql("t." + col)} as "{_chk("date", col)}"')
    for f, column, when, value in REQUIRED_WHEN:
        if f == feed:
            out.append(f"(case when t.\"{when}\" = '{value}' then t.\"{column}\" is not null end) "
                       f'as "{_chk("present", column)}"')
    if feed in REFERENCES:
        column, target = REFERENCES[feed]
        tid = "incident_id" if target == "notifications" else identifier_columns(target)[0]
        out.append(f'(case when t."{column}" is null then null else exists (select 1 from _{target} k '
                   f'where k."{tid}" = t."{column}") end) as "{_chk("known", column)}"')
    la_col = LA_COLUMN.get(feed)
    if la_col:
        at = None
        if feed == "notifications":
            at = _date_sql("t.incident_date")
        elif feed == "reviews":
            # As int_reviews.lscb_la_valid: at the reviewed incident's date, else when the chair knew.
            joins.append("left join (select incident_id, min(" + _date_sql("incident_date") + ") as d "
                         "from _notifications group by incident_id) _inc on _inc.incident_id = t.incident_id")
            at = f"coalesce(_inc.d, {_date_sql('t.chair_aware_date')})"
        out.append(f'{_la_valid_sql("t." + la_col, at)} as "{_chk("valid", la_col)}"')
        out.append(f"t.{la_col} as {RECORD_LA}")
    else:  # evaluations, actions: the evaluated/actioned review's LSCB
        joins.append("left join (select review_id, max(lscb_la_code) as la from _reviews group by review_id) _rl "
                     "on _rl.review_id = t.review_id")
        out.append(f"_rl.la as {RECORD_LA}")
    return (f"with {with_sql} select {', '.join(out)} from _{feed} t {' '.join(joins)} "
            f"order by t._source_file, t._source_line")


def read_frames(con, feeds: tuple[str, ...] | list[str] = GX_FEEDS) -> dict[str, pd.DataFrame]:
    """The frame of every GX feed (see frame_sql). Text columns other than identifiers arrive as pandas
    categoricals straight from Arrow (no Python string per cell), which is also what makes GX fast on them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    frames = {}
    for feed in feeds:
        table = con.sql(frame_sql(con, feed)).to_arrow_table()
        ids = set(identifier_columns(feed))
        for i, name in enumerate(table.column_names):
            typ = table.schema.field(i).type
            if name not in ids and name != "_source_file" and (pa.types.is_string(typ) or pa.types.is_boolean(typ)):
                table = table.set_column(i, name, pc.dictionary_encode(table.column(i)))
        df = table.to_pandas()
        for c in df.columns:
            if c in ids or c == "_source_file":
                df[c] = df[c].astype(object).where(df[c].notna(), None)
        df.insert(0, ROW, np.arange(len(df), dtype=np.int64))
        frames[feed] = df
    return frames


def record_ids(feed: str, df: pd.DataFrame) -> pd.Series:
    ids = identifier_columns(feed)
    if len(ids) == 1:
        return df[ids[0]].astype("object")
    return df[list(ids)].astype(str).agg(RECORD_ID_SEPARATOR.join, axis=1)


def gx_frame(feed: str, frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Only what the suite reads, the identifiers and the row number, HTML-escaped (see Validator.validate)."""
    used = {ROW, *identifier_columns(feed)}
    for e in spec["expectations"]:
        k = e["kwargs"]
        used |= {k.get("column"), k.get("column_A"), k.get("column_B"), *k.get("column_list", [])}
    return html_escaped(frame[[c for c in frame.columns if c in used]])


# ---------------------------------------------------------------------------------------------------------------
# Validation


@dataclass
class FeedResult:
    feed: str
    records: int
    success: bool
    failures: pd.DataFrame  # GX_FAILURE_COLUMNS
    evaluated: int
    failed_expectations: int
    seconds: float
    problems: dict[str, int] = field(default_factory=dict)
    read_seconds: float = 0.0  # reading the frame from the warehouse (validate_all given a warehouse file)


class Validator:
    """An ephemeral GX context with one pandas datasource, its results kept for Data Docs (validate_all makes one
    per worker, and one more that gathers their results and builds the Data Docs)."""

    def __init__(self, docs_dir: Path | None = None):
        import os

        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx

        self.gx = gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.docs_dir = docs_dir
        if docs_dir is not None:
            docs_dir.mkdir(parents=True, exist_ok=True)
            self.context.add_data_docs_site(
                site_name="stewards",
                site_config={
                    "class_name": "SiteBuilder",
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                      "base_directory": str(docs_dir.resolve())},
                },
            )
        self.datasource = self.context.data_sources.add_pandas("warehouse")

    def add_suite(self, feed: str, spec: dict):
        """The feed's suite in this context (validate adds it; the Data Docs need it also for a feed another
        process validated)."""
        suite = self.gx.ExpectationSuite(name=feed, meta=spec.get("meta", {}))
        for e in spec["expectations"]:
            from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

            suite.add_expectation_configuration(ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"],
                                                                         meta=e["meta"]))
        return self.context.suites.add(suite)

    def validate(self, feed: str, spec: dict, frame: pd.DataFrame) -> FeedResult:
        """Validate one feed's frame (read_frames); failures name the record, its LA, file, line and column."""
        t0 = time.perf_counter()
        ids = list(identifier_columns(feed))
        asset = self.datasource.add_dataframe_asset(name=feed)
        batch_def = asset.add_batch_definition_whole_dataframe(f"{feed}_current")
        suite = self.add_suite(feed, spec)
        vd = self.context.validation_definitions.add(
            self.gx.ValidationDefinition(name=f"{feed}_validation", data=batch_def, suite=suite))
        result = vd.run(
            # GX's Data Docs do not escape values from the data (unexpected values, index columns), and landing
            # values are untrusted: GX sees them HTML-escaped. Escaping is one-to-one and no code, number or date
            # contains & < > " ', so every expectation gives the same result; queue rows take the original values.
            batch_parameters={"dataframe": gx_frame(feed, frame, spec)},
            result_format={"result_format": "COMPLETE",
                           "unexpected_index_column_names": [*ids, ROW],
                           "partial_unexpected_count": 20,
                           "return_unexpected_index_query": False},
        )
        parts = []
        failed = 0
        for r in result.results:
            if r.success:
                continue
            failed += 1
            if r.exception_info and r.exception_info.get("raised_exception"):
                raise RuntimeError(f"GX expectation {r.expectation_config.type} on {feed} raised: "
                                   f"{r.exception_info.get('exception_message')}")
            meta = r.expectation_config.meta or {}
            idx = (r.result or {}).get("unexpected_index_list") or []
            rows = np.array(sorted({int(i[ROW]) for i in idx if isinstance(i, dict) and i.get(ROW) is not None}),
                            dtype=np.int64)
            column = meta.get("column")
            other = (r.expectation_config.kwargs or {}).get("column_B")  # the other date of a date-order rule
            parts.append((rows, column, meta.get("problem"), r.expectation_config.type, meta.get("rule"), other))
        failures = failure_rows(feed, frame, parts)
        problems = failures["problem"].value_counts().to_dict() if len(failures) else {}
        return FeedResult(feed, len(frame), bool(result.success), failures, len(result.results), failed,
                          time.perf_counter() - t0, {str(k): int(v) for k, v in problems.items()})

    def stored_results(self) -> list[tuple[tuple, str]]:
        """The validation results this context stored, as GX serialised them (to hand to another context)."""
        backend = self.context.validation_results_store.store_backend
        return [(key, backend.get(key)) for key in backend.list_keys()]

    def add_stored_results(self, stored: list[tuple[tuple, str]]) -> None:
        """Validation results another context stored (stored_results), for this context's Data Docs."""
        backend = self.context.validation_results_store.store_backend
        for key, value in stored:
            backend.set(key, value)

    def build_docs(self) -> Path | None:
        if self.docs_dir is None:
            return None
        self.context.build_data_docs(site_names=["stewards"])
        make_offline(self.docs_dir)
        return self.docs_dir


def failure_rows(feed: str, frame: pd.DataFrame, parts: list[tuple]) -> pd.DataFrame:
    """GX_FAILURE_COLUMNS rows from (frame row numbers, landing column, problem, expectation, rule, other column)
    per failed expectation; values are the original (unescaped) landing text, and the other date of a date-order
    problem as YYYY-MM-DD."""
    out = []
    for rows, column, problem, expectation, rule, other in parts:
        if not len(rows):
            continue
        at = frame.iloc[rows]  # only the failing rows are converted to Python values

        def values(name: str) -> np.ndarray:
            return at[name].astype(object).to_numpy() if name in at.columns else np.full(len(at), None, dtype=object)

        out.append(pd.DataFrame({
            "feed": feed, "record_id": record_ids(feed, at).to_numpy(dtype=object), "la_code": values(RECORD_LA),
            "source_file": values("_source_file"), "source_line": values("_source_line"), "column_name": column,
            "problem": problem, "value": values(column), "expectation": expectation, "rule": rule,
            "other_column": other[len(_chk("date", "")):] if other else None,
            "other_value": [None if pd.isna(v) else str(v)[:10] for v in values(other)] if other else None}))
    if not out:
        return pd.DataFrame(columns=GX_FAILURE_COLUMNS)
    f = pd.concat(out, ignore_index=True)[GX_FAILURE_COLUMNS].astype(object)
    return f.where(f.notna(), None)


def _validate_group(job: tuple) -> tuple[list[FeedResult], list[tuple[tuple, str]]]:
    """On a forked worker: read some feeds' frames (from the warehouse file, read-only, unless given), validate
    them in a GX context of its own; the results and GX's stored results."""
    feeds, specs, source = job
    read: dict[str, float] = {}
    if isinstance(source, dict):
        frames = source
    else:
        import duckdb

        frames = {}
        con = duckdb.connect(str(source), read_only=True)
        try:
            for feed in feeds:
                t = time.perf_counter()
                frames.update(read_frames(con, [feed]))
                read[feed] = time.perf_counter() - t
        finally:
            con.close()
    v = Validator(None)
    results = [v.validate(feed, specs[feed], frames[feed]) for feed in feeds]
    for r in results:
        r.read_seconds = read.get(r.feed, 0.0)
    return results, v.stored_results()


def _records(warehouse: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {feed: con.execute(f"select count(*) from ({_text_relation(con, feed)})").fetchall()[0][0]
                for feed in GX_FEEDS}
    finally:
        con.close()


def feed_groups(costs: dict[str, float], groups: int) -> list[list[str]]:
    """Split feeds into up to `groups` groups of about equal cost (largest first, each to the lightest group)."""
    out: list[list[str]] = [[] for _ in range(max(1, min(groups, len(costs))))]
    load = [0.0] * len(out)
    for feed in sorted(costs, key=lambda f: -costs[f]):
        i = load.index(min(load))
        out[i].append(feed)
        load[i] += costs[feed]
    return [g for g in out if g]


def validate_all(source: dict[str, pd.DataFrame] | Path | str, docs_dir: Path | None = None,
                 suites_dir: Path = EXPECTATIONS_DIR, workers: int | None = None
                 ) -> tuple[list[FeedResult], pd.DataFrame]:
    """Validate every feed's current records; returns per-feed results and all failures (one row per value).
    `source` is the frames (read_frames) or the warehouse file, which the workers then read themselves. The feeds
    are validated on forked workers (fork_map: `workers`, default the cores), in groups of about equal work
    (records x expectations), each worker with a GX context of its own; their stored results are handed to one
    context here, which builds the Data Docs."""
    from .parallel import fork_map, worker_count

    specs = {feed: load_suite(feed, suites_dir) for feed in GX_FEEDS}
    records = {f: len(source[f]) for f in GX_FEEDS} if isinstance(source, dict) else _records(Path(source))
    costs = {feed: records[feed] * max(1, len(specs[feed]["expectations"])) for feed in GX_FEEDS}
    if not isinstance(source, dict):
        source = str(source)
    v = Validator(docs_dir)  # imports GX here, before any fork
    jobs = [(group, specs, source) for group in feed_groups(costs, worker_count(workers))]
    by_feed: dict[str, FeedResult] = {}
    for feed_results, stored in fork_map(_validate_group, jobs, workers=workers):
        by_feed.update({r.feed: r for r in feed_results})
        v.add_stored_results(stored)
    for feed in GX_FEEDS:
        v.add_suite(feed, specs[feed])
    v.build_docs()
    results = [by_feed[feed] for feed in GX_FEEDS]
    parts = [r.failures for r in results if len(r.failures)]
    failures = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=GX_FAILURE_COLUMNS)
    failures = failures.drop_duplicates(subset=["feed", "record_id", "column_name", "problem", "source_file",
                                                "source_line"]).reset_index(drop=True)
    return results, failures


def write_failures(con, failures: pd.DataFrame) -> int:
    """quality.gx_failures: one row per failing value (typed explicitly, so an empty result keeps its columns)."""
    con.execute("create schema if not exists quality")
    con.execute("""create or replace table quality.gx_failures (
        feed varchar, record_id varchar, la_code varchar, source_file varchar, source_line integer,
        column_name varchar, problem varchar, value varchar, expectation varchar, rule varchar,
        other_column varchar, other_value varchar)""")
    if len(failures):
        f = failures[GX_FAILURE_COLUMNS].astype("object")
        f = f.where(f.notna(), None)
        con.register("_gx_failures_df", f)
        try:
            con.execute("""insert into quality.gx_failures select cast(feed as varchar), cast(record_id as varchar),
                cast(la_code as varchar), cast(source_file as varchar), cast(source_line as integer),
                cast(column_name as varchar), cast(problem as varchar), cast(value as varchar),
                cast(expectation as varchar), cast(rule as varchar), cast(other_column as varchar),
                cast(other_value as varchar) from _gx_failures_df""")
        finally:
            con.unregister("_gx_failures_df")
    return len(failures)


# ---------------------------------------------------------------------------------------------------------------
# Data Docs offline

EXTERNAL_TAG = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"  # stylesheets from CDNs
    r"|<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>"  # scripts from CDNs
    r"|<img\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>",  # remote images (logo)
    re.IGNORECASE,
)
EXTERNAL_URL = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*", re.IGNORECASE)

OFFLINE_CSS = """
<style id="scr-offline">
/* Offline stand-in for the CDN stylesheets GX links to (stewards have no network). */
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#0b0c0c;background:#fff;font-size:15px}
.container,.container-fluid{padding:0 1.5rem}
nav,.navbar{background:#1d70b8;color:#fff;padding:.6rem 1.5rem;margin-bottom:1rem}
nav a,.navbar a{color:#fff}
a{color:#1d70b8}
h1,h2,h3,h4,h5{margin:.8rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;max-width:100%}
th,td{border:1px solid #b1b4b6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f2f1}
.card{border:1px solid #b1b4b6;border-radius:4px;margin:0 0 1rem;padding:.5rem 1rem}
.card-header{font-weight:bold;border-bottom:1px solid #b1b4b6;margin-bottom:.5rem;padding:.3rem 0}
.row{display:flex;flex-wrap:wrap}
.col-md-2,.col-md-3,.col-lg-2,.col-lg-3{flex:0 0 22%;max-width:22%}
.col-md-9,.col-md-10,.col-lg-9,.col-lg-10{flex:1 1 70%}
.col-12,.col{flex:1 1 100%}
.text-success{color:#00703c}.text-danger{color:#d4351c}.text-warning{color:#b35900}
.badge{display:inline-block;padding:.1rem .4rem;border-radius:3px;background:#505a5f;color:#fff;font-size:85%}
.badge-success,.bg-success{background:#00703c;color:#fff}.badge-danger,.bg-danger{background:#d4351c;color:#fff}
.d-none,.sticky{} .collapse:not(.show){display:block}
code,pre{background:#f3f2f1;padding:0 .2rem;white-space:pre-wrap}
ul{padding-left:1.3rem}
.fas,.far,.fa{display:none}
</style>
"""


def offline_index(docs_dir: Path) -> str:
    """A plain list of every validation result and suite page. GX's index draws its tables with jQuery and
    bootstrap-table from a CDN, so offline it would show none; this list needs no script."""
    def link(path: Path, label: str) -> str:
        href = html.escape(path.relative_to(docs_dir).as_posix(), quote=True)
        return f'<li><a href="{href}">{html.escape(label)}</a></li>'

    items = [link(p, f"Validation result: {p.relative_to(docs_dir).parts[1]} ({p.parent.name})")
             for p in sorted(docs_dir.glob("validations/*/*/*/*.html"), reverse=True)]
    items += [link(p, f"Expectation suite: {p.stem}") for p in sorted(docs_dir.glob("expectations/*.html"))]
    return ('<nav id="scr-offline-index" aria-label="Data Docs pages"><h2>Pages</h2><ul>' + "".join(items)
            + "</ul></nav>")


def make_offline(docs_dir: Path) -> list[str]:
    """Make the Data Docs work without a network: drop CDN stylesheets/scripts/images, inline a plain stylesheet,
    add a script-free list of pages to the index, and neutralise any remaining external URL. Returns the external
    references still left (should be none)."""
    for p in docs_dir.rglob("*.html"):
        text = p.read_text(encoding="utf-8")
        text = EXTERNAL_TAG.sub("", text)
        text = EXTERNAL_URL.sub("#", text)
        if 'id="scr-offline"' not in text:
            text = re.sub(r"</head>", OFFLINE_CSS + "</head>", text, count=1, flags=re.IGNORECASE)
        if p == docs_dir / "index.html":
            text = re.sub(r'<nav id="scr-offline-index".*?</nav>', "", text, flags=re.S)
            anchor = text.find('<div id="section-1-content-block-2-1-body-table-toolbar"')
            at = anchor if anchor >= 0 else text.lower().find("<body")
            at = at if anchor >= 0 else text.find(">", at) + 1
            text = text[:at] + offline_index(docs_dir) + text[at:]
        p.write_text(text, encoding="utf-8")
    for p in docs_dir.rglob("*.css"):
        text = p.read_text(encoding="utf-8")
        text = re.sub(r"@import[^;]*;", "", text)
        text = re.sub(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", "none", text)
        p.write_text(text, encoding="utf-8")
    return external_references(docs_dir)


def external_references(docs_dir: Path) -> list[str]:
    """Every http(s):// or protocol-relative reference left in the Data Docs (file: reference)."""
    found = []
    pat = re.compile(r"(?:https?:)?//[A-Za-z0-9-]+\.[A-Za-z0-9.-]+", re.IGNORECASE)
    for p in list(docs_dir.rglob("*.html")) + list(docs_dir.rglob("*.css")) + list(docs_dir.rglob("*.js")):
        for m in pat.finditer(p.read_text(encoding="utf-8", errors="replace")):
            found.append(f"{p.relative_to(docs_dir)}: {m.group(0)}")
    return found


def html_escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text value HTML-escaped (other types unchanged). Categorical columns escape their categories
    (escaping is one-to-one); in text columns only values holding a character that escaping changes are touched."""
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = col.cat.categories
            # categories of any text dtype (object, or pandas' own `str`/`string`)
            if (cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype)) and any(
                    isinstance(v, str) and v != html.escape(v, quote=True) for v in cats):
                out[c] = col.cat.rename_categories([html.escape(v, quote=True) if isinstance(v, str) else v
                                                    for v in cats])
        elif col.dtype == object or pd.api.types.is_string_dtype(col):
            as_text = col.astype("string[pyarrow]")
            special = as_text.str.contains(r"[&<>\"']", regex=True).fillna(False).to_numpy(dtype=bool)
            if special.any():
                col = col.astype(object)
                col[special] = [html.escape(v, quote=True) if isinstance(v, str) else v for v in col[special]]
                out[c] = col
    return out
