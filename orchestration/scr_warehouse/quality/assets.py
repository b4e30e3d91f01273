"""Data quality for the stewards: the GX suites run as Dagster asset checks on pandas frames read from DuckDB
(`quality/gx_failures`, one check per feed), Data Docs built offline into <release>/quality/data_docs/, and after
the `after_quality` dbt models the stewards' files: <release>/quality/steward_queue.csv, by_la/<la_code>.csv and the
LSCB chase lists chase/<la_code>.csv (management information: restricted, kept under quality/)."""

import shutil
import time
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    asset,
    asset_check,
)

from ..resources import WarehouseConfig
from .datadocs import external_references
from .stewards import write_quality_files
from .suites import FEED_RELATIONS, GX_FEEDS
from .validate import validate_all, write_failures

GX_KEY = AssetKey(["quality", "gx_failures"])
QUEUE_KEY = AssetKey(["quality", "steward_queue"])
CHASE_KEY = AssetKey(["quality", "chase_list"])
FILES_KEY = AssetKey(["quality", "steward_queue_files"])
GX_DEPS = [
    *(AssetKey(["intermediate", f"int_{feed}_corrected"]) for feed in FEED_RELATIONS),
    AssetKey(["staging", "stg_population"]),
    AssetKey(["intermediate", "int_las"]),
]


def data_docs_dir(warehouse: WarehouseConfig) -> Path:
    return warehouse.release / "quality" / "data_docs"


@asset(
    key=GX_KEY,
    deps=GX_DEPS,
    group_name="quality",
    description="GX expectation suites (expectations/<feed>.json, generated from the policy seeds) validated on the "
    "current corrected records: one row per failing value with its record, file, line, column and contract problem "
    "code. Data Docs in <release>/quality/data_docs/ (offline).",
    check_specs=[
        AssetCheckSpec(f"gx_{feed}", asset=GX_KEY, description=f"GX suite expectations/{feed}.json on the current "
                       f"{feed} records (failures are data problems for the stewards, never fatal)")
        for feed in GX_FEEDS
    ],
)
def gx_failures(context: AssetExecutionContext, warehouse: WarehouseConfig):
    docs = data_docs_dir(warehouse)
    if docs.exists():
        shutil.rmtree(docs)  # only this build's results
    t0 = time.perf_counter()
    results, failures = validate_all(Path(warehouse.warehouse_path), docs_dir=docs)
    t_read = sum(r.read_seconds for r in results)
    with warehouse.connect() as con:
        write_failures(con, failures)
    seconds = time.perf_counter() - t0
    # counts only: never record-level data in logs or metadata
    context.log.info(f"GX: {sum(r.records for r in results)} records, {len(failures)} failing values, "
                     f"read {t_read:.2f}s, total {seconds:.2f}s")
    yield MaterializeResult(metadata={
        "failing_values": len(failures),
        "records_validated": sum(r.records for r in results),
        "seconds_total": round(seconds, 3),
        "seconds_read": round(t_read, 3),  # summed over the workers, which read in parallel
        "seconds_validate": round(sum(r.seconds for r in results), 3),
    })
    for r in results:
        yield AssetCheckResult(
            check_name=f"gx_{r.feed}",
            passed=r.success,
            severity=AssetCheckSeverity.WARN,
            metadata={"records": r.records, "expectations": r.evaluated, "failed_expectations": r.failed_expectations,
                      "seconds": round(r.seconds, 3), **{f"problem_{k}": v for k, v in sorted(r.problems.items())}},
        )


@asset_check(asset=GX_KEY, name="data_docs_offline",
             description="The Data Docs load no stylesheet, script or image from the network (stewards have none).")
def data_docs_offline(context: AssetCheckExecutionContext, warehouse: WarehouseConfig) -> AssetCheckResult:
    docs = data_docs_dir(warehouse)
    left = external_references(docs) if docs.exists() else []
    pages = len(list(docs.rglob("*.html"))) if docs.exists() else 0
    return AssetCheckResult(passed=pages > 0 and not left, severity=AssetCheckSeverity.WARN,
                            metadata={"html_pages": pages, "external_references": len(left)})


@asset(
    key=FILES_KEY,
    deps=[QUEUE_KEY, CHASE_KEY, AssetKey(["quality", "la_scoreboard"]), AssetKey(["quality", "overdue_actions"]),
          AssetKey(["marts", "correction_audit"])],
    group_name="quality",
    description="<release>/quality/steward_queue.csv (contract section 3), by_la/<la_code>.csv (one per LA; problems "
    "with no English LA go to national_team.csv), the LSCB chase lists chase/<la_code>.csv and overdue action lists "
    "overdue_actions/<la_code>.csv (restricted), and correction_audit.csv; formulas neutralised in every file.",
)
def steward_queue_files(context: AssetExecutionContext, warehouse: WarehouseConfig) -> MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        counts = write_quality_files(con, warehouse.release / "quality")
    context.log.info(f"stewards' files: {counts}")
    return MaterializeResult(metadata=counts)


quality_assets = [gx_failures, steward_queue_files]
quality_checks = [data_docs_offline]
