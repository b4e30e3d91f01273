"""Intake that reads what it hashed (issue 24, item 5): a landing file is read once, in chunks, with a size limit; the
bytes hashed are the bytes parsed (no reader gets a landing path, so `[`, `*`, `?` in a name are only characters);
empty spreadsheet rows are counted, not queued; restricted outputs are 0600 files in 0700 folders.

Real DuckDB files and the real `load_feed`; one real build for the file modes."""
from __future__ import annotations

import hashlib
import os
import stat

import duckdb
import pytest

from scr_warehouse.filemodes import restrict_new_files, restrict_outputs, restricted_paths
from scr_warehouse.ingest import load_feed
from scr_warehouse.ingest.landing import landing_fingerprint
from scr_warehouse.ingest.parse import CHUNK, parse_bytes, read_landing_file
from scr_warehouse.policy import landing_columns, max_landing_file_bytes

from tests.helpers import Landing, build, notification_row

COLUMNS = [c.column_name for c in landing_columns()["notifications"]]


def csv_text(*ids: str, empty_rows_after: dict[str, int] | None = None) -> str:
    lines = [",".join(COLUMNS)]
    for nid in ids:
        row = notification_row(nid, "I" + nid)
        lines.append(",".join(row[c] for c in COLUMNS))
        lines += ["," * (len(COLUMNS) - 1)] * (empty_rows_after or {}).get(nid, 0)
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield c
    c.close()


def q(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize("name", ["q[12].csv", "q?.csv", "q*.csv", "q{1,2}.csv"])
def test_a_pattern_character_in_a_file_name_loads_that_files_own_rows(con, landing, name):
    landing.write_text("notifications", "q1.csv", csv_text("A1", "A2"))
    landing.write_text("notifications", "q2.csv", csv_text("B1"))
    landing.write_text("notifications", name, csv_text("P1", "P2", "P3"))

    load_feed(con, landing.root, "notifications")

    by_file = {}
    for src, nid in q(con, "SELECT _source_file, notification_id FROM raw.notifications ORDER BY 1, 2"):
        by_file.setdefault(src, []).append(nid)
    assert by_file == {"notifications/q1.csv": ["A1", "A2"], "notifications/q2.csv": ["B1"],
                       f"notifications/{name}": ["P1", "P2", "P3"]}
    digest = hashlib.sha256((landing.root / "notifications" / name).read_bytes()).hexdigest()
    assert q(con, "SELECT DISTINCT _file_hash FROM raw.notifications WHERE _source_file = ?",
             [f"notifications/{name}"]) == [(digest,)]


def test_the_rows_parsed_are_the_bytes_hashed_even_when_the_file_changes_after(tmp_path, landing):
    """The file is read once: what is parsed is what was hashed, though the file on disk changes in between (an LA
    saving it again while the build runs); the next load sees the new content as a new submission."""
    path = landing.write_text("notifications", "batch.csv", csv_text("H1", "H2"))
    first = path.read_bytes()
    read = read_landing_file(path, max_landing_file_bytes())
    path.write_text(csv_text("X1", "X2", "X3"), encoding="utf-8")  # changed after it was hashed

    parsed = parse_bytes(read.data, "notifications", duckdb.connect())

    assert read.sha256 == hashlib.sha256(first).hexdigest() and read.size == len(first)
    assert parsed.columns["notification_id"].to_pylist() == ["H1", "H2"]
    # and through the loader: each load's rows carry the hash of exactly the bytes they came from
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_feed(con, landing.root, "notifications")
    assert q(con, "SELECT notification_id, _file_hash FROM raw.notifications ORDER BY 1") == [
        (nid, hashlib.sha256(path.read_bytes()).hexdigest()) for nid in ("X1", "X2", "X3")]
    con.close()


def test_large_files_are_read_and_hashed_in_chunks_with_the_same_digest(tmp_path):
    path = tmp_path / "big.csv"
    data = csv_text("C1").encode() + os.urandom(CHUNK * 2 + 123).hex().encode()
    path.write_bytes(data)
    whole = read_landing_file(path, len(data))
    over = read_landing_file(path, len(data) - 1)
    assert whole.data == data and whole.too_large is None
    assert over.data is None and over.size == len(data) and "too large" in over.too_large
    assert whole.sha256 == over.sha256 == hashlib.sha256(data).hexdigest()
    # the landing fingerprint (a build's "what changed") hashes in chunks too, and sees a change at the same size
    landing = Landing(tmp_path / "landing")
    p = landing.write_bytes("notifications", "a.csv", data)
    before = landing_fingerprint(landing.root, content=True)
    p.write_bytes(data[:-1] + b"x")
    assert landing_fingerprint(landing.root, content=True) != before


def test_an_oversized_file_is_rejected_with_its_reason_and_the_others_load(con, landing):
    landing.write_text("notifications", "a_small.csv", csv_text("S1"))
    big = landing.write_text("notifications", "b_big.csv", csv_text(*[f"L{i}" for i in range(40)]))
    landing.write_text("notifications", "c_small.csv", csv_text("S2"))
    limit = big.stat().st_size - 1

    stats = load_feed(con, landing.root, "notifications", max_file_bytes=limit)

    assert q(con, "SELECT notification_id FROM raw.notifications ORDER BY 1") == [("S1",), ("S2",)]
    (reason,), = q(con, "SELECT reason FROM raw.rejected_files WHERE source_file = 'notifications/b_big.csv'")
    assert reason.startswith("too large:") and "over the limit of" in reason and "split it" in reason
    assert stats.files_rejected == 1 and stats.files_loaded == 2
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    assert q(con, "SELECT status, file_hash FROM raw.load_log WHERE source_file = 'notifications/b_big.csv'") == [
        ("rejected", digest)]
    # rejected once: a second load of the same folder changes nothing
    again = load_feed(con, landing.root, "notifications", max_file_bytes=limit)
    assert (again.files_rejected, again.files_loaded, again.files_skipped) == (0, 0, 3)
    # the limit is a policy setting with its source
    assert max_landing_file_bytes() == 256 * 2**20


@pytest.mark.parametrize("careful", [False, True], ids=["clean file", "damaged file"])
def test_empty_spreadsheet_rows_are_counted_not_rejected(con, landing, careful):
    text = csv_text("E1", "E2", "E3", empty_rows_after={"E1": 2, "E3": 3})
    if careful:  # a wrong field count sends the file down the careful path
        text += notification_row("E4", "IE4")["notification_id"] + ",x\r\n"
    path = landing.write_text("notifications", "excel.csv", text)

    stats = load_feed(con, landing.root, "notifications")

    assert q(con, "SELECT notification_id, _source_line FROM raw.notifications ORDER BY 2") == [
        ("E1", 2), ("E2", 5), ("E3", 6)]
    rejected = q(con, "SELECT source_line, reason FROM raw.rejected_rows")
    assert rejected == ([(10, f"wrong number of fields: expected {len(COLUMNS)}, found 2")] if careful else [])
    (read, loaded, rej, empty), = q(con, "SELECT rows_read, rows_loaded, rows_rejected, empty_rows FROM raw.load_log")
    assert empty == stats.empty_rows == 5 and read == loaded + rej
    lines = path.read_bytes().count(b"\n")
    assert 1 + read + empty == lines  # header + records + empty rows: every physical line accounted for


def _modes(root) -> dict[str, int]:
    out = {}
    for p in [root, *root.rglob("*")] if root.is_dir() else [root]:
        if not p.is_symlink():
            out[str(p)] = stat.S_IMODE(p.lstat().st_mode)
    return out


def test_restrict_outputs_tightens_what_an_earlier_build_left_without_following_links(tmp_path):
    wh = tmp_path / "out" / "warehouse.duckdb"
    rel = tmp_path / "out" / "release"
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    os.chmod(outside, 0o644)
    for p in (wh, wh.with_name("warehouse.duckdb.wal"), wh.with_name("warehouse.duckdb.release-cache") / "2012.gz",
              rel / "restricted" / "a.csv", rel / "quality" / "by_la" / "E1.csv", rel / "published.csv"):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
        os.chmod(p, 0o644)
    for d in (wh.with_name("warehouse.duckdb.release-cache"), rel / "restricted", rel / "quality",
              rel / "quality" / "by_la"):
        os.chmod(d, 0o755)
    (rel / "quality" / "link").symlink_to(outside)

    assert restrict_outputs(wh, rel) == 9
    for path in restricted_paths(wh, rel):
        for p, mode in _modes(path).items():
            assert mode == (0o700 if os.path.isdir(p) else 0o600), (p, oct(mode))
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644  # the link was not followed
    assert stat.S_IMODE((rel / "published.csv").stat().st_mode) == 0o644  # only restricted outputs
    assert restrict_outputs(wh, rel) == 0


@pytest.mark.slow
def test_a_build_after_restrict_new_files_writes_restricted_outputs_0600_in_0700_folders(tmp_path):
    landing = Landing(tmp_path / "landing")
    landing.write_text("notifications", "a.csv", csv_text(*[f"M{i}" for i in range(8)]))
    landing.write_text("notifications", "b.csv", csv_text("M1").replace("death", "drowned"))
    previous = restrict_new_files()
    try:
        built = build(landing.root, tmp_path / "out")
    finally:
        os.umask(previous)
    wh, rel = built.warehouse, built.release
    assert wh.with_name(wh.name + ".release-cache").is_dir() and any((rel / "restricted").glob("*.csv"))
    assert any((rel / "quality").rglob("*.csv"))
    wider = {p: oct(m) for path in restricted_paths(wh, rel) for p, m in _modes(path).items()
             if m != (0o700 if os.path.isdir(p) else 0o600)}
    # Everything the build wrote is private, but for what dbt copies with its source's mode into its target folder
    # beside the warehouse: restrict_outputs (run after a build) tightens that.
    target = str(wh.with_name(f".{wh.name}.dbt-target"))
    assert all(p.startswith(target + os.sep) for p in wider), wider
    restrict_outputs(wh, rel)
    assert not [p for path in restricted_paths(wh, rel) for p, m in _modes(path).items()
                if m != (0o700 if os.path.isdir(p) else 0o600)]


def test_a_named_pipe_is_never_waited_on(tmp_path):
    fifo = tmp_path / "swapped.csv"
    os.mkfifo(fifo)
    with pytest.raises(OSError):
        read_landing_file(fifo, max_landing_file_bytes())
