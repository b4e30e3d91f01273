"""`scr-warehouse`: build (contract section 2), check, generate (synthetic data), prepare (dbt manifest), docs,
explore. The benchmark is development tooling: tools/bench/bench.py (`make bench`)."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from . import build_state


class BuildError(Exception):
    """The build cannot run at all; the message says what a person can do about it."""


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"--as-of must be a date YYYY-MM-DD, got {text!r}") from None


def run_build(landing: str, warehouse: str, release: str, as_of: str = "", log_level: str = "WARNING",
              record: bool = True, force: bool = False) -> dict:
    """Run the whole asset graph in-process. Returns counts for the summary; raises BuildError if it cannot build."""
    landing_dir = Path(landing)
    if not landing_dir.is_dir():
        raise BuildError(f"landing folder not found: {landing_dir} (expected sub-folders such as notifications/)")
    wh = Path(warehouse).resolve()
    try:
        wh.parent.mkdir(parents=True, exist_ok=True)
        Path(release).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BuildError(f"cannot create output folder: {e}") from None
    for folder in (wh.parent, Path(release).resolve()):
        if not os.access(folder, os.W_OK | os.X_OK):
            raise BuildError(f"cannot write to {folder}: give this user write permission or choose another folder")
    with _build_lock(wh):
        print_ = build_state.fingerprint(landing_dir, wh, Path(release), as_of or dt.date.today().isoformat())
        last = None if force else build_state.last_build(wh, Path(release).resolve(), print_)
        if last is not None:  # nothing a build reads has changed since the last successful one: nothing to do
            return {"warehouse": str(wh), "release": str(Path(release).resolve()), "run_id": last.get("run_id"),
                    "instance": "unchanged", "steps": {}, "up_to_date": last.get("finished_at")}
        build_state.forget_build(wh)
        out = _run_locked(landing_dir, wh, release, as_of, log_level, record)
        build_state.record_build(wh, print_, out)
        return out


class _build_lock:
    """One build per warehouse at a time: an exclusive lock on <warehouse>.lock, taken before anything starts."""

    def __init__(self, warehouse: Path):
        self.path = warehouse.with_name(warehouse.name + ".lock")

    def __enter__(self):
        import fcntl

        self.fh = open(self.path, "w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise BuildError(f"another build is using {self.path.with_suffix('')} (lock {self.path} is held): "
                             "wait for it to finish, then build again") from None
        return self

    def __exit__(self, *exc):
        self.fh.close()
        return False


def _run_locked(landing_dir: Path, wh: Path, release: str, as_of: str, log_level: str, record: bool) -> dict:
    import duckdb

    try:  # another process (an explorer, a notebook) holding the file stops the build here, in one line
        duckdb.connect(str(wh)).close()
    except duckdb.Error as e:
        raise BuildError(f"cannot open the warehouse {wh} for writing: {str(e).splitlines()[0]}") from None
    from .dbt.prepare import manifest_stale, prepare
    from .dbt.project import scr_dbt_project

    if manifest_stale(scr_dbt_project):
        prepare()

    from .definitions import build_definitions

    defs = build_definitions(str(landing_dir.resolve()), str(wh), str(Path(release).resolve()), as_of)
    job = defs.resolve_job_def("build_everything")
    with _output_to(build_log_path(wh)), dagster_instance(record) as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            # Step-level debug chatter off; warnings and failures go to the build log.
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
        steps = step_seconds(instance, result.run_id)
    periods = {}
    for ev in result.get_asset_materialization_events():
        mat = ev.event_specific_data.materialization
        if mat.asset_key.path == ["release", "datasets"]:
            periods = {k: mat.metadata[f"periods_{k}"].value for k in ("protected", "reused")
                       if f"periods_{k}" in mat.metadata}
    if not result.success:
        failures = [
            f"{ev.step_key}: {ev.event_specific_data.error.message.strip().splitlines()[0] if ev.event_specific_data.error else ''}"
            for ev in result.all_events
            if ev.is_step_failure
        ]
        raise BuildError("the build could not complete:\n  " + "\n  ".join(failures or ["unknown failure"])
                         + f"\n  (details: {build_log_path(wh)})")
    return {"warehouse": str(wh), "release": str(Path(release).resolve()), "run_id": result.run_id,
            "instance": "persistent" if not instance.is_ephemeral else "ephemeral",
            "steps": steps, "periods": periods}


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds from start to end of each step of a run, in the order the steps started."""
    stats = sorted((st for st in instance.get_run_step_stats(run_id) if st.start_time and st.end_time),
                   key=lambda st: st.start_time)
    return {st.step_key: round(st.end_time - st.start_time, 2) for st in stats}


def dagster_instance(record: bool = True):
    """The project's Dagster instance when DAGSTER_HOME names a folder (the Makefile sets data/dagster_home), so a
    command-line build shows in `make dev` with its checks; otherwise (or not `record`) an ephemeral one."""
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    if record and home and Path(home).is_dir():
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def build_log_path(wh: Path) -> Path:
    """Everything the build's tools print (dbt's progress, Dagster's warnings, solver banners) goes here."""
    return wh.with_name(wh.name + ".build.log")


class _output_to:
    """Send this process's stdout and stderr (file descriptors 1 and 2, so subprocesses and C libraries too) to a
    log file for the duration, and put them back after."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.log = open(self.path, "w", encoding="utf-8", buffering=1)
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.log.fileno(), 1)
        os.dup2(self.log.fileno(), 2)
        self.streams = sys.stdout, sys.stderr  # Python-level writers too (a test runner may have replaced them)
        sys.stdout = sys.stderr = self.log
        return self

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.streams
        self.log.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in zip((1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)
        self.log.close()
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scr-warehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="load the landing folder, build every model, run checks, write the release")
    b.add_argument("--landing", required=True, help="landing folder with notifications/, reviews/, ... sub-folders")
    b.add_argument("--warehouse", required=True, help="the DuckDB warehouse file")
    b.add_argument("--release", required=True, help="folder for release files (published, restricted/, quality/)")
    b.add_argument("--as-of", type=_date, default=None, help="date overdue/in progress are judged at (default today)")
    b.add_argument("--force", action="store_true", help="build even when nothing it reads has changed since the last "
                   "successful build of this warehouse")

    g = sub.add_parser("generate", help="write the synthetic national landing dataset")
    g.add_argument("--out", required=True, help="landing folder to write")
    g.add_argument("--seed", type=int, default=2009)
    g.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 = about the real national volume)")

    c = sub.add_parser("check", help="check one landing file before sending it: the build's rules and messages, "
                       "nothing loaded; exits 1 when the file has problems")
    c.add_argument("file", help="the CSV file to check")
    c.add_argument("--feed", required=True, help="the feed it is for (notifications, reviews, ...)")

    sub.add_parser("prepare", help="parse the dbt project (writes the manifest Dagster loads)")

    d = sub.add_parser("docs", help="write the dbt docs site (one offline HTML page) for a built warehouse")
    d.add_argument("--warehouse", required=True)
    d.add_argument("--out", required=True)

    e = sub.add_parser("explore", help="serve the analysts' explorer (Dash on waitress) on localhost")
    e.add_argument("--warehouse", required=True)
    e.add_argument("--release", required=True)
    e.add_argument("--port", type=int, default=8050)
    e.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; put a reverse "
                   "proxy with HTTPS in front of anything else)")
    e.add_argument("--secure-cookie", action="store_true", help="mark the session cookie Secure (serving over HTTPS)")


    sub.add_parser("suites", help="rewrite expectations/<feed>.json from the policy seeds (then commit them)")
    sub.add_parser("hash-password", help="make a password hash for the explorer's users file (reads the password "
                   "from the terminal, or one line of standard input)")

    args = parser.parse_args(argv)
    if args.command == "build":
        before = open_problems(Path(args.release))
        try:
            out = run_build(args.landing, args.warehouse, args.release, args.as_of or "", force=args.force)
        except BuildError as e:
            print(f"scr-warehouse build: {e}", file=sys.stderr)
            return 2
        for line in build_summary(out, before):
            print(line)
        return 0
    if args.command == "check":
        return check_file(args.file, args.feed)
    if args.command == "generate":
        from .synthetic import generate

        summary = generate(Path(args.out), seed=args.seed, scale=args.scale)
        print(f"synthetic landing data written to {args.out}: {summary}")
        return 0
    if args.command == "docs":
        from .dbt.prepare import write_dbt_docs

        print(f"dbt docs: {write_dbt_docs(args.warehouse, args.out)}")
        return 0
    if args.command == "prepare":
        from .dbt.prepare import prepare

        print(f"dbt manifest: {prepare()}")
        return 0
    if args.command == "suites":
        from .quality.suites import write_suites

        for path in write_suites():
            print(path)
        return 0
    if args.command == "hash-password":
        from dashboards.explorer.server import hash_cli  # noqa: PLC0415

        return hash_cli()
    if args.command == "explore":
        from dashboards.explorer import run as run_explorer  # noqa: PLC0415

        return run_explorer(args.warehouse, args.release, args.port, host=args.host,
                            secure_cookie=args.secure_cookie)
    return 1


def check_file(file: str, feed: str) -> int:
    """Run the build's rules on one file in a scratch warehouse (nothing is loaded anywhere else) and print its
    problems with their line, column and message. References to records of other feeds cannot be checked on one
    file and are left out. 0 when the file has no problems, 1 when it has, 2 when it cannot be checked."""
    import csv
    import shutil
    import tempfile

    from .paths import FEEDS

    src = Path(file)
    if feed not in FEEDS:
        print(f"scr-warehouse check: unknown feed {feed!r}; one of {', '.join(FEEDS)}", file=sys.stderr)
        return 2
    if not src.is_file():
        print(f"scr-warehouse check: no such file: {src}", file=sys.stderr)
        return 2
    name = src.name if src.suffix.lower() == ".csv" else src.name + ".csv"
    with tempfile.TemporaryDirectory(prefix="scr-check-") as tmp:
        landing = Path(tmp) / "landing" / feed
        landing.mkdir(parents=True)
        shutil.copyfile(src, landing / name)
        try:
            run_build(str(landing.parent), str(Path(tmp) / "check.duckdb"), str(Path(tmp) / "release"),
                      dt.date.today().isoformat(), log_level="CRITICAL", record=False)
        except BuildError as e:
            print(f"scr-warehouse check: {e}", file=sys.stderr)
            return 2
        with open(Path(tmp) / "release" / "quality" / "steward_queue.csv", newline="", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f)
                    if not (r["problem"] == "unknown_reference" and r["column_name"] in ("incident_id", "review_id"))]
    for r in rows:
        where = f"line {r['source_line']}" if r["source_line"] else "whole file"
        col = f", column {r['column_name']}" if r["column_name"] else ""
        print(f"{src.name}: {where}{col}: {r['problem']}: {r['message']}")
    print(f"{src.name}: {len(rows)} problem(s)" if rows else f"{src.name}: no problems found")
    return 1 if rows else 0


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
    if out.get("periods"):
        lines.append(f"{'periods:':10s} {out['periods'].get('protected', 0)} protected, "
                     f"{out['periods'].get('reused', 0)} unchanged since the last build (their protection reused)")
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


if __name__ == "__main__":
    sys.exit(main())
