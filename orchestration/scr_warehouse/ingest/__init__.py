"""The ingest stage: landing discovery (landing), reading one file (parse), loading a feed into the raw layer with
lineage (load), and the Dagster assets (assets)."""
from .landing import landing_files, landing_fingerprint, untaken_files
from .load import FeedStats, ensure_raw_tables, load_feed, record_untaken
from .parse import RECORD_ID_SEPARATOR, FileRejected

__all__ = ["RECORD_ID_SEPARATOR", "FeedStats", "FileRejected", "ensure_raw_tables", "landing_files",
           "landing_fingerprint", "load_feed", "record_untaken", "untaken_files"]
