"""The end of a build in a screenful: what was published, disclosure control, the stewards' open problems before
and after, corrections, periods reused, the time of the longest steps, and where everything is (counts only, never
record-level data)."""
from __future__ import annotations

from pathlib import Path

from .build import build_log_path


def open_problems(release: Path) -> int | None:
    """Rows of the stewards' queue of a release folder (None when there is none yet)."""
    queue = release / "quality" / "steward_queue.csv"
    if not queue.is_file():
        return None
    import csv

    with open(queue, newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def _corrections(warehouse: str) -> dict[str, int]:
    import duckdb

    try:
        con = duckdb.connect(warehouse, read_only=True)
        try:
            return dict(con.execute("select status, count(*) from marts.correction_audit group by 1").fetchall())
        finally:
            con.close()
    except duckdb.Error:
        return {}


def build_summary(out: dict, problems_before: int | None) -> list[str]:
    """The end of a build, in a screenful: what was published, disclosure control, the stewards' open problems
    before and after, corrections, and where everything is (counts only, never record-level data)."""
    import json

    release = Path(out["release"])
    lines = ["Build finished."]
    if out.get("up_to_date"):
        lines = [f"Nothing to build: the landing files, as-of date, code and configuration are those of the build "
                 f"finished {out['up_to_date']} (run {out['run_id']}), whose outputs are below (--force rebuilds)."]
    audit = release / "disclosure_audit.json"
    if audit.exists():
        summary = json.loads(audit.read_text(encoding="utf-8"))
        written = [n for n in summary.get("count_cells", {}) if (release / f"{n}.csv").exists()]
        lines.append(f"{'datasets:':10s} {len(written)} published ({', '.join(written)})")
    after = open_problems(release)
    if after is not None:
        change = "" if problems_before is None else f" (before this build: {problems_before:,})"
        lines.append(f"{'problems:':10s} {after:,} open in the stewards' queue{change}")
    corrections = _corrections(out["warehouse"])
    if corrections:
        lines.append(f"{'corrections:':10s} " + ", ".join(f"{n:,} {s}" for s, n in sorted(corrections.items())))
    lines += _release_summary(release)
    if "warnings" in out:  # checks that only inform and failed (a full run's; the log has their details)
        shown = ", ".join(out["warnings"][:3]) + (", ..." if len(out["warnings"]) > 3 else "")
        lines.append(f"{'warnings:':10s} {len(out['warnings'])} check(s) warned" + (f": {shown}" if shown else ""))
    if out.get("periods"):
        lines.append(f"{'periods:':10s} {out['periods'].get('protected', 0)} protected, "
                     f"{out['periods'].get('reused', 0)} unchanged since the last build (their protection reused)")
        if out["periods"].get("protected"):
            lines.append(f"{'':10s} {out['periods'].get('blocks_audited', 0)} blocks of hidden cells audited, "
                         f"{out['periods'].get('blocks_reused', 0)} kept from the last build")
    lines.append(f"{'warehouse:':10s} {out['warehouse']}")
    lines.append(f"{'release:':10s} {out['release']}")
    lines += _where_things_are(release)
    steps = out.get("steps") or {}
    if steps:
        slow = sorted(steps.items(), key=lambda kv: -kv[1])[:4]
        lines.append(f"{'time:':10s} {sum(steps.values()):.1f} s in {len(steps)} steps; longest: "
                     + ", ".join(f"{k} {v:.1f} s" for k, v in slow))
    lines.append(f"{'log:':10s} {build_log_path(Path(out['warehouse']))}")
    if out.get("instance") == "persistent":
        lines.append(f"{'dagster:':10s} run {out['run_id']} recorded in DAGSTER_HOME (see it with make dev)")
    return lines


def _release_summary(release: Path) -> list[str]:
    """Disclosure control and what was not published, from the files the release stage wrote (counts only)."""
    import json

    from .release.assets import audit_lines
    from .release.writer import AUDIT, UPLOAD

    path = release / AUDIT
    if not path.exists():
        return []
    lines = audit_lines(json.loads(path.read_text(encoding="utf-8")))
    if (release / UPLOAD).exists():
        lines.append(f"{'upload:':10s} {release / UPLOAD}")
    return lines


def _where_things_are(release: Path) -> list[str]:
    lines = []
    for name, rel in [("report", "report"), ("quality", "quality"), ("dbt docs", "docs")]:
        p = release / rel
        if p.exists():
            lines.append(f"{name + ':':10s} {p}")
    return lines

