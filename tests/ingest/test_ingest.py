"""Landing files -> raw layer (contract section 1 general rules; docs/architecture.md "Raw layer").

Real DuckDB files and the real `load_feed`; one test runs the whole Dagster build on a tiny folder."""
from __future__ import annotations

import json

import duckdb
import pytest

from scr_warehouse.ingest import load_feed
from scr_warehouse.policy import landing_columns

from tests.helpers import Landing, build, notification_row, row

NOTIFICATION_COLUMNS = [c.column_name for c in landing_columns()["notifications"]]
REQUIRED_NOTIFICATION_COLUMNS = [c.column_name for c in landing_columns()["notifications"] if c.required]


def notification(nid: str, **over) -> dict:
    """This module's notifications: incident I<nid> in E09000002, a serious injury to a girl of 14 months."""
    return notification_row(nid, over.pop("incident_id", "I" + nid), **{
        "la_code": "E09000002", "incident_date": "2010-05-03", "la_aware_date": "2010-05-03",
        "notified_date": "2010-05-05", "incident_type": "serious_injury", "suicide": "", "child_sex": "F",
        "child_age_months": "14", "parent_ethnicity": "WBRI", **over})


def header_line(columns=None) -> str:
    return ",".join(columns or NOTIFICATION_COLUMNS) + "\r\n"


def data_line(nid: str, **over) -> str:
    """One unquoted CSV line of a notification (values here contain no commas or quotes)."""
    row = notification(nid, **over)
    return ",".join(row[c] for c in NOTIFICATION_COLUMNS) + "\r\n"


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield c
    c.close()


def q(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def test_latin1_file_is_rejected_whole_with_byte_offset_and_other_files_still_load(con, landing):
    good = landing.write_rows("notifications", "2010-01_a.csv", [notification("N1")])
    text = header_line() + data_line("N2", incident_id="Caf\u00e9")
    bad = text.encode("latin-1")
    landing.write_bytes("notifications", "2010-02_latin1.csv", bad)
    offset = bad.index(b"\xe9")  # the first byte that is not UTF-8, counted by hand from the text above

    stats = load_feed(con, landing.root, "notifications")

    assert (stats.files_loaded, stats.files_rejected, stats.rows_loaded) == (1, 1, 1)
    [(source, reason, file_hash)] = q(con, "SELECT source_file, reason, file_hash FROM raw.rejected_files")
    assert source == "notifications/2010-02_latin1.csv"
    assert "not UTF-8" in reason and f"byte offset {offset}" in reason and "line 2" in reason
    assert "Caf" not in reason  # never a value
    assert len(file_hash) == 64
    assert q(con, "SELECT status, rows_read FROM raw.load_log WHERE source_file = ?", [source]) == [("rejected", 0)]
    assert q(con, "SELECT notification_id, _source_file FROM raw.notifications") == [
        ("N1", "notifications/" + good.name)]
    assert "2010-02_latin1.csv" in stats.summary()


def test_binary_and_empty_and_non_csv_files_are_rejected_whole(con, landing):
    landing.write_bytes("notifications", "a_binary.csv", b"PK\x03\x04\x14\x00\x06\x00 not a csv")
    landing.write_bytes("notifications", "b_empty.csv", b"")
    landing.write_bytes("notifications", "c_bom_only.csv", b"\xef\xbb\xbf\r\n\r\n")
    landing.write_text("notifications", "d_notes.txt", header_line() + data_line("N1"))
    landing.write_text("notifications", "e_unterminated.csv", header_line() + data_line("N1") + '"N2,oops\r\n')

    stats = load_feed(con, landing.root, "notifications")

    reasons = dict(q(con, "SELECT source_file, reason FROM raw.rejected_files"))
    assert stats.files_rejected == 4 and stats.files_loaded == 0
    binary = reasons["notifications/a_binary.csv"]
    assert "binary" in binary and "byte offset 5" in binary
    assert reasons["notifications/b_empty.csv"].startswith("empty file")
    assert reasons["notifications/c_bom_only.csv"].startswith("empty file")
    # a file not named .csv is not taken at all: it is reported (raw.untaken_files, then the queue), never loaded
    from scr_warehouse.ingest import record_untaken
    assert [(f, why) for _, f, why in record_untaken(con, landing.root)] == [
        ("notifications/d_notes.txt", "not a .csv file (.txt): save it as CSV (.csv)")]
    unterminated = reasons["notifications/e_unterminated.csv"]
    assert "not CSV" in unterminated and "line 3" in unterminated
    assert q(con, "SELECT count(*) FROM raw.notifications") == [(0,)]
    assert q(con, "SELECT count(*) FROM raw.load_log WHERE status = 'rejected'") == [(4,)]


def test_missing_required_columns_reject_the_file_naming_them(con, landing):
    cols = [c for c in NOTIFICATION_COLUMNS if c not in ("la_code", "child_sex", "suicide")]
    landing.write_rows("notifications", "a.csv", [notification("N1")], columns=cols)
    # an optional column (suicide) may be absent: that file loads
    landing.write_rows("notifications", "b.csv", [notification("N2")],
                       columns=[c for c in NOTIFICATION_COLUMNS if c != "suicide"])

    stats = load_feed(con, landing.root, "notifications")

    [(reason,)] = q(con, "SELECT reason FROM raw.rejected_files WHERE source_file = 'notifications/a.csv'")
    assert reason == "missing required column(s): la_code, child_sex"
    assert stats.files_rejected == 1 and stats.rows_loaded == 1
    assert q(con, "SELECT notification_id, suicide FROM raw.notifications") == [("N2", None)]


def test_bom_and_header_case_and_spacing_are_accepted(con, landing):
    odd = [f"  {c.upper()} " if i % 2 else c.title() for i, c in enumerate(NOTIFICATION_COLUMNS)]
    text = ",".join(odd) + "\r\n" + data_line("N1", la_code="  E09000002  ", suicide=" ")
    landing.write_text("notifications", "a.csv", text, bom=True)

    stats = load_feed(con, landing.root, "notifications")

    assert stats.files_loaded == 1 and stats.rows_loaded == 1 and stats.extra_columns == []
    [(nid, la, suicide, extra, line)] = q(
        con, "SELECT notification_id, la_code, suicide, _extra, _source_line FROM raw.notifications")
    assert (nid, la, suicide, extra, line) == ("N1", "E09000002", None, None, 2)  # trimmed; blank -> NULL


def test_values_are_kept_as_text_not_validated(con, landing):
    landing.write_rows("notifications", "a.csv", [
        notification("N1", incident_date="03/05/2010", notified_date="2009-02-30", child_age_months="999",
                     child_sex="U", harm_category="nonsense"),
    ])

    load_feed(con, landing.root, "notifications")

    assert q(con, "SELECT incident_date, notified_date, child_age_months, child_sex, harm_category "
                  "FROM raw.notifications") == [("03/05/2010", "2009-02-30", "999", "U", "nonsense")]
    assert {r[0] for r in q(con, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'raw' "
                                 "AND table_name = 'notifications' AND column_name NOT LIKE '\\_%' ESCAPE '\\'")} \
        == {"VARCHAR"}
    assert q(con, "SELECT count(*) FROM raw.rejected_rows") == [(0,)]


def test_quoted_multiline_fields_keep_physical_start_lines(con, landing):
    rows = [notification("N1", incident_id='two\nlines, "quoted"'),  # lines 2-3
            notification("N2", incident_id="a\r\nb\r\nc"),  # lines 4-6
            notification("N3")]  # line 7
    landing.write_rows("notifications", "a.csv", rows)

    load_feed(con, landing.root, "notifications")

    assert q(con, "SELECT notification_id, incident_id, _source_line FROM raw.notifications ORDER BY 3") == [
        ("N1", 'two\nlines, "quoted"', 2), ("N2", "a\r\nb\r\nc", 4), ("N3", "IN3", 7)]


def test_rows_without_identifier_repeated_or_with_wrong_field_count_are_rejected_with_line(con, landing):
    text = (header_line()
            + data_line("N1")  # line 2: loaded
            + data_line("", incident_id="X")  # line 3: no identifier
            + "\r\n"  # line 4: blank, not a row
            + data_line("N1", child_sex="M")  # line 5: repeats N1 -> rejected, the first N1 kept
            + data_line("N2").replace(",NONE", "")  # line 6: one field short
            + data_line("   ", incident_id="Y")  # line 7: identifier only spaces -> none
            + data_line("N3"))  # line 8: loaded
    landing.write_text("notifications", "a.csv", text)

    stats = load_feed(con, landing.root, "notifications")

    assert (stats.rows_read, stats.rows_loaded, stats.rows_rejected) == (6, 2, 4)
    assert q(con, "SELECT notification_id, child_sex, _source_line FROM raw.notifications ORDER BY 3") == [
        ("N1", "F", 2), ("N3", "F", 8)]
    rejected = q(con, "SELECT source_file, source_line, record_id, column_name, reason FROM raw.rejected_rows "
                      "ORDER BY source_line")
    n = len(NOTIFICATION_COLUMNS)
    assert rejected == [
        ("notifications/a.csv", 3, None, "notification_id", "no identifier: notification_id is empty"),
        ("notifications/a.csv", 5, "N1", "notification_id",
         "identifier repeated within the file (first at line 2); later row rejected"),
        ("notifications/a.csv", 6, "N2", None, f"wrong number of fields: expected {n}, found {n - 1}"),
        ("notifications/a.csv", 7, None, "notification_id", "no identifier: notification_id is empty"),
    ]
    assert q(con, "SELECT rows_read, rows_loaded, rows_rejected FROM raw.load_log") == [(6, 2, 4)]


def test_population_identifier_is_la_code_and_year(con, landing):
    landing.write_rows("population", "pop.csv", [
        {"la_code": "E09000002", "year": "2009", "population_0_17": "100", "source": "illustrative"},
        {"la_code": "E09000002", "year": "2010", "population_0_17": "101", "source": "illustrative"},
        {"la_code": "E09000002", "year": "2009", "population_0_17": "102", "source": "illustrative"},
        {"la_code": "E09000003", "year": "", "population_0_17": "103", "source": "illustrative"},
    ])

    stats = load_feed(con, landing.root, "population")

    assert stats.rows_loaded == 2
    assert q(con, "SELECT source_line, record_id, column_name, reason FROM raw.rejected_rows ORDER BY 1") == [
        (4, "E09000002|2009", "la_code|year",
         "identifier repeated within the file (first at line 2); later row rejected"),
        (5, None, "year", "no identifier: year is empty")]


def test_extra_columns_are_kept_in_extra_and_reported(con, landing):
    cols = NOTIFICATION_COLUMNS[:3] + [" LA Reference "] + NOTIFICATION_COLUMNS[3:] + ["comments"]
    landing.write_rows("notifications", "a.csv", [
        notification("N1", **{" LA Reference ": " R-1 ", "comments": "see, \"file\""}),
        notification("N2", **{" LA Reference ": "", "comments": ""}),
    ], columns=cols)

    stats = load_feed(con, landing.root, "notifications")

    assert stats.extra_columns == ["LA Reference", "comments"]
    assert "LA Reference" in stats.summary() and stats.as_metadata()["extra_columns"] == "LA Reference, comments"
    got = q(con, "SELECT notification_id, la_code, incident_date, _extra FROM raw.notifications ORDER BY 1")
    assert got[0][:3] == ("N1", "E09000002", "2010-05-03")
    assert json.loads(got[0][3]) == {"LA Reference": "R-1", "comments": 'see, "file"'}
    assert got[1] == ("N2", "E09000002", "2010-05-03", None)
    assert q(con, "SELECT extra_columns FROM raw.load_log") == [("LA Reference, comments",)]


def test_resubmission_in_a_later_file_keeps_both_versions(con, landing):
    landing.write_rows("notifications", "2010-06_batch.csv", [notification("N1"), notification("N2")])
    load_feed(con, landing.root, "notifications")
    landing.write_rows("notifications", "2010-07_batch.csv", [notification("N1", child_sex="M")])

    stats = load_feed(con, landing.root, "notifications")

    assert (stats.files_loaded, stats.files_skipped, stats.rows_loaded) == (1, 1, 1)
    assert q(con, "SELECT child_sex, _source_file, _source_line FROM raw.notifications WHERE notification_id = 'N1' "
                  "ORDER BY _source_file, _source_line") == [
        ("F", "notifications/2010-06_batch.csv", 2), ("M", "notifications/2010-07_batch.csv", 2)]
    assert q(con, "SELECT count(*) FROM raw.rejected_rows") == [(0,)]


def _snapshot(con):
    return {t: q(con, f"SELECT * FROM raw.{t} ORDER BY ALL")
            for t in ("notifications", "rejected_rows", "rejected_files", "load_log")}


def _mixed_folder(landing: Landing) -> int:
    """A folder with good, bad and odd files; returns the number of data records written (counted by hand)."""
    landing.write_rows("notifications", "2010-01.csv", [notification(f"N{i}") for i in range(1, 6)])  # 5 records
    landing.write_text("notifications", "2010-02.csv", header_line() + data_line("N6") + data_line("N6")
                       + data_line("") + "\r\n" + data_line("N7").replace(",NONE", ",NONE,extra"))  # 4 records
    landing.write_bytes("notifications", "2010-03.csv", (header_line() + data_line("\u00c9")).encode("cp1252"))
    landing.write_rows("notifications", "2010-04.csv", [notification("N1", child_sex="M")],
                       columns=NOTIFICATION_COLUMNS + ["note"])  # 1 record, an extra column
    landing.write_bytes("notifications", "2010-05_copy.csv", (landing.root / "notifications/2010-01.csv").read_bytes())
    return 5 + 4 + 1


def test_loading_the_same_folder_twice_changes_nothing(con, landing):
    _mixed_folder(landing)
    first = load_feed(con, landing.root, "notifications")
    before = _snapshot(con)

    again = load_feed(con, landing.root, "notifications")

    assert _snapshot(con) == before
    assert (again.files_seen, again.files_skipped, again.files_loaded, again.files_rejected) == (5, 5, 0, 0)
    assert (first.files_loaded, first.files_skipped, first.files_rejected) == (3, 1, 1)
    # the copy of an earlier file under another name is logged once as already_loaded, its rows not duplicated
    assert q(con, "SELECT status, reason FROM raw.load_log WHERE source_file = 'notifications/2010-05_copy.csv'") == [
        ("already_loaded", "same content (sha256) as notifications/2010-01.csv, already loaded")]


def test_two_builds_of_the_same_folder_are_identical_apart_from_load_id_and_time(tmp_path, landing):
    _mixed_folder(landing)
    contents = []
    for name in ("one", "two"):
        c = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        load_feed(c, landing.root, "notifications")
        contents.append({
            "raw": q(c, "SELECT * EXCLUDE (_load_id, _loaded_at) FROM raw.notifications ORDER BY ALL"),
            "rows": q(c, "SELECT * EXCLUDE (load_id, loaded_at) FROM raw.rejected_rows ORDER BY ALL"),
            "files": q(c, "SELECT * EXCLUDE (load_id, loaded_at) FROM raw.rejected_files ORDER BY ALL"),
            "log": q(c, "SELECT * EXCLUDE (load_id, loaded_at) FROM raw.load_log ORDER BY ALL"),
        })
        c.close()
    assert contents[0] == contents[1] and contents[0]["raw"]


def test_count_identity_rows_read_equals_loaded_plus_rejected(con, landing):
    written = _mixed_folder(landing)

    stats = load_feed(con, landing.root, "notifications")

    per_file = q(con, "SELECT source_file, rows_read, rows_loaded, rows_rejected FROM raw.load_log "
                      "WHERE status = 'loaded' ORDER BY 1")
    assert [r[0] for r in per_file] == ["notifications/2010-01.csv", "notifications/2010-02.csv",
                                        "notifications/2010-04.csv"]
    assert all(read == loaded + rejected for _, read, loaded, rejected in per_file)
    assert stats.rows_read == written == stats.rows_loaded + stats.rows_rejected
    assert (stats.rows_loaded, stats.rows_rejected) == (7, 3)  # 2010-02: N6 twice, no id, 19 fields
    assert q(con, "SELECT count(*) FROM raw.notifications") == [(stats.rows_loaded,)]
    assert q(con, "SELECT count(*) FROM raw.rejected_rows") == [(stats.rows_rejected,)]
    assert sum(r[1] for r in per_file) == written


@pytest.mark.slow
def test_dagster_build_populates_the_raw_layer(tmp_path):
    landing = Landing(tmp_path / "landing")
    landing.write_rows("notifications", "2010-06.csv", [notification("N1"), notification("N2", incident_id="IN1")])
    landing.write_text("notifications", "2010-07.csv", header_line() + data_line("N3") + data_line(""))
    landing.write_bytes("notifications", "2010-08.csv", b"\x00\x01binary")
    landing.write_rows("reviews", "r.csv", [row(
        "reviews", review_id="R1", incident_id="IN1", lscb_la_code="E09000002", chair_aware_date="2010-05-10",
        decision_date="2010-05-20", decision="scr", status="in_progress")])
    landing.write_rows("population", "p.csv", [
        {"la_code": "E09000002", "year": "2010", "population_0_17": "40000", "source": "illustrative"}])

    built = build(landing.root, tmp_path / "out")

    assert built.query("SELECT notification_id, _source_file, _source_line FROM raw.notifications ORDER BY 1") == [
        ("N1", "notifications/2010-06.csv", 2), ("N2", "notifications/2010-06.csv", 3),
        ("N3", "notifications/2010-07.csv", 2)]
    assert built.query("SELECT review_id, decision FROM raw.reviews") == [("R1", "scr")]
    assert built.query("SELECT la_code, year FROM raw.population") == [("E09000002", "2010")]
    assert built.query("SELECT count(*) FROM raw.evaluations") == [(0,)]  # feed folder absent: empty table
    assert built.query("SELECT source_file, source_line FROM raw.rejected_rows") == [("notifications/2010-07.csv", 3)]
    assert built.query("SELECT source_file FROM raw.rejected_files") == [("notifications/2010-08.csv",)]
    assert built.query("SELECT feed, status, count(*) FROM raw.load_log GROUP BY ALL ORDER BY ALL") == [
        ("notifications", "loaded", 2), ("notifications", "rejected", 1), ("population", "loaded", 1),
        ("reviews", "loaded", 1)]


def test_duplicate_or_semicolon_headers_reject_the_file_and_unnamed_extras_are_numbered(con, landing):
    landing.write_text("notifications", "a_dup.csv", header_line(NOTIFICATION_COLUMNS + ["LA_Code"]) + "\r\n")
    landing.write_text("notifications", "b_semicolon.csv", ";".join(NOTIFICATION_COLUMNS) + "\r\n")
    landing.write_text("notifications", "c_trailing.csv",
                       header_line(NOTIFICATION_COLUMNS + [""]) + data_line("N1").replace("\r\n", ",x\r\n"))

    stats = load_feed(con, landing.root, "notifications")

    reasons = dict(q(con, "SELECT source_file, reason FROM raw.rejected_files"))
    assert reasons["notifications/a_dup.csv"] == "duplicate column(s): la_code"
    assert reasons["notifications/b_semicolon.csv"].endswith(
        "(the header has one column: is the file comma-separated?)")
    n = len(NOTIFICATION_COLUMNS)
    assert stats.extra_columns == [f"column_{n + 1}"]
    assert q(con, "SELECT _extra FROM raw.notifications") == [(json.dumps({f"column_{n + 1}": "x"}),)]


def test_clean_and_careful_parsing_give_the_same_rows(tmp_path):
    """A clean file takes the fast path; the same file with blank lines takes the line-by-line path."""
    rows = [notification(f"N{i}", incident_date=" 03/05/2010 ", suicide="U" if i % 2 else "") for i in range(1, 30)]
    cols = NOTIFICATION_COLUMNS + ["note"]
    for r in rows:
        r["note"] = "n" if int(r["notification_id"][1:]) % 3 else ""
    got = []
    for variant, suffix in (("clean", ""), ("blank", "\r\n\r\n")):
        landing = Landing(tmp_path / variant)
        path = landing.write_rows("notifications", "a.csv", rows, columns=cols)
        path.write_bytes(path.read_bytes() + suffix.encode())
        c = duckdb.connect(str(tmp_path / f"{variant}.duckdb"))
        stats = load_feed(c, landing.root, "notifications")
        assert stats.rows_read == stats.rows_loaded == 29
        got.append(q(c, "SELECT * EXCLUDE (_file_hash, _load_id, _loaded_at) FROM raw.notifications ORDER BY ALL"))
        c.close()
    assert got[0] == got[1]
    assert got[0][0][NOTIFICATION_COLUMNS.index("incident_date")] == "03/05/2010"
    assert [r[-2] for r in sorted(got[0], key=lambda r: r[-1])] == ["notifications/a.csv"] * 29
    assert sorted(r[-1] for r in got[0]) == list(range(2, 31))


@pytest.mark.parametrize("feed", ["notifications", "population"])
def test_duckdb_python_and_careful_parsers_agree_on_rows_and_rejections(tmp_path, feed):
    """The DuckDB fast path, Python's clean path and the careful path give the same rows, lines and rejected rows
    (missing and repeated identifiers, single and composite), and the fast path is really taken."""
    from scr_warehouse.ingest import parse as ingest

    if feed == "notifications":
        cols = NOTIFICATION_COLUMNS
        rows = [notification(f"N{i % 23}" if i % 7 else ("" if i % 2 else "  "), suicide=" U ") for i in range(60)]
    else:
        cols = [c.column_name for c in landing_columns()["population"]]
        rows = [{"la_code": "E0900000" + str(i % 4) if i % 11 else "", "year": str(2010 + i % 5) if i % 13 else " ",
                 "population_0_17": str(1000 + i), "source": "test"} for i in range(60)]
    lines = [",".join(r[c] for c in cols) + "\n" for r in rows]
    for at in (5, 17, 40):  # a spreadsheet's empty formatted rows, one with spaces: not records
        lines.insert(at, "," * (len(cols) - 1) + ("\n" if at != 17 else " \n"))
    data = (",".join(cols) + "\n" + "".join(lines)).encode("utf-8")
    text = data.decode("utf-8")
    reader = duckdb.connect()
    fast = ingest._parse_clean_duckdb(text, feed, data, reader)
    careful = ingest._parse_careful(text, feed)
    assert fast is not None and fast.rejected and fast.rows_loaded > 0
    assert ingest._parse_clean(text, feed) is None  # Python's clean path leaves rejections to the careful one
    assert fast.rejected == careful.rejected
    assert (fast.rows_read, fast.rows_loaded) == (careful.rows_read, careful.rows_loaded) == (
        60, 60 - len(careful.rejected))
    assert fast.empty_rows == careful.empty_rows == 3
    assert 1 + fast.rows_read + fast.empty_rows == text.count("\n")  # every physical line accounted for
    for name, arr in careful.columns.items():
        assert fast.columns[name].to_pylist() == arr.to_pylist(), name
    assert {r[3].split(":")[0].split(" (")[0] for r in careful.rejected} >= {"identifier repeated within the file"}
