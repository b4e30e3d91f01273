"""The report stage: the published release files -> <release>/report/national_report_<yyyy-yy>.html (one page per
financial year, plotly.js shipped once beside them, PNG copies of the main charts when a system Chromium is present).
The report reads the PUBLISHED tier only; the warehouse is opened read-only for the stewards' scoreboard and the
population source labels (no record-level data)."""

import os
import re
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    asset,
    asset_check,
)

from ..release.assets import RELEASE_KEY  # the release stage owns its key
from ..resources import WarehouseConfig

REPORT_KEY = AssetKey(["report", "national_report"])
# SCR_REPORT_PNG=0: no PNG copies of the charts (4 to 7 s of Chromium a build). The test suite sets it for the builds
# that do not look at the PNGs; every other build draws them.
REPORT_PNG_ENV = "SCR_REPORT_PNG"


@asset(
    key=REPORT_KEY,
    group_name="report",
    deps=[RELEASE_KEY],
    description="The national report: one self-contained HTML page per financial year (no network; plotly.js beside "
    "the pages), built only from the published release files, with PNG copies of the main charts.",
)
def national_report(context: AssetExecutionContext, warehouse: WarehouseConfig) -> MaterializeResult:
    from dashboards.report import build_reports

    result = build_reports(warehouse.release, warehouse.release / "report", warehouse=warehouse.warehouse_path,
                           png=os.environ.get(REPORT_PNG_ENV, "1") != "0")
    if not result.pages:
        context.log.warning("no published notifications_by_area.csv with any period: no report pages written")
    else:
        context.log.info(f"{len(result.pages)} report pages written to {warehouse.release / 'report'}")
    context.log.info(result.png_message)
    return MaterializeResult(metadata=result.as_metadata())


def check_report_pages(report_dir: Path, release: Path | None = None) -> list[str]:
    """Problems with the written pages: network references, or a count of children, incidents, reviews or actions
    that the published files of its year do not hold (numbers.unpublished: read back from headline cards, tables,
    text and charts). The release is the report folder's parent unless given."""
    from .numbers import published_counts, published_labels, unpublished, year_of

    problems = []
    release = Path(release) if release else Path(report_dir).parent
    published, labels = published_counts(release), published_labels(release)
    for page in sorted(Path(report_dir).glob("national_report_*.html")):
        text = page.read_text(encoding="utf-8")
        if re.search(r'(src|href)\s*=\s*"(https?:)?//', text):
            problems.append(f"{page.name}: refers to a network address")
        period = year_of(page.stem.replace("national_report_", ""))
        problems += [f"{page.name}: a count not in the published files: {p}"
                     for p in unpublished(text, period, published, labels)[:5]]
    return problems


@asset_check(asset=REPORT_KEY, name="report_offline_and_disclosure_safe", blocking=False,
             description="Report pages load nothing from the network and show no count of children, incidents, "
             "reviews or actions that the published files of its year do not hold.")
def report_offline_and_disclosure_safe(warehouse: WarehouseConfig) -> AssetCheckResult:
    report_dir = warehouse.release / "report"
    pages = list(report_dir.glob("national_report_*.html"))
    problems = check_report_pages(report_dir)
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata={"pages": len(pages), "problems": len(problems), "first_problems": "\n".join(problems[:20])},
    )


report_assets = [national_report]
report_checks = [report_offline_and_disclosure_safe]
