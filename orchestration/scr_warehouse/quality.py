"""Data quality for the stewards (contract sections 1 and 3): GX expectation suites generated from the policy seeds,
validated on pandas frames read from DuckDB, turned into one row per failing value (`quality.gx_failures`).

- The suites are GENERATED from `seeds/policy/landing_columns.csv` and `code_lists.csv` (`generate_suite`) and
  written to `expectations/<feed>.json` for review (`write_suites`); a test regenerates them and checks they match.
- Each expectation carries the contract problem code and the landing column in its `meta`; a failing value becomes
  a queue row from GX's `unexpected_index_list` (the record identifier, lineage and a row number).
- Rules GX cannot state on one text frame (a real date in two accepted formats, a number's range, an LA code valid
  at the incident date, a reference into another feed, dates in order) are checked by GX on helper columns that
  `prepare_frame` derives (prefix `_chk_`); the expectation's meta still names the landing column.
- GX cannot read DuckDB through SQLAlchemy, so frames are read with DuckDB and validated in one ephemeral context.

Never log record-level data here: counts only.
"""
from __future__ import annotations

import datetime as dt
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
from .policy import LandingColumn, code_lists, identifier_columns, landing_columns

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
                      "value", "expectation"]
ROW = "_row"  # row number in the validated frame: maps an unexpected index back to its record
LINEAGE = ["_source_file", "_source_line"]

# Date order (contract 3, date_order): (feed, earlier column, later column); the later column is the one flagged.
# `review_completion_date` is the evaluated review's completion_date, joined in by prepare_frame.
DATE_ORDER = (
    ("notifications", "incident_date", "notified_date"),  # notified before the incident
    ("reviews", "chair_aware_date", "decision_date"),  # decided before the chair knew
    ("reviews", "decision_date", "completion_date"),  # completed before the decision
    ("evaluations", "review_completion_date", "evaluation_date"),  # evaluated before completion
    ("actions", "review_completion_date", "completed_date"),  # an action-plan item done before the review's report
)
# References into another feed (contract 3, unknown_reference): feed -> (column, feed referred to).
REFERENCES = {
    "reviews": ("incident_id", "notifications"),
    "evaluations": ("review_id", "reviews"),
    "actions": ("review_id", "reviews"),
}
# The date an LA code must be valid at, per feed (None: valid at any date).
LA_DATE = {"notifications": "incident_date", "reviews": "incident_date", "population": None}

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DMY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
WHOLE = r"^[+-]?[0-9]{1,9}$"  # as the typed models read whole numbers (macro parse_int_in_range)


def _chk(kind: str, column: str) -> str:
    return f"_chk_{kind}__{column}"


def _exp(type_: str, problem: str, landing_column: str, rule: str, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"problem": problem, "column": landing_column, "rule": rule}}


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
            # Parsed once, vectorised, in prepare_frame (GX's strftime expectation runs strptime row by row).
            exps.append(_exp("expect_column_values_to_be_in_set", "invalid_date", c.column_name,
                             "a real date, YYYY-MM-DD or DD/MM/YYYY", column=_chk("real", c.column_name),
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
    """(Re)write expectations/<feed>.json from the seeds: `python -m scr_warehouse.quality`."""
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
                           "`python -m scr_warehouse.quality` and commit expectations/")
    return json.loads(p.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------------------
# Frames


def iso_text(values: pd.Series) -> pd.Series:
    """Landing date text as ISO text for GX to check as a real date: DD/MM/YYYY is reordered, ISO kept, anything
    else marked unreadable; missing stays missing. Vectorised on arrow strings (millions of values at scale)."""
    text = values.astype("string[pyarrow]")
    present = text.notna().to_numpy()
    iso = text.str.match(ISO.pattern).fillna(False).to_numpy(dtype=bool)
    dmy = text.str.match(DMY.pattern).fillna(False).to_numpy(dtype=bool)
    reordered = text.str.slice(6, 10) + "-" + text.str.slice(3, 5) + "-" + text.str.slice(0, 2)
    out = np.where(iso, text.to_numpy(dtype=object, na_value=None),
                   np.where(dmy, reordered.to_numpy(dtype=object, na_value=None),
                            np.where(present, "unreadable", None)))
    return pd.Series(out, index=values.index, dtype="object")


def parse_dates(values: pd.Series) -> pd.Series:
    """Landing date text -> datetime64 (NaT where missing or not a real date)."""
    return pd.to_datetime(iso_text(values), format="%Y-%m-%d", errors="coerce")


@dataclass
class LaCodes:
    """English LA codes with the dates each was valid (reference.ref_las)."""
    frame: pd.DataFrame  # new_la_code, valid_from (datetime or NaT = always), valid_to (NaT = still valid)

    @classmethod
    def from_ref_las(cls, ref: pd.DataFrame) -> "LaCodes":
        ref = ref[ref["entity_code"].isin(["E06", "E08", "E09", "E10"]) & ~ref["new_la_code"].str.contains("/")]
        frm = pd.to_datetime(ref["date_of_operation"], format="%d/%m/%Y", errors="coerce")
        # 01/01/2009 means "in force when ONS codes began": valid for earlier incidents too (see _reference.yml).
        frm = frm.where(frm != pd.Timestamp("2009-01-01"))
        to = pd.to_datetime(ref["date_of_termination"], format="%d/%m/%Y", errors="coerce")
        return cls(pd.DataFrame({"code": ref["new_la_code"].to_numpy(), "valid_from": frm.to_numpy(),
                                 "valid_to": to.to_numpy()}))

    def valid(self, codes: pd.Series, at: pd.Series | None) -> pd.Series:
        """True/False per code (None where the code is missing); at a date where one is given, else ever valid."""
        out = pd.Series([None] * len(codes), index=codes.index, dtype="object")
        present = codes.notna()
        known = set(self.frame["code"])
        out[present] = codes[present].isin(known)
        if at is None:
            return out
        dated = present & at.notna() & codes.isin(known)
        if dated.any():
            sub = pd.DataFrame({"code": codes[dated], "at": at[dated]}).reset_index()
            m = sub.merge(self.frame, on="code", how="left")
            ok = (m["valid_from"].isna() | (m["at"] >= m["valid_from"])) & (m["valid_to"].isna() | (m["at"] <= m["valid_to"]))
            per_row = ok.groupby(m["index"]).any()
            out.loc[per_row.index] = per_row.astype(bool).to_numpy()
        return out


def record_ids(feed: str, df: pd.DataFrame) -> pd.Series:
    ids = identifier_columns(feed)
    if len(ids) == 1:
        return df[ids[0]].astype("object")
    return df[list(ids)].astype(str).agg(RECORD_ID_SEPARATOR.join, axis=1)


def prepare_frame(feed: str, df: pd.DataFrame, frames: dict[str, pd.DataFrame], las: LaCodes) -> pd.DataFrame:
    """The frame GX validates: the feed's text columns, lineage, a row number and the `_chk_` helper columns."""
    df = df.reset_index(drop=True).copy()
    df[ROW] = range(len(df))
    dates: dict[str, pd.Series] = {}  # each date column parsed once, for every rule that needs it
    for c in landing_columns()[feed]:
        if c.column_name not in df.columns:
            df[c.column_name] = None
        df[c.column_name] = df[c.column_name].astype("object").where(df[c.column_name].notna(), None)
        if c.kind == "int":
            df[_chk("int", c.column_name)] = pd.to_numeric(
                df[c.column_name].where(df[c.column_name].astype(str).str.fullmatch(WHOLE)), errors="coerce")
        elif c.kind == "date":
            iso = iso_text(df[c.column_name])
            dates[c.column_name] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
            real = dates[c.column_name].notna().to_numpy()
            df[_chk("real", c.column_name)] = pd.Series(np.where(iso.isna().to_numpy(), None, real), dtype=object)
    for f, earlier, later in DATE_ORDER:
        if f == feed:
            for col in (earlier, later):
                if col == "review_completion_date":
                    rev = frames.get("reviews", pd.DataFrame(columns=["review_id", "completion_date"]))
                    comp = dict(zip(rev["review_id"], parse_dates(rev["completion_date"])))
                    df[_chk("date", col)] = pd.to_datetime(df["review_id"].map(comp))
                else:
                    df[_chk("date", col)] = dates[col]
    if feed in REFERENCES:
        column, target = REFERENCES[feed]
        tid = "incident_id" if target == "notifications" else identifier_columns(target)[0]
        known = set(frames.get(target, pd.DataFrame(columns=[tid]))[tid].dropna())
        df[_chk("known", column)] = df[column].map(lambda v: None if v is None else v in known)
    la_col = {"notifications": "la_code", "reviews": "lscb_la_code", "population": "la_code"}.get(feed)
    if la_col:
        at = None
        if feed == "notifications":
            at = dates["incident_date"]
        elif feed == "reviews":
            # As int_reviews.lscb_la_valid: at the reviewed incident's date, else when the chair knew.
            at = pd.to_datetime(df["incident_id"].map(incident_dates(frames)))
            at = at.fillna(dates["chair_aware_date"])
        df[_chk("valid", la_col)] = las.valid(df[la_col], at)
    return df


def incident_dates(frames: dict[str, pd.DataFrame]) -> dict:
    """incident_id -> earliest real incident_date of its children."""
    n = frames.get("notifications")
    if n is None or n.empty:
        return {}
    d = pd.DataFrame({"incident_id": n["incident_id"], "d": parse_dates(n["incident_date"])}).dropna()
    return d.groupby("incident_id")["d"].min().to_dict()


def record_la_codes(feed: str, df: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> pd.Series:
    """The LA a record belongs to, for the per-LA queue: notifying LA, LSCB, or the evaluated/actioned review's LSCB."""
    if feed in ("notifications", "population"):
        return df["la_code"]
    if feed == "reviews":
        return df["lscb_la_code"]
    rev = frames.get("reviews")
    if rev is None:
        return pd.Series([None] * len(df), index=df.index, dtype="object")
    return df["review_id"].map(dict(zip(rev["review_id"], rev["lscb_la_code"])))


# ---------------------------------------------------------------------------------------------------------------
# Reading the warehouse


def _relation_exists(con, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, name]).fetchone()[0])


def read_frames(con) -> dict[str, pd.DataFrame]:
    """The current (corrected) text records of each feed, with lineage. Population: the latest version of each
    (la_code, year) in raw.population."""
    frames: dict[str, pd.DataFrame] = {}
    for feed in GX_FEEDS:
        cols = [c.column_name for c in landing_columns()[feed]]
        select = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in cols)
        if feed in FEED_RELATIONS and _relation_exists(con, FEED_RELATIONS[feed]):
            sql = f"select {select}, _source_file, _source_line from {FEED_RELATIONS[feed]}"
        elif feed == "population" and _relation_exists(con, "staging.stg_population"):
            sql = f"select {select}, _source_file, _source_line from staging.stg_population"
        elif feed == "population" and _relation_exists(con, "raw.population"):
            sql = (f"select {select}, _source_file, _source_line from raw.population "
                   "qualify row_number() over (partition by la_code, year order by _source_file desc, _source_line desc) = 1")
        else:
            frames[feed] = pd.DataFrame(columns=[*cols, *LINEAGE])
            continue
        frames[feed] = con.execute(sql).df().astype("object")
    return frames


def read_la_codes(con) -> LaCodes:
    """The same LA validity the typed models use (intermediate.int_las), else straight from reference.ref_las."""
    if _relation_exists(con, "intermediate.int_las"):
        f = con.execute("select la_code as code, cast(valid_from as timestamp) as valid_from, "
                        "cast(valid_to as timestamp) as valid_to from intermediate.int_las").df()
        return LaCodes(f)
    ref = con.execute("select new_la_code, date_of_operation, date_of_termination, entity_code "
                      "from reference.ref_las").df()
    return LaCodes.from_ref_las(ref)


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


class Validator:
    """One ephemeral GX context for all suites; one pandas datasource; results kept for Data Docs."""

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

    def _suite(self, feed: str, spec: dict):
        suite = self.gx.ExpectationSuite(name=feed, meta=spec.get("meta", {}))
        for e in spec["expectations"]:
            from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

            suite.add_expectation_configuration(ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"],
                                                                         meta=e["meta"]))
        return self.context.suites.add(suite)

    def validate(self, feed: str, spec: dict, frame: pd.DataFrame, la_codes: pd.Series) -> FeedResult:
        t0 = time.perf_counter()
        ids = list(identifier_columns(feed))
        asset = self.datasource.add_dataframe_asset(name=feed)
        batch_def = asset.add_batch_definition_whole_dataframe(f"{feed}_current")
        suite = self._suite(feed, spec)
        vd = self.context.validation_definitions.add(
            self.gx.ValidationDefinition(name=f"{feed}_validation", data=batch_def, suite=suite))
        result = vd.run(
            # GX's Data Docs do not escape values from the data (unexpected values, index columns), and landing
            # values are untrusted: GX sees them HTML-escaped. Escaping is one-to-one and no code, number or date
            # contains & < > " ', so every expectation gives the same result; queue rows take the original values.
            batch_parameters={"dataframe": html_escaped(frame)},
            result_format={"result_format": "COMPLETE",
                           "unexpected_index_column_names": [*ids, *LINEAGE, ROW],
                           "partial_unexpected_count": 20,
                           "return_unexpected_index_query": False},
        )
        rows = []
        rid = record_ids(feed, frame)
        failed = 0
        for r in result.results:
            if r.success:
                continue
            failed += 1
            meta = r.expectation_config.meta or {}
            column = meta.get("column")
            idx = (r.result or {}).get("unexpected_index_list") or []
            row_numbers = sorted({int(i[ROW]) for i in idx if isinstance(i, dict) and i.get(ROW) is not None})
            if r.exception_info and r.exception_info.get("raised_exception"):
                raise RuntimeError(f"GX expectation {r.expectation_config.type} on {feed} raised: "
                                   f"{r.exception_info.get('exception_message')}")
            for n in row_numbers:
                rows.append((feed, rid.iat[n], la_codes.iat[n], frame["_source_file"].iat[n],
                             frame["_source_line"].iat[n], column, meta.get("problem"),
                             frame[column].iat[n] if column in frame.columns else None,
                             r.expectation_config.type))
        failures = pd.DataFrame(rows, columns=GX_FAILURE_COLUMNS)
        problems = failures["problem"].value_counts().to_dict() if len(failures) else {}
        return FeedResult(feed, len(frame), bool(result.success), failures, len(result.results), failed,
                          time.perf_counter() - t0, {str(k): int(v) for k, v in problems.items()})

    def build_docs(self) -> Path | None:
        if self.docs_dir is None:
            return None
        self.context.build_data_docs(site_names=["stewards"])
        make_offline(self.docs_dir)
        return self.docs_dir


def validate_all(frames: dict[str, pd.DataFrame], las: LaCodes, docs_dir: Path | None = None,
                 suites_dir: Path = EXPECTATIONS_DIR) -> tuple[list[FeedResult], pd.DataFrame]:
    """Validate every feed's current records; returns per-feed results and all failures (one row per value)."""
    v = Validator(docs_dir)
    results = []
    for feed in GX_FEEDS:
        spec = load_suite(feed, suites_dir)
        frame = prepare_frame(feed, frames[feed], frames, las)
        results.append(v.validate(feed, spec, frame, record_la_codes(feed, frame, frames)))
    v.build_docs()
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
        column_name varchar, problem varchar, value varchar, expectation varchar)""")
    if len(failures):
        f = failures[GX_FAILURE_COLUMNS].astype("object")
        f = f.where(f.notna(), None)
        con.register("_gx_failures_df", f)
        try:
            con.execute("""insert into quality.gx_failures select cast(feed as varchar), cast(record_id as varchar),
                cast(la_code as varchar), cast(source_file as varchar), cast(source_line as integer),
                cast(column_name as varchar), cast(problem as varchar), cast(value as varchar),
                cast(expectation as varchar) from _gx_failures_df""")
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


def escape(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def html_escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text value HTML-escaped (other types unchanged). Only values holding a character that
    escaping changes are touched: the rest are already their own escaped form."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            as_text = out[c].astype("string[pyarrow]")
            special = as_text.str.contains(r"[&<>\"']", regex=True).fillna(False).to_numpy(dtype=bool)
            if special.any():
                col = out[c].astype(object)
                col[special] = [html.escape(v, quote=True) if isinstance(v, str) else v for v in col[special]]
                out[c] = col
    return out


if __name__ == "__main__":
    for path in write_suites():
        print(path)
