"""Issue 24 (item 4): the real `dagster-daemon run`, on an instance configured as `make serve`'s (config/dagster.yaml),
with the sensor switched on as `make serve` does: a landing file dropped into the landing folder starts the intake
run, and the stewards' queue changes. Everything the test starts is stopped at the end (the daemon's process group:
its code server and run workers with it)."""
from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from tests.helpers import REPO, Landing, notification_row

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
# Seconds a run may take to be started and finish. On the 2-core machine shared with other test runs the whole
# test took 104 s at load ~5 (first run done after 53 s) and 210-235 s at load ~10.
TIMEOUT = 300


def _queue(release: Path) -> list[tuple[str, str, str]]:
    """(source file, column, problem) of each row of the stewards' queue (no record-level data leaves the test)."""
    with open(release / "quality" / "steward_queue.csv", newline="", encoding="utf-8") as f:
        return [(r["source_file"], r["column_name"], r["problem"]) for r in csv.DictReader(f)]


def _wait_for(what: str, condition, daemon: subprocess.Popen, log: Path, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if daemon.poll() is not None:
            break
        time.sleep(1)
    tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:])
    pytest.fail(f"{what}: not seen within {timeout} s (daemon exit code {daemon.poll()}); daemon log ends:\n{tail}")


def _intake_runs(instance: DagsterInstance, status: DagsterRunStatus | None = None):
    return instance.get_runs(RunsFilter(job_name="intake", statuses=[status] if status else None))


def _step_started(instance: DagsterInstance, run_id: str, step: str) -> bool:
    return any(e.dagster_event and e.dagster_event.event_type_value == "STEP_START" and e.step_key == step
               for e in instance.all_logs(run_id))


def _live_in_group(pgid: int) -> list[str]:
    """Processes of the group that are still alive (zombies waiting to be reaped are not running anything)."""
    out = subprocess.run(["ps", "-eo", "pid=,pgid=,stat="], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines()
            if line.split()[1] == str(pgid) and not line.split()[2].startswith("Z")]


def _wait_until_gone(pgid: int, timeout: float = 15) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := _live_in_group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def _stop(daemon: subprocess.Popen) -> None:
    """SIGINT to the daemon's whole process group (Dagster shuts down on it), then SIGKILL what is left."""
    try:
        os.killpg(daemon.pid, signal.SIGINT)
        daemon.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    try:
        os.killpg(daemon.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    daemon.wait(timeout=10)


def test_the_daemon_runs_intake_when_a_landing_file_arrives_and_the_queue_changes(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "config" / "dagster.yaml", home / "dagster.yaml")
    landing = Landing(tmp_path / "landing")
    landing.write_rows("notifications", "2012-13_q1.csv",
                       [notification_row("N1", "I1"), notification_row("N2", "I2", child_sex="F")])
    release = tmp_path / "release"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SCR_LANDING": str(landing.root),
        "SCR_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SCR_RELEASE": str(release),
        "SCR_AS_OF": "2018-06-30",
        "SCR_AUTOMATION": "on",  # as `make serve`: the sensor runs from the start
        "SCR_SENSOR_INTERVAL": "1",
        "SCR_FAILURE_LOG": str(tmp_path / "failures.log"),
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
    }
    log = tmp_path / "daemon.log"
    # the instance's storage is made before the daemon starts (as `make serve` does with `dagster instance migrate`):
    # two processes creating the same SQLite schema at once leave it broken
    instance = DagsterInstance.from_config(str(home))
    started = time.monotonic()
    with open(log, "wb") as out:
        daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "scr_warehouse.definitions"],
                                  cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # its own process group, stopped whole at the end
    try:
        # the sensor's first look at the landing folder starts intake for what is there
        first = _wait_for("the first intake run to start its dbt step", lambda: [
            r for r in _intake_runs(instance) if _step_started(instance, r.run_id, "dbt_models")], daemon, log)[0]
        assert first.tags["dagster/sensor_name"] == "new_landing_files"
        assert first.tags["scr/trigger"].startswith("sensor new_landing_files")
        assert first.tags["scr/as_of"] == "2018-06-30"

        # while it runs (its landing files already loaded), an LA's next file arrives, with a child's sex in no
        # code list: the sensor starts another intake run, which waits in the queue for the first to finish
        landing.write_rows("notifications", "2012-13_q2.csv", [notification_row("N3", "I3", child_sex="Q")])
        _wait_for("the first intake run to succeed",
                  lambda: instance.get_run_by_id(first.run_id).status == DagsterRunStatus.SUCCESS, daemon, log)
        before = _queue(release)
        assert not [r for r in before if r[0] == "notifications/2012-13_q2.csv"]
        first_seconds = time.monotonic() - started

        second = _wait_for(
            "an intake run for the new file to succeed",
            lambda: [r for r in _intake_runs(instance, DagsterRunStatus.SUCCESS) if r.run_id != first.run_id],
            daemon, log)[0]
        assert second.tags["dagster/sensor_name"] == "new_landing_files"
        # one run at a time (config/dagster.yaml): the second started after the first had finished
        first_stats, second_stats = (instance.get_run_stats(r.run_id) for r in (first, second))
        assert second_stats.start_time >= first_stats.end_time
        after = _queue(release)
        # the new file's problem is in the queue, and what was there before still is
        assert ("notifications/2012-13_q2.csv", "child_sex", "invalid_value") in after
        assert set(before) <= set(after)
        assert not [r for r in _intake_runs(instance) if r.status == DagsterRunStatus.FAILURE]
        assert not (tmp_path / "failures.log").exists()
        print(f"daemon: first intake run done after {first_seconds:.0f} s, the new file's after "
              f"{time.monotonic() - started:.0f} s")
    finally:
        _stop(daemon)
    # nothing the test started is left running
    assert _wait_until_gone(daemon.pid) == []
