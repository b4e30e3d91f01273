"""Landing files -> raw layer (docs/architecture.md "Raw layer"; data contract section 1, general rules).

One call of `load_feed` loads every file of one feed's landing folder into `raw.<feed>`:
- each file is read whole, hashed (sha256 of its bytes) and skipped if that content was already loaded or
  rejected for the feed (so loading the same folder twice changes nothing);
- a file that cannot be read as a UTF-8 CSV with the feed's required columns is rejected whole
  (`raw.rejected_files`), without stopping the other files;
- every other record becomes one row of `raw.<feed>` (every contract column as trimmed text, empty -> NULL,
  extra columns as JSON in `_extra`, lineage `_source_file`, `_source_line`, `_file_hash`, `_load_id`,
  `_loaded_at`), or one row of `raw.rejected_rows` when it cannot be a row at all (no identifier, identifier
  repeated within the file, wrong number of fields). Values are NOT validated here (dbt and GX do that).
- each file is logged in `raw.load_log`, where rows_read = rows_loaded + rows_rejected; a feed's files are written
  in one transaction (all or none), files are parsed one ahead of the writer on a helper thread.

Messages name the file (relative to the landing folder), the line and the column; never a value.
"""
from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .landing import landing_files, untaken_files
from .policy import identifier_columns, landing_columns

BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
csv.field_size_limit(2**31 - 1)  # a long free-text note is a value, not a broken file
# Characters that show as nothing: an identifier made only of these (and spaces) is no identifier.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0\u00ad"
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
    ("empty_rows", "INTEGER"),  # spreadsheet rows with every cell empty (,,,,): not records, not queued one by one
)
# Separator between the parts of a composite identifier in rejected_rows.record_id (population: la_code|year).
RECORD_ID_SEPARATOR = "|"
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
    extra_columns: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # file-level: "<feed>/<file>: <reason>", never values

    def summary(self) -> str:
        text = (f"{self.files_loaded} files loaded, {self.files_skipped} already loaded, "
                f"{self.files_rejected} rejected; rows read {self.rows_read} = loaded {self.rows_loaded} "
                f"+ rejected {self.rows_rejected}")
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


class FileRejected(Exception):
    """The whole file cannot be loaded; the message is the reason (no values)."""


@dataclass
class _Parsed:
    columns: dict[str, pa.Array]  # raw.<feed> column -> values, in row order
    rejected: list[tuple]  # (source_line, record_id, column_name, reason)
    rows_read: int
    rows_loaded: int
    extra_columns: list[str]
    empty_rows: int = 0  # spreadsheet rows with every cell empty: not records, counted in the load log


# --------------------------------------------------------------------------------------------- tables

def _ensure_table(con, name: str, columns) -> None:
    cols = ", ".join('"%s" %s' % (c, t) for c, t in columns)
    con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
    schema, table = name.split(".")
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, table]).fetchall()}
    for c, t in columns:  # a column added to the contract later: add it (NULL for rows loaded before)
        if c not in have:
            con.execute(f'ALTER TABLE {name} ADD COLUMN "{c}" {t}')


def ensure_raw_tables(con, feed: str) -> None:
    """Create raw.<feed>, raw.rejected_rows, raw.rejected_files and raw.load_log if missing."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    _ensure_table(con, f"raw.{feed}", [(c.column_name, "VARCHAR") for c in landing_columns()[feed]]
                  + list(LINEAGE_COLUMNS))
    _ensure_table(con, "raw.rejected_rows", REJECTED_ROWS_COLUMNS)
    _ensure_table(con, "raw.rejected_files", REJECTED_FILES_COLUMNS)
    _ensure_table(con, "raw.load_log", LOAD_LOG_COLUMNS)


# --------------------------------------------------------------------------------------------- reading

def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(data: bytes) -> str:
    """UTF-8 text of a file (BOM dropped); FileRejected for binary, non-UTF-8 or empty files."""
    if data.startswith(UTF16_BOMS):
        raise FileRejected("UTF-16 text (it starts with a UTF-16 byte-order mark): save the file as "
                           "'CSV UTF-8 (comma delimited)' and send it again")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FileRejected(f"not CSV: binary content (NUL byte at byte offset {nul}, line {_line_of(data, nul)})")
    start = len(BOM) if data.startswith(BOM) else 0
    try:
        text = data[start:].decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        offset = start + e.start
        raise FileRejected(
            f"not UTF-8: byte 0x{data[offset]:02X} at byte offset {offset} (line {_line_of(data, offset)}) "
            "is not valid UTF-8; save the file as UTF-8 CSV") from None
    if not text.strip():
        raise FileRejected("empty file: no header row")
    return text


def _header(names: list[str], feed: str) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Map contract column -> position, and the extra columns (position, name); FileRejected if unusable."""
    known = {c.column_name for c in landing_columns()[feed]}
    required = [c.column_name for c in landing_columns()[feed] if c.required]
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    extras: list[tuple[int, str]] = []
    extra_names: set[str] = set()
    for i, raw_name in enumerate(names):
        name = raw_name.strip()
        key = name.lower()
        if key in known:
            if key in positions:
                duplicates.append(key)
            positions[key] = positions.get(key, i)
            continue
        label = name or f"column_{i + 1}"  # an unnamed column is named by its position (1-based)
        base, n = label, 1
        while label in extra_names:  # the same extra name twice: keep both, numbered
            n += 1
            label = f"{base}_{n}"
        extra_names.add(label)
        extras.append((i, label))
    if duplicates:
        raise FileRejected(f"duplicate column(s): {', '.join(sorted(set(duplicates)))}")
    missing = [c for c in required if c not in positions]
    if missing:
        hint = ""
        if len(names) == 1 and any(sep in names[0] for sep in (";", "\t", "|")):
            hint = " (the header has one column: is the file comma-separated?)"
        raise FileRejected(f"missing required column(s): {', '.join(missing)}{hint}")
    return positions, extras


def _text_array(values) -> pa.Array:
    """Values trimmed of surrounding whitespace; an empty cell becomes NULL."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(values, type=pa.string())
    arr = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _parse(text: str, feed: str, path: Path | None = None, reader=None) -> _Parsed:
    """Parse one file's text into raw rows and rejected rows. Physical line numbers: header = line 1.
    With the file's path and a DuckDB connection (`reader`), the usual clean file is read by DuckDB's CSV reader."""
    if path is not None and reader is not None:
        parsed = _parse_clean_duckdb(text, feed, path, reader)
        if parsed is not None:
            return parsed
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small lists and strings, no cycles: the cyclic collector would only slow this down
    try:
        return _parse_clean(text, feed) or _parse_careful(text, feed)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_careful(text: str, feed: str) -> _Parsed:
    """Record by record: skips blank lines, rejects rows that cannot be rows, tracks multi-line records."""
    ids = identifier_columns(feed)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = None
    width = 0
    id_pos: list[int] = []
    lines: list[int] = []
    good: list[list[str]] = []
    rejected: list[tuple] = []
    seen: dict = {}
    rows_read = 0
    empty_rows = 0
    start = 1  # physical line where the next record starts
    try:
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not fields or all(not f.strip() for f in fields):
                if header is not None and fields and len(fields) > 1:
                    empty_rows += 1  # a spreadsheet's empty formatted row (,,,,): counted, not a record
                continue  # a blank line is not a record
            if header is None:
                header = fields
                positions, extras = _header(fields, feed)
                width = len(fields)
                id_pos = [positions[c] for c in ids]
                single = id_pos[0] if len(id_pos) == 1 else None
                id_label = RECORD_ID_SEPARATOR.join(ids)
                continue
            rows_read += 1
            if len(fields) != width:
                rid = None
                if all(p < len(fields) for p in id_pos):
                    parts = [fields[p].strip() for p in id_pos]
                    rid = RECORD_ID_SEPARATOR.join(parts) if all(parts) else None
                rejected.append((line, rid, None, f"wrong number of fields: expected {width}, found {len(fields)}"))
                continue
            if single is not None:
                key = fields[single].strip()
                missing = None if _visible(key) else ids[0]
            else:
                parts = [fields[p].strip() for p in id_pos]
                missing = next((c for c, v in zip(ids, parts) if not _visible(v)), None)
                key = RECORD_ID_SEPARATOR.join(parts)
            if missing is not None:
                what = "is empty" if not fields[id_pos[ids.index(missing)]].strip() else "holds only invisible characters"
                rejected.append((line, None, missing, f"no identifier: {missing} {what}"))
                continue
            end = reader.line_num
            if end > line and any(_holds_a_record(f, width) for f in fields):
                rejected.append((line, key, None, f"the record runs from line {line} to line {end}: a quote seems "
                                 "not to be closed, so the next line(s) became part of a value; check the quotes"))
                continue
            first = seen.get(key)
            if first is not None:
                rejected.append((line, key, id_label,
                                 f"identifier repeated within the file (first at line {first}); later row rejected"))
                continue
            seen[key] = line
            lines.append(line)
            good.append(fields)
    except csv.Error as e:
        raise FileRejected(f"not CSV: cannot parse the record starting at line {start} ({e})") from None
    if header is None:
        raise FileRejected("empty file: no header row")

    parsed = _build(feed, positions, extras, width, good, lines, rejected, rows_read)
    parsed.empty_rows = empty_rows
    return parsed


def _holds_a_record(value: str, width: int) -> bool:
    """True when a value spans lines and a later line looks like a record of the file (at least half the header's
    separators): the mark of a quote opened and closed a line or more later, not of a note written on two lines."""
    return any(part.count(",") >= max(2, width // 2) for part in value.splitlines()[1:])


def _visible(value: str) -> bool:
    """True when the value holds a character that shows (not only spaces and invisible characters)."""
    return bool(value.strip(" \t" + INVISIBLE))


def _build(feed, positions, extras, width, good, lines, rejected, rows_read) -> _Parsed:
    """The raw.<feed> columns (Arrow) of the good rows."""
    n = len(good)
    by_position = list(zip(*good)) if n else [()] * width
    return _build_columns(feed, positions, extras, by_position, n, lines, rejected, rows_read)


def _build_columns(feed, positions, extras, by_position, n, lines, rejected, rows_read) -> _Parsed:
    """The raw.<feed> columns (Arrow) from the good rows' values by position (Python sequences or Arrow arrays)."""
    columns: dict[str, pa.Array] = {}
    for c in landing_columns()[feed]:
        pos = positions.get(c.column_name)
        columns[c.column_name] = _text_array(by_position[pos]) if pos is not None else pa.nulls(n, pa.string())
    if extras:
        trimmed = {name: _text_array(by_position[i]).to_pylist() for i, name in extras}
        extra_json = []
        for r in range(n):
            obj = {name: vals[r] for name, vals in trimmed.items() if vals[r] is not None}
            extra_json.append(json.dumps(obj, ensure_ascii=False) if obj else None)
        columns["_extra"] = pa.array(extra_json, type=pa.string())
    else:
        columns["_extra"] = pa.nulls(n, pa.string())
    columns["_source_line"] = lines if isinstance(lines, pa.Array) else pa.array(lines, type=pa.int32())
    return _Parsed(columns, rejected, rows_read, n, [name for _, name in extras])


def _physical_lines(text: str) -> int:
    """Physical lines as io splits them (\n, \r\n or a lone \r), counting a last line without a terminator."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + (0 if text.endswith(("\n", "\r")) else 1)


def _parse_clean_duckdb(text: str, feed: str, path: Path, reader) -> _Parsed | None:
    """The fast path with DuckDB's CSV reader in place of Python's, for a file whose every record is one physical
    line of the header's width (strict mode fails otherwise; blank lines and multi-line records show as fewer records
    than lines). Rows with no identifier or a repeated one are rejected as _parse_careful rejects them. None when
    the file needs the careful path."""
    first = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(first)
    except (csv.Error, StopIteration):
        return None
    if first.line_num != 1 or len(header) < 2:
        return None
    width = len(header)
    names = {f"c{i}": "VARCHAR" for i in range(width)}
    try:
        table = reader.sql(
            "select * from read_csv(?, header = false, all_varchar = true, delim = ',', quote = '\"', "
            "escape = '\"', strict_mode = true, null_padding = false, auto_detect = false, columns = ?, "
            "parallel = true)", params=[str(path), names]).to_arrow_table()
    except duckdb.Error:
        return None
    if table.num_rows != _physical_lines(text) or table.num_rows < 1:
        return None
    positions, extras = _header(header, feed)
    body = table.slice(1)
    n = body.num_rows
    id_names = identifier_columns(feed)
    ids = [_text_array(body.column(positions[c])).combine_chunks() for c in id_names]
    keys = ids[0] if len(ids) == 1 else pc.binary_join_element_wise(*ids, RECORD_ID_SEPARATOR)
    if any(pc.any(pc.match_substring_regex(a, f"^[{INVISIBLE}\\s]+$")).as_py() for a in ids):
        return None  # an identifier of invisible characters only: the careful path names it
    rejected: list[tuple] = []
    if keys.null_count or pc.count_distinct(keys).as_py() != n:
        # As _parse_careful: a row with no identifier, then a later row repeating an identifier, is rejected.
        missing_col = np.full(n, None, dtype=object)
        for c, a in zip(reversed(id_names), reversed(ids)):
            missing_col[a.is_null().to_numpy(zero_copy_only=False)] = c  # the first empty part is named
        has_id = pd.isna(missing_col)
        key_s = pd.Series(keys.to_numpy(zero_copy_only=False), dtype=object)
        first = key_s[has_id].drop_duplicates(keep="first")
        first_line = pd.Series(first.index.to_numpy() + 2, index=first.to_numpy())
        repeated = np.zeros(n, dtype=bool)
        repeated[np.flatnonzero(has_id)[key_s[has_id].duplicated(keep="first").to_numpy()]] = True
        id_label = RECORD_ID_SEPARATOR.join(id_names)
        for i in np.flatnonzero(~has_id | repeated):
            if not has_id[i]:
                rejected.append((int(i) + 2, None, missing_col[i], f"no identifier: {missing_col[i]} is empty"))
            else:
                rejected.append((int(i) + 2, key_s.iat[i], id_label, f"identifier repeated within the file (first "
                                 f"at line {first_line[key_s.iat[i]]}); later row rejected"))
        good = has_id & ~repeated
        body = body.filter(pa.array(good))
        lines = pa.array(np.flatnonzero(good) + 2, type=pa.int32())
    else:
        lines = pa.array(range(2, n + 2), type=pa.int32())
    by_position = [body.column(i).combine_chunks() for i in range(width)]
    if extras:
        by_position = [a.to_pylist() for a in by_position]
    return _build_columns(feed, positions, extras, by_position, body.num_rows, lines, rejected, n)


def _parse_clean(text: str, feed: str) -> _Parsed | None:
    """Fast path for the usual file: no blank or multi-line records, every row the header's width, identifiers
    present and unique. Then record i starts on physical line i + 1. None when the file needs the careful path."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return None  # the careful path names the line
    if len(records) != _physical_lines(text) or len(records[0]) < 2:
        return None
    header, body = records[0], records[1:]
    width = len(header)
    if any(len(r) != width for r in body):  # also catches blank lines ([])
        return None
    positions, extras = _header(header, feed)
    id_pos = [positions[c] for c in identifier_columns(feed)]
    if len(id_pos) == 1:
        p = id_pos[0]
        keys = [r[p].strip() for r in body]
        if not all(map(_visible, keys)):
            return None
    else:
        keys = [tuple(r[p].strip() for p in id_pos) for r in body]
        if not all(_visible(v) for k in keys for v in k):
            return None
    if len(set(keys)) != len(keys):
        return None
    return _build(feed, positions, extras, width, body, range(2, len(body) + 2), [], len(body))


# --------------------------------------------------------------------------------------------- loading

# A content (file hash) is in the warehouse once a file with it was loaded or rejected for the feed.
_DONE = "status IN ('loaded', 'rejected')"


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

    def __init__(self, feed: str, landing_dir: Path, paths: list[Path], known: set[str]):
        from concurrent.futures import ThreadPoolExecutor

        self.feed, self.landing_dir, self.known = feed, landing_dir, set(known)
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
            data = path.read_bytes()
        except OSError as e:
            out.unreadable = f"cannot read the file ({e.strerror})"
            return out
        out.file_hash = hashlib.sha256(data).hexdigest()
        if out.file_hash in self.known:
            return out
        self.known.add(out.file_hash)  # a later copy of this content is only logged
        try:
            if path.suffix.lower() != ".csv":
                raise FileRejected(f"not CSV: the file name does not end in .csv ({path.suffix or 'no extension'})")
            if self._reader is None:
                self._reader = duckdb.connect()
            out.parsed = _parse(_decode(data), self.feed, path, self._reader)
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


def load_feed(con, landing_dir, feed) -> FeedStats:
    """Load every file of <landing_dir>/<feed>/ not loaded before into raw.<feed>; return counts. The feed is written
    in one transaction (all its new files or none; a failed load leaves nothing to clean up and the next build loads
    the files again); files are read and parsed one ahead of the writer (_Preparer)."""
    if feed not in landing_columns():
        raise ValueError(f"unknown feed {feed!r}: not in seeds/policy/landing_columns.csv")
    ensure_raw_tables(con, feed)
    landing_dir = Path(landing_dir)
    stats = FeedStats(feed)
    load_id = f"{feed}-{uuid.uuid4().hex}"
    # microseconds: a file sent again under its name in the next build must sort after the version it replaces
    at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    extra_seen: dict[str, None] = {}
    preparer = _Preparer(feed, landing_dir, list(landing_files(landing_dir, feed)), _known_hashes(con, feed))
    con.begin()
    try:
        for f in preparer:
            stats.files_seen += 1
            source_file, file_hash = f.source_file, f.file_hash
            if f.unreadable is not None:
                _reject_file(con, stats, feed, source_file, None, f.unreadable, load_id, at)
                continue
            prior = _already(con, feed, file_hash)
            if prior is not None:
                stats.files_skipped += 1
                logged = con.execute("SELECT count(*) FROM raw.load_log WHERE feed = ? AND source_file = ? "
                                     "AND file_hash = ?", [feed, source_file, file_hash]).fetchone()[0]
                if not logged:  # the same content under another name: say so once
                    _log(con, load_id, feed, source_file, file_hash, "already_loaded", 0, 0, 0, None,
                         f"same content (sha256) as {prior[0]}, already {prior[1]}", at)
                continue
            if f.rejected is not None:
                _reject_file(con, stats, feed, source_file, file_hash, f.rejected, load_id, at)
                continue
            parsed = f.parsed
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
            for name in parsed.extra_columns:
                extra_seen.setdefault(name, None)
            if parsed.rejected:
                stats.messages.append(f"{source_file}: {len(parsed.rejected)} row(s) rejected (see raw.rejected_rows)")
            if extra:
                stats.messages.append(f"{source_file}: extra column(s) kept in _extra: {extra}")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        preparer.close()
    stats.extra_columns = list(extra_seen)
    return stats


def _reject_file(con, stats: FeedStats, feed, source_file, file_hash, reason, load_id, at) -> None:
    con.execute("INSERT INTO raw.rejected_files (feed, source_file, file_hash, reason, load_id, loaded_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", [feed, source_file, file_hash, reason, load_id, at])
    _log(con, load_id, feed, source_file, file_hash, "rejected", 0, 0, 0, None, reason, at)
    stats.files_rejected += 1
    stats.messages.append(f"{source_file}: file rejected: {reason}")
