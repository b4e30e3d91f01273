"""The release stage: marts.release_<dataset> -> <release>/restricted/<dataset>.csv (unsuppressed),
<release>/<dataset>.csv (disclosure control over every published file together, contract 2.6),
<release>/<dataset>.meta.csv, the data guidance and upload.zip; asset checks for the disclosure audit and the
Department's published-data screener."""
import json
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from .. import policy, release
from ..resources import WarehouseConfig
from . import guidance, revisions
from .screener import Result, data_files, screen_file
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
        f"(at least {audit['whole_numbers_required']} required; {audit.get('cells_bounded_by_headline', 0)} cells "
        "England's figure bounds more tightly span every value it allows); "
        f"{audit['failing_count']} failing",
    ]


class ReleaseConfig(Config):
    """`scr-warehouse build --previous DIR`: the release to compare this one with (contract 2.8); empty: the release
    last written to the same folder (kept in <release>/previous/ before it is overwritten)."""
    previous: str = ""


def write_revisions(con, folder: Path, previous: Path | None, datasets: dict) -> dict:
    """revisions.csv and revisions_summary.json for the release just written (revisions.py), with the corrections
    since `previous` and the periods their records fall in, from the warehouse."""
    now = revisions.applied_corrections(con)
    since = revisions.corrections_since(previous, now)
    method = revisions.method_fingerprints(datasets, policy.disclosure_threshold(), policy.protection_whole_numbers(),
                                           policy.regional_rounding_base())
    return revisions.write_revisions(folder, previous, corrections_now=now,
                                     corrections=revisions.correction_periods(con, since), method_now=method)


@asset(
    key=RELEASE_KEY,
    group_name="release",
    # after the stewards' files: a steward sees the queue before disclosure control and the report run (issue 14)
    deps=[*MART_KEYS, AssetKey(["quality", "steward_queue_files"])],
    description="The published datasets in the explore-education-statistics tidy format with disclosure control "
    "over every published file together, their meta files, the data guidance and upload.zip; the unsuppressed "
    "<release>/restricted/<dataset>.csv.",
)
def release_datasets(context: AssetExecutionContext, config: ReleaseConfig,
                     warehouse: WarehouseConfig) -> MaterializeResult:
    previous = Path(config.previous).resolve() if config.previous else None
    if previous is not None and not previous.is_dir():
        raise Failure(description=f"--previous {previous}: no such folder (give the folder of an earlier release)")
    # the release last written here, kept before this one overwrites it (contract 2.8; restricted/ stays restricted)
    kept = revisions.keep_previous(warehouse.release)
    if previous is not None and previous == warehouse.release.resolve():  # --previous naming the folder itself
        previous = kept
    previous = previous or kept
    revisions.clear(warehouse.release)
    with warehouse.connect(read_only=True) as con:
        try:
            out = release.write_release(con, warehouse.release, cache_dir=warehouse.release_cache)
        except release.DisclosureError as e:
            raise Failure(description=str(e)) from None
        rev = write_revisions(con, warehouse.release, previous, release.load_datasets())
    # the data guidance and methodology from the release's own files, revisions included (issue 26)
    guidance.write_guidance(warehouse.release, [name for name, s in out["datasets"].items() if s["published"]])
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
    context.log.info("revisions: first release (no predecessor)" if rev["first_release"] else
                     f"revisions: {rev['cells_changed']} published cells changed since the previous release "
                     f"({rev['by_reason']}); {rev['change']} change")
    meta = {f"{name}_rows": s["rows"] for name, s in out["datasets"].items()}
    meta.update({f"{name}_suppressed_cells": s["suppressed_cells"] for name, s in out["datasets"].items()})
    meta.update({"suppressed": out["audit"]["suppressed"], "primary": out["audit"]["primary"],
                 "narrowest_whole_numbers": out["audit"]["narrowest_whole_numbers"] or 0,
                 "audit_seconds": out["audit"]["audit_seconds"],
                 **{f"periods_{k}": v for k, v in out["periods"].items()}})
    meta.update({"revisions_cells_changed": rev["cells_changed"], "revisions_change": rev["change"],
                 "revisions_first_release": rev["first_release"],
                 "revisions_guidance": MetadataValue.md("\n".join(rev["guidance"]))})
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
    # every data file but revisions.csv (contract 2.8: it lists cells, it is not a dataset)
    files = [p for p in data_files(warehouse.release) if p.name != revisions.REVISIONS]
    results = [r for p in files for r in screen_file(p)] or [
        Result(str(warehouse.release), "filenames", "data_files", "FAIL", "no data files")]
    fails = [str(r) for r in results if r.level == "FAIL"]
    return AssetCheckResult(
        passed=not fails,
        severity=AssetCheckSeverity.ERROR,
        metadata={"fails": len(fails), "warnings": sum(r.level == "WARNING" for r in results),
                  "first_problems": "\n".join(fails[:20])},
    )


release_assets = [release_datasets]
release_checks = [disclosure_audit, published_data_screener]
