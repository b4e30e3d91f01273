"""`make bench` (`python tools/bench/bench.py bench --scales 1,10,100`): time the full build against a single-pass
DuckDB baseline at several scales. Development tooling: not part of the shipped package.

For each scale the synthetic landing folder is generated (once; cached under data/bench/), then:
- the build (`build_everything`, exactly as `scr-warehouse build` runs it) runs in its own Python process and
  reads each Dagster step's start and end from the run's events; the bench process samples the memory of the
  build's whole process tree from outside (resident sets; a forked worker's private pages), so wall time and peak
  memory are reported per stage: ingest (raw/*), dbt (dbt_models, dbt_after_quality), checks (quality/*), release
  (release/*), report (report/*);
- the baseline (`baseline.sql`: one hand-written DuckDB script, one connection) runs in another process with the
  same sampler, computes the five release datasets (restricted tier) from the same landing CSVs and seed CSVs;
- the baseline's tables are compared with the build's `restricted/<dataset>.csv` files.

Fixed costs (Dagster start-up, dbt parse, GX context, report rendering) are measured on their own.
Only timings and counts are printed: never record-level data.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

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
SAMPLE_SECONDS = 0.05
# Indicators that are shares or rates are compared with this absolute tolerance (the build may round to 1 dp).
DERIVED_TOLERANCE = 0.051


# --------------------------------------------------------------------------------------------------------------
# Memory of a process tree, read from /proc (no psutil). The sampler must not slow what it measures: reading
# smaps_rollup walks a process's page tables (tens of milliseconds for a multi-GB DuckDB process, up to a second for
# a busy forked worker), which every 50 ms took 40% of a core at scale 100. So a process counts its resident set
# (VmRSS: a counter, microseconds), and only a forked worker (same command line as its parent) reads smaps_rollup,
# for its private pages (the pages it still shares with its parent are in the parent's resident set), at most
# once a second per worker and less often when that read is slow (1/SAMPLER_DUTY of the time); in between its last
# reading stands.
# --------------------------------------------------------------------------------------------------------------
SAMPLER_DUTY = 20
FORKED_INTERVAL = 1.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def _proc_kb(path: str, keys: tuple[str, ...]) -> int:
    total = 0
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(keys):
                    total += int(line.split()[1])
    except OSError:
        return 0
    return total * 1024


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def _mem_bytes(pid: int, forked: bool = False) -> int:
    """A process's resident set; for a forked worker only its private pages (its shared pages are its parent's)."""
    if forked:
        return _proc_kb(f"/proc/{pid}/smaps_rollup", ("Private_Clean:", "Private_Dirty:"))
    return _proc_kb(f"/proc/{pid}/status", ("VmRSS:",))


def tree_mem_bytes(pid: int, forked_cache: dict | None = None) -> int:
    """Memory of pid plus every descendant (dbt subprocesses, forked workers, Chromium), each page counted once.
    `forked_cache` (pid -> (bytes, next read time)) spaces out the slow reads of forked workers."""
    total, todo, seen = _mem_bytes(pid), [(pid, c) for c in _children(pid)], {pid}
    while todo:
        parent, p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        cmd = _cmdline(p)
        if cmd is None or cmd != _cmdline(parent):
            total += _mem_bytes(p)
        elif forked_cache is None:
            total += _mem_bytes(p, forked=True)
        else:
            value, due = forked_cache.get(p, (0, 0.0))
            if time.monotonic() >= due:
                t = time.monotonic()
                value = _mem_bytes(p, forked=True)
                took = time.monotonic() - t
                forked_cache[p] = (value, time.monotonic() + max(FORKED_INTERVAL, (SAMPLER_DUTY - 1) * took))
            total += value
        todo.extend((p, c) for c in _children(p))
    return total


class TreeSampler(threading.Thread):
    """Samples (wall-clock time, memory of the process tree) every `interval` seconds until stopped; `busy` is the
    time spent sampling (reported beside the results)."""

    def __init__(self, pid: int | None = None, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self.pid = pid or os.getpid()
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.busy = 0.0
        self._forked: dict[int, tuple[int, float]] = {}
        self._stop_event = threading.Event()

    def _sample(self) -> None:
        t = time.perf_counter()
        self.samples.append((time.time(), tree_mem_bytes(self.pid, self._forked)))
        self.busy += time.perf_counter() - t

    def run(self) -> None:
        while not self._stop_event.is_set():
            self._sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> list[tuple[float, int]]:
        self._stop_event.set()
        self.join()
        self._sample()
        return self.samples

    @staticmethod
    def peak(samples, windows: list[tuple[float, float]] | None = None) -> int:
        if windows is None:
            return max((r for _, r in samples), default=0)
        return max((r for t, r in samples if any(a <= t <= b for a, b in windows)), default=0)


def _vm_hwm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


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
    """Runs in the build subprocess: the same job and run config as cli.run_build, with each step's start and end
    (the bench process samples this process tree's memory from outside and takes each stage's peak in its steps)."""
    t_import = time.time()
    from dagster import DagsterInstance

    from scr_warehouse.cli import manifest_stale, prepare
    from scr_warehouse.dbt_project import scr_dbt_project

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
        env = dict(os.environ, SCR_WAREHOUSE_PATH=str(Path(tmp) / "parse.duckdb"))
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
            [sys.executable, str(Path(__file__).resolve()), kind, "--started", repr(t0), "--result", result_path, *args],
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


# --------------------------------------------------------------------------------------------------------------
# Comparing the baseline's tables with the build's restricted files.
# --------------------------------------------------------------------------------------------------------------
def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), list(r)


def _num(v: str | None):
    if v is None:
        return None
    v = v.strip()
    if v in ("", "x", "z", "c", "NULL"):
        return None
    try:
        return float(v)
    except ValueError:
        return v


def compare_dataset(build_csv: Path, baseline_csv: Path) -> list[str]:
    """Differences (counts and column names only, never values of child records) between two tidy files."""
    if not build_csv.exists():
        return [f"build file missing: {build_csv.name}"]
    bcols, brows = _read_csv(build_csv)
    lcols, lrows = _read_csv(baseline_csv)
    problems = []
    if bcols != lcols:
        problems.append(f"columns differ: build {bcols} vs baseline {lcols}")
    common = [c for c in lcols if c in bcols]
    # Indicators are the numeric columns after the filters: everything that parses as a number in either file.
    def is_numeric(c):
        vals = [_num(r[c]) for r in brows + lrows]
        return any(isinstance(x, float) for x in vals) and all(x is None or isinstance(x, float) for x in vals)

    numeric = {c for c in common if is_numeric(c)}
    numeric -= {"time_period", "old_la_code"}
    keys = [c for c in common if c not in numeric]

    def index(rows):
        out: dict[tuple, dict] = {}
        dups = 0
        for r in rows:
            k = tuple((r.get(c) or "").strip() for c in keys)
            dups += k in out
            out[k] = r
        return out, dups

    bi, bd = index(brows)
    li, ld = index(lrows)
    if bd or ld:
        problems.append(f"duplicate filter combinations: build {bd}, baseline {ld}")
    only_b = set(bi) - set(li)
    only_l = set(li) - set(bi)
    if only_b:
        problems.append(f"{len(only_b)} row(s) only in the build")
    if only_l:
        problems.append(f"{len(only_l)} row(s) only in the baseline")
    diff_cols: dict[str, int] = {}
    for k in set(bi) & set(li):
        for c in numeric:
            a, b = _num(bi[k].get(c)), _num(li[k].get(c))
            if a is None and b is None:
                continue
            if a is None or b is None or isinstance(a, str) or isinstance(b, str):
                same = a == b
            elif c.endswith(("_percent", "_rate_per_10000")):
                same = math.isclose(a, b, abs_tol=DERIVED_TOLERANCE)
            else:
                same = a == b
            if not same:
                diff_cols[c] = diff_cols.get(c, 0) + 1
    for c, n in sorted(diff_cols.items()):
        problems.append(f"{n} row(s) differ in {c}")
    return problems


def compare_release(release_dir: Path, baseline_dir: Path) -> dict[str, list[str]]:
    return {ds: compare_dataset(release_dir / "restricted" / f"{ds}.csv", baseline_dir / f"{ds}.csv")
            for ds in DATASETS}


# --------------------------------------------------------------------------------------------------------------
# The benchmark.
# --------------------------------------------------------------------------------------------------------------
def _scale_name(scale: float) -> str:
    return f"{scale:g}".replace(".", "p")


def ensure_landing(scale: float, seed: int = DEFAULT_SEED, root: Path = BENCH_DIR) -> tuple[Path, float | None]:
    """The synthetic landing folder for a scale, generated once (a marker file says it is complete)."""
    landing = root / f"landing-seed{seed}-scale{_scale_name(scale)}"
    marker = landing / ".generated"
    if marker.exists():
        return landing, None
    from scr_warehouse.generate import generate

    if landing.exists():
        shutil.rmtree(landing)
    t = time.time()
    generate(landing, seed=seed, scale=scale)
    took = time.time() - t
    marker.write_text(json.dumps({"seed": seed, "scale": scale, "seconds": took}))
    return landing, took


def landing_size(landing: Path) -> dict[str, int]:
    """Data rows per feed (lines minus headers; a quoted multi-line cell would count twice: a size, not a count)."""
    out = {}
    for feed_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
        n = 0
        for f in feed_dir.glob("*.csv"):
            with open(f, "rb") as fh:
                n += max(sum(1 for _ in fh) - 1, 0)
        out[feed_dir.name] = n
    return out


def run_scale(scale: float, seed: int = DEFAULT_SEED, as_of: str = DEFAULT_AS_OF, root: Path = BENCH_DIR,
              build: bool = True, baseline_threads: int | None = None, landing: Path | None = None,
              repeat: int = DEFAULT_REPEAT) -> dict:
    """Generate (if needed), build and run the baseline at one scale, each `repeat` times; compare the outputs.
    The fastest run of each is reported (as timeit does: on a shared machine noise only ever adds time), the
    peak memory is the largest of the runs, and every run's wall time is kept (`*_walls`)."""
    gen_seconds = None
    if landing is None:
        landing, gen_seconds = ensure_landing(scale, seed, root)
    out = root / f"run-scale{_scale_name(scale)}"
    out.mkdir(parents=True, exist_ok=True)
    res: dict = {"scale": scale, "seed": seed, "landing": str(landing), "generate_seconds": gen_seconds,
                 "landing_rows": landing_size(landing), "repeat": repeat}
    base_args = ["--landing", str(landing), "--out", str(out / "baseline"), "--as-of", as_of]
    if baseline_threads:
        base_args += ["--threads", str(baseline_threads)]
    wh = out / "warehouse.duckdb"
    build_args = ["--landing", str(landing), "--warehouse", str(wh), "--release", str(out / "release"),
                  "--as-of", as_of]
    runs: dict[str, list[tuple[dict, float]]] = {"baseline": [], "build": []}
    for _ in range(max(1, repeat)):
        runs["baseline"].append(_run_child("baseline", base_args, out / "baseline.log"))
        if build:
            for p in (wh, Path(str(wh) + ".wal")):
                p.unlink(missing_ok=True)
            shutil.rmtree(out / "release", ignore_errors=True)
            runs["build"].append(_run_child("build", build_args, out / "build.log"))
    for kind, done in runs.items():
        if not done:
            continue
        ok = [r for r in done if r[0].get("success", True) and "error" not in r[0]]
        data, wall = min(ok or done, key=lambda r: r[1])  # the fastest good run (a failure, if none was good)
        data["peak_mem"] = max(r[0].get("peak_mem", 0) for r in done)
        res[kind], res[f"{kind}_wall"], res[f"{kind}_walls"] = data, wall, [round(r[1], 2) for r in done]
    if build and res["build"].get("success") and "error" not in res["baseline"]:
        # the last build's files and the last baseline's tables (every run computes the same)
        res["equality"] = compare_release(out / "release", out / "baseline")
    return res


def _mb(n: int | float) -> str:
    return f"{n / 2**20:,.0f} MB"


def machine_description() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(ln for ln in f if ln.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        mem_kb = 0
    import duckdb

    return (f"{os.cpu_count()} cores ({cpu}), {mem_kb / 2**20:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}")


def format_results(results: list[dict], fixed: dict | None) -> list[str]:
    """Markdown lines: one table of stages per scale, then the ratios, then fixed costs."""
    lines = ["| scale | landing rows | stage | build s | build peak memory |", "|---|---|---|---|---|"]
    for r in results:
        rows = sum(r["landing_rows"].values())
        b = r.get("build") or {}
        st = b.get("stages", {})
        for stage in (*STAGES, "other"):
            if stage in st:
                lines.append(f"| {r['scale']:g} | {rows:,} | {stage} | {st[stage]['seconds']:.1f} | "
                             f"{_mb(st[stage]['peak_mem'])} |")
        if b:
            lines.append(f"| {r['scale']:g} | {rows:,} | start-up + run overhead | "
                         f"{b.get('startup_seconds', 0) + b.get('run_overhead_seconds', 0):.1f} | |")
            if b.get("manifest_parse_seconds", 0) > 0.5:
                lines.append(f"| {r['scale']:g} | {rows:,} | dbt parse (manifest was stale) | "
                             f"{b['manifest_parse_seconds']:.1f} | |")
            lines.append(f"| {r['scale']:g} | {rows:,} | (memory sampling, in the bench process beside it) | "
                         f"{b.get('sampler_seconds', 0):.1f} | |")
            lines.append(f"| {r['scale']:g} | {rows:,} | **build total (wall)** | **{r['build_wall']:.1f}** | "
                         f"**{_mb(b.get('peak_mem', 0))}** |")
        bl = r["baseline"]
        if "error" not in bl:
            lines.append(f"| {r['scale']:g} | {rows:,} | **baseline total (wall)** | **{r['baseline_wall']:.1f}** "
                         f"(SQL {bl['sql_seconds']:.1f}, write {bl['write_seconds']:.2f}) | **{_mb(bl['peak_mem'])}** |")
    lines += ["", "| scale | build s | baseline s | build / baseline | marginal (build N - build 1) / "
              "(baseline N - baseline 1) | outputs equal |", "|---|---|---|---|---|---|"]
    ref = next((r for r in results if r.get("build_wall") and "error" not in r["baseline"]), None)
    for r in results:
        if not r.get("build_wall") or "error" in r["baseline"]:
            continue
        ratio = r["build_wall"] / r["baseline_wall"]
        marginal = "-"
        if ref is not None and r is not ref:
            db, dl = r["build_wall"] - ref["build_wall"], r["baseline_wall"] - ref["baseline_wall"]
            marginal = f"{db / dl:.1f} (ref. scale {ref['scale']:g})" if dl > 0 else "n/a"
        eq = r.get("equality")
        eq_text = "not compared" if eq is None else ("yes" if not any(eq.values()) else "NO: " + "; ".join(
            f"{ds}: {', '.join(p)}" for ds, p in eq.items() if p))
        lines.append(f"| {r['scale']:g} | {r['build_wall']:.1f} | {r['baseline_wall']:.1f} | {ratio:.1f} | "
                     f"{marginal} | {eq_text} |")
    if fixed:
        small = next((r for r in results if r.get("build", {}).get("stages")), None)
        report_s = small["build"]["stages"].get("report", {}).get("seconds") if small else None
        lines += ["", "Fixed costs: " + ", ".join([
            f"Dagster start-up (Python, imports, Definitions) {fixed['dagster_startup_seconds']:.1f} s",
            f"dbt parse (full, no partial parse) {fixed['dbt_parse_seconds']:.1f} s",
            f"GX context (ephemeral) {fixed['gx_context_seconds']:.1f} s",
            (f"report rendering at scale {small['scale']:g} {report_s:.1f} s" if report_s is not None
             else "report rendering not measured (no report stage)"),
        ])]
    return lines


def main(scales: list[float], argv_extra: dict | None = None) -> int:
    """`python tools/bench/bench.py bench --scales 1,10,100`: prints the tables and writes data/bench/results.{json,md}."""
    opts = {"seed": DEFAULT_SEED, "as_of": DEFAULT_AS_OF, "root": BENCH_DIR, "fixed": True, "repeat": DEFAULT_REPEAT,
            **(argv_extra or {})}
    root = Path(opts["root"])
    root.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine_description()}", flush=True)
    fixed = None
    if opts["fixed"]:
        fixed, _ = _run_child("fixed", [], root / "fixed.log")
        if "error" in fixed:
            print(f"fixed costs not measured: {fixed['error']}")
            fixed = None
    results = []
    for scale in sorted(scales):
        print(f"scale {scale:g}: generating/building/baseline ...", flush=True)
        r = run_scale(scale, opts["seed"], opts["as_of"], root, repeat=opts["repeat"])
        results.append(r)
        # written after every scale, so a long run that is stopped keeps what it measured
        (root / "results.json").write_text(json.dumps({"fixed": fixed, "results": results}, indent=1, default=str))
        status = "ok" if r.get("build", {}).get("success") else f"FAILED {r.get('build', {}).get('error') or r.get('build', {}).get('failed_steps')}"
        print(f"  build {r.get('build_wall', 0):.1f} s ({status}; runs {r.get('build_walls')}); "
              f"baseline {r['baseline_wall']:.1f} s (runs {r.get('baseline_walls')})"
              + (f" (FAILED: {r['baseline']['error']})" if "error" in r["baseline"] else ""), flush=True)
    explorer = explorer_latency(root / f"run-scale{_scale_name(min(scales))}") if results else None
    lines = [f"Machine: {machine_description()}", f"Run: {dt.datetime.now().isoformat(timespec='seconds')}, "
             f"seed {opts['seed']}, as-of {opts['as_of']}; each build and baseline run {opts['repeat']} times, "
             "the fastest reported (every run's time in results.json)", "", *format_results(results, fixed),
             "", *format_explorer(explorer, min(scales))]
    print("\n".join(lines))
    (root / "results.json").write_text(json.dumps({"fixed": fixed, "results": results, "explorer": explorer},
                                                  indent=1, default=str))
    (root / "results.md").write_text("\n".join(lines) + "\n")
    ok = all(r.get("build", {}).get("success") and "error" not in r["baseline"]
             and r.get("equality") is not None and not any(r["equality"].values()) for r in results)
    return 0 if ok else 1


def explorer_latency(run_dir: Path) -> dict:
    """The explorer's first load and filter-change times in headless Chromium on a built release
    (tools/bench/explorer_latency.py, run as its own process)."""
    script = Path(__file__).with_name("explorer_latency.py")
    if not (run_dir / "release" / "notifications_by_area.csv").is_file():
        return {"error": f"no built release in {run_dir}"}
    proc = subprocess.run([sys.executable, str(script), "--warehouse", str(run_dir / "warehouse.duckdb"),
                           "--release", str(run_dir / "release")], capture_output=True, text=True, timeout=900)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]}


def format_explorer(result: dict | None, scale: float) -> list[str]:
    if not result:
        return []
    if "error" in result:
        return [f"Explorer (scale {scale:g}): not measured ({result['error']})"]
    return [f"Explorer (scale {scale:g}, headless Chromium, {result['changes']} scripted filter changes): first load "
            f"{result['first_load_s']:.1f} s; filter change to redrawn charts p50 {result['p50_ms']:.0f} ms, "
            f"p95 {result['p95_ms']:.0f} ms, max {result['max_ms']:.0f} ms (target p95 under 300 ms)"]


def _child_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python tools/bench/bench.py")
    p.add_argument("kind", choices=["build", "baseline", "fixed", "bench"])
    p.add_argument("--started", type=float, default=None)
    p.add_argument("--result")
    p.add_argument("--landing")
    p.add_argument("--warehouse")
    p.add_argument("--release")
    p.add_argument("--out")
    p.add_argument("--as-of", default=DEFAULT_AS_OF)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--scales", default="1,10,100")
    p.add_argument("--no-fixed", action="store_true")
    p.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    a = p.parse_args(argv)
    started = a.started or time.time()
    if a.kind == "bench":
        return main([float(s) for s in a.scales.split(",")], {"fixed": not a.no_fixed, "repeat": a.repeat})
    if a.kind == "build":
        data = _build_child(a.landing, a.warehouse, a.release, a.as_of, started)
    elif a.kind == "baseline":
        data = _baseline_child(a.landing, a.out, a.as_of, started, a.threads)
    else:
        data = _fixed_child(started)
    with open(a.result, "w") as f:
        json.dump(data, f)
    return 0 if data.get("success", True) else 1


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
