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
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from compare_outputs import compare_release
from incremental import format_incremental, run_incremental
from stewards_loop import TARGETS as LOOP_TARGETS
from stewards_loop import format_loop, run_loop
from timed_runs import (
    BENCH_DIR,
    DEFAULT_AS_OF,
    DEFAULT_REPEAT,
    DEFAULT_SEED,
    STAGES,
    _baseline_child,
    _build_child,
    _fixed_child,
    _loop_child,
    _rebuild_child,
    _run_child,
)


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
    from scr_warehouse.synthetic import generate

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
            for p in (wh, Path(str(wh) + ".wal"), Path(str(wh) + ".last-build.json")):
                p.unlink(missing_ok=True)
            shutil.rmtree(out / "release", ignore_errors=True)
            shutil.rmtree(Path(str(wh) + ".release-cache"), ignore_errors=True)  # a full build protects every period
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
                         f"(SQL {bl['sql_seconds']:.1f}, write {bl['write_seconds']:.2f}) | "
                         f"**{_mb(bl['peak_mem'])}** |")
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
    """`python tools/bench/bench.py bench --scales 1,10,100`: prints the tables and writes
    data/bench/results.{json,md}."""
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
        b = r.get("build", {})
        status = "ok" if b.get("success") else f"FAILED {b.get('error') or b.get('failed_steps')}"
        print(f"  build {r.get('build_wall', 0):.1f} s ({status}; runs {r.get('build_walls')}); "
              f"baseline {r['baseline_wall']:.1f} s (runs {r.get('baseline_walls')})"
              + (f" (FAILED: {r['baseline']['error']})" if "error" in r["baseline"] else ""), flush=True)
    first = root / f"run-scale{_scale_name(min(scales))}"
    incremental = None
    if results and results[0].get("build", {}).get("success") and opts.get("incremental", True):
        print(f"scale {min(scales):g}: incremental builds ...", flush=True)
        incremental = run_incremental(first, Path(results[0]["landing"]), opts["as_of"])
    loops = stewards_loops(results, root, opts)
    explorer = explorer_latency(first) if results else None
    built = results and results[0].get("build", {}).get("success")
    extras = side_by_side(first, Path(results[0]["landing"])) if built \
        else []
    lines = [f"Machine: {machine_description()}", f"Run: {dt.datetime.now().isoformat(timespec='seconds')}, "
             f"seed {opts['seed']}, as-of {opts['as_of']}; each build and baseline run {opts['repeat']} times, "
             "the fastest reported (every run's time in results.json)", "", *format_results(results, fixed),
             "", *format_incremental(incremental, min(scales)),
             *[line for scale, loop in loops.items() for line in ("", *format_loop(loop, scale))],
             "", *format_explorer(explorer, min(scales)), "", *extras]
    print("\n".join(lines))
    (root / "results.json").write_text(json.dumps({"fixed": fixed, "results": results, "explorer": explorer,
                                                   "incremental": incremental,
                                                   "stewards_loop": {f"{k:g}": v for k, v in loops.items()}},
                                                  indent=1, default=str))
    (root / "results.md").write_text("\n".join(lines) + "\n")
    ok = all(r.get("build", {}).get("success") and "error" not in r["baseline"]
             and r.get("equality") is not None and not any(r["equality"].values()) for r in results)
    return 0 if ok else 1


def stewards_loops(results: list[dict], root: Path, opts: dict) -> dict[float, dict]:
    """The stewards' loop (tools/bench/stewards_loop.py) at each built scale that has an issue 24 target (1, 100)."""
    loops = {}
    for r in results:
        if r["scale"] in LOOP_TARGETS and r.get("build", {}).get("success") and opts.get("loop", True):
            print(f"scale {r['scale']:g}: the stewards' loop ...", flush=True)
            loops[r["scale"]] = run_loop(root / f"run-scale{_scale_name(r['scale'])}", Path(r["landing"]),
                                         opts["as_of"])
    return loops


def side_by_side(run_dir: Path, landing: Path) -> list[str]:
    """Issue 23 and 24 beside the baseline run: the check of a 1,000-row file (seconds, three runs), the two
    publication routes on the built warehouse (tools/bench/policy_compare.py) and Tau-Argus against our engine on one
    period (tools/bench/tau_argus_compare.py). Only counts and seconds are printed."""
    import tempfile

    py = str(Path(sys.executable))
    here = Path(__file__).resolve().parent
    lines = ["## Side by side", ""]
    src = sorted((landing / "notifications").glob("*.csv"))
    if src:
        with tempfile.TemporaryDirectory() as tmp:
            rows: list[str] = []
            for f in src:
                text = f.read_text(encoding="utf-8").splitlines()
                rows += text[1:] if rows else text
                if len(rows) > 1000:
                    break
            sample = Path(tmp) / "sample.csv"
            sample.write_text("\n".join(rows[:1001]) + "\n", encoding="utf-8")
            walls = []
            for _ in range(3):
                t0 = time.perf_counter()
                subprocess.run([str(Path(py).with_name("scr-warehouse")), "check", str(sample), "--feed",
                                "notifications"], capture_output=True)
                walls.append(time.perf_counter() - t0)
            lines.append(f"- `scr-warehouse check` of a 1,000-row notifications file: {min(walls):.2f} s "
                         f"(runs {', '.join(f'{w:.2f}' for w in walls)}); target 1 s")
    wh = str(run_dir / "warehouse.duckdb")
    for script, args in (("policy_compare.py", [wh]), ("tau_argus_compare.py", [wh, "201213"])):
        r = subprocess.run([py, str(here / script), *args], capture_output=True, text=True)
        out = [x for x in r.stdout.splitlines() if x.strip()]
        lines += ["", f"`{script}`:", "", "```", *out[-30:], "```"] if r.returncode == 0 else \
            ["", f"`{script}` failed: {r.stderr.strip().splitlines()[-1:] }"]
    return lines


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
            f"p95 {result['p95_ms']:.0f} ms, max {result['max_ms']:.0f} ms from the click (target p95 under 300 ms); "
            f"from the automation's command, with its own checks: p50 {result['command_p50_ms']:.0f} ms, "
            f"p95 {result['command_p95_ms']:.0f} ms; opening a tab: "
            + ", ".join(f"{label} {t:.0f} ms" for label, t in result.get("tabs_ms", []))]


def _child_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python tools/bench/bench.py")
    p.add_argument("kind", choices=["build", "rebuild", "loop", "baseline", "fixed", "bench"])
    p.add_argument("--started", type=float, default=None)
    p.add_argument("--result")
    p.add_argument("--landing")
    p.add_argument("--warehouse")
    p.add_argument("--release")
    p.add_argument("--out")
    p.add_argument("--as-of", default=DEFAULT_AS_OF)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--change", default="", help="loop: the change a warm process makes after its first loop")
    p.add_argument("--scales", default="1,10,100")
    p.add_argument("--no-fixed", action="store_true")
    p.add_argument("--repeat", type=int, default=DEFAULT_REPEAT)
    a = p.parse_args(argv)
    started = a.started or time.time()
    if a.kind == "bench":
        return main([float(s) for s in a.scales.split(",")], {"fixed": not a.no_fixed, "repeat": a.repeat})
    if a.kind == "build":
        data = _build_child(a.landing, a.warehouse, a.release, a.as_of, started)
    elif a.kind == "rebuild":
        data = _rebuild_child(a.landing, a.warehouse, a.release, a.as_of, started)
    elif a.kind == "loop":
        data = _loop_child(a.landing, a.warehouse, a.release, a.as_of, started, a.change)
    elif a.kind == "baseline":
        data = _baseline_child(a.landing, a.out, a.as_of, started, a.threads)
    else:
        data = _fixed_child(started)
    with open(a.result, "w") as f:
        json.dump(data, f)
    return 0 if data.get("success", True) else 1


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
