"""A failed run where the team will see it (issue 24): a run failure sensor appends one line per failed run to a log
file and, when an SMTP host is configured, sends the same line by e-mail.

Settings (environment of the Dagster daemon, e.g. `make serve`):
- SCR_FAILURE_LOG: the log file (default: <DAGSTER_HOME>/failures.log, or data/dagster_home/failures.log);
- SCR_SMTP_HOST (no mail without it), SCR_SMTP_PORT (25), SCR_SMTP_STARTTLS (1 to use STARTTLS), SCR_SMTP_USER and
  SCR_SMTP_PASSWORD (to log in), SCR_ALERT_TO (comma-separated addresses), SCR_ALERT_FROM;
- SCR_DAGSTER_URL: the Dagster UI's address, so a line links to its run (default http://127.0.0.1:3000).

A line names the job, the run, what started it, the as-of date, the failed steps and the kind of error, and whether
Dagster will retry the run: never an error's text, which could quote a record."""
from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
import ssl
from email.message import EmailMessage
from pathlib import Path

from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from .paths import DATA_DIR
from .schedules import AS_OF_TAG, PERIOD_TAG, TRIGGER_TAG

FAILURE_LOG_ENV = "SCR_FAILURE_LOG"
TRUE = ("1", "true", "yes", "on")


def failure_log_path(env: dict | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(FAILURE_LOG_ENV):
        return Path(env[FAILURE_LOG_ENV])
    home = env.get("DAGSTER_HOME")
    return Path(home) / "failures.log" if home else DATA_DIR / "dagster_home" / "failures.log"


def started_by(tags: dict) -> str:
    """What started a run, from its tags: our own scr/trigger, else Dagster's schedule, sensor or user tags."""
    if tags.get(TRIGGER_TAG):
        return tags[TRIGGER_TAG]
    if tags.get("dagster/schedule_name"):
        return f"schedule {tags['dagster/schedule_name']}"
    if tags.get("dagster/sensor_name"):
        return f"sensor {tags['dagster/sensor_name']}"
    if tags.get("dagster/parent_run_id"):
        return f"re-execution of {tags['dagster/parent_run_id']}"
    return f"{tags['user']} in the Dagster UI" if tags.get("user") else "the Dagster UI or API"


def failure_line(run, step_failures, when: dt.datetime | None = None, env: dict | None = None,
                 default_as_of: str = "") -> str:
    """One line for a failed run: no error text (it could quote a record), only step names and error kinds."""
    env = os.environ if env is None else env
    tags = dict(run.tags)
    when = (when or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    attempt = int(tags.get("dagster/retry_number", "0")) + 1
    retry = "Dagster will retry it" if tags.get("dagster/will_retry") == "true" else "not retried"
    steps = ", ".join(
        f"{ev.step_key} ({ev.event_specific_data.error.cls_name})"
        if getattr(ev.event_specific_data, "error", None) is not None else str(ev.step_key)
        for ev in step_failures
    ) or "none (the run itself failed: see the run's events)"
    config_as_of = (run.run_config or {}).get("resources", {}).get("warehouse", {}).get("config", {}).get("as_of")
    as_of = tags.get(AS_OF_TAG) or config_as_of or default_as_of or "the run's day"
    period = f", period {tags[PERIOD_TAG]}" if tags.get(PERIOD_TAG) else ""
    url = env.get("SCR_DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/")
    return (f"{when.strftime('%Y-%m-%dT%H:%M:%SZ')} FAILED job {run.job_name} run {run.run_id} "
            f"(attempt {attempt}, {retry}); started by {started_by(tags)}; as of {as_of}{period}; "
            f"failed steps: {steps}; {url}/runs/{run.run_id}")


def append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(line.replace("\n", " ") + "\n")


def send_failure_mail(line: str, env: dict | None = None) -> bool:
    """Send `line` by e-mail when SCR_SMTP_HOST and SCR_ALERT_TO are set; returns whether a mail was sent. Without
    an SMTP host nothing touches the network."""
    env = os.environ if env is None else env
    host = env.get("SCR_SMTP_HOST", "").strip()
    to = [a.strip() for a in env.get("SCR_ALERT_TO", "").split(",") if a.strip()]
    if not host or not to:
        return False
    msg = EmailMessage()
    msg["Subject"] = "SCR warehouse: a run failed"
    msg["From"] = env.get("SCR_ALERT_FROM") or f"scr-warehouse@{socket.getfqdn()}"
    msg["To"] = ", ".join(to)
    msg.set_content(line + "\n\nThe failures log: " + str(failure_log_path(env)) + "\n")
    with smtplib.SMTP(host, int(env.get("SCR_SMTP_PORT") or 25), timeout=30) as smtp:
        if env.get("SCR_SMTP_STARTTLS", "").lower() in TRUE:
            smtp.starttls(context=ssl.create_default_context())
        if env.get("SCR_SMTP_USER"):
            smtp.login(env["SCR_SMTP_USER"], env.get("SCR_SMTP_PASSWORD", ""))
        smtp.send_message(msg)
    return True


def record_failure(run, step_failures, env: dict | None = None, default_as_of: str = "") -> str:
    """Append the run's line to the failures log and mail it when mail is configured; returns the line. A mail
    that cannot be sent is itself recorded in the log (the line is already there)."""
    env = os.environ if env is None else env
    line = failure_line(run, step_failures, env=env, default_as_of=default_as_of)
    path = failure_log_path(env)
    append_line(path, line)
    try:
        send_failure_mail(line, env)
    except (OSError, smtplib.SMTPException) as e:
        append_line(path, f"{dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')} MAIL NOT SENT for "
                          f"run {run.run_id}: {type(e).__name__}: {e}")
    return line


def failed_runs_sensor(default_as_of: str = ""):
    """The run failure sensor of a code location whose warehouse resource judges at `default_as_of` when a run
    does not say (empty: the run's day)."""

    @run_failure_sensor(name="record_failed_runs", default_status=DefaultSensorStatus.RUNNING,
                        description="Every failed run of this code location: one line in the failures log "
                        "(SCR_FAILURE_LOG, default <DAGSTER_HOME>/failures.log) and an e-mail when SCR_SMTP_HOST is "
                        "set.")
    def record_failed_runs(context: RunFailureSensorContext):
        line = record_failure(context.dagster_run, context.get_step_failure_events(), default_as_of=default_as_of)
        context.log.info(f"recorded in {failure_log_path()}: {line}")

    return record_failed_runs
