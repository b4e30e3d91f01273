"""Careless and hostile landing files (issue 13): one real build of a landing folder holding every case, then the
stewards' queue, the raw layer's accounting and the outputs are checked; a second build after an LA fixes a file in
place; and a build that finds the warehouse locked."""
from __future__ import annotations

import csv
import fcntl
import os
import re

import pytest

from tests.helpers import TEST_OUTPUT, Landing, build, notification_row

pytestmark = pytest.mark.slow

HART = "E06000001"
COLUMNS = ["notification_id", "incident_id", "la_code", "incident_date", "la_aware_date", "notified_date",
           "incident_type", "suicide", "harm_category", "child_sex", "child_age_months", "child_ethnicity",
           "parent_ethnicity", "disability", "known_to_csc", "cin_status", "cp_plan", "legal_status"]
PAYLOADS = ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1:A2)", "+cmd", "-2+3"]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"


def child(nid: str, **over) -> dict:
    return notification_row(nid, over.pop("incident_id", f"I-{nid}"), **{"la_code": HART, **over})


def line(row: dict) -> str:
    return ",".join(row[c] for c in COLUMNS)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = TEST_OUTPUT / "intake"
    landing = Landing(out / "landing")
    rows = [child(f"N{i}") for i in range(12)]
    rows += [child("N-old", incident_date="0009-10-01"), child("N-1900", incident_date="1900-01-01"),
             child("N-future", incident_date="2029-05-01", notified_date="2029-05-02"),
             child("n3"),  # differs from N3 only in letter case
             child("N-script", child_sex=SCRIPT), child("N-img", child_ethnicity=IMG)]
    rows += [child(p, incident_id=p) for p in PAYLOADS]
    landing.write_rows("notifications", "2012-13_q1.csv", rows, columns=COLUMNS)
    # a quote closed on the next line swallows the following record
    broken = ",".join(COLUMNS) + "\n" + line(child("Q1")) + "\n" \
        + line(child("Q2")).replace("neglect", '"neglect', 1) + "\n" + line(child("Q3")) + "\n" \
        + line(child("Q4")).replace("neglect", 'neglect"', 1) + "\n" + line(child("Q5")) + "\n"
    landing.write_text("notifications", "2012-13_q2.csv", broken)
    # an identifier of a zero-width space, a byte-order mark alone; Excel's empty formatted rows; a long note
    odd = [child("\u200b"), child("\ufeff"), child("Z1", note="x" * 200_000)]
    text = ",".join(COLUMNS + ["note"]) + "\n" + "\n".join(
        ",".join(r.get(c, "") for c in COLUMNS + ["note"]) for r in odd) + "\n" + ",," * 9 + "\n" * 1 + ",,,,\n"
    landing.write_text("notifications", "2012-13_q3.csv", text)
    landing.write_bytes("notifications", "2012-13_q4.csv", (",".join(COLUMNS) + "\n").encode("utf-16"))
    # files the ingest does not take
    outside = out / "outside.csv"
    outside.write_text(",".join(COLUMNS) + "\n" + line(child("OUT1")) + "\n", encoding="utf-8")
    for rel in ("Notifications/2012-13_q5.csv", "notifications/2011/old.csv", "notifications/.q3.csv",
                "stray.csv", "notifcations/2012-13.csv", "notifications/readme.txt"):
        p = landing.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(",".join(COLUMNS) + "\n" + line(child("HIDDEN-" + rel.replace("/", "_"))) + "\n",
                     encoding="utf-8")
    for name, target in (("link.csv", outside), ("dangling.csv", out / "missing.csv")):
        link = landing.root / "notifications" / name
        if link.is_symlink():
            link.unlink()
        link.symlink_to(target)
    return build(landing.root, out, as_of="2018-06-30")


def queue(built) -> list[dict]:
    with open(built.release / "quality" / "steward_queue.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_files_not_taken_are_reported_and_links_never_followed(built):
    rejected = {q["source_file"]: q for q in queue(built) if q["problem"] == "rejected_file"}
    for rel, words in (("Notifications/2012-13_q5.csv", "lower case"), ("notifications/2011/old.csv", "sub-folder"),
                       ("notifications/.q3.csv", "hidden"), ("stray.csv", "not in a feed folder"),
                       ("notifcations/2012-13.csv", "not a feed folder"), ("notifications/readme.txt", ".csv"),
                       ("notifications/link.csv", "link"), ("notifications/dangling.csv", "link to nothing"),
                       ("notifications/2012-13_q4.csv", "UTF-16")):
        assert rel in rejected, f"{rel} not reported"
        assert words in rejected[rel]["value"] and rejected[rel]["message"], rejected[rel]
    loaded = {r[0] for r in built.query("select notification_id from raw.notifications")}
    assert not any(i.startswith(("HIDDEN", "OUT")) for i in loaded)
    # national team: problems with no LA are in a named file
    assert (built.release / "quality" / "by_la" / "national_team.csv").exists()


def test_every_physical_line_is_accounted_for(built):
    for src, read, ok, rej, empty in built.query(
            "select source_file, rows_read, rows_loaded, rows_rejected, coalesce(empty_rows, 0) from raw.load_log "
            "where status = 'loaded'"):
        assert read == ok + rej, src
        text = (built.landing / src).read_text(encoding="utf-8")
        records = read + empty + 1  # header
        assert records <= text.count("\n"), src
    (q3,) = built.query("select empty_rows from raw.load_log where source_file like '%q3.csv'")
    assert q3[0] == 2
    assert not [q for q in queue(built) if q["source_file"].endswith("q3.csv") and q["source_line"] in ("5", "6")]


def test_swallowed_record_is_rejected_with_its_lines(built):
    rows = {(q["record_id"], q["problem"]): q for q in queue(built) if q["source_file"].endswith("q2.csv")}
    q = rows[("Q2", "rejected_row")]
    assert "line 3 to line 5" in q["value"] and "quote" in q["message"]
    assert {r[0] for r in built.query("select notification_id from raw.notifications "
                                      "where _source_file like '%q2.csv'")} == {"Q1", "Q5"}


def test_identifiers_invisible_or_differing_only_in_case(built):
    q = queue(built)
    invisible = [r for r in q if r["source_file"].endswith("q3.csv") and r["problem"] == "rejected_row"]
    assert len(invisible) == 2 and all("invisible" in r["value"] for r in invisible)
    twin = [r for r in q if r["record_id"] == "n3" and r["problem"] == "invalid_value"]
    assert twin and "letter case" in twin[0]["message"]
    assert built.query("select count(*) from raw.notifications where notification_id = 'Z1'")[0][0] == 1


def test_implausible_and_future_dates_are_invalid_values_and_stay_out_of_figures(built):
    q = {r["record_id"]: r for r in queue(built) if r["column_name"] == "incident_date"
         and r["problem"] == "invalid_value"}
    assert {"N-old", "N-1900", "N-future"} <= set(q)
    assert "2000-01-01" in q["N-old"]["message"]
    periods = {r["time_period"] for r in built.release_csv("notifications_by_area", restricted=True)}
    assert periods == {"201213"}


def test_formulas_neutralised_in_every_csv_for_people_and_kept_raw(built):
    files = [built.release / "quality" / "steward_queue.csv", *(built.release / "quality").rglob("by_la/*.csv"),
             *(built.release / "quality").rglob("chase/*.csv")]
    seen = set()
    for path in files:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"{path.name}: {cell!r}"
                    if cell.lstrip("'") in PAYLOADS:
                        seen.add(cell.lstrip("'"))
    assert seen == set(PAYLOADS)
    raw = {r[0] for r in built.query("select incident_id from raw.notifications")}
    assert set(PAYLOADS) <= raw


def test_every_html_file_escapes_landing_values(built):
    pages = list(built.release.rglob("*.html"))
    assert any("data_docs" in str(p) for p in pages)
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        assert SCRIPT not in text and IMG not in text, page
        assert not re.search(r"<img[^>]*onerror", text, re.IGNORECASE), page


def test_a_file_fixed_in_place_is_a_new_submission(tmp_path):
    landing = Landing(tmp_path / "landing")
    landing.write_rows("notifications", "batch.csv", [child("F1", child_sex="X"), child("F2")], columns=COLUMNS)
    build(landing.root, tmp_path)
    landing.write_rows("notifications", "batch.csv", [child("F1", child_sex="F")], columns=COLUMNS)
    b = build(landing.root, tmp_path)
    assert not b.summary.get("up_to_date")  # a file fixed in place is a change, even at the same size
    assert b.query("select child_sex from staging.stg_notifications where notification_id = 'F1'") == [("F",)]
    q = queue(b)
    assert not [r for r in q if r["record_id"] == "F1"]  # the fixed problem left the queue
    gone = [r for r in q if r["record_id"] == "F2"]
    assert gone and "no longer in notifications/batch.csv" in gone[0]["message"]


def test_a_second_build_on_a_locked_warehouse_says_so_in_one_line(tmp_path):
    from scr_warehouse.build import BuildError, run_build

    landing = Landing(tmp_path / "landing")
    landing.write_rows("notifications", "a.csv", [child("L1")], columns=COLUMNS)
    wh = tmp_path / "warehouse.duckdb"
    with open(str(wh) + ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BuildError) as e:
            run_build(str(landing.root), str(wh), str(tmp_path / "release"), "2018-06-30")
    assert "another build" in str(e.value) and "\n" not in str(e.value)
    assert not os.path.exists(tmp_path / "release" / "quality")


def test_check_command_reports_a_files_problems_and_loads_nothing(tmp_path, capsys):
    from scr_warehouse.cli import main

    good = tmp_path / "good.csv"
    bad = tmp_path / "bad.csv"
    good.write_text(",".join(COLUMNS) + "\n" + line(child("G1")) + "\n", encoding="utf-8")
    bad.write_text(",".join(COLUMNS) + "\n" + line(child("B1", child_sex="Q")) + "\n", encoding="utf-8")
    assert main(["check", str(good), "--feed", "notifications"]) == 0
    assert main(["check", str(bad), "--feed", "notifications"]) == 1
    out = capsys.readouterr().out
    assert "line 2, column child_sex: invalid_value" in out and "allowed values: M, F, U" in out
    assert not any(tmp_path.glob("*.duckdb"))



def test_check_gives_each_file_the_queues_rows_without_a_warehouse(built):
    """`scr-warehouse check` on each landing file of the build gives exactly the queue rows of that file (every
    column, message included): rejected files and rows, invisible identifiers, a swallowed record, case twins within
    a file, implausible dates, formula and HTML payloads as values."""
    from scr_warehouse.check import QUEUE_COLUMNS, check_problems
    from scr_warehouse.ingest.landing import landing_files

    cols = ", ".join(QUEUE_COLUMNS)
    compared = set()
    for path in landing_files(built.landing, "notifications"):
        rel = f"notifications/{path.name}"
        queue_rows = built.query(f"select {cols} from quality.steward_queue where source_file = ?", [rel])
        expected = sorted((tuple(r) for r in queue_rows), key=repr)
        got = sorted((tuple(p.row[c] for c in QUEUE_COLUMNS) for p in check_problems(path, "notifications")), key=repr)
        assert got == expected, rel
        compared |= {r[QUEUE_COLUMNS.index("problem")] for r in expected}
    assert compared >= {"rejected_file", "rejected_row", "invalid_value"}
