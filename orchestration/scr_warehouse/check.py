"""`scr-warehouse check FILE --feed F` (contract section 4: "a check answers with the same problems and messages the
stewards' queue would give, and loads nothing"), in about a second: no warehouse, release or report is built.

Each rule is taken from its one home and run on an in-memory DuckDB:
- the file is read and parsed by the ingest itself (`ingest.load.load_feed` into an in-memory `raw` layer): rejected
  files and rows, empty rows, the size limit;
- the staging models (`stg_<feed>`, macro stg_current) and `int_las` are rendered from their dbt SQL with the
  project's macros; a file checked alone has no corrections, so `int_<feed>_corrected` is its staging model as it is;
- the GX suite of the feed (`expectations/<feed>.json`, generated from the seeds) is evaluated on the frame
  `quality.frames.read_frames` gives (the same `_chk_` helper columns), by `evaluate_suite` (the meaning of each of
  the suite's expectation types, as GX evaluates them on a pandas frame), and its failures become rows by
  `quality.validate.failure_rows`, as in a build;
- the queue rows and their messages are the dbt model `steward_queue` itself, rendered and run on those tables.

What one file cannot show is left out: references to records of other feeds (a review's incident, an evaluation's
review), and corrections, which are checked against the warehouse's records when they are applied."""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from .paths import DBT_PROJECT_DIR, FEEDS
from .quality.stewards import QUEUE_COLUMNS

# The order of the stewards' queue file (the query in quality/stewards.py: write_quality_files).
QUEUE_ORDER = "feed, source_file, source_line nulls first, column_name nulls first, problem"
# References into another feed cannot be checked on one file.
CROSS_FEED = ("incident_id", "review_id")
RECORD_FEEDS = ("notifications", "reviews", "evaluations", "actions")
SEEDS = ("code_lists", "landing_columns", "ref_las", "ref_region_la_hierarchy")


class CannotCheck(Exception):
    """The file cannot be checked at all (exit 2); the message says why."""


@dataclass
class Problem:
    source_line: int | None
    column_name: str | None
    problem: str
    message: str
    row: dict  # the whole queue row (QUEUE_COLUMNS)


# ---------------------------------------------------------------------------------------------------------------
# dbt SQL rendered outside dbt (only what these models use: ref, source, config and the project's macros)

def _model_paths() -> dict[str, Path]:
    return {p.stem: p for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")}


def _relation(name: str, models: dict[str, Path]) -> str:
    """Where dbt puts a model or seed: the schema of its folder (generate_schema_name: the folder's name)."""
    if name in models:
        return f"{models[name].relative_to(DBT_PROJECT_DIR / 'models').parts[0]}.{name}"
    from .policy import seed_table

    return f"{seed_table(name)[0]}.{name}"


class ModelRenderer:
    """The SQL of dbt models as dbt compiles them (ref and source as warehouse relations, config empty, not
    executing), the project's macros compiled once."""

    MACROS = "<macros>"  # the template of every macro file of the project, one after another

    def __init__(self):
        import jinja2

        self.models = _model_paths()
        # Compiled templates are kept in Jinja's per-user bytecode cache (a 0700 folder it checks is its own), keyed
        # by the template's source: a changed model or macro is compiled again. Without a usable temporary folder,
        # they are compiled every time (about 0.4 s more).
        try:
            cache = jinja2.FileSystemBytecodeCache()
        except (OSError, RuntimeError):
            cache = None
        self.env = jinja2.Environment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined,
                                      loader=jinja2.FunctionLoader(self._source), bytecode_cache=cache,
                                      auto_reload=False)
        self.context = {"ref": lambda n: _relation(n, self.models), "source": lambda s, t: f"{s}.{t}",
                        "config": lambda **_: "", "execute": False, "var": lambda k, d=None: d}
        module = self.env.get_template(self.MACROS).make_module(self.context)
        self.macros = {n: getattr(module, n) for n in dir(module) if not n.startswith("_")}

    def _source(self, name: str):
        if name == self.MACROS:
            files = sorted((DBT_PROJECT_DIR / "macros").glob("*.sql"))
            return "".join(p.read_text(encoding="utf-8") for p in files), None, lambda: False
        return self.models[name].read_text(encoding="utf-8"), str(self.models[name]), lambda: False

    def render(self, name: str) -> str:
        return self.env.get_template(name).render({**self.macros, **self.context})


# ---------------------------------------------------------------------------------------------------------------
# The GX suite's expectations, evaluated as GX evaluates them on a pandas frame

def evaluate_suite(spec: dict, frame) -> list[tuple]:
    """(frame row numbers, landing column, problem, expectation type, rule, other column) for every failing
    expectation of the suite (the `parts` quality.validate.failure_rows takes). As GX: a column-map expectation
    leaves missing values out except not_null; a pair expectation with ignore_row_if either_value_is_missing leaves
    rows out where either is missing; uniqueness flags every row of a repeated value."""
    import numpy as np
    import pandas as pd

    parts = []
    for e in spec["expectations"]:
        kind, k, meta = e["type"], e["kwargs"], e.get("meta", {})
        if kind == "expect_compound_columns_to_be_unique":
            cols = frame[k["column_list"]]
            bad = cols.notna().any(axis=1) & cols.astype(object).duplicated(keep=False)
        elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
            a, b = frame[k["column_A"]], frame[k["column_B"]]
            both = a.notna() & b.notna()
            ok = (a >= b) if k.get("or_equal") else (a > b)
            if k.get("ignore_row_if") not in ("either_value_is_missing", None):
                raise ValueError(f"ignore_row_if {k.get('ignore_row_if')!r} is not evaluated here")
            bad = both & ~ok.fillna(False).astype(bool)
        else:
            col = frame[k["column"]]
            present = col.notna()
            if kind == "expect_column_values_to_not_be_null":
                bad = ~present
            elif kind == "expect_column_values_to_be_in_set":
                bad = present & ~col.astype(object).isin(list(k["value_set"]))
            elif kind == "expect_column_values_to_match_regex":
                text = col.astype(object).where(present, "").astype(str)
                bad = present & ~text.str.contains(k["regex"], regex=True)
            elif kind == "expect_column_values_to_be_between":
                v = pd.to_numeric(col, errors="coerce")
                ok = pd.Series(True, index=col.index)
                if k.get("min_value") is not None:
                    ok &= v >= k["min_value"]
                if k.get("max_value") is not None:
                    ok &= v <= k["max_value"]
                bad = present & ~ok
            elif kind == "expect_column_values_to_be_unique":
                bad = present & col.astype(object).duplicated(keep=False)
            else:
                raise ValueError(f"expectation {kind} is not evaluated by scr-warehouse check")
        rows = np.flatnonzero(np.asarray(bad, dtype=bool)).astype(np.int64)
        if len(rows):
            parts.append((rows, meta.get("column"), meta.get("problem"), kind, meta.get("rule"), k.get("column_B")))
    return parts


# ---------------------------------------------------------------------------------------------------------------
# The check

def _seed(con, name: str) -> None:
    import pyarrow as pa

    from .policy import seed_table

    schema, columns, rows = seed_table(name)
    con.execute(f"create schema if not exists {schema}")
    by_col = list(zip(*rows)) if rows else [()] * len(columns)
    table = pa.table({c: pa.array(list(v), pa.string()) for (c, _), v in zip(columns, by_col)})
    view = f"_seed_{uuid.uuid4().hex}"
    con.register(view, table)
    try:
        select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns)
        con.execute(f"create table {schema}.{name} as select {select} from {view}")
    finally:
        con.unregister(view)


def _load(con, src: Path, feed: str, name: str, max_file_bytes: int | None = None) -> None:
    """The file into an in-memory raw layer, by the ingest itself: read once (with the size limit), then loaded from
    a private landing folder holding exactly those bytes."""
    from .ingest.load import UNTAKEN_FILES_COLUMNS, _ensure_table, _log, ensure_raw_tables, load_feed
    from .ingest.parse import read_landing_file
    from .policy import max_landing_file_bytes

    for f in FEEDS:
        ensure_raw_tables(con, f, shared=f == feed)
    _ensure_table(con, "raw.untaken_files", UNTAKEN_FILES_COLUMNS)
    limit = max_landing_file_bytes() if max_file_bytes is None else max_file_bytes
    try:
        read = read_landing_file(src, limit)
    except OSError as e:
        raise CannotCheck(f"cannot read {src}: {e.strerror}") from None
    if read.data is None:  # as load_feed rejects it (it is never copied)
        at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        con.execute("INSERT INTO raw.rejected_files VALUES (?, ?, ?, ?, ?, ?)",
                    [feed, f"{feed}/{name}", read.sha256, read.too_large, "check", at])
        _log(con, "check", feed, f"{feed}/{name}", read.sha256, "rejected", 0, 0, 0, None, read.too_large, at)
        return
    with tempfile.TemporaryDirectory(prefix="scr-check-") as tmp:
        folder = Path(tmp) / feed
        folder.mkdir()
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(read.data)
        load_feed(con, tmp, feed, max_file_bytes=limit)


def prepare(con, src: Path, feed: str, max_file_bytes: int | None = None) -> ModelRenderer:
    """On an empty in-memory DuckDB: the file in the raw layer (the ingest), the seeds, int_las, the staging models
    and the corrected relations the GX frames and the queue read."""
    name = src.name if src.suffix.lower() == ".csv" else src.name + ".csv"
    _load(con, src, feed, name, max_file_bytes)
    for seed in SEEDS:
        _seed(con, seed)
    for schema in ("staging", "intermediate", "quality"):
        con.execute(f"create schema if not exists {schema}")
    dbt = ModelRenderer()
    con.execute(f"create table intermediate.int_las as {dbt.render('int_las')}")
    for f in (*RECORD_FEEDS, "population"):
        con.execute(f"create view staging.stg_{f} as {dbt.render('stg_' + f)}")
    for f in RECORD_FEEDS:
        # apply_corrections with no corrections: the staging rows as they are, nothing corrected
        con.execute(f"create view intermediate.int_{f}_corrected as "
                    f"select s.*, cast(null as varchar) as _corrected_columns from staging.stg_{f} s")
    con.execute("""create table intermediate.int_corrections (correction_id varchar, feed varchar,
        record_id varchar, column_name varchar, new_value varchar, status varchar, reason varchar,
        corrected_at_ts timestamp, _source_file varchar, _source_line integer)""")
    return dbt


@dataclass
class CheckResult:
    problems: list[Problem]
    rows: int  # data rows loaded into the in-memory raw layer
    record_las: list[tuple[int, str | None]]  # (line, the row's LA code) for a feed whose rows name their LA


def check_problems(file: str | Path, feed: str, max_file_bytes: int | None = None) -> list[Problem]:
    """The stewards' queue rows one file would give (in the queue's order), without a warehouse. CannotCheck when
    the feed is unknown or the file cannot be read. `max_file_bytes`: the size limit (default: the policy's)."""
    return check_file(file, feed, max_file_bytes).problems


def check_file(file: str | Path, feed: str, max_file_bytes: int | None = None) -> CheckResult:
    """check_problems, with the rows loaded and each row's LA (the explorer refuses another LA's rows)."""
    import duckdb

    from .quality.frames import LA_COLUMN, read_frames
    from .quality.suites import GX_FAILURE_COLUMNS, GX_FEEDS, load_suite
    from .quality.validate import failure_rows, write_failures

    if feed not in FEEDS:
        raise CannotCheck(f"unknown feed {feed!r}; one of {', '.join(FEEDS)}")
    src = Path(file)
    if not src.is_file():
        raise CannotCheck(f"no such file: {src}")
    con = duckdb.connect(":memory:", config={"threads": 1})
    try:
        dbt = prepare(con, src, feed, max_file_bytes)
        if feed in GX_FEEDS:  # as validate_all: the suite's failures, one row per failing value
            frame = read_frames(con, [feed])[feed]
            found = failure_rows(feed, frame, evaluate_suite(load_suite(feed), frame))
            found = found.drop_duplicates(subset=["feed", "record_id", "column_name", "problem", "source_file",
                                                  "source_line"]).reset_index(drop=True)
        else:
            import pandas as pd

            found = pd.DataFrame(columns=GX_FAILURE_COLUMNS)
        write_failures(con, found)
        queue = dbt.render("steward_queue")
        rows = con.execute(f"select {', '.join(QUEUE_COLUMNS)} from ({queue}) q order by {QUEUE_ORDER}").fetchall()
        loaded = con.execute(f"select count(*) from raw.{feed}").fetchone()[0]
        record_las = con.execute(f'select _source_line, "{LA_COLUMN[feed]}" from raw.{feed} order by 1').fetchall() \
            if feed in LA_COLUMN else []
    finally:
        con.close()
    out = []
    for r in rows:
        row = dict(zip(QUEUE_COLUMNS, r))
        if row["problem"] == "unknown_reference" and row["column_name"] in CROSS_FEED:
            continue
        out.append(Problem(row["source_line"], row["column_name"], row["problem"], row["message"], row))
    return CheckResult(out, int(loaded), [(int(line), la) for line, la in record_las])


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """Control characters (a terminal would act on them) shown as escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def run_check(file: str, feed: str, out=None, err=None) -> int:
    """Print a file's problems with their line, column and message; 0 no problems, 1 problems, 2 cannot check."""
    import sys

    out, err = out or sys.stdout, err or sys.stderr
    try:
        problems = check_problems(file, feed)
    except CannotCheck as e:
        print(f"scr-warehouse check: {e}", file=err)
        return 2
    label = Path(file).name
    for p in problems:
        where = f"line {p.source_line}" if p.source_line is not None else "whole file"
        col = f", column {p.column_name}" if p.column_name else ""
        print(_printable(f"{label}: {where}{col}: {p.problem}: {p.message}"), file=out)
    print(f"{label}: {len(problems)} problem(s)" if problems else f"{label}: no problems found", file=out)
    return 1 if problems else 0
