"""Reading one landing file (contract section 1, general rules): decoding, the header, and the rows as raw text
columns with their physical line numbers; rows that cannot be records are rejected with a reason naming the line
and column, never a value. Three readers, fastest first: DuckDB's CSV reader for clean files, a vectorised
Python reader, and a careful line-by-line one that accounts for every physical line of a damaged file.

Every reader parses the bytes it is given (the bytes that were hashed), never a path: DuckDB reads a private copy
under a name this module makes (`_private_copy`), so a landing file named `q[12].csv` is never read as a pattern, and
a file changed after it was hashed is never read again. `read_landing_file` reads a file once, in chunks, with a
size limit: the one way a landing file's bytes are taken."""
from __future__ import annotations

import csv
import errno
import gc
import hashlib
import io
import json
import os
import stat
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..policy import identifier_columns, landing_columns

BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
csv.field_size_limit(2**31 - 1)  # a long free-text note is a value, not a broken file
# Characters that show as nothing: an identifier made only of these (and spaces) is no identifier.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0\u00ad"
# Separator between the parts of a composite identifier in rejected_rows.record_id (population: la_code|year).
RECORD_ID_SEPARATOR = "|"


class FileRejected(Exception):
    """The whole file cannot be loaded; the message is the reason (no values)."""


CHUNK = 1 << 20  # files are read and hashed 1 MiB at a time


@dataclass
class LandingBytes:
    """One landing file as read once: its sha256 (of every byte read) and size, and its bytes, or None when it is
    over the size limit (then it was only hashed, in chunks, and `too_large` says why it is rejected)."""
    data: bytes | None
    sha256: str
    size: int
    too_large: str | None = None


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MB"


def read_landing_file(path: str | Path, max_bytes: int) -> LandingBytes:
    """Read a landing file once and hash what was read. A file over `max_bytes` is hashed in 1 MiB chunks and not
    kept (its bytes are never parsed); its hash lets a later build see it was already rejected. Links are not
    followed (O_NOFOLLOW: a file swapped for a link after the folder was listed is an OSError), nor is anything but a
    regular file read. The size is judged on
    the bytes read, not on a size taken before reading, so a file growing meanwhile cannot pass the limit."""
    h = hashlib.sha256()
    # O_NONBLOCK: a file swapped for a named pipe after the folder was listed fails here instead of waiting forever
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = None
        size = 0
        if st.st_size <= max_bytes:
            chunks = []
            while size <= max_bytes and (chunk := f.read(min(CHUNK, max_bytes + 1 - size))):
                h.update(chunk)
                chunks.append(chunk)
                size += len(chunk)
            if size <= max_bytes:
                data = b"".join(chunks)
            del chunks
        while chunk := f.read(CHUNK):  # over the limit: only hashed, chunk by chunk
            h.update(chunk)
            size += len(chunk)
    if data is None:
        return LandingBytes(None, h.hexdigest(), size, (
            f"too large: {_mib(size)}, over the limit of {_mib(max_bytes)} for one landing file; "
            "split it into smaller files named so they sort in the order they were made, and send them again"))
    return LandingBytes(data, h.hexdigest(), size)


@dataclass
class _Parsed:
    columns: dict[str, pa.Array]  # raw.<feed> column -> values, in row order
    rejected: list[tuple]  # (source_line, record_id, column_name, reason)
    rows_read: int
    rows_loaded: int
    extra_columns: list[str]
    empty_rows: int = 0  # spreadsheet rows with every cell empty: not records, counted in the load log



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


def parse_bytes(data: bytes, feed: str, reader=None) -> _Parsed:
    """Parse a landing file's bytes (as read_landing_file returned them): FileRejected when it cannot be read."""
    return _parse(_decode(data), feed, data, reader)


def _parse(text: str, feed: str, data: bytes | None = None, reader=None) -> _Parsed:
    """Parse one file's text into raw rows and rejected rows. Physical line numbers: header = line 1.
    With the file's bytes (`data`, of which `text` is the decoding) and a DuckDB connection (`reader`), the usual
    clean file is read by DuckDB's CSV reader from a private copy of those bytes."""
    if data is not None and reader is not None:
        parsed = _parse_clean_duckdb(text, feed, data, reader)
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
    positions = None  # the header's, once it is read
    lines: list[int] = []
    good: list[list[str]] = []
    rejected: list[tuple] = []
    seen: dict = {}
    rows_read = empty_rows = 0
    start = 1  # physical line where the next record starts
    try:
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not fields or all(not f.strip() for f in fields):
                # A spreadsheet's empty formatted row (,,,,) or a blank line: not a record, not a problem; counted
                # so every physical line is accounted for (header + records + empty rows, plus the continuation
                # lines of values that span lines).
                empty_rows += 1
                continue
            if positions is None:
                positions, extras, width, id_pos, single, id_label = _careful_header(fields, feed, ids)
                continue
            rows_read += 1
            if len(fields) != width:
                rejected.append(_wrong_width(line, fields, width, id_pos))
                continue
            if single is not None:
                key = fields[single].strip()
                missing = None if _visible(key) else ids[0]
            else:
                parts = [fields[p].strip() for p in id_pos]
                missing = next((c for c, v in zip(ids, parts) if not _visible(v)), None)
                key = RECORD_ID_SEPARATOR.join(parts)
            if missing is not None:
                rejected.append(_no_identifier(line, fields, id_pos, ids, missing))
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
    if positions is None:
        raise FileRejected("empty file: no header row")
    parsed = _build(feed, positions, extras, width, good, lines, rejected, rows_read)
    parsed.empty_rows = empty_rows
    return parsed


def _careful_header(fields: list[str], feed: str, ids: tuple[str, ...]) -> tuple:
    """What _parse_careful reads the records by, from the header: (contract column -> position, the extra columns,
    the width, the identifiers' positions, the identifier's position when it is one column (else None), the
    identifiers' label)."""
    positions, extras = _header(fields, feed)
    id_pos = [positions[c] for c in ids]
    single = id_pos[0] if len(id_pos) == 1 else None
    return positions, extras, len(fields), id_pos, single, RECORD_ID_SEPARATOR.join(ids)


def _wrong_width(line: int, fields: list[str], width: int, id_pos: list[int]) -> tuple:
    """The rejection of a row that is not the header's width, with its identifier where it has every part."""
    rid = None
    if all(p < len(fields) for p in id_pos):
        parts = [fields[p].strip() for p in id_pos]
        rid = RECORD_ID_SEPARATOR.join(parts) if all(parts) else None
    return (line, rid, None, f"wrong number of fields: expected {width}, found {len(fields)}")


def _no_identifier(line: int, fields: list[str], id_pos: list[int], ids: tuple[str, ...], missing: str) -> tuple:
    """The rejection of a row whose identifier (the `missing` part) is empty or only invisible characters."""
    blank = not fields[id_pos[ids.index(missing)]].strip()
    what = "is empty" if blank else "holds only invisible characters"
    return (line, None, missing, f"no identifier: {missing} {what}")


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


@contextmanager
def _private_copy(data: bytes):
    """A private file (0600, in a 0700 folder, deleted after) holding `data`, under a name made here: DuckDB's reader
    expands patterns (`*`, `?`, `[...]`) in the path it is given, so it never gets a landing file's own path."""
    with tempfile.TemporaryDirectory(prefix="scr-ingest-") as folder:
        path = os.path.join(folder, "landing.csv")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        yield path


def _parse_clean_duckdb(text: str, feed: str, data: bytes, reader) -> _Parsed | None:
    """The fast path with DuckDB's CSV reader in place of Python's, for a file whose every record is one physical
    line of the header's width (strict mode fails otherwise; blank lines and multi-line records show as fewer records
    than lines). DuckDB reads a private copy of `data` (the bytes hashed; `text` is their decoding). Rows with every
    cell empty are counted and left out, rows with no identifier or a repeated one are rejected, as _parse_careful
    does. None when the file needs the careful path."""
    read = _duckdb_records(text, data, reader)
    if read is None:
        return None
    header, table = read
    width = len(header)
    positions, extras = _header(header, feed)
    body = table.slice(1)
    # Physical line of each body row (header = line 1); rows whose every cell is empty (,,,,) are not records.
    empty = _empty_records(body, positions, feed, width)
    empty_rows = int(empty.sum())
    line_of = np.flatnonzero(~empty) + 2
    if empty_rows:
        body = body.take(pa.array(np.flatnonzero(~empty)))
    n = body.num_rows
    id_names = identifier_columns(feed)
    ids = [_text_array(body.column(positions[c])).combine_chunks() for c in id_names]
    keys = ids[0] if len(ids) == 1 else pc.binary_join_element_wise(*ids, RECORD_ID_SEPARATOR)
    if any(pc.any(pc.match_substring_regex(a, f"^[{INVISIBLE}\\s]+$")).as_py() for a in ids):
        return None  # an identifier of invisible characters only: the careful path names it
    rejected: list[tuple] = []
    if keys.null_count or pc.count_distinct(keys).as_py() != n:
        body, lines = _reject_identifiers(body, line_of, id_names, ids, keys, rejected)
    else:
        lines = pa.array(line_of, type=pa.int32())
    by_position = [body.column(i).combine_chunks() for i in range(width)]
    if extras:
        by_position = [a.to_pylist() for a in by_position]
    parsed = _build_columns(feed, positions, extras, by_position, body.num_rows, lines, rejected, n)
    parsed.empty_rows = empty_rows
    return parsed


def _duckdb_records(text: str, data: bytes, reader) -> tuple[list[str], pa.Table] | None:
    """(the header, every record including the header's as text columns c0, c1, ...) of a file DuckDB's strict
    reader reads as one record per physical line, from a private copy of `data`; None when it cannot (a header
    Python's reader cannot read on one line or of fewer than two columns, a reading error, fewer records than
    lines)."""
    first = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(first)
    except (csv.Error, StopIteration):
        return None
    if first.line_num != 1 or len(header) < 2:
        return None
    names = {f"c{i}": "VARCHAR" for i in range(len(header))}
    try:
        with _private_copy(data) as path:
            table = reader.sql(
                "select * from read_csv(?, header = false, all_varchar = true, delim = ',', quote = '\"', "
                "escape = '\"', strict_mode = true, null_padding = false, auto_detect = false, columns = ?, "
                "parallel = true)", params=[path, names]).to_arrow_table()
    except duckdb.Error:
        return None
    if table.num_rows != _physical_lines(text) or table.num_rows < 1:
        return None
    return header, table


def _empty_records(body: pa.Table, positions: dict[str, int], feed: str, width: int) -> np.ndarray:
    """Which rows have every cell empty. Only rows with no identifier can be such rows, so only they are looked at
    whole."""
    candidates = np.ones(body.num_rows, dtype=bool)
    for c in identifier_columns(feed):
        candidates &= _text_array(body.column(positions[c])).is_null().to_numpy(zero_copy_only=False)
    empty = np.zeros(body.num_rows, dtype=bool)
    if candidates.any():
        at = np.flatnonzero(candidates)
        some = body.take(pa.array(at))
        blank = np.ones(len(at), dtype=bool)
        for i in range(width):
            blank &= _text_array(some.column(i)).is_null().to_numpy(zero_copy_only=False)
        empty[at[blank]] = True
    return empty


def _reject_identifiers(body: pa.Table, line_of: np.ndarray, id_names: tuple[str, ...], ids: list[pa.Array],
                        keys: pa.Array, rejected: list[tuple]) -> tuple[pa.Table, pa.Array]:
    """As _parse_careful: a row with no identifier, then a later row repeating an identifier, is rejected (added
    to `rejected`, in row order). The rows kept, and their physical lines."""
    n = body.num_rows
    missing_col = np.full(n, None, dtype=object)
    for c, a in zip(reversed(id_names), reversed(ids)):
        missing_col[a.is_null().to_numpy(zero_copy_only=False)] = c  # the first empty part is named
    has_id = pd.isna(missing_col)
    key_s = pd.Series(keys.to_numpy(zero_copy_only=False), dtype=object)
    first = key_s[has_id].drop_duplicates(keep="first")
    first_line = pd.Series(line_of[first.index.to_numpy()], index=first.to_numpy())
    repeated = np.zeros(n, dtype=bool)
    repeated[np.flatnonzero(has_id)[key_s[has_id].duplicated(keep="first").to_numpy()]] = True
    id_label = RECORD_ID_SEPARATOR.join(id_names)
    for i in np.flatnonzero(~has_id | repeated):
        if not has_id[i]:
            rejected.append((int(line_of[i]), None, missing_col[i], f"no identifier: {missing_col[i]} is empty"))
        else:
            rejected.append((int(line_of[i]), key_s.iat[i], id_label, f"identifier repeated within the file "
                             f"(first at line {first_line[key_s.iat[i]]}); later row rejected"))
    good = has_id & ~repeated
    return body.filter(pa.array(good)), pa.array(line_of[good], type=pa.int32())


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

