"""GX validation of the frames (one ephemeral context per worker, feeds on forked workers) and one row per
failing value in quality.gx_failures. Counts only are logged, never record-level data."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..paths import EXPECTATIONS_DIR
from ..policy import identifier_columns
from .datadocs import make_offline
from .frames import RECORD_LA, _text_relation, gx_frame, read_frames, record_ids
from .suites import GX_FAILURE_COLUMNS, GX_FEEDS, ROW, _chk, load_suite

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

        def values(name: str, at: pd.DataFrame = at) -> np.ndarray:
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
    v = Validator(None)
    results = []
    if isinstance(source, dict):
        results = [v.validate(feed, specs[feed], source[feed]) for feed in feeds]
    else:
        import duckdb

        # One feed at a time: read, validate, let go. The connection is closed as soon as the frame is read (DuckDB
        # keeps its buffers while it is open) and has one thread (the workers already fill the cores; each DuckDB
        # thread's buffers add to the peak). Reading every feed of the group first, on one open connection, made
        # the build's peak at scale 100: 2.5-2.7 GB for this step alone, now about 1.96 GB (three runs each).
        for feed in feeds:
            t = time.perf_counter()
            con = duckdb.connect(str(source), read_only=True, config={"threads": 1})
            try:
                frame = read_frames(con, [feed])[feed]
            finally:
                con.close()
            read = time.perf_counter() - t
            results.append(v.validate(feed, specs[feed], frame))
            results[-1].read_seconds = read
            del frame
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
    from ..parallel import fork_map, worker_count

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
