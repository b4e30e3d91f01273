"""The release stage: marts.release_<dataset> -> <release>/restricted/<dataset>.csv (unsuppressed),
<release>/<dataset>.csv (disclosure control, contract 2.6) and <release>/<dataset>.meta.csv, plus an asset check that
runs the Department's published-data screener rules over the published files."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    asset,
    asset_check,
)

from .. import release
from ..resources import WarehouseConfig

RELEASE_KEY = AssetKey(["release", "datasets"])
MART_KEYS = [AssetKey(["marts", f"release_{name}"]) for name in release.load_datasets()]


@asset(
    key=RELEASE_KEY,
    group_name="release",
    deps=MART_KEYS,
    description="The published datasets in the explore-education-statistics tidy format: <release>/<dataset>.csv with "
    "disclosure control, <release>/<dataset>.meta.csv, and the unsuppressed <release>/restricted/<dataset>.csv.",
)
def release_datasets(context: AssetExecutionContext, warehouse: WarehouseConfig) -> MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        stats = release.write_release(con, warehouse.release)
    for name, s in stats.items():  # counts only
        if s.get("missing"):
            context.log.warning(f"{name}: marts.release_{name} is not in the warehouse; no files written")
            continue
        context.log.info(f"{name}: {s['rows']} rows, {s['suppressed_cells']} cells suppressed")
    meta = {f"{name}_rows": s["rows"] for name, s in stats.items()}
    meta.update({f"{name}_suppressed_cells": s["suppressed_cells"] for name, s in stats.items()})
    return MaterializeResult(metadata=meta)


@asset_check(asset=RELEASE_KEY, name="published_data_screener", blocking=False,
             description="Every published file passes the Department's screener rules (contract section 2).")
def published_data_screener(warehouse: WarehouseConfig) -> AssetCheckResult:
    problems = release.screen_release(warehouse.release)
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata={"problems": len(problems), "first_problems": "\n".join(problems[:20])},
    )


release_assets = [release_datasets]
release_checks = [published_data_screener]
