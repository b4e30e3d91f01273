"""One ingest asset per landing feed: landing/<feed>/*.csv -> raw.<feed> (every version, with lineage)."""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from ..paths import FEEDS
from ..resources import WarehouseConfig
from . import load as ingest


def _ingest_asset(feed: str) -> AssetsDefinition:
    @asset(
        key=AssetKey(["raw", feed]),
        group_name="ingest",
        description=f"Landing files <landing>/{feed}/*.csv loaded into raw.{feed}: every version of every row with "
        "lineage; unusable files and rows kept in raw.rejected_files / raw.rejected_rows with their reason.",
        # The rejected_* tables and load_log are written by every feed, so feeds load one after another.
        deps=([AssetKey(["raw", FEEDS[i - 1]])] if (i := FEEDS.index(feed)) > 0
              else [AssetKey(["raw", "untaken_files"])]),
    )
    def _load(context: AssetExecutionContext, warehouse: WarehouseConfig) -> MaterializeResult:
        with warehouse.connect() as con:
            stats = ingest.load_feed(con, warehouse.landing, feed)
        context.log.info(f"{feed}: {stats.summary()}")  # counts only: never record-level data
        return MaterializeResult(metadata=stats.as_metadata())

    return _load


@asset(
    key=AssetKey(["raw", "untaken_files"]),
    group_name="ingest",
    description="Every file in the landing folder that the ingest does not take (outside a feed folder, in a "
    "sub-folder, hidden, not a .csv, a link) with the reason: raw.untaken_files, reported in the stewards' queue as "
    "rejected_file (contract section 3: never skipped in silence).",
)
def untaken_files(context: AssetExecutionContext, warehouse: WarehouseConfig) -> MaterializeResult:
    with warehouse.connect() as con:
        rows = ingest.record_untaken(con, warehouse.landing)
    if rows:
        context.log.warning(f"{len(rows)} landing file(s) not taken; see the stewards' queue (rejected_file)")
    return MaterializeResult(metadata={"untaken_files": len(rows)})


ingest_assets = [untaken_files, *(_ingest_asset(feed) for feed in FEEDS)]
