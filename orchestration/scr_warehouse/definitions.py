"""The Dagster code location: the asset graph, its three jobs, the landing sensor, the publication schedules, the
failed-run sensor and the resources. `make dev` and `make serve` load it; `scr-warehouse build` runs
`build_everything` from it in-process.

Two jobs, one for each person who waits (issue 24):
- `intake`: landing -> raw -> staging -> intermediate -> the quality checks (GX) -> the stewards' files; everything
  the stewards' files need and nothing else. The landing sensor starts it.
- `publish`: the marts, the release and the report, with the intermediate models that judge dates at the as-of date
  built again at the run's own as-of date. The schedules start it (as-of = the end of the period they report).
`build_everything` runs both in one run (the command line's build)."""
from __future__ import annotations

import datetime as dt
import json
import os
from functools import lru_cache

from dagster import (
    AssetKey,
    AssetSelection,
    Definitions,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from .alerts import failed_runs_sensor
from .dbt.assets import TRANSLATOR, dbt_after_quality, dbt_models
from .dbt.project import scr_dbt_project
from .dbt.resource import dbt_resource
from .filemodes import restrict_new_files
from .ingest.assets import ingest_assets
from .ingest.landing import landing_fingerprint
from .paths import DATA_DIR
from .quality.assets import FILES_KEY, quality_assets, quality_checks
from .release.assets import release_assets, release_checks
from .report.assets import report_assets, report_checks
from .resources import WarehouseConfig
from .schedules import AS_OF_TAG, TRIGGER_TAG, publication_schedules, sensor_status

ALL_ASSETS = [*ingest_assets, dbt_models, *quality_assets, dbt_after_quality, *release_assets, *report_assets]
ALL_CHECKS = [*quality_checks, *release_checks, *report_checks]

# How often the landing sensor looks at the landing folder (seconds); a test or a busy server may change it.
SENSOR_INTERVAL_ENV = "SCR_SENSOR_INTERVAL"
AS_OF_MACRO = "as_of_date"


@lru_cache(maxsize=1)
def _manifest() -> dict:
    return json.loads(scr_dbt_project.manifest_path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def as_of_model_keys() -> tuple[AssetKey, ...]:
    """The dbt models whose rows depend on the as-of date: they call the as_of_date macro (directly or through
    another macro, such as in_date_window) or read var('as_of'). Read from the dbt manifest, so a model that starts
    judging dates at the as-of date joins `publish` without a list kept here."""
    manifest = _manifest()
    macros = manifest.get("macros", {})
    uses_as_of: dict[str, bool] = {}

    def macro_uses(uid: str, seen=()) -> bool:
        if uid not in uses_as_of:
            m = macros.get(uid, {})
            uses_as_of[uid] = m.get("name") == AS_OF_MACRO or "var('as_of')" in m.get("macro_sql", "") or any(
                macro_uses(dep, (*seen, uid)) for dep in m.get("depends_on", {}).get("macros", []) if dep not in seen)
        return uses_as_of[uid]

    keys = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        code = node.get("raw_code", "")
        if ("var('as_of')" in code or 'var("as_of")' in code
                or any(macro_uses(uid) for uid in node.get("depends_on", {}).get("macros", []))):
            keys.append(TRANSLATOR.get_asset_key(node))
    return tuple(sorted(keys, key=lambda k: k.path))


@lru_cache(maxsize=1)
def seed_keys() -> frozenset[AssetKey]:
    """The dbt seeds as assets (the stewards' loop leaves them out when the warehouse holds them as they are)."""
    return frozenset(TRANSLATOR.get_asset_key(n) for n in _manifest()["nodes"].values() if n["resource_type"] == "seed")


def intake_without_seeds(job):
    """The intake job without dbt's seeds, with the same checks (the GX suites, none of dbt's): the stewards' loop
    when the warehouse holds the seeds as their files are now."""
    keys = set(job.asset_layer.selected_asset_keys) - seed_keys()
    dbt_keys = set(dbt_models.keys) | set(dbt_after_quality.keys)
    checks = {c for c in job.asset_layer.asset_graph.asset_check_keys if c.asset_key in keys - dbt_keys}
    return job.get_subset(asset_selection=keys, asset_check_selection=checks)


@lru_cache(maxsize=1)
def tested_together() -> tuple[frozenset[AssetKey], ...]:
    """The models and seeds each dbt data test of more than one of them reads. dbt runs a test when any model it
    reads is selected, so a job building one of them must build them all (or the test finds a table missing)."""
    nodes = _manifest()["nodes"]
    out = []
    for node in nodes.values():
        if node["resource_type"] == "test":
            reads = frozenset(TRANSLATOR.get_asset_key(nodes[uid]) for uid in node["depends_on"].get("nodes", [])
                              if uid in nodes and nodes[uid]["resource_type"] in ("model", "seed", "snapshot"))
            if len(reads) > 1:
                out.append(reads)
    return tuple(out)


def job_selections() -> tuple[AssetSelection, AssetSelection]:
    """(intake, publish). Intake is everything the stewards' files are made from, and the models a dbt test reads
    together with one of those (the population feed's typed model, checked with the other feeds'), with the GX
    checks and none of dbt's. Publish is
    everything else (the marts, release and report) plus the models between the two whose rows depend on the as-of
    date, and the tables built from them, so a run judged at the end of a period is judged there throughout."""
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph  # resolving needs no resources

    graph = AssetGraph.from_assets([*ALL_ASSETS, *ALL_CHECKS])
    keys = set(AssetSelection.assets(FILES_KEY).upstream().resolve(graph))
    grown = True
    while grown:
        grown = False
        for reads in tested_together():
            if reads & keys and not reads <= keys:
                keys |= AssetSelection.assets(*reads).upstream().resolve(graph)
                grown = True
    assets = AssetSelection.assets(*sorted(keys, key=lambda k: k.path))
    # The stewards' loop runs no dbt data tests: they check the models, not the landing data, and the stewards'
    # files do not read them (publish and the command line's build run them); its checks are the GX suites.
    dbt_keys = set(dbt_models.keys) | set(dbt_after_quality.keys)
    intake = assets.without_checks() | AssetSelection.checks_for_assets(*sorted(keys - dbt_keys, key=lambda k: k.path))
    later = AssetSelection.all() - assets
    later_models = later & AssetSelection.assets(dbt_models, dbt_after_quality)
    dated = AssetSelection.assets(*as_of_model_keys()).downstream() & later_models.upstream()
    return intake, later | dated


INTAKE_SELECTION, PUBLISH_SELECTION = job_selections()

build_everything = define_asset_job(
    "build_everything",
    selection=AssetSelection.all(),
    description="Both loops in one run (what `scr-warehouse build` runs): load every landing feed, build every "
    "model, run the data-quality checks, write the stewards' files, the release and the report.",
    executor_def=in_process_executor,
)

intake = define_asset_job(
    "intake",
    selection=INTAKE_SELECTION,
    description="The stewards' loop: landing files -> raw -> staging -> intermediate -> quality checks (GX) -> the "
    "stewards' queue, per-LA files, chase lists, overdue actions and correction audit. Started by the landing "
    "sensor (new_landing_files) or by hand.",
    executor_def=in_process_executor,
    tags={"scr/loop": "stewards"},
)

publish = define_asset_job(
    "publish",
    selection=PUBLISH_SELECTION,
    description="Publication: the marts (with the intermediate models judged at the as-of date), the release with "
    "disclosure control, and the national report. Started by the annual and quarterly schedules (as-of = the end "
    "of the period they report) or by hand; reads what the last intake run loaded.",
    executor_def=in_process_executor,
    tags={"scr/loop": "publication"},
)

JOBS = [build_everything, intake, publish]


def build_definitions(landing_dir: str, warehouse_path: str, release_dir: str, as_of: str = "",
                      sensor_interval: int | None = None) -> Definitions:
    """The code location, pointed at one landing folder, warehouse file and release folder."""
    warehouse = WarehouseConfig(
        landing_dir=landing_dir, warehouse_path=warehouse_path, release_dir=release_dir, as_of=as_of
    )

    def warehouse_config(run_as_of: str) -> dict:
        """The warehouse resource's run config for a run judged at `run_as_of` (run config replaces it whole)."""
        return {"landing_dir": landing_dir, "warehouse_path": warehouse_path, "release_dir": release_dir,
                "as_of": run_as_of}

    interval = sensor_interval or int(os.environ.get(SENSOR_INTERVAL_ENV) or 60)

    @sensor(job=intake, minimum_interval_seconds=interval, default_status=sensor_status())
    def new_landing_files(context: SensorEvaluationContext):
        """Starts the stewards' loop (intake) when a landing file appears or changes (files are never edited in
        place). Overdue is judged at the day of the change (or SCR_AS_OF when set)."""
        fingerprint = landing_fingerprint(landing_dir)
        if fingerprint == context.cursor:
            return SkipReason("no new landing files")
        context.update_cursor(fingerprint)
        run_as_of = as_of or dt.date.today().isoformat()
        return RunRequest(
            run_key=fingerprint,
            run_config={"resources": {"warehouse": {"config": warehouse_config(run_as_of)}}},
            tags={TRIGGER_TAG: "sensor new_landing_files (landing files changed)", AS_OF_TAG: run_as_of},
        )

    # Annual national statistics after each financial year ends (31 March), with time for late returns;
    # a quarterly update in between. Each publishes from what intake last loaded, judged at its period's end.
    annual, quarterly = publication_schedules(publish, warehouse_config)
    return Definitions(
        assets=ALL_ASSETS,
        asset_checks=ALL_CHECKS,
        jobs=JOBS,
        sensors=[new_landing_files, failed_runs_sensor(as_of)],
        schedules=[annual, quarterly],
        resources={
            "warehouse": warehouse,
            "dbt": dbt_resource(),
        },
    )


# `dagster dev -m scr_warehouse.definitions` (make dev, make serve) reads the locations from the environment.
restrict_new_files()  # the webserver, the daemon and every run they start write restricted outputs 0600 / 0700
defs = build_definitions(
    landing_dir=os.environ.get("SCR_LANDING", str(DATA_DIR / "demo" / "landing")),
    warehouse_path=os.environ.get("SCR_WAREHOUSE", str(DATA_DIR / "demo" / "warehouse.duckdb")),
    release_dir=os.environ.get("SCR_RELEASE", str(DATA_DIR / "demo" / "release")),
    as_of=os.environ.get("SCR_AS_OF", ""),
)
