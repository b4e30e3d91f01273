"""The Dagster code location: one asset graph for the UI (`make dev`), the sensor, the schedules and
`scr-warehouse build` (which runs the same job in-process)."""
from __future__ import annotations

import os

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    Definitions,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from .dbt.assets import dbt_after_quality, dbt_models
from .dbt.resource import dbt_resource
from .ingest.assets import ingest_assets
from .ingest.landing import landing_fingerprint
from .paths import DATA_DIR
from .quality.assets import quality_assets, quality_checks
from .release.assets import release_assets, release_checks
from .report.assets import report_assets, report_checks
from .resources import WarehouseConfig

ALL_ASSETS = [*ingest_assets, dbt_models, *quality_assets, dbt_after_quality, *release_assets, *report_assets]
ALL_CHECKS = [*quality_checks, *release_checks, *report_checks]

build_everything = define_asset_job(
    "build_everything",
    selection=AssetSelection.all(),
    description="Load every landing feed, build every model, run the data-quality checks, write release and report.",
    executor_def=in_process_executor,
)


def build_definitions(landing_dir: str, warehouse_path: str, release_dir: str, as_of: str = "") -> Definitions:
    """The code location, pointed at one landing folder, warehouse file and release folder."""
    warehouse = WarehouseConfig(
        landing_dir=landing_dir, warehouse_path=warehouse_path, release_dir=release_dir, as_of=as_of
    )

    @sensor(job=build_everything, minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED)
    def new_landing_files(context: SensorEvaluationContext):
        """Starts a build when a landing file appears or changes (files are never edited in place)."""
        fingerprint = landing_fingerprint(landing_dir)
        if fingerprint == context.cursor:
            return SkipReason("no new landing files")
        context.update_cursor(fingerprint)
        return RunRequest(run_key=fingerprint)

    # Annual national statistics after each financial year ends (31 March), with time for late returns;
    # a quarterly update in between. Both rebuild everything from the landing folder.
    annual = ScheduleDefinition(
        name="annual_national_report", job=build_everything, cron_schedule="0 6 1 6 *",
        execution_timezone="Europe/London",
    )
    quarterly = ScheduleDefinition(
        name="quarterly_update", job=build_everything, cron_schedule="0 6 1 1,4,7,10 *",
        execution_timezone="Europe/London",
    )
    return Definitions(
        assets=ALL_ASSETS,
        asset_checks=ALL_CHECKS,
        jobs=[build_everything],
        sensors=[new_landing_files],
        schedules=[annual, quarterly],
        resources={
            "warehouse": warehouse,
            "dbt": dbt_resource(),
        },
    )


# `dagster dev -m scr_warehouse.definitions` (make dev) reads the locations from the environment.
defs = build_definitions(
    landing_dir=os.environ.get("SCR_LANDING", str(DATA_DIR / "demo" / "landing")),
    warehouse_path=os.environ.get("SCR_WAREHOUSE", str(DATA_DIR / "demo" / "warehouse.duckdb")),
    release_dir=os.environ.get("SCR_RELEASE", str(DATA_DIR / "demo" / "release")),
    as_of=os.environ.get("SCR_AS_OF", ""),
)
