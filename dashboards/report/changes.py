"""What changed since the last release, for the report's year pages: read from the release's revisions.csv and
revisions_summary.json (contract 2.8; scr_warehouse/release/revisions.py writes them). Counts of published cells
only, by reason and dataset: never a value, so a page shows no figure the published files do not hold."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

REVISIONS = "revisions.csv"  # release/revisions.py REVISIONS, SUMMARY: the report reads the release's own files
SUMMARY = "revisions_summary.json"
REASON_WORDS = {  # revisions.csv's reasons in words
    "late return": "a late return (a local authority's data arrived or changed after the previous release)",
    "correction": "a correction by a data steward",
    "suppression": "suppression (the figure is unchanged; the pattern of suppressed cells moved)",
    "rounding": "rounding (a regional figure worked out from rounded counts; the figure is unchanged)",
    "method": "a change of method",
    "new period": "a year new in this release",
}


@dataclass
class YearChanges:
    cells: int = 0
    by_reason: list[tuple[str, int]] = field(default_factory=list)  # (words, cells), most first
    by_dataset: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Revisions:
    """The release's revisions: compared with a previous release or not, the first release or not, and the changed
    cells of each time period."""
    compared: bool = False
    first_release: bool = False
    change: str = "none"  # major, minor or none (the Department's sense for API data sets)
    rows: list[dict[str, str]] = field(default_factory=list)

    def for_period(self, period: str) -> YearChanges:
        reasons: dict[str, int] = {}
        datasets: dict[str, int] = {}
        for r in self.rows:
            if r["time_period"] != str(period):
                continue
            reason = r["reason"].split(":")[0]
            words = REASON_WORDS.get(reason, reason)
            if reason == "correction" and ":" in r["reason"]:
                words += f" ({r['reason'].split(':', 1)[1].strip().replace(';', ', ')})"
            reasons[words] = reasons.get(words, 0) + 1
            datasets[r["dataset"]] = datasets.get(r["dataset"], 0) + 1

        def order(d: dict[str, int]) -> list[tuple[str, int]]:
            return sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))

        return YearChanges(sum(reasons.values()), order(reasons), order(datasets))


def read_revisions(release: Path) -> Revisions:
    """The revisions of the release in `release` (not compared: no revisions_summary.json)."""
    summary_path, rows_path = Path(release) / SUMMARY, Path(release) / REVISIONS
    if not summary_path.is_file():
        return Revisions()
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    rows = []
    if rows_path.is_file():
        with open(rows_path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    return Revisions(compared=True, first_release=bool(summary.get("first_release")),
                     change=str(summary.get("change", "none")), rows=rows)
