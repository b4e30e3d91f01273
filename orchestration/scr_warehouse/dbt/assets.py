"""The dbt project as Dagster assets, in two runs around the GX validation:
models tagged `after_quality` (stewards' queue, scoreboard) read the GX results, everything else comes first.
dbt runs inside the Dagster process (inprocess.py: the project parsed once per process, not once per step)."""

import json
from pathlib import Path
from typing import Any, Mapping

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from .. import preload
from ..resources import WarehouseConfig
from . import inprocess
from .project import scr_dbt_project
from .resource import warehouse_env

AFTER_QUALITY = "tag:after_quality"


class ScrTranslator(DagsterDbtTranslator):
    """Asset keys are <schema>/<name> (raw/notifications, staging/stg_notifications, marts/...), so a source
    `raw.notifications` is the ingest asset of the same key, and the GX results are quality/gx_failures."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "dbt_" + dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "dbt"


TRANSLATOR = ScrTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_build_args(as_of: str) -> list[str]:
    """The dbt CLI arguments for one build step (small and testable without running dbt)."""
    return ["build", "--vars", json.dumps({"as_of": as_of})]


def _stream(context: AssetExecutionContext, warehouse: WarehouseConfig):
    preload.start()  # GX imports on a thread beside dbt
    wh = Path(warehouse.warehouse_path).resolve()
    with warehouse_env(wh):
        yield from inprocess.run(dbt_build_args(warehouse.as_of_date.isoformat()), context, TRANSLATOR,
                                 dbt_target_path(wh), wh)


def dbt_target_path(warehouse_file: Path) -> Path:
    """One dbt target folder per warehouse file, beside it: the build's two dbt runs (and later builds of the same
    warehouse with the same as-of date) share dbt's partial-parse state instead of parsing the project afresh;
    builds of other warehouses never touch it."""
    return warehouse_file.parent / f".{warehouse_file.name}.dbt-target"


def _dbt_step(name: str, **selection):
    """One dbt run as a multi-asset: the models `selection` picks (dbt's --select / --exclude)."""

    @dbt_assets(manifest=scr_dbt_project.manifest_path, project=scr_dbt_project, dagster_dbt_translator=TRANSLATOR,
                name=name, **selection)
    def _run(context: AssetExecutionContext, warehouse: WarehouseConfig):
        yield from _stream(context, warehouse)

    return _run


dbt_models = _dbt_step("dbt_models", exclude=AFTER_QUALITY)
dbt_after_quality = _dbt_step("dbt_after_quality", select=AFTER_QUALITY)
