"""The benchmark's timed runs, each in its own process: the build (with the start and end of each Dagster step), the
baseline script and the fixed costs; the parent samples each run's process tree."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory_sampler import TreeSampler, _vm_hwm_bytes

from scr_warehouse.paths import DATA_DIR, DBT_PROJECT_DIR, SEEDS_DIR

BASELINE_SQL = Path(__file__).with_name("baseline.sql")
BENCH_DIR = DATA_DIR / "bench"
DATASETS = (
    "child_characteristics",
    "review_timeliness",
    "review_evaluations",
    "notifications_by_area",
    "review_characteristics",
)
STAGES = ("ingest", "dbt", "checks", "release", "report")
DEFAULT_AS_OF = "2018-06-30"
DEFAULT_SEED = 2009
DEFAULT_REPEAT = 2  # runs of each build and baseline per scale; the fastest is reported


# --------------------------------------------------------------------------------------------------------------
# Stage of a Dagster step (asset keys are <schema>/<name>, so step keys are <schema>__<name>[_<check>]).
# --------------------------------------------------------------------------------------------------------------
def stage_of(step_key: str) -> str:
    if step_key.startswith("raw__"):
        return "ingest"
    if step_key.startswith("dbt_"):
        return "dbt"
    if step_key.startswith("quality"):
        return "checks"
    if step_key.startswith("release"):
        return "release"
    if step_key.startswith("report"):
        return "report"
    return "other"


def step_windows(entries) -> dict[str, tuple[float, float, bool]]:
    """step_key -> (start, end, succeeded) from the STEP_START and STEP_SUCCESS/STEP_FAILURE event log entries."""
    starts: dict[str, float] = {}
    out: dict[str, tuple[float, float, bool]] = {}
    for ev in entries:
        if not ev.is_dagster_event or not ev.step_key:
            continue
        kind = ev.dagster_event_type.value
        if kind == "STEP_START":
            starts[ev.step_key] = ev.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and ev.step_key in starts:
            out[ev.step_key] = (starts[ev.step_key], ev.timestamp, kind == "STEP_SUCCESS")
    return out


def _build_child(landing: str, warehouse: str, release: str, as_of: str, started: float) -> dict:
    """Runs in the build subprocess: the same job and run config as build.run_build, with each step's start and end
    (the bench process samples this process tree's memory from outside and takes each stage's peak in its steps)."""
    t_import = time.time()
    from dagster import DagsterInstance

    from scr_warehouse.dbt.prepare import manifest_stale, prepare
    from scr_warehouse.dbt.project import scr_dbt_project

    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    Path(release).mkdir(parents=True, exist_ok=True)
    t_parse = time.time()
    if manifest_stale(scr_dbt_project):  # as run_build: re-parse before the dbt assets read the manifest
        prepare()
    t_defs = time.time()
    from scr_warehouse.definitions import build_definitions

    defs = build_definitions(str(Path(landing).resolve()), str(Path(warehouse).resolve()),
                             str(Path(release).resolve()), as_of)
    job = defs.resolve_job_def("build_everything")
    t_run = time.time()
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        )
        t_end = time.time()
        entries = instance.all_logs(result.run_id)
    steps = step_windows(entries)
    stages: dict[str, dict] = {}
    for key, (a, b, ok) in steps.items():
        s = stages.setdefault(stage_of(key), {"seconds": 0.0, "windows": [], "steps": [], "failed": []})
        s["seconds"] += b - a
        s["windows"].append((a, b))
        s["steps"].append(key)
        if not ok:
            s["failed"].append(key)
    step_total = sum(b - a for a, b, _ in steps.values())
    return {
        "success": result.success,
        "failed_steps": sorted(k for k, (_, _, ok) in steps.items() if not ok),
        "stages": stages,
        "steps": {k: round(b - a, 3) for k, (a, b, _) in steps.items()},
        # Fixed costs of the orchestration: interpreter + imports + Definitions, and run overhead between steps.
        "startup_seconds": (t_import - started) + (t_parse - t_import) + (t_run - t_defs),
        "manifest_parse_seconds": t_defs - t_parse,
        "run_overhead_seconds": (t_end - t_run) - step_total,
        "run_seconds": t_end - t_run,
        "self_hwm": _vm_hwm_bytes(),
    }


def _rebuild_child(landing: str, warehouse: str, release: str, as_of: str, started: float) -> dict:
    """Runs in a subprocess: `scr-warehouse build` exactly as a person runs it (build.run_build: a build with nothing
    changed does nothing), with each step's seconds and how many periods the release protected or reused."""
    import json

    from scr_warehouse.build import run_build
    from scr_warehouse.release.writer import AUDIT

    out = run_build(landing, warehouse, release, as_of, log_level="ERROR", record=False)
    audit = json.loads((Path(release) / AUDIT).read_text(encoding="utf-8"))
    return {"success": True, "up_to_date": bool(out.get("up_to_date")), "steps": out.get("steps", {}),
            "periods": out.get("periods", {}), "audit_seconds": audit.get("audit_seconds")}


class _Phases:
    """Seconds and CPU seconds (this process and its waited-for workers) spent inside some functions of the loop,
    by phase: the functions are wrapped where the assets call them."""

    def __init__(self):
        self.spent: dict[str, dict[str, float]] = {}

    @staticmethod
    def now() -> tuple[float, float]:
        import resource

        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.time(), own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    def add(self, phase: str, start: tuple[float, float]) -> None:
        end = self.now()
        p = self.spent.setdefault(phase, {"seconds": 0.0, "cpu": 0.0})
        p["seconds"] += end[0] - start[0]
        p["cpu"] += end[1] - start[1]

    def wrap(self, owner, name: str, phase: str, generator: bool = False) -> None:
        fn = getattr(owner, name)

        def timed(*a, **k):
            start = self.now()
            try:
                return fn(*a, **k)
            finally:
                self.add(phase, start)

        def timed_gen(*a, **k):
            start = self.now()
            try:
                yield from fn(*a, **k)
            finally:
                self.add(phase, start)

        setattr(owner, name, timed_gen if generator else timed)


def _loop_child(landing: str, warehouse: str, release: str, as_of: str, started: float, change: str = "") -> dict:
    """Runs in a subprocess: the stewards' loop exactly as `scr-warehouse intake` runs it (build.run_intake), with
    each step's seconds and the profile by phase (stewards_loop.PHASES). With `change` (correction, new file): a
    warm process, as `scr-warehouse intake --watch` keeps one: one loop first, then the change, then the loop timed
    (its start-up is what is left to pay in a process that already ran a loop)."""
    phases = _Phases()
    from scr_warehouse import build

    if change:
        from incremental import add_correction, add_new_file

        build.run_intake(landing, warehouse, release, as_of, log_level="ERROR", record=False)
        {"correction": add_correction, "new file": add_new_file}[change](Path(landing), 2)  # the cold runs' is 1
        started = time.time()
    from scr_warehouse.dbt import inprocess
    from scr_warehouse.ingest import load
    from scr_warehouse.quality import assets as quality_assets

    phases.wrap(load, "load_feed", "load landing files")
    phases.wrap(inprocess, "parsed_manifest", "dbt parse")
    phases.wrap(inprocess, "run", "dbt run+parse", generator=True)
    phases.wrap(quality_assets, "validate_all", "GX")
    phases.wrap(quality_assets, "write_quality_files", "stewards' files")
    t_run = phases.now()
    cpu_before = t_run[1] if change else 0.0
    out = build.run_intake(landing, warehouse, release, as_of, log_level="ERROR", record=False)
    phases.add("run", t_run)
    spent = phases.spent
    both = spent.pop("dbt run+parse", {"seconds": 0.0, "cpu": 0.0})
    parse = spent.get("dbt parse", {"seconds": 0.0, "cpu": 0.0})
    spent["dbt run"] = {k: both[k] - parse[k] for k in both}
    run = spent.pop("run")
    spent["start-up"] = {"seconds": t_run[0] - started, "cpu": t_run[1] - cpu_before}
    spent["other"] = {k: run[k] - sum(v[k] for n, v in spent.items() if n != "start-up") for k in run}
    queue = Path(release) / "quality" / "steward_queue.csv"
    with open(queue, encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    return {"success": True, "steps": out.get("steps", {}), "queue_rows": rows,
            "phases": {k: {m: round(x, 2) for m, x in v.items()} for k, v in spent.items()},
            "cpu_seconds": round(phases.now()[1] - cpu_before, 2), "self_hwm": _vm_hwm_bytes(),
            "loop_seconds": round(time.time() - started, 2)}


def _baseline_child(landing: str, out_dir: str, as_of: str, started: float, threads: int | None = None) -> dict:
    """Runs in the baseline subprocess: baseline.sql in one DuckDB connection, then the five tables to CSV."""
    import duckdb

    t0 = time.time()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET VARIABLE landing = ?", [str(Path(landing).resolve())])
    con.execute("SET VARIABLE seeds = ?", [str(SEEDS_DIR.resolve())])
    con.execute("SET VARIABLE as_of = ?", [as_of])
    con.execute(BASELINE_SQL.read_text(encoding="utf-8"))
    t_sql = time.time()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for ds in DATASETS:
        con.execute(f"COPY release_{ds} TO '{out / (ds + '.csv')}' (HEADER, DELIMITER ',')")
        rows[ds] = con.execute(f"SELECT count(*) FROM release_{ds}").fetchone()[0]
    con.close()
    t_end = time.time()
    return {
        "startup_seconds": t0 - started,
        "sql_seconds": t_sql - t0,
        "write_seconds": t_end - t_sql,
        "seconds": t_end - t0,
        "rows": rows,
        "self_hwm": _vm_hwm_bytes(),
    }


def _fixed_child(started: float) -> dict:
    """Fixed costs measured on their own: Python + Dagster imports and Definitions, a full dbt parse, a GX context."""
    out: dict[str, float] = {}
    t = time.time()
    import dagster  # noqa: F401

    from scr_warehouse.definitions import build_definitions

    build_definitions("/nonexistent/landing", "/nonexistent/w.duckdb", "/nonexistent/release", "")
    out["dagster_startup_seconds"] = (time.time() - t) + (t - started)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SCR_WAREHOUSE=str(Path(tmp) / "parse.duckdb"))
        dbt = str(Path(sys.executable).parent / "dbt")
        t = time.time()
        subprocess.run(
            [dbt, "parse", "--no-partial-parse", "--quiet", "--target-path", str(Path(tmp) / "target"),
             "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--log-path", str(Path(tmp) / "logs")],
            env=env, check=False, capture_output=True,
        )
        out["dbt_parse_seconds"] = time.time() - t
    t = time.time()
    try:
        import great_expectations as gx

        gx.get_context(mode="ephemeral")
        out["gx_context_seconds"] = time.time() - t
    except Exception:  # noqa: BLE001 - a missing GX is reported as not measured
        out["gx_context_seconds"] = float("nan")
    return out


def _run_child(kind: str, args: list[str], log_path: Path) -> tuple[dict, float]:
    """Start `python tools/bench/bench.py <kind> ...` and return its JSON result and wall time. This process
    samples the child's process tree while it runs (from outside, so the sampler takes no share of the child's
    interpreter) and adds `peak_mem` (and per stage, from the stages' step windows) and `sampler_seconds`."""
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as f:
        result_path = f.name
    env = dict(os.environ)
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    t0 = time.time()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve().with_name("bench.py")), kind, "--started", repr(t0),
             "--result", result_path, *args],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        proc.wait()
        samples = sampler.stop()
    wall = time.time() - t0
    try:
        with open(result_path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        data = {"success": False, "error": f"{kind} process exited {proc.returncode}; see {log_path}"}
    finally:
        Path(result_path).unlink(missing_ok=True)
    if proc.returncode != 0 and "error" not in data:
        data["error"] = f"{kind} process exited {proc.returncode}; see {log_path}"
    data["peak_mem"] = TreeSampler.peak(samples)
    data["sampler_seconds"] = sampler.busy
    for stage in data.get("stages", {}).values():
        stage["peak_mem"] = TreeSampler.peak(samples, [tuple(w) for w in stage.pop("windows")])
    return data, wall
