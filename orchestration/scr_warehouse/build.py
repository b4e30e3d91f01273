"""Running a build: the whole asset graph in-process, one build per warehouse at a time, recorded in the project's
Dagster instance, tool output to <warehouse>.build.log, and nothing at all when nothing it reads has changed
(build_state)."""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

from . import build_state
from .filemodes import restrict_new_files, restrict_outputs

# What started the run, as the Dagster UI shows it beside the sensor's and schedules' runs; a command-line build
# reports its own failure to the person who typed it, so the daemon never retries it (it could not: it has no
# code location to run it from).
CLI_RUN_TAGS = {"scr/trigger": "scr-warehouse build (command line)", "dagster/max_retries": "0"}
INTAKE_RUN_TAGS = {"scr/trigger": "scr-warehouse intake (command line)", "dagster/max_retries": "0"}


class BuildError(Exception):
    """The build cannot run at all; the message says what a person can do about it."""


def run_build(landing: str, warehouse: str, release: str, as_of: str = "", log_level: str = "WARNING",
              record: bool = True, force: bool = False, previous: str = "") -> dict:
    """Run the whole asset graph in-process. Returns counts for the summary; raises BuildError if it cannot build.
    `previous`: the release folder revisions.csv compares with (default: the one last written to `release`)."""
    landing_dir, wh, rel = _output_folders(landing, warehouse, release)
    with _build_lock(wh):
        print_ = build_state.fingerprint(landing_dir, wh, rel, as_of or dt.date.today().isoformat())
        # a named previous release is compared with even when nothing else changed
        last = None if force or previous else build_state.last_build(wh, rel, print_)
        if last is not None:  # nothing a build reads has changed since the last successful one: nothing to do
            return {"warehouse": str(wh), "release": str(rel), "run_id": last.get("run_id"),
                    "instance": "unchanged", "steps": {}, "up_to_date": last.get("finished_at")}
        build_state.forget_build(wh)
        restrict_outputs(wh, rel)
        try:
            out = _run_locked(landing_dir, wh, release, as_of, log_level, record, previous)
        finally:
            restrict_outputs(wh, rel)
        build_state.record_build(wh, print_, out)
        return out


def run_intake(landing: str, warehouse: str, release: str, as_of: str = "", log_level: str = "WARNING",
               record: bool = True) -> dict:
    """The stewards' loop alone (issue 24): the `intake` job in-process, as the landing sensor runs it: new landing
    files loaded, the models they feed and the quality checks, the stewards' files; no release or report. Raises
    BuildError if it cannot run. The build's "nothing changed" record is dropped (the warehouse moved on)."""
    landing_dir, wh, rel = _output_folders(landing, warehouse, release)
    with _build_lock(wh):
        build_state.forget_build(wh)
        restrict_outputs(wh, rel)
        try:
            return _run_locked(landing_dir, wh, release, as_of, log_level, record, job_name="intake",
                               tags=INTAKE_RUN_TAGS)
        finally:
            restrict_outputs(wh, rel)


def watch_intake(landing: str, warehouse: str, release: str, as_of: str = "", interval: float = 2.0,
                 loops: int | None = None, on_loop=None) -> int:
    """The stewards' loop as one long-running process: its fixed costs (Python and Dagster imports, dbt's parsed
    project, the GX import) are paid once when it starts, then the loop runs whenever the landing folder changes
    (the landing sensor's test, looked at every `interval` seconds). `loops`: stop after that many (tests, the
    bench); `on_loop(out)` is called after each. Returns the number of loops run."""
    from .ingest.landing import landing_fingerprint

    seen, done = None, 0
    while loops is None or done < loops:
        now = landing_fingerprint(landing)
        if now != seen:
            out = run_intake(landing, warehouse, release, as_of)
            seen, done = now, done + 1
            if on_loop is not None:
                on_loop(out)
            continue
        time.sleep(interval)
    return done


def _seeds_current(wh: Path) -> bool:
    """The warehouse holds dbt's seeds as their files are now (build_state.record_seeds after a run that seeded)."""
    import duckdb

    with duckdb.connect(str(wh)) as con:
        return build_state.seeds_current(con)


def _output_folders(landing: str, warehouse: str, release: str) -> tuple[Path, Path, Path]:
    """(landing, warehouse, release) resolved, the output folders made and writable; BuildError says why not."""
    restrict_new_files()  # restricted outputs: files 0600, folders 0700 (issue 24)
    landing_dir = Path(landing)
    if not landing_dir.is_dir():
        raise BuildError(f"landing folder not found: {landing_dir} (expected sub-folders such as notifications/)")
    wh, rel = Path(warehouse).resolve(), Path(release).resolve()
    try:
        wh.parent.mkdir(parents=True, exist_ok=True)
        rel.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BuildError(f"cannot create output folder: {e}") from None
    for folder in (wh.parent, rel):
        if not os.access(folder, os.W_OK | os.X_OK):
            raise BuildError(f"cannot write to {folder}: give this user write permission or choose another folder")
    return landing_dir, wh, rel


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


def _run_locked(landing_dir: Path, wh: Path, release: str, as_of: str, log_level: str, record: bool,
                previous: str = "", job_name: str = "build_everything", tags: dict | None = None) -> dict:
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
    job = defs.resolve_job_def(job_name)
    seeded = job_name != "intake" or not _seeds_current(wh)
    if not seeded:  # issue 24: the stewards' loop seeds only when the seed files changed
        from .definitions import intake_without_seeds

        job = intake_without_seeds(job)
    with _output_to(build_log_path(wh)), dagster_instance(record) as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=tags or CLI_RUN_TAGS,
            # Step-level debug chatter off; warnings and failures go to the build log.
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}},
                        # the release asset's config (release/assets.py ReleaseConfig): what revisions.csv compares with
                        **({"ops": {"release__datasets": {"config": {"previous": str(Path(previous).resolve())}}}}
                           if previous else {})},
        )
        steps = step_seconds(instance, result.run_id)
    if result.success and seeded:  # this run loaded the seeds as their files are now
        with duckdb.connect(str(wh)) as con:
            build_state.record_seeds(con)
    periods = {}
    for ev in result.get_asset_materialization_events():
        mat = ev.event_specific_data.materialization
        if mat.asset_key.path == ["release", "datasets"]:
            periods = {k.removeprefix("periods_"): v.value for k, v in mat.metadata.items()
                       if k.startswith("periods_")}  # release/assets.py: periods and blocks protected and reused
    if not result.success:
        failures = [
            f"{ev.step_key}: "
            f"{ev.event_specific_data.error.message.strip().splitlines()[0] if ev.event_specific_data.error else ''}"
            for ev in result.all_events
            if ev.is_step_failure
        ]
        raise BuildError("the build could not complete:\n  " + "\n  ".join(failures or ["unknown failure"])
                         + f"\n  (details: {build_log_path(wh)})")
    return {"warehouse": str(wh), "release": str(Path(release).resolve()), "run_id": result.run_id,
            "instance": "persistent" if not instance.is_ephemeral else "ephemeral",
            "steps": steps, "periods": periods, "warnings": check_warnings(result)}


def check_warnings(result) -> list[str]:
    """The asset checks of a run that warned: a check that only informs (a dbt data test declared `severity: warn`,
    such as the stewards' queue's key) failed. Their names (`asset:check`), which the build summary counts."""
    from dagster import AssetCheckSeverity

    return sorted(f"{ev.asset_key.to_user_string()}:{ev.check_name}" for ev in result.get_asset_check_evaluations()
                  if not ev.passed and ev.severity == AssetCheckSeverity.WARN)


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
