"""Data quality for the stewards: the GX suites run as Dagster asset checks on pandas frames read from DuckDB
(`quality/gx_failures`, one check per feed), Data Docs built offline into <release>/quality/data_docs/, and after
the `after_quality` dbt models the stewards' files: <release>/quality/steward_queue.csv, by_la/<la_code>.csv and the
LSCB chase lists chase/<la_code>.csv (management information: restricted, kept under quality/)."""

import csv
import re
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

from .. import quality
from ..people_csv import write_csv
from ..resources import WarehouseConfig

GX_KEY = AssetKey(["quality", "gx_failures"])
QUEUE_KEY = AssetKey(["quality", "steward_queue"])
CHASE_KEY = AssetKey(["quality", "chase_list"])
FILES_KEY = AssetKey(["quality", "steward_queue_files"])
GX_DEPS = [
    *(AssetKey(["intermediate", f"int_{feed}_corrected"]) for feed in quality.FEED_RELATIONS),
    AssetKey(["staging", "stg_population"]),
    AssetKey(["intermediate", "int_las"]),
]
QUEUE_COLUMNS = ["feed", "record_id", "la_code", "la_name", "source_file", "source_line", "column_name", "problem",
                 "value", "message"]
SAFE_LA = re.compile(r"^E[0-9]{8}$")  # an LA file name is only ever an ONS code shape (values come from landing files)
NATIONAL_TEAM = "national_team"  # problems with no English LA: unknown references, rejected files, corrections


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
        for feed in quality.GX_FEEDS
    ],
)
def gx_failures(context: AssetExecutionContext, warehouse: WarehouseConfig):
    docs = data_docs_dir(warehouse)
    if docs.exists():
        shutil.rmtree(docs)  # only this build's results
    t0 = time.perf_counter()
    results, failures = quality.validate_all(Path(warehouse.warehouse_path), docs_dir=docs)
    t_read = sum(r.read_seconds for r in results)
    with warehouse.connect() as con:
        quality.write_failures(con, failures)
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
    left = quality.external_references(docs) if docs.exists() else []
    pages = len(list(docs.rglob("*.html"))) if docs.exists() else 0
    return AssetCheckResult(passed=pages > 0 and not left, severity=AssetCheckSeverity.WARN,
                            metadata={"html_pages": pages, "external_references": len(left)})


def _by_la(rows: list[tuple], la_index: int, known: set[str]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for row in rows:
        la = row[la_index]
        name = la if isinstance(la, str) and la in known and SAFE_LA.match(la) else NATIONAL_TEAM
        out.setdefault(name, []).append(row)
    return out


def write_quality_files(con, quality_dir: Path) -> dict:
    """steward_queue.csv, by_la/<la>.csv and chase/<la>.csv from the warehouse tables (rewritten whole each build)."""
    for sub in ("by_la", "chase", "overdue_actions"):
        if (quality_dir / sub).exists():
            shutil.rmtree(quality_dir / sub)
    known = {r[0] for r in con.execute("select la_code from intermediate.int_las").fetchall()}
    cols = ", ".join(QUEUE_COLUMNS)
    queue = con.execute(f"select {cols} from quality.steward_queue "
                        "order by feed, source_file, source_line nulls first, column_name nulls first, problem").fetchall()
    counts = {"queue_rows": write_csv(quality_dir / "steward_queue.csv", QUEUE_COLUMNS, queue)}
    groups = _by_la(queue, QUEUE_COLUMNS.index("la_code"), known)
    for la, rows in groups.items():
        write_csv(quality_dir / "by_la" / f"{la}.csv", QUEUE_COLUMNS, rows)
    counts["la_files"] = len(groups)
    has_chase = con.execute("select count(*) from information_schema.tables "
                            "where table_schema = 'quality' and table_name = 'chase_list'").fetchone()[0]
    if has_chase:
        cur = con.execute("select * from quality.chase_list order by lscb_la_code, chase, due_date, record_id")
        chase_cols = [d[0] for d in cur.description]
        chase = cur.fetchall()
        cgroups = _by_la(chase, chase_cols.index("lscb_la_code"), known)
        for la, rows in cgroups.items():
            write_csv(quality_dir / "chase" / f"{la}.csv", chase_cols, rows)
        counts["chase_items"] = len(chase)
        counts["chase_files"] = len(cgroups)
    for table, sub, order in (("overdue_actions", "overdue_actions", "lscb_la_code, days_overdue desc, action_id"),
                              ("correction_audit", None, None)):
        schema = "quality" if sub else "marts"
        if not con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                           [schema, table]).fetchone()[0]:
            continue
        cur = con.execute(f"select * from {schema}.{table}" + (f" order by {order}" if order else ""))
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
        if sub:
            groups = _by_la(rows, cols.index("lscb_la_code"), known)
            for la, part in groups.items():
                write_csv(quality_dir / sub / f"{la}.csv", cols, part)
            counts[f"{table}_files"] = len(groups)
        else:
            write_csv(quality_dir / f"{table}.csv", cols, rows)
        counts[table] = len(rows)
    return counts


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
