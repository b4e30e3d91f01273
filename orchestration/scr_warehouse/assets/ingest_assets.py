"""One ingest asset per landing feed: landing/<feed>/*.csv -> raw.<feed> (every version, with lineage)."""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from .. import ingest
from ..paths import FEEDS
from ..resources import WarehouseConfig


def _ingest_asset(feed: str) -> AssetsDefinition:
    @asset(
        key=AssetKey(["raw", feed]),
        group_name="ingest",
        description=f"Landing files <landing>/{feed}/*.csv loaded into raw.{feed}: every version of every row with "
        "lineage; unusable files and rows kept in raw.rejected_files / raw.rejected_rows with their reason.",
        # The rejected_* tables and load_log are written by every feed, so feeds load one after another.
        deps=[AssetKey(["raw", FEEDS[i - 1]])] if (i := FEEDS.index(feed)) > 0 else [],
    )
    def _load(context: AssetExecutionContext, warehouse: WarehouseConfig) -> MaterializeResult:
        with warehouse.connect() as con:
            stats = ingest.load_feed(con, warehouse.landing, feed)
        context.log.info(f"{feed}: {stats.summary()}")  # counts only: never record-level data
        return MaterializeResult(metadata=stats.as_metadata())

    return _load


ingest_assets = [_ingest_asset(feed) for feed in FEEDS]
