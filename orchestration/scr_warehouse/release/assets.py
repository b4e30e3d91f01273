"""The release stage: marts.release_<dataset> -> <release>/restricted/<dataset>.csv (unsuppressed),
<release>/<dataset>.csv (disclosure control over every published file together, contract 2.6),
<release>/<dataset>.meta.csv, the data guidance and upload.zip; asset checks for the disclosure audit and the
Department's published-data screener."""
import json

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    asset,
    asset_check,
)

from .. import release
from ..resources import WarehouseConfig
from .writer import AUDIT

RELEASE_KEY = AssetKey(["release", "datasets"])
MART_KEYS = [AssetKey(["marts", f"release_{name}"]) for name in release.load_datasets()]


def audit_lines(audit: dict) -> list[str]:
    """The disclosure audit in a few lines (counts only)."""
    return [
        f"disclosure control: {audit['suppressed']} cells suppressed ({audit['primary']} primary, "
        f"{audit['suppressed'] - audit['primary']} secondary) over every published file together",
        f"disclosure audit: {audit['linear_programmes']} linear programmes in {audit['audit_seconds']} s; narrowest "
        f"range of a suppressed count: {audit['narrowest_whole_numbers']} whole numbers "
        f"(at least {audit['whole_numbers_required']} required); {audit['failing_count']} failing",
    ]


@asset(
    key=RELEASE_KEY,
    group_name="release",
    # after the stewards' files: a steward sees the queue before disclosure control and the report run (issue 14)
    deps=[*MART_KEYS, AssetKey(["quality", "steward_queue_files"])],
    description="The published datasets in the explore-education-statistics tidy format with disclosure control "
    "over every published file together, their meta files, the data guidance and upload.zip; the unsuppressed "
    "<release>/restricted/<dataset>.csv.",
)
def release_datasets(context: AssetExecutionContext, warehouse: WarehouseConfig) -> MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        try:
            out = release.write_release(con, warehouse.release, cache_dir=warehouse.release_cache)
        except release.DisclosureError as e:
            raise Failure(description=str(e)) from None
    for name, s in out["datasets"].items():  # counts only
        if s.get("missing"):
            context.log.warning(f"{name}: marts.release_{name} is not in the warehouse; no files written")
        elif not s["published"]:
            context.log.warning(f"{name}: no records, so no published file (the data guidance says so)")
        else:
            context.log.info(f"{name}: {s['rows']} rows, {s['suppressed_cells']} cells suppressed")
    context.log.info(f"periods protected: {out['periods']['protected']}, reused unchanged: {out['periods']['reused']}; "
                     f"blocks of hidden cells audited: {out['periods']['blocks_audited']}, kept from the last build: "
                     f"{out['periods']['blocks_reused']}")
    for line in audit_lines(out["audit"]):
        context.log.info(line)
    meta = {f"{name}_rows": s["rows"] for name, s in out["datasets"].items()}
    meta.update({f"{name}_suppressed_cells": s["suppressed_cells"] for name, s in out["datasets"].items()})
    meta.update({"suppressed": out["audit"]["suppressed"], "primary": out["audit"]["primary"],
                 "narrowest_whole_numbers": out["audit"]["narrowest_whole_numbers"] or 0,
                 "audit_seconds": out["audit"]["audit_seconds"],
                 **{f"periods_{k}": v for k, v in out["periods"].items()}})
    return MaterializeResult(metadata=meta)


@asset_check(asset=RELEASE_KEY, name="disclosure_audit", blocking=True,
             description="Every suppressed count of the release spans at least the required whole numbers given "
             "everything published together, and every primary cell's range reaches past the threshold (contract 2.6).")
def disclosure_audit(warehouse: WarehouseConfig) -> AssetCheckResult:
    path = warehouse.release / AUDIT
    audit = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"failing_count": -1}
    return AssetCheckResult(
        passed=audit.get("failing_count") == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={k: audit.get(k) for k in ("suppressed", "primary", "narrowest_whole_numbers", "failing_count",
                                            "audit_seconds", "linear_programmes")},
    )


@asset_check(asset=RELEASE_KEY, name="published_data_screener", blocking=False,
             description="Every published file passes the Department's screener rules (contract section 2).")
def published_data_screener(warehouse: WarehouseConfig) -> AssetCheckResult:
    results = release.screen_results(warehouse.release)
    fails = [str(r) for r in results if r.level == "FAIL"]
    return AssetCheckResult(
        passed=not fails,
        severity=AssetCheckSeverity.ERROR,
        metadata={"fails": len(fails), "warnings": sum(r.level == "WARNING" for r in results),
                  "first_problems": "\n".join(fails[:20])},
    )


release_assets = [release_datasets]
release_checks = [disclosure_audit, published_data_screener]
