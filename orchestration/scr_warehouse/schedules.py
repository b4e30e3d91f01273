"""The publication schedules (issue 24): the annual national statistics and the quarterly update start the `publish`
job, each judging "overdue" and "in progress" at the end of the period it reports, not at the day it happens to run.

The annual run (1 June, 06:00 London) reports the financial year that ended on the last 31 March; the quarterly
run (1 January, April, July and October) reports up to the end of the last complete quarter. The as-of date is in
the run's config (resources.warehouse.config.as_of) and in its tags (scr/as_of, scr/period, scr/trigger), so the
Dagster UI shows what each run reports and what started it."""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

TIMEZONE = "Europe/London"
ANNUAL_CRON = "0 6 1 6 *"  # 1 June: the financial year ended 31 March, with two months for late returns
QUARTERLY_CRON = "0 6 1 1,4,7,10 *"  # the first day of each calendar quarter

# Tags every run started by this code location carries (Dagster adds dagster/schedule_name, dagster/sensor_name).
TRIGGER_TAG = "scr/trigger"
AS_OF_TAG = "scr/as_of"
PERIOD_TAG = "scr/period"

# `make serve` sets SCR_AUTOMATION=on: the landing sensor and both schedules start running as soon as the daemon
# loads the code location. Left unset (`make dev`, a developer's UI), they stay stopped until switched on there.
AUTOMATION_ENV = "SCR_AUTOMATION"


def automation_on(env: dict | None = None) -> bool:
    return (env if env is not None else os.environ).get(AUTOMATION_ENV, "").strip().lower() in ("1", "on", "true",
                                                                                               "yes", "running")


def schedule_status(env: dict | None = None) -> DefaultScheduleStatus:
    return DefaultScheduleStatus.RUNNING if automation_on(env) else DefaultScheduleStatus.STOPPED


def sensor_status(env: dict | None = None) -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if automation_on(env) else DefaultSensorStatus.STOPPED


def financial_year_label(year_end: dt.date) -> str:
    """'2025-26' for the financial year April 2025 - March 2026 (year_end = 31 March 2026)."""
    return f"{year_end.year - 1}-{year_end.year % 100:02d}"


def last_financial_year_end(day: dt.date) -> dt.date:
    """The 31 March that ended the last complete financial year before `day` (a run on 31 March itself reports
    the year before: that day is not over)."""
    return dt.date(day.year if day > dt.date(day.year, 3, 31) else day.year - 1, 3, 31)


def last_quarter_end(day: dt.date) -> dt.date:
    """The last day of the last complete calendar quarter before `day` (31 March, 30 June, 30 September or
    31 December). `day`'s own quarter is not complete, even on its last day."""
    quarter_start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return quarter_start - dt.timedelta(days=1)


def annual_period(day: dt.date) -> tuple[dt.date, str]:
    end = last_financial_year_end(day)
    return end, financial_year_label(end)


def quarterly_period(day: dt.date) -> tuple[dt.date, str]:
    """The quarter's end and its label in financial-year quarters: Q1 April-June ... Q4 January-March."""
    end = last_quarter_end(day)
    fy_end = end if end.month == 3 else dt.date(end.year + (1 if end.month > 3 else 0), 3, 31)
    quarter = {6: 1, 9: 2, 12: 3, 3: 4}[end.month]
    return end, f"{financial_year_label(fy_end)} Q{quarter}"


def publication_schedules(job, warehouse_config: Callable[[str], dict]) -> list[ScheduleDefinition]:
    """The annual and the quarterly schedule of `job` (publish). `warehouse_config(as_of)` gives the warehouse
    resource's config for a run judged at `as_of` (run config replaces a resource's config whole)."""

    def _schedule(name: str, cron: str, period: Callable[[dt.date], tuple[dt.date, str]], what: str):
        @schedule(name=name, job=job, cron_schedule=cron, execution_timezone=TIMEZONE,
                  default_status=schedule_status(), description=what)
        def _publication(context: ScheduleEvaluationContext):
            when = context.scheduled_execution_time
            day = when.date() if when is not None else dt.date.today()
            as_of, label = period(day)
            return RunRequest(
                run_key=f"{name}:{as_of.isoformat()}",
                run_config={"resources": {"warehouse": {"config": warehouse_config(as_of.isoformat())}}},
                tags={TRIGGER_TAG: f"schedule {name}", AS_OF_TAG: as_of.isoformat(), PERIOD_TAG: label},
            )

        return _publication

    return [
        _schedule("annual_national_report", ANNUAL_CRON, annual_period,
                  "The national statistics for the financial year that ended on the last 31 March (1 June, 06:00 "
                  "London): the marts, the release and the report, with overdue judged at that 31 March."),
        _schedule("quarterly_update", QUARTERLY_CRON, quarterly_period,
                  "The quarterly update (the first day of each quarter, 06:00 London): the marts, the release and "
                  "the report, with overdue judged at the end of the last complete quarter."),
    ]
