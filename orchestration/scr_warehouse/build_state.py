"""Whether a build would change anything (issue 14: nothing changed, nothing runs).

A build's inputs are the landing folder (every file's name and content, and the files it does not take), the as-of
date, the output locations, and the project itself: its Python,
dbt models, macros and seeds, configuration and GX suites. Their SHA-256 is recorded beside the warehouse after a
successful build (`<warehouse>.last-build.json`); the next build with the same fingerprint, and its outputs still
in place, has nothing to do.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from .ingest.landing import landing_fingerprint
from .paths import DBT_PROJECT_DIR, REPO_ROOT

# What a build reads besides the landing folder, relative to the repository root (dbt's target and logs folders are
# its output, not input): folders with the pattern of the files read, and single files.
PROJECT_INPUTS = (("orchestration/scr_warehouse", "*.py"), ("dashboards", "*.py"), ("dbt_project/models", "*"),
                  ("dbt_project/macros", "*"), ("dbt_project/seeds", "*"), ("dbt_project/tests", "*"),
                  ("config", "*.yml"), ("expectations", "*.json"))
PROJECT_FILES = ("dbt_project/dbt_project.yml", "dbt_project/profiles.yml")
# Outputs that must still be there for a build to count as current.
OUTPUTS = ("disclosure_audit.json", "quality/steward_queue.csv", "report/index.html")


def project_files(root: Path = REPO_ROOT) -> list[Path]:
    """The project files a build reads under `root`, sorted."""
    files = [p for folder, pattern in PROJECT_INPUTS for p in (root / folder).rglob(pattern) if p.is_file()]
    files += [root / f for f in PROJECT_FILES if (root / f).is_file()]
    return sorted(p for p in set(files) if "__pycache__" not in p.parts)


def project_fingerprint(root: Path = REPO_ROOT) -> str:
    """The digest of the project files a build reads under `root` (each file's path and content)."""
    h = hashlib.sha256()
    for p in project_files(root):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def fingerprint(landing: Path, warehouse: Path, release: Path, as_of: str) -> str:
    """The digest of everything a build reads and where it writes (`warehouse` and `release` resolved paths)."""
    h = hashlib.sha256()
    for part in (landing_fingerprint(landing, content=True), str(warehouse), str(release), as_of,
                 project_fingerprint()):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def record_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".last-build.json")


def last_build(warehouse: Path, release: Path, print_: str) -> dict | None:
    """The record of the last successful build when it had this fingerprint and its outputs are still there."""
    try:
        record = json.loads(record_path(warehouse).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != print_ or not warehouse.is_file():
        return None
    if not all((release / f).is_file() for f in OUTPUTS):
        return None
    return record


def record_build(warehouse: Path, print_: str, out: dict) -> None:
    record = {"fingerprint": print_, "run_id": out.get("run_id"), "steps": out.get("steps", {}),
              "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    record_path(warehouse).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def forget_build(warehouse: Path) -> None:
    """A build started: until it succeeds, the outputs are not those of any recorded fingerprint."""
    record_path(warehouse).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------------------------
# Seeds (issue 24: the stewards' loop loads dbt's seeds only when their files changed). What was seeded is kept in
# the warehouse itself (build_state.seeds), so a new or replaced warehouse file is always seeded.
SEED_STATE = "build_state.seeds"


def seeds_fingerprint() -> str:
    """The digest of every seed file and its configuration (dbt_project.yml, the seeds' yml)."""
    h = hashlib.sha256()
    for p in sorted([*(DBT_PROJECT_DIR / "seeds").rglob("*"), DBT_PROJECT_DIR / "dbt_project.yml"]):
        if p.is_file():
            h.update(str(p.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def seeds_current(con) -> bool:
    """True when the warehouse (a DuckDB connection) holds the seeds of the files as they are now."""
    exists = con.execute("select count(*) from information_schema.tables where table_schema = 'build_state' "
                         "and table_name = 'seeds'").fetchone()[0]
    return bool(exists) and con.execute(f"select count(*) from {SEED_STATE} where fingerprint = ?",
                                        [seeds_fingerprint()]).fetchone()[0] > 0


def record_seeds(con) -> None:
    """The run that just succeeded loaded the seeds as their files are now."""
    con.execute("create schema if not exists build_state")
    con.execute(f"create or replace table {SEED_STATE} as select ? as fingerprint, now() as seeded_at",
                [seeds_fingerprint()])
