"""The contract's two publication routes (2.6) side by side on one built warehouse (issue 23): regional figures
rounded to the nearest 10 as the Department does, against exact regional figures with secondary suppression below
the headline. Each route writes a whole release from the warehouse's marts (read-only) into a scratch folder with
the project's own writer, and the table gives, per route: headline cells published, count cells suppressed (and how
many secondary), values hidden (the sum of the suppressed counts), regional count cells published exactly, rounded
or suppressed, and the release stage's seconds. Only counts of cells are printed, never a record.

    .venv/bin/python tools/bench/policy_compare.py data/demo/warehouse.duckdb [--routes 10,0]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "orchestration"))
from scr_warehouse.release.datasets import load_datasets  # noqa: E402
from scr_warehouse.release.writer import AUDIT, DisclosureError, write_release  # noqa: E402


def regional_cells(release: Path) -> dict[str, int]:
    """Regional count cells of the published files: suppressed, and shown."""
    out = {"regional_suppressed": 0, "regional_shown": 0}
    for name, ds in load_datasets().items():
        f = release / f"{name}.csv"
        if not f.exists():
            continue
        d = pd.read_csv(f, dtype=str, keep_default_na=False)
        r = d[d["geographic_level"] == "Regional"]
        for c in ds.counts:
            out["regional_suppressed"] += int((r[c] == "c").sum())
            out["regional_shown"] += int((r[c] != "c").sum())
    return out


def run(warehouse: str, rounding: int) -> dict:
    con = duckdb.connect(warehouse, read_only=True)
    with tempfile.TemporaryDirectory(prefix="scr-policy-") as tmp:
        t0 = time.perf_counter()
        try:
            a = write_release(con, Path(tmp), rounding=rounding)["audit"]
        except DisclosureError:  # the route cannot be published as it stands: its audit says how far off it is
            a = json.loads((Path(tmp) / AUDIT).read_text(encoding="utf-8"))
            print(f"rounding {rounding}: failing cells by period: "
                  f"{ {tp: len(f) for tp, f in a['failing'].items()} }", file=sys.stderr)
        seconds = time.perf_counter() - t0
        row = {"route": f"regions rounded to {rounding}" if rounding else "regions exact, secondary suppression",
               "headline published": f"{a['headline_published']} of {a['headline_cells']}",
               "count cells suppressed": a["suppressed"], "secondary": a["suppressed"] - a["primary"],
               "values hidden": int(sum(a["information_lost_by_dataset"].values())),
               "cells bounded by headline": a["cells_bounded_by_headline"],
               "failing": a["failing_count"], "LPs": a["linear_programmes"], "release s": round(seconds, 1)}
        row.update(regional_cells(Path(tmp)))
    con.close()
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse")
    ap.add_argument("--routes", default="10,0", help="rounding bases to compare (0: exact regions)")
    args = ap.parse_args()
    rows = [run(args.warehouse, int(r)) for r in args.routes.split(",")]
    print(pd.DataFrame(rows).set_index("route").T.to_string())


if __name__ == "__main__":
    main()
