"""The benchmark's equality check: the baseline's tables against the build's restricted files, dataset by dataset."""
from __future__ import annotations

import csv
import math
from pathlib import Path

from timed_runs import DATASETS

# Indicators that are shares or rates are compared with this absolute tolerance (the build may round to 1 dp).
DERIVED_TOLERANCE = 0.051



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
