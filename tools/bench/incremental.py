"""Issue 14's scenarios on a built scale: what a steward or a new file costs on a warehouse that is already built.

On a copy of the scale's built warehouse, release, release cache and landing folder (so the full build's own
folders are left as they were), `scr-warehouse build` runs as a person runs it (build.run_build, in its own process,
memory sampled from outside) four times:

1. settle: the copy's first build (its paths differ, so it is not "unchanged"): every landing file already loaded,
   every period's protection reused; what a build costs when the data did not change;
2. no change: the same build again, which has nothing to do;
3. one correction: a corrections file with one steward's correction to one notification;
4. one new file: a notifications file of three new children in the latest year.

Each is timed beside the baseline on the same landing folder (the baseline always computes everything).
Only timings and counts are printed.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from timed_runs import _run_child

SCENARIOS = ("settle", "no change", "one correction", "one new file")


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    elif src.exists():
        shutil.copy2(src, dst)


def _latest_notifications(landing: Path) -> tuple[Path, list[str], list[dict]]:
    """The notifications file whose name sorts last (the latest quarter) and its rows."""
    path = sorted((landing / "notifications").glob("*.csv"))[-1]
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.DictReader(f)
        return path, list(r.fieldnames or []), list(r)


def add_correction(landing: Path, n: int = 1) -> str:
    """One correction of one notification's child_sex, as a steward sends it (`n`: the how-manyth, a file of its
    own)."""
    _, _, rows = _latest_notifications(landing)
    row = next(r for r in rows if r.get("notification_id") and r.get("child_sex") in ("M", "F"))
    new = "F" if row["child_sex"] == "M" else "M"
    path = landing / "corrections" / f"bench_correction_{n:03d}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["correction_id", "feed", "record_id", "column_name", "new_value", "reason", "steward",
                    "corrected_at"])
        w.writerow([f"BENCH-C{n}", "notifications", row["notification_id"], "child_sex", new,
                    "recorded wrongly at notification", "bench", "2018-06-01T09:00:00"])
    return path.name


def add_new_file(landing: Path, n: int = 1) -> str:
    """Three new children, copies of the latest file's first complete rows under new identifiers (`n`: the
    how-manyth such file)."""
    _, columns, rows = _latest_notifications(landing)
    good = [r for r in rows if all(r.get(c) for c in ("notification_id", "incident_id", "la_code", "incident_date"))]
    path = landing / "notifications" / f"zz_bench_new_{n:03d}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\r\n")
        w.writeheader()
        for i, r in enumerate(good[:3], 1):
            tag = "BENCH" if n == 1 else f"BENCH{n}"
            w.writerow({**r, "notification_id": f"{tag}-N{i}", "incident_id": f"{tag}-I{i}"})
    return path.name


def run_incremental(run_dir: Path, landing: Path, as_of: str) -> dict:
    """The four scenarios on a copy of run_dir (a built scale): {scenario: {build_wall, baseline_wall, steps, ...}}."""
    work = run_dir.parent / f"{run_dir.name}-incremental"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("warehouse.duckdb", "warehouse.duckdb.release-cache", ".warehouse.duckdb.dbt-target", "release"):
        _copy(run_dir / name, work / name)
    _copy(landing, work / "landing")
    out: dict = {}
    for scenario in SCENARIOS:
        change = {"one correction": add_correction, "one new file": add_new_file}.get(scenario)
        note = change(work / "landing") if change else ""
        args = ["--landing", str(work / "landing"), "--warehouse", str(work / "warehouse.duckdb"),
                "--release", str(work / "release"), "--as-of", as_of]
        data, wall = _run_child("rebuild", args, work / f"rebuild-{scenario.replace(' ', '-')}.log")
        base, base_wall = _run_child("baseline", ["--landing", str(work / "landing"), "--out", str(work / "baseline"),
                                                  "--as-of", as_of], work / "baseline.log")
        out[scenario] = {"build_wall": round(wall, 2), "baseline_wall": round(base_wall, 2), "change": note,
                         "success": data.get("success", False), "error": data.get("error"),
                         "up_to_date": data.get("up_to_date"), "steps": data.get("steps", {}),
                         "periods": data.get("periods"), "peak_mem": data.get("peak_mem")}
    return out


def format_incremental(result: dict | None, scale: float) -> list[str]:
    if not result:
        return []
    lines = [f"Incremental builds on a built warehouse (scale {scale:g}; issue 14 targets: a change 10 s or less, "
             "no change 5 s or less):", "",
             "| scenario | build s | baseline s | build / baseline | longest steps |", "|---|---|---|---|---|"]
    for name, r in result.items():
        if not r.get("success"):
            lines.append(f"| {name} | failed: {r.get('error')} | | | |")
            continue
        slow = sorted(r["steps"].items(), key=lambda kv: -kv[1])[:3]
        steps = "nothing ran (up to date)" if r.get("up_to_date") else ", ".join(f"{k} {v:.1f}" for k, v in slow)
        ratio = r["build_wall"] / r["baseline_wall"] if r["baseline_wall"] else float("nan")
        lines.append(f"| {name} | {r['build_wall']:.1f} | {r['baseline_wall']:.1f} | {ratio:.1f} | {steps} |")
    return lines
