"""Issue 24 (items 1 and 4): the two jobs, what starts them, the as-of date a scheduled run is judged at, and a failed
run written to the failures log (and mailed when an SMTP host is set)."""
from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    build_run_status_sensor_context,
    build_schedule_context,
    build_sensor_context,
    validate_run_config,
)

from scr_warehouse import alerts
from scr_warehouse.definitions import as_of_model_keys, build_definitions
from scr_warehouse.schedules import annual_period, quarterly_period

from tests.helpers import REPO, notification_row

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    root = tmp_path_factory.mktemp("defs")
    return build_definitions(str(root / "landing"), str(root / "w.duckdb"), str(root / "release"))


def _keys(defs, job: str) -> set[AssetKey]:
    return set(defs.resolve_job_def(job).asset_layer.selected_asset_keys)


def _paths(keys) -> set[str]:
    return {k.to_user_string() for k in keys}


def test_intake_ends_at_the_stewards_files_and_publish_does_the_rest(defs):
    intake, publish, everything = _keys(defs, "intake"), _keys(defs, "publish"), _keys(defs, "build_everything")
    assert intake | publish == everything  # together they are the command line's build
    i, p = _paths(intake), _paths(publish)
    # intake: landing -> raw -> staging -> GX -> the stewards' files; none of the release
    assert {"raw/notifications", "raw/corrections", "raw/untaken_files", "staging/stg_notifications",
            "quality/gx_failures", "quality/steward_queue", "quality/chase_list", "quality/overdue_actions",
            "quality/steward_queue_files", "marts/correction_audit"} <= i
    assert not {k for k in i if k.startswith(("release/", "report/", "marts/release_"))}
    # publish: the marts, the release and the report; it never loads landing files nor writes the stewards' files
    assert {"marts/release_child_characteristics", "marts/release_review_actions", "marts/incident_journey",
            "release/datasets", "report/national_report"} <= p
    assert not {k for k in p if k.startswith(("raw/", "staging/", "quality/"))}
    # what they share is exactly the models judged at the as-of date (and tables built from them), so a scheduled
    # run judges overdue at the end of its period throughout
    shared = intake & publish
    dated = set(as_of_model_keys())
    assert {AssetKey(["intermediate", "int_actions"]), AssetKey(["intermediate", "int_notifications"])} <= shared
    assert shared & dated and all(k.path[0] == "intermediate" for k in shared)
    # the checks go with their assets
    intake_checks = {c.name for c in defs.resolve_job_def("intake").asset_layer.asset_graph.asset_check_keys
                     if c.asset_key in intake}
    assert "gx_notifications" in intake_checks


def test_the_landing_sensor_starts_intake_and_says_so(tmp_path, landing, monkeypatch):
    monkeypatch.setenv("SCR_AUTOMATION", "on")
    monkeypatch.setenv("SCR_SENSOR_INTERVAL", "7")
    defs = build_definitions(str(landing.root), str(tmp_path / "w.duckdb"), str(tmp_path / "rel"), "2018-06-30")
    sensor = defs.resolve_sensor_def("new_landing_files")
    assert sensor.job_name == "intake"
    assert sensor.default_status == DefaultSensorStatus.RUNNING and sensor.minimum_interval_seconds == 7
    landing.write_text("notifications", "2012-13_q1.csv", "notification_id\nN1\n")
    request = sensor.evaluate_tick(build_sensor_context(cursor=None)).run_requests[0]
    assert request.tags["scr/trigger"].startswith("sensor new_landing_files")
    assert request.tags["scr/as_of"] == "2018-06-30"
    assert request.run_config["resources"]["warehouse"]["config"]["as_of"] == "2018-06-30"
    assert validate_run_config(defs.resolve_job_def("intake"), request.run_config)


def test_without_the_setting_a_developer_ui_starts_nothing_by_itself(tmp_path, monkeypatch):
    monkeypatch.delenv("SCR_AUTOMATION", raising=False)
    defs = build_definitions(str(tmp_path / "l"), str(tmp_path / "w.duckdb"), str(tmp_path / "rel"))
    assert defs.resolve_sensor_def("new_landing_files").default_status == DefaultSensorStatus.STOPPED
    assert {s.default_status for s in defs.schedules} == {DefaultScheduleStatus.STOPPED}
    # the failed-run sensor records failures whoever starts the runs
    assert defs.resolve_sensor_def("record_failed_runs").default_status == DefaultSensorStatus.RUNNING


@pytest.mark.parametrize("name, run_day, as_of, period", [
    ("annual_national_report", dt.date(2026, 6, 1), "2026-03-31", "2025-26"),
    ("quarterly_update", dt.date(2026, 1, 1), "2025-12-31", "2025-26 Q3"),
    ("quarterly_update", dt.date(2026, 4, 1), "2026-03-31", "2025-26 Q4"),
    ("quarterly_update", dt.date(2026, 7, 1), "2026-06-30", "2026-27 Q1"),
    ("quarterly_update", dt.date(2026, 10, 1), "2026-09-30", "2026-27 Q2"),
])
def test_a_scheduled_run_is_judged_at_the_end_of_the_period_it_reports(tmp_path, monkeypatch, name, run_day, as_of,
                                                                        period):
    monkeypatch.setenv("SCR_AUTOMATION", "on")
    # SCR_AS_OF (a fixed date for the command line or the sensor) does not move a schedule's period
    defs = build_definitions(str(tmp_path / "l"), str(tmp_path / "w.duckdb"), str(tmp_path / "rel"), "2018-06-30")
    schedule = defs.resolve_schedule_def(name)
    assert schedule.job_name == "publish" and schedule.default_status == DefaultScheduleStatus.RUNNING
    assert schedule.execution_timezone == "Europe/London"
    when = dt.datetime.combine(run_day, dt.time(6, 0), tzinfo=LONDON)
    request = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=when)).run_requests[0]
    assert request.run_config["resources"]["warehouse"]["config"]["as_of"] == as_of
    assert (request.tags["scr/as_of"], request.tags["scr/period"]) == (as_of, period)
    assert request.tags["scr/trigger"] == f"schedule {name}"
    assert validate_run_config(defs.resolve_job_def("publish"), request.run_config)


def test_period_ends_on_and_around_their_edges():
    # a run on the last day of a period does not report that period: the day is not over
    assert annual_period(dt.date(2026, 3, 31)) == (dt.date(2025, 3, 31), "2024-25")
    assert annual_period(dt.date(2026, 4, 1)) == (dt.date(2026, 3, 31), "2025-26")
    assert quarterly_period(dt.date(2026, 3, 31)) == (dt.date(2025, 12, 31), "2025-26 Q3")
    assert quarterly_period(dt.date(2026, 2, 15)) == (dt.date(2025, 12, 31), "2025-26 Q3")


def _failed_intake_run(tmp_path, monkeypatch, tags: dict | None = None):
    """A real intake run that fails at its first step (the warehouse's folder cannot be made: a file is in the way),
    on an instance configured as `make serve`'s (config/dagster.yaml: one retry)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "config" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("SCR_FAILURE_LOG", str(tmp_path / "failures.log"))
    for var in ("SCR_SMTP_HOST", "SCR_ALERT_TO"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "not_a_folder").write_text("in the way")
    (tmp_path / "landing").mkdir()
    defs = build_definitions(str(tmp_path / "landing"), str(tmp_path / "not_a_folder" / "w.duckdb"),
                             str(tmp_path / "release"), "2018-06-30")
    instance = DagsterInstance.get()
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 1
    if tags is None:
        tags = {"scr/trigger": "sensor new_landing_files (landing files changed)", "scr/as_of": "2018-06-30"}
    result = defs.resolve_job_def("intake").execute_in_process(instance=instance, raise_on_error=False, tags=tags)
    assert not result.success
    return defs, instance, result


def test_a_failed_run_is_written_to_the_failures_log(tmp_path, monkeypatch):
    defs, instance, result = _failed_intake_run(tmp_path, monkeypatch)
    sensor = defs.resolve_sensor_def("record_failed_runs")
    run = instance.get_run_by_id(result.run_id)  # as the daemon sees it: with the tags added at failure
    context = build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_event=result.get_run_failure_event(), dagster_instance=instance,
        dagster_run=run,
    ).for_run_failure()
    sensor(context)
    lines = (tmp_path / "failures.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert f"FAILED job intake run {result.run_id}" in line
    assert "(attempt 1, Dagster will retry it)" in line
    assert "started by sensor new_landing_files" in line and "as of 2018-06-30" in line
    assert "failed steps: raw__untaken_files (" in line and f"/runs/{result.run_id}" in line
    # the step's error text (here a path; in general it could quote a record) stays in Dagster, not in the log
    assert "not_a_folder" not in line and "Errno" not in line

    # a second failure is a second line (the log is appended to, never rewritten)
    sensor(context)
    assert len((tmp_path / "failures.log").read_text(encoding="utf-8").splitlines()) == 2


def test_a_run_started_by_hand_is_logged_with_the_as_of_it_ran_at(tmp_path, monkeypatch):
    defs, instance, result = _failed_intake_run(tmp_path, monkeypatch, tags={})
    sensor = defs.resolve_sensor_def("record_failed_runs")
    sensor(build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_event=result.get_run_failure_event(), dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id)).for_run_failure())
    line = (tmp_path / "failures.log").read_text(encoding="utf-8")
    # no tags: the code location's as-of date (SCR_AS_OF), and "the Dagster UI or API" as what started it
    assert "as of 2018-06-30" in line and "started by the Dagster UI or API" in line


def test_failure_mail_goes_only_to_a_configured_smtp_host(tmp_path):
    line = "2026-06-01T06:10:00Z FAILED job publish run abc (attempt 2, not retried)"
    assert alerts.send_failure_mail(line, env={}) is False  # no host: nothing sent, no network touched
    assert alerts.send_failure_mail(line, env={"SCR_SMTP_HOST": "127.0.0.1"}) is False  # and no one to send to

    received = []
    with _smtp_server(received) as port:
        sent = alerts.send_failure_mail(line, env={"SCR_SMTP_HOST": "127.0.0.1", "SCR_SMTP_PORT": str(port),
                                                   "SCR_ALERT_TO": "stats-team@example.org, on-call@example.org",
                                                   "SCR_ALERT_FROM": "scr@example.org"})
    assert sent is True
    assert received[0]["from"] == "<scr@example.org>"
    assert received[0]["to"] == ["<stats-team@example.org>", "<on-call@example.org>"]
    assert "Subject: SCR warehouse: a run failed" in received[0]["data"] and line in received[0]["data"]


def test_a_mail_that_cannot_be_sent_is_itself_logged(tmp_path, monkeypatch):
    defs, instance, result = _failed_intake_run(tmp_path, monkeypatch)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"SCR_FAILURE_LOG": str(tmp_path / "failures.log"), "SCR_SMTP_HOST": "127.0.0.1",
           "SCR_SMTP_PORT": str(port), "SCR_ALERT_TO": "stats-team@example.org"}
    alerts.record_failure(instance.get_run_by_id(result.run_id), [], env=env)
    lines = (tmp_path / "failures.log").read_text(encoding="utf-8").splitlines()
    assert "FAILED job intake" in lines[0] and "MAIL NOT SENT" in lines[1]


class _smtp_server:
    """A minimal SMTP server on 127.0.0.1 for one message (Python 3.11's smtpd is deprecated)."""

    def __init__(self, received: list):
        self.received = received

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self.sock.getsockname()[1]

    def _serve(self):
        conn, _ = self.sock.accept()
        f = conn.makefile("rwb")

        def say(text):
            f.write(text.encode() + b"\r\n")
            f.flush()

        msg = {"to": []}
        say("220 test")
        while line := f.readline().decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250 test")
            elif verb == "MAIL":
                msg["from"] = line.split(":", 1)[1].split()[0]
                say("250 ok")
            elif verb == "RCPT":
                msg["to"].append(line.split(":", 1)[1].split()[0])
                say("250 ok")
            elif verb == "DATA":
                say("354 go on")
                data = []
                while (body := f.readline().decode()) not in (".\r\n", ""):
                    data.append(body)
                msg["data"] = "".join(data)
                self.received.append(msg)
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                break
            else:
                say("250 ok")
        conn.close()

    def __exit__(self, *exc):
        self.thread.join(timeout=10)
        self.sock.close()
        return False


@pytest.mark.slow
def test_the_as_of_a_schedule_states_is_the_date_the_models_judge_at(tmp_path, landing):
    """The annual run's config (as-of 31 March 2019), given to a real run while the code location's own as-of is
    30 June 2018: a child notified in February 2019 is in that year's figures, one in May 2019 is not yet."""
    landing.write_rows("notifications", "2018-19_q4.csv", [
        notification_row("N1", "I1", incident_date="2019-02-01", notified_date="2019-02-04"),
        notification_row("N2", "I2", incident_date="2019-05-01", notified_date="2019-05-03"),
    ])
    wh = tmp_path / "warehouse.duckdb"
    defs = build_definitions(str(landing.root), str(wh), str(tmp_path / "release"), "2018-06-30")
    when = dt.datetime(2019, 6, 1, 6, 0, tzinfo=LONDON)
    request = defs.resolve_schedule_def("annual_national_report").evaluate_tick(
        build_schedule_context(scheduled_execution_time=when)).run_requests[0]
    assert request.tags["scr/as_of"] == "2019-03-31"
    # the intake job takes the same resource config as publish: the dbt models both judge dates at
    result = defs.resolve_job_def("intake").execute_in_process(
        run_config=request.run_config, tags=request.tags, instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = dict(con.execute("select notification_id, in_statistics from intermediate.int_notifications").fetchall())
    finally:
        con.close()
    assert rows == {"N1": True, "N2": False}


def test_the_stewards_loop_runs_no_dbt_tests_and_seeds_only_when_asked(defs):
    """Issue 24 item 2: the intake job's checks are the GX suites (dbt's data tests run in publish and the build);
    without seeds it keeps every other asset and those checks."""
    from scr_warehouse.definitions import intake_without_seeds, seed_keys
    from scr_warehouse.quality.assets import GX_KEY

    job = defs.resolve_job_def("intake")
    checks = set(job.asset_layer.asset_graph.asset_check_keys)
    assert {c.name for c in checks} >= {"gx_notifications", "data_docs_offline"}
    assert {c.asset_key for c in checks} == {GX_KEY}  # none of dbt's
    everything = defs.resolve_job_def("build_everything").asset_layer.asset_graph.asset_check_keys
    assert any(c.asset_key.path[0] == "staging" for c in everything)  # dbt's tests are checks of the build
    loop = intake_without_seeds(job)
    kept = set(loop.asset_layer.selected_asset_keys)
    assert seed_keys() and not kept & seed_keys()
    assert kept == set(job.asset_layer.selected_asset_keys) - seed_keys()
    assert set(loop.asset_check_selection) == checks


def test_seeds_are_current_only_as_their_files_were_recorded(tmp_path, monkeypatch):
    from scr_warehouse import build_state
    from scr_warehouse.paths import DBT_PROJECT_DIR

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR / "seeds", project / "seeds")
    shutil.copy2(DBT_PROJECT_DIR / "dbt_project.yml", project / "dbt_project.yml")
    monkeypatch.setattr(build_state, "DBT_PROJECT_DIR", project)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        assert not build_state.seeds_current(con)  # a new warehouse is always seeded
        build_state.record_seeds(con)
        assert build_state.seeds_current(con)
        seed = sorted((project / "seeds").rglob("*.csv"))[0]
        seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a seed file changed
        assert not build_state.seeds_current(con)
        build_state.record_seeds(con)
        assert build_state.seeds_current(con)
    finally:
        con.close()
