"""Landing files -> raw layer (docs/architecture.md "Raw layer"; data contract section 1, general rules).

One call of `load_feed` loads every file of one feed's landing folder into `raw.<feed>`:
- each file is read once (parse.read_landing_file), hashed (sha256 of the bytes read) and skipped if that content
  was already loaded or rejected for the feed (so loading the same folder twice changes nothing); the bytes hashed
  are the bytes parsed (no reader is ever given the landing path); a file over the size limit (policy setting
  max_landing_file_mib) is only hashed, in chunks, and rejected whole;
- a file that cannot be read as a UTF-8 CSV with the feed's required columns is rejected whole
  (`raw.rejected_files`), without stopping the other files;
- every other record becomes one row of `raw.<feed>` (every contract column as trimmed text, empty -> NULL,
  extra columns as JSON in `_extra`, lineage `_source_file`, `_source_line`, `_file_hash`, `_load_id`,
  `_loaded_at`), or one row of `raw.rejected_rows` when it cannot be a row at all (no identifier, identifier
  repeated within the file, wrong number of fields). Values are NOT validated here (dbt and GX do that).
- rows whose every cell is empty (a spreadsheet's formatted rows, blank lines) are not records: they are counted in
  `raw.load_log.empty_rows`, never queued;
- each file is logged in `raw.load_log`, where rows_read = rows_loaded + rows_rejected; a feed's files are written
  in one transaction (all or none), files are parsed one ahead of the writer on a helper thread.

Messages name the file (relative to the landing folder), the line and the column; never a value.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from ..policy import landing_columns, max_landing_file_bytes
from .landing import landing_files, untaken_files
from .parse import FileRejected, _Parsed, parse_bytes, read_landing_file

LINEAGE_COLUMNS = (
    ("_extra", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_source_line", "INTEGER"),
    ("_file_hash", "VARCHAR"),
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
)
REJECTED_ROWS_COLUMNS = (
    ("feed", "VARCHAR"), ("source_file", "VARCHAR"), ("source_line", "INTEGER"), ("record_id", "VARCHAR"),
    ("column_name", "VARCHAR"), ("reason", "VARCHAR"), ("file_hash", "VARCHAR"), ("load_id", "VARCHAR"),
    ("loaded_at", "TIMESTAMP"),
)
REJECTED_FILES_COLUMNS = (
    ("feed", "VARCHAR"), ("source_file", "VARCHAR"), ("file_hash", "VARCHAR"), ("reason", "VARCHAR"),
    ("load_id", "VARCHAR"), ("loaded_at", "TIMESTAMP"),
)
UNTAKEN_FILES_COLUMNS = (("feed", "VARCHAR"), ("source_file", "VARCHAR"), ("reason", "VARCHAR"),
                         ("checked_at", "TIMESTAMP"))
LOAD_LOG_COLUMNS = (
    ("load_id", "VARCHAR"), ("feed", "VARCHAR"), ("source_file", "VARCHAR"), ("file_hash", "VARCHAR"),
    ("status", "VARCHAR"), ("rows_read", "INTEGER"), ("rows_loaded", "INTEGER"), ("rows_rejected", "INTEGER"),
    ("extra_columns", "VARCHAR"), ("reason", "VARCHAR"), ("loaded_at", "TIMESTAMP"),
    ("empty_rows", "INTEGER"),  # rows with every cell empty (,,,, or a blank line): not records, never queued
)
# At most this many file-level messages are repeated in the summary (all are in raw.load_log).
SUMMARY_MESSAGES = 10


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
    empty_rows: int = 0  # rows with every cell empty: not records, not problems
    extra_columns: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # file-level: "<feed>/<file>: <reason>", never values

    def summary(self) -> str:
        text = (f"{self.files_loaded} files loaded, {self.files_skipped} already loaded, "
                f"{self.files_rejected} rejected; rows read {self.rows_read} = loaded {self.rows_loaded} "
                f"+ rejected {self.rows_rejected}")
        if self.empty_rows:
            text += f"; {self.empty_rows} empty row(s) skipped"
        if self.extra_columns:
            text += f"; extra columns kept in _extra: {', '.join(self.extra_columns)}"
        if self.messages:
            shown = self.messages[:SUMMARY_MESSAGES]
            more = len(self.messages) - len(shown)
            text += "\n  " + "\n  ".join(shown) + (f"\n  ... and {more} more (see raw.load_log)" if more else "")
        return text

    def as_metadata(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "feed" and not isinstance(v, list)} | {
            "extra_columns": ", ".join(self.extra_columns)}



# --------------------------------------------------------------------------------------------- tables

# A content (file hash) is in the warehouse once a file with it was loaded or rejected for the feed.
_DONE = "status IN ('loaded', 'rejected')"

def _ensure_table(con, name: str, columns) -> None:
    cols = ", ".join('"%s" %s' % (c, t) for c, t in columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
    # The columns it has, from the binder (a fifth of the time of a catalog query: the check creates these often)
    have = {d[0] for d in con.execute(f"SELECT * FROM {name} LIMIT 0").description}
    for c, t in columns:  # a column added to the contract later: add it (NULL for rows loaded before)
        if c not in have:
            con.execute(f'ALTER TABLE {name} ADD COLUMN "{c}" {t}')


def ensure_raw_tables(con, feed: str, shared: bool = True) -> None:
    """Create raw.<feed> and (with `shared`) raw.rejected_rows, raw.rejected_files and raw.load_log if missing."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    _ensure_table(con, f"raw.{feed}", [(c.column_name, "VARCHAR") for c in landing_columns()[feed]]
                  + list(LINEAGE_COLUMNS))
    if not shared:
        return
    _ensure_table(con, "raw.rejected_rows", REJECTED_ROWS_COLUMNS)
    _ensure_table(con, "raw.rejected_files", REJECTED_FILES_COLUMNS)
    _ensure_table(con, "raw.load_log", LOAD_LOG_COLUMNS)


def _already(con, feed: str, file_hash: str) -> tuple[str, str] | None:
    """(source_file, status) of the earliest load/rejection of this content for the feed, if any."""
    return con.execute(
        f"SELECT source_file, status FROM raw.load_log WHERE feed = ? AND file_hash = ? AND {_DONE} "
        "ORDER BY loaded_at, source_file LIMIT 1", [feed, file_hash]).fetchone()


def _known_hashes(con, feed: str) -> set[str]:
    """Every content (file hash) _already would find for the feed."""
    return {r[0] for r in con.execute(
        f"SELECT DISTINCT file_hash FROM raw.load_log WHERE feed = ? AND file_hash IS NOT NULL AND {_DONE}",
        [feed]).fetchall()}


def _log(con, load_id, feed, source_file, file_hash, status, read, loaded, rejected, extra, reason, at,
         empty_rows: int = 0) -> None:
    con.execute("INSERT INTO raw.load_log (load_id, feed, source_file, file_hash, status, rows_read, rows_loaded, "
                "rows_rejected, extra_columns, reason, loaded_at, empty_rows) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [load_id, feed, source_file, file_hash, status, read, loaded, rejected, extra, reason, at, empty_rows])


def _insert_rows(con, feed: str, parsed: _Parsed, source_file: str, file_hash: str, load_id: str, at) -> None:
    if parsed.rows_loaded:
        table = pa.table(parsed.columns)
        view = f"_ingest_{uuid.uuid4().hex}"
        con.register(view, table)
        try:
            con.execute(f"INSERT INTO raw.{feed} BY NAME SELECT *, ? AS _source_file, ? AS _file_hash, "
                        f"? AS _load_id, ?::TIMESTAMP AS _loaded_at FROM {view}",
                        [source_file, file_hash, load_id, at])
        finally:
            con.unregister(view)
    if parsed.rejected:
        lines, rids, cols, reasons = zip(*parsed.rejected)
        table = pa.table({"source_line": pa.array(lines, type=pa.int32()), "record_id": pa.array(rids, pa.string()),
                          "column_name": pa.array(cols, pa.string()), "reason": pa.array(reasons, pa.string())})
        view = f"_ingest_{uuid.uuid4().hex}"
        con.register(view, table)
        try:
            con.execute(f"INSERT INTO raw.rejected_rows BY NAME SELECT ? AS feed, ? AS source_file, *, "
                        f"? AS file_hash, ? AS load_id, ?::TIMESTAMP AS loaded_at FROM {view}",
                        [feed, source_file, file_hash, load_id, at])
        finally:
            con.unregister(view)


@dataclass
class _Prepared:
    """A landing file read, hashed and (if it needs loading) parsed, ahead of the thread that writes the warehouse."""
    source_file: str
    file_hash: str | None = None
    unreadable: str | None = None  # why the file could not be read
    parsed: _Parsed | None = None
    rejected: str | None = None  # FileRejected reason


class _Preparer:
    """Reads, hashes and parses landing files on one helper thread, in order and at most LOOKAHEAD files ahead of
    the writer, so parsing the next file overlaps writing the last (DuckDB and hashlib release the GIL). A file whose
    content was loaded or rejected before (`known` hashes, or an earlier file of this pass) is hashed, not parsed:
    the writer only logs it."""

    LOOKAHEAD = 2

    def __init__(self, feed: str, landing_dir: Path, paths: list[Path], known: set[str], max_bytes: int):
        from concurrent.futures import ThreadPoolExecutor

        self.feed, self.landing_dir, self.known, self.max_bytes = feed, landing_dir, set(known), max_bytes
        self._paths = iter(paths)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ingest-{feed}")
        self._pending: list = []
        self._reader = None  # the helper thread's in-memory DuckDB (its CSV reader); nothing is written through it
        for _ in range(self.LOOKAHEAD):
            self._submit_next()

    def _submit_next(self) -> None:
        path = next(self._paths, None)
        if path is not None:
            self._pending.append(self._pool.submit(self._prepare, path))

    def _prepare(self, path: Path) -> _Prepared:
        out = _Prepared(path.relative_to(self.landing_dir).as_posix())
        try:
            read = read_landing_file(path, self.max_bytes)  # read once: these bytes are hashed and parsed
        except OSError as e:
            out.unreadable = f"cannot read the file ({e.strerror})"
            return out
        out.file_hash = read.sha256
        if out.file_hash in self.known:
            return out
        self.known.add(out.file_hash)  # a later copy of this content is only logged
        try:
            if read.too_large is not None:
                raise FileRejected(read.too_large)
            if path.suffix.lower() != ".csv":
                raise FileRejected(f"not CSV: the file name does not end in .csv ({path.suffix or 'no extension'})")
            if self._reader is None:
                self._reader = duckdb.connect()
            out.parsed = parse_bytes(read.data, self.feed, self._reader)
        except FileRejected as e:
            out.rejected = str(e)
        return out

    def __iter__(self):
        while self._pending:
            prepared = self._pending.pop(0).result()
            self._submit_next()
            yield prepared

    def close(self) -> None:
        for f in self._pending:
            f.cancel()
        self._pool.shutdown(wait=True)
        if self._reader is not None:
            self._reader.close()


def record_untaken(con, landing_dir) -> list[tuple[str, str, str]]:
    """raw.untaken_files: every file in the landing folder the ingest does not take, with the reason (rewritten
    whole each build: it describes the landing folder as it is now)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    _ensure_table(con, "raw.untaken_files", UNTAKEN_FILES_COLUMNS)
    rows = untaken_files(landing_dir)
    at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    con.begin()
    try:
        con.execute("DELETE FROM raw.untaken_files")
        if rows:
            con.executemany("INSERT INTO raw.untaken_files VALUES (?, ?, ?, ?)", [(*r, at) for r in rows])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return rows


def load_feed(con, landing_dir, feed, max_file_bytes: int | None = None) -> FeedStats:
    """Load every file of <landing_dir>/<feed>/ not loaded before into raw.<feed>; return counts. The feed is written
    in one transaction (all its new files or none; a failed load leaves nothing to clean up and the next build loads
    the files again); files are read and parsed one ahead of the writer (_Preparer). A file over `max_file_bytes`
    (default: the policy setting max_landing_file_mib) is rejected whole."""
    if feed not in landing_columns():
        raise ValueError(f"unknown feed {feed!r}: not in seeds/policy/landing_columns.csv")
    ensure_raw_tables(con, feed)
    landing_dir = Path(landing_dir)
    stats = FeedStats(feed)
    load_id = f"{feed}-{uuid.uuid4().hex}"
    # microseconds: a file sent again under its name in the next build must sort after the version it replaces
    at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    extra_seen: dict[str, None] = {}
    limit = max_landing_file_bytes() if max_file_bytes is None else max_file_bytes
    preparer = _Preparer(feed, landing_dir, list(landing_files(landing_dir, feed)), _known_hashes(con, feed), limit)
    con.begin()
    try:
        for f in preparer:
            stats.files_seen += 1
            if f.unreadable is not None:
                _reject_file(con, stats, feed, f.source_file, None, f.unreadable, load_id, at)
                continue
            prior = _already(con, feed, f.file_hash)
            if prior is not None:
                _skip_known(con, stats, feed, f, prior, load_id, at)
                continue
            if f.rejected is not None:
                _reject_file(con, stats, feed, f.source_file, f.file_hash, f.rejected, load_id, at)
                continue
            _load_parsed(con, stats, feed, f, load_id, at, extra_seen)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        preparer.close()
    stats.extra_columns = list(extra_seen)
    return stats


def _skip_known(con, stats: FeedStats, feed: str, f: _Prepared, prior: tuple[str, str], load_id: str, at) -> None:
    """A file whose content the feed already has (`prior`: the file it came in and what became of it): skipped, and
    logged once when it comes under another name."""
    stats.files_skipped += 1
    logged = con.execute("SELECT count(*) FROM raw.load_log WHERE feed = ? AND source_file = ? "
                         "AND file_hash = ?", [feed, f.source_file, f.file_hash]).fetchone()[0]
    if not logged:  # the same content under another name: say so once
        _log(con, load_id, feed, f.source_file, f.file_hash, "already_loaded", 0, 0, 0, None,
             f"same content (sha256) as {prior[0]}, already {prior[1]}", at)


def _load_parsed(con, stats: FeedStats, feed: str, f: _Prepared, load_id: str, at,
                 extra_seen: dict[str, None]) -> None:
    """Write a parsed file's rows and rejected rows, log it and count it (its extra columns added to
    `extra_seen`); RuntimeError when it was not parsed or a row would be lost."""
    source_file, file_hash, parsed = f.source_file, f.file_hash, f.parsed
    if parsed is None:  # the preparer skips only content the warehouse already has
        raise RuntimeError(f"{source_file}: not parsed, yet its content is not in raw.load_log")
    loaded = parsed.rows_loaded
    if parsed.rows_read != loaded + len(parsed.rejected):  # never lose a row
        raise RuntimeError(f"{source_file}: rows read {parsed.rows_read} != loaded {loaded} "
                           f"+ rejected {len(parsed.rejected)}")
    extra = ", ".join(parsed.extra_columns) or None
    _insert_rows(con, feed, parsed, source_file, file_hash, load_id, at)
    _log(con, load_id, feed, source_file, file_hash, "loaded", parsed.rows_read, loaded,
         len(parsed.rejected), extra, None, at, parsed.empty_rows)
    stats.files_loaded += 1
    stats.rows_read += parsed.rows_read
    stats.rows_loaded += loaded
    stats.rows_rejected += len(parsed.rejected)
    stats.empty_rows += parsed.empty_rows
    for name in parsed.extra_columns:
        extra_seen.setdefault(name, None)
    if parsed.rejected:
        stats.messages.append(f"{source_file}: {len(parsed.rejected)} row(s) rejected (see raw.rejected_rows)")
    if extra:
        stats.messages.append(f"{source_file}: extra column(s) kept in _extra: {extra}")


def _reject_file(con, stats: FeedStats, feed, source_file, file_hash, reason, load_id, at) -> None:
    con.execute("INSERT INTO raw.rejected_files (feed, source_file, file_hash, reason, load_id, loaded_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", [feed, source_file, file_hash, reason, load_id, at])
    _log(con, load_id, feed, source_file, file_hash, "rejected", 0, 0, 0, None, reason, at)
    stats.files_rejected += 1
    stats.messages.append(f"{source_file}: file rejected: {reason}")
