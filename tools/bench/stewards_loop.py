"""Issue 24 item 2: the stewards' loop (`scr-warehouse intake`, the landing sensor's job) on a built scale, beside the
baseline run on the same landing folder. Development tooling: not part of the shipped package.

On a copy of the scale's built warehouse, its dbt target folder, the stewards' files and the landing folder (the
full build's own folders are left as they were), the loop runs in its own process (memory sampled from outside),
as the sensor's run does:

1. settle: the copy's first loop, nothing new to load (what a loop with nothing to do costs);
2. after a correction: a corrections file with one steward's correction to one notification;
3. after a new file: a notifications file of three new children in the latest quarter;
4. and 5. the same two changes in a warm process (as `scr-warehouse intake --watch` keeps one): the process runs a
   loop, makes the change, and the next loop is timed.

Each loop reports its wall time (process start to the stewards' files written), every Dagster step's seconds and a
profile by phase: seconds and CPU seconds of start-up (interpreter, imports, Definitions), loading landing files,
dbt parse, dbt run, GX (validation and Data Docs) and writing the stewards' files. Only timings and counts.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from incremental import _copy, add_correction, add_new_file
from timed_runs import _run_child

LOOP_SCENARIOS = ("settle", "after a correction", "after a new file", "after a correction, warm process",
                  "after a new file, warm process")
# a warm process (`scr-warehouse intake --watch`) runs one loop, makes the change itself, then the loop is timed
WARM = {"after a correction, warm process": "correction", "after a new file, warm process": "new file"}
TARGETS = {1.0: 5.0, 100.0: 10.0}  # issue 24: seconds to the updated queue, on 2 cores


def run_loop(run_dir: Path, landing: Path, as_of: str, scenarios: tuple[str, ...] = LOOP_SCENARIOS) -> dict:
    """The scenarios on a copy of run_dir (a built scale): {scenario: {loop_wall, baseline_wall, ...}}."""
    work = run_dir.parent / f"{run_dir.name}-loop"
    shutil.rmtree(work, ignore_errors=True)
    (work / "release").mkdir(parents=True)
    for name in ("warehouse.duckdb", ".warehouse.duckdb.dbt-target"):
        _copy(run_dir / name, work / name)
    _copy(run_dir / "release" / "quality", work / "release" / "quality")
    _copy(landing, work / "landing")
    out: dict = {}
    for scenario in scenarios:
        change = {"after a correction": add_correction, "after a new file": add_new_file}.get(scenario)
        note = change(work / "landing") if change else WARM.get(scenario, "")
        args = ["--landing", str(work / "landing"), "--warehouse", str(work / "warehouse.duckdb"),
                "--release", str(work / "release"), "--as-of", as_of]
        if scenario in WARM:
            args += ["--change", WARM[scenario]]
        data, wall = _run_child("loop", args, work / f"loop-{scenario.replace(' ', '-').replace(',', '')}.log")
        wall = data.get("loop_seconds", wall) if scenario in WARM else wall  # the timed loop, not the first
        base, base_wall = _run_child("baseline", ["--landing", str(work / "landing"), "--out", str(work / "baseline"),
                                                  "--as-of", as_of], work / "baseline.log")
        out[scenario] = {"loop_wall": round(wall, 2), "baseline_wall": round(base_wall, 2), "change": note,
                         "success": data.get("success", False), "error": data.get("error"),
                         "steps": data.get("steps", {}), "phases": data.get("phases", {}),
                         "cpu_seconds": data.get("cpu_seconds"), "peak_mem": data.get("peak_mem"),
                         "queue_rows": data.get("queue_rows")}
    return out


def format_loop(result: dict | None, scale: float) -> list[str]:
    """Markdown: one row per scenario, then the profile by phase of each."""
    if not result:
        return []
    target = TARGETS.get(scale)
    lines = [f"The stewards' loop (`scr-warehouse intake`) on a built warehouse, scale {scale:g} (issue 24 target: "
             f"{f'{target:g} s' if target else 'none at this scale'}; aim: twice the baseline):", "",
             "| scenario | loop s | CPU s | baseline s | loop / baseline | queue rows |", "|---|---|---|---|---|---|"]
    for name, r in result.items():
        if not r.get("success"):
            lines.append(f"| {name} | failed: {r.get('error')} | | | | |")
            continue
        ratio = r["loop_wall"] / r["baseline_wall"] if r["baseline_wall"] else float("nan")
        lines.append(f"| {name} | {r['loop_wall']:.1f} | {r.get('cpu_seconds') or 0:.1f} | {r['baseline_wall']:.1f} "
                     f"| {ratio:.1f} | {r.get('queue_rows')} |")
    lines += ["", "Where the loop's time goes (seconds / CPU seconds, by phase):", "",
              "| scenario | " + " | ".join(PHASES) + " |", "|---|" + "---|" * len(PHASES)]
    for name, r in result.items():
        ph = r.get("phases") or {}
        lines.append(f"| {name} | " + " | ".join(
            f"{ph[p]['seconds']:.1f} / {ph[p]['cpu']:.1f}" if p in ph else "-" for p in PHASES) + " |")
    return lines


PHASES = ("start-up", "load landing files", "dbt parse", "dbt run", "GX", "stewards' files", "other")
