"""STUB - replaced by the ingest implementation (docs/architecture.md, raw layer)."""
from __future__ import annotations
from dataclasses import dataclass, field


@dataclass
class FeedStats:
    feed: str
    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    extra_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.files_loaded} files loaded, {self.files_skipped} already loaded, {self.files_rejected} rejected; "
                f"rows read {self.rows_read} = loaded {self.rows_loaded} + rejected {self.rows_rejected}")

    def as_metadata(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "feed" and not isinstance(v, list)} | {
            "extra_columns": ", ".join(self.extra_columns)}


def load_feed(con, landing_dir, feed) -> FeedStats:
    from .policy import landing_columns
    cols = ", ".join(f'"{c.column_name}" VARCHAR' for c in landing_columns()[feed])
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.{feed} ({cols}, _extra VARCHAR, _source_file VARCHAR, _source_line INTEGER, _file_hash VARCHAR, _load_id VARCHAR, _loaded_at TIMESTAMP)")
    con.execute("CREATE TABLE IF NOT EXISTS raw.rejected_rows (feed VARCHAR, source_file VARCHAR, source_line INTEGER, record_id VARCHAR, column_name VARCHAR, reason VARCHAR, file_hash VARCHAR, load_id VARCHAR, loaded_at TIMESTAMP)")
    con.execute("CREATE TABLE IF NOT EXISTS raw.rejected_files (feed VARCHAR, source_file VARCHAR, file_hash VARCHAR, reason VARCHAR, load_id VARCHAR, loaded_at TIMESTAMP)")
    con.execute("CREATE TABLE IF NOT EXISTS raw.load_log (load_id VARCHAR, feed VARCHAR, source_file VARCHAR, file_hash VARCHAR, status VARCHAR, rows_read INTEGER, rows_loaded INTEGER, rows_rejected INTEGER, extra_columns VARCHAR, reason VARCHAR, loaded_at TIMESTAMP)")
    return FeedStats(feed)
