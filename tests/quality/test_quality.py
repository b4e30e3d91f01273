"""Data quality for the stewards (contract sections 1 and 3), through the real build (ingest, dbt, GX, Dagster).

A corpus of bad input with every problem code, every rejected-file reason, a good and a bad correction; built once
before and once after a resubmission and a correction that fix some problems. The expected queue below is derived
by hand from the corpus (file names and physical line numbers: header = line 1)."""
from __future__ import annotations

import csv
import re
import shutil

import duckdb
import pytest

from scr_warehouse import quality
from scr_warehouse.policy import code_lists, landing_columns

from tests.helpers import TEST_OUTPUT, Landing, build, correction_row, notification_row, review_row

SCRIPT = "<script>alert(1)</script>"
pytestmark = pytest.mark.slow  # whole builds: not in make test-fast

N_COLS = [c.column_name for c in landing_columns()["notifications"]]
R_COLS = [c.column_name for c in landing_columns()["reviews"]]


def notif(nid, incident, **kw):
    """This module's notifications: incidents of May 2009, a child of 12 months."""
    return notification_row(nid, incident, **{"incident_date": "2009-05-01", "la_aware_date": "2009-05-01",
                                              "notified_date": "2009-05-05", "child_age_months": "12", **kw})


def write_corpus(land: Landing) -> None:
    # notifications/2009-10_a.csv: header line 1, N1 line 2, ...
    rows = [
        notif("N1", "I1"),                                                    # 2 good
        notif("N2", "I2", harm_category=""),                                  # 3 missing_required (fixed by C1)
        notif("N3", "I3", incident_type="boom", child_age_months="300"),      # 4 2x invalid_value (resubmission fixes)
        notif("N4", "I4", incident_date="2009-02-30"),                        # 5 invalid_date
        notif("N5", "I5", notified_date="2009-04-01"),                        # 6 date_order (notified before incident)
        notif("N6", "I6", la_code="E99999999"),                               # 7 unknown_reference (not an LA)
        notif("N7", "I7", la_code="E10000010", incident_date="2009-06-01",    # 8 unknown_reference (Durham ended
              la_aware_date="2009-06-01", notified_date="2009-06-03"),        #   2009-03-31)
        notif(SCRIPT, "I8", legal_status="XX"),                               # 9 invalid_value, payload in the id
        notif("", "I9"),                                                      # 10 rejected_row: no identifier
        notif("N1", "I1", child_sex="F"),                                     # 11 rejected_row: repeated identifier
        notif("N9", "I9", incident_date="15/05/2009", la_aware_date="15/05/2009",  # 12 good (DD/MM/YYYY dates)
              notified_date="18/05/2009"),
    ]
    land.write_rows("notifications", "2009-10_a.csv", rows, columns=N_COLS)
    # a row with too few fields appended as line 13
    with open(land.root / "notifications" / "2009-10_a.csv", "a", encoding="utf-8", newline="") as f:
        f.write("N10,I10,E06000001\r\n")

    land.write_rows("reviews", "2009-10_a.csv", [
        review_row("R1", "I1"),                                                 # 2 good
        review_row("R2", "I404", chair_aware_date="2009-06-01", decision_date="2009-05-01",  # 3 unknown_reference,
                   status="in_progress", completion_date=""),                   #   date_order (decided before chair)
        review_row("R3", "I2", completion_date="2009-05-15"),                   # 4 date_order (completed < decision)
    ], columns=R_COLS)
    land.write_rows("evaluations", "2009-10_a.csv", [
        dict(evaluation_id="V1", review_id="R1", evaluation_date="2009-10-01", grade="good"),       # 2 good
        dict(evaluation_id="V2", review_id="R404", evaluation_date="2009-10-01", grade="good"),     # 3 unknown_ref
        # 4 date_order, invalid_value
        dict(evaluation_id="V3", review_id="R1", evaluation_date="2009-08-01", grade="superb"),
    ])
    land.write_rows("actions", "2009-10_a.csv", [
        dict(action_id="A1", review_id="R404", agency="health", focus="training", lead_officer_named="Y",
             due_date="2010-01-01", status="completed", completed_date="2009-12-01"),              # 2 unknown_reference
        dict(action_id="A2", review_id="R1", agency="aliens", focus="training", lead_officer_named="Y",
             due_date="2010-01-01", status="in_progress", completed_date=""),                       # 3 invalid_value
    ])
    land.write_rows("population", "2009_a.csv", [
        dict(la_code="E06000001", year="2009", population_0_17="20000", source="illustrative"),    # 2 good
        dict(la_code="X1", year="2009", population_0_17="-5", source="illustrative"),    # 3 unknown_ref, invalid
    ])
    # every rejected-file reason
    land.write_bytes("notifications", "2009-10_b_latin1.csv",
                     ",".join(N_COLS).encode() + b"\r\nN20,I20,E06000001,2009-05-01,,2009-05-05,death,N,neglect,M,12,"
                     b"WBRI,,N,Y,N,N,NONE caf\xe9\r\n")
    land.write_bytes("notifications", "2009-10_c_binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    land.write_bytes("notifications", "2009-10_d_empty.csv", b"")
    land.write_text("notifications", "2009-10_e_missing.csv", "notification_id,incident_id\r\nN30,I30\r\n")
    # corrections: a good one (fixes N2's missing harm_category) and a bad one (invalid code)
    land.write_rows("corrections", "2010-01_a.csv", [
        correction_row("C1", "notifications", "N2", "harm_category", "neglect", reason="confirmed with LA",
                       steward="s1", corrected_at="2010-01-05"),  # 2 applied
        correction_row("C2", "notifications", "N4", "incident_date", "2009-02-31", reason="typo", steward="s1",
                       corrected_at="2010-01-05"),  # 3 rejected
    ])


def write_fixes(land: Landing) -> None:
    # a resubmission fixing N3, and a corrected correction for N4 (C2 resubmitted with a real date)
    land.write_rows("notifications", "2010-11_resubmission.csv", [notif("N3", "I3")], columns=N_COLS)
    land.write_rows("corrections", "2010-02_b.csv", [
        correction_row("C2", "notifications", "N4", "incident_date", "2009-02-28", reason="typo, second go",
                       steward="s1", corrected_at="2010-02-01"),
    ])


NA = "notifications/2009-10_a.csv"
# (feed, record_id, source_file, source_line, column_name, problem) expected before the fixes.
EXPECTED_BEFORE = {
    ("notifications", "N2", NA, "3", "harm_category", "missing_required"),  # gone? no: C1 fixes it already
    ("notifications", "N3", NA, "4", "incident_type", "invalid_value"),
    ("notifications", "N3", NA, "4", "child_age_months", "invalid_value"),
    ("notifications", "N4", NA, "5", "incident_date", "invalid_date"),
    ("notifications", "N5", NA, "6", "notified_date", "date_order"),
    ("notifications", "N6", NA, "7", "la_code", "unknown_reference"),
    ("notifications", "N7", NA, "8", "la_code", "unknown_reference"),
    ("notifications", SCRIPT, NA, "9", "legal_status", "invalid_value"),
    ("notifications", "", NA, "10", "notification_id", "rejected_row"),
    ("notifications", "N1", NA, "11", "notification_id", "rejected_row"),
    ("notifications", "N10", NA, "13", "", "rejected_row"),
    ("notifications", "", "notifications/2009-10_b_latin1.csv", "", "", "rejected_file"),
    ("notifications", "", "notifications/2009-10_c_binary.csv", "", "", "rejected_file"),
    ("notifications", "", "notifications/2009-10_d_empty.csv", "", "", "rejected_file"),
    ("notifications", "", "notifications/2009-10_e_missing.csv", "", "", "rejected_file"),
    ("reviews", "R2", "reviews/2009-10_a.csv", "3", "incident_id", "unknown_reference"),
    ("reviews", "R2", "reviews/2009-10_a.csv", "3", "decision_date", "date_order"),
    ("reviews", "R3", "reviews/2009-10_a.csv", "4", "completion_date", "date_order"),
    ("evaluations", "V2", "evaluations/2009-10_a.csv", "3", "review_id", "unknown_reference"),
    ("evaluations", "V3", "evaluations/2009-10_a.csv", "4", "evaluation_date", "date_order"),
    ("evaluations", "V3", "evaluations/2009-10_a.csv", "4", "grade", "invalid_value"),
    ("actions", "A1", "actions/2009-10_a.csv", "2", "review_id", "unknown_reference"),
    ("actions", "A2", "actions/2009-10_a.csv", "3", "agency", "invalid_value"),
    ("population", "X1|2009", "population/2009_a.csv", "3", "la_code", "unknown_reference"),
    ("population", "X1|2009", "population/2009_a.csv", "3", "population_0_17", "invalid_value"),
    ("corrections", "N4", "corrections/2010-01_a.csv", "3", "incident_date", "rejected_correction"),
}
# N2's missing harm_category is fixed by the good correction C1 in the same build.
EXPECTED_BEFORE.discard(("notifications", "N2", NA, "3", "harm_category", "missing_required"))
FIXED = {
    ("notifications", "N3", NA, "4", "incident_type", "invalid_value"),
    ("notifications", "N3", NA, "4", "child_age_months", "invalid_value"),
    ("notifications", "N4", NA, "5", "incident_date", "invalid_date"),
    ("corrections", "N4", "corrections/2010-01_a.csv", "3", "incident_date", "rejected_correction"),
}
EXPECTED_AFTER = EXPECTED_BEFORE - FIXED
KEY = ("feed", "record_id", "source_file", "source_line", "column_name", "problem")


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def before():
    root = TEST_OUTPUT / "quality"
    if root.exists():
        shutil.rmtree(root)
    land = Landing(root / "landing")
    write_corpus(land)
    return build(land.root, root / "before")


@pytest.fixture(scope="module")
def after(before):
    land = Landing(before.landing)
    write_fixes(land)
    return build(land.root, TEST_OUTPUT / "quality" / "after")


def _queue(built):
    return _read_csv(built.release / "quality" / "steward_queue.csv")


def test_suites_are_generated_from_the_seeds():
    for feed in quality.GX_FEEDS:
        assert quality.suite_path(feed).read_text(encoding="utf-8") == quality.suite_json(feed), \
            f"expectations/{feed}.json is stale: run scr-warehouse suites"
    suite = quality.generate_suite("notifications")
    sets = {e["meta"]["column"]: e["kwargs"]["value_set"] for e in suite["expectations"]
            if e["type"] == "expect_column_values_to_be_in_set" and e["meta"]["problem"] == "invalid_value"}
    assert sets["child_ethnicity"] == sorted(code_lists()["ethnicity"])
    required = {e["meta"]["column"] for e in suite["expectations"] if e["meta"]["problem"] == "missing_required"}
    assert required == {c.column_name for c in landing_columns()["notifications"] if c.required}
    assert all(e["meta"]["problem"] in quality.PROBLEMS for f in quality.GX_FEEDS
               for e in quality.generate_suite(f)["expectations"])


def test_queue_has_exactly_the_expected_problems(before):
    rows = _queue(before)
    assert list(rows[0].keys()) == ["feed", "record_id", "la_code", "la_name", "source_file", "source_line",
                                    "column_name", "problem", "value", "message"]
    assert all(r["message"] for r in rows)
    got = [tuple(r[k] for k in KEY) for r in rows]
    assert len(got) == len(set(got)), "one row per problem"
    assert set(got) == EXPECTED_BEFORE


def test_queue_values_and_la_codes(before):
    rows = {tuple(r[k] for k in KEY): r for r in _queue(before)}
    r = rows[("notifications", "N3", NA, "4", "incident_type", "invalid_value")]
    assert (r["la_code"], r["value"]) == ("E06000001", "boom")
    assert rows[("notifications", "N6", NA, "7", "la_code", "unknown_reference")]["value"] == "E99999999"
    # evaluations and actions belong to their review's LSCB
    v3 = rows[("evaluations", "V3", "evaluations/2009-10_a.csv", "4", "grade", "invalid_value")]
    assert v3["la_code"] == "E06000001"
    files = {r["source_file"]: r["value"] for r in rows.values() if r["problem"] == "rejected_file"}
    assert "not UTF-8" in files["notifications/2009-10_b_latin1.csv"]
    assert "binary" in files["notifications/2009-10_c_binary.csv"]
    assert "empty" in files["notifications/2009-10_d_empty.csv"]
    assert "missing required column" in files["notifications/2009-10_e_missing.csv"]
    # keyed by the record it names (N4), never by the correction's own id; the value names the correction
    assert "correction C2: " in rows[("corrections", "N4", "corrections/2010-01_a.csv", "3", "incident_date",
                                      "rejected_correction")]["value"]
    assert "not a real date" in rows[("corrections", "N4", "corrections/2010-01_a.csv", "3", "incident_date",
                                      "rejected_correction")]["value"]


def test_gx_failures_in_warehouse(before):
    got = before.query("select problem, count(*) from quality.gx_failures group by 1 order by 1")
    expected = {}
    for k in EXPECTED_BEFORE:
        if k[5] in ("missing_required", "invalid_value", "invalid_date", "date_order", "unknown_reference"):
            expected[k[5]] = expected.get(k[5], 0) + 1
    assert dict(got) == expected
    cols = [r[0] for r in before.query("select column_name from information_schema.columns where table_schema"
                                       " = 'quality' and table_name = 'gx_failures' order by ordinal_position")]
    assert cols == quality.GX_FAILURE_COLUMNS


def test_per_la_files(before):
    by_la = before.release / "quality" / "by_la"
    e06 = _read_csv(by_la / "E06000001_Hartlepool.csv")  # named by code and name
    assert e06 and all(r["la_code"] == "E06000001" for r in e06)
    unknown = _read_csv(by_la / "national_team.csv")
    assert {r["la_code"] for r in unknown} >= {"E99999999", "X1", ""}
    total = sum(len(_read_csv(p)) for p in by_la.glob("*.csv"))
    assert total == len(_queue(before))


def test_data_docs_escape_landing_values_and_work_offline(before):
    docs = before.release / "quality" / "data_docs"
    pages = list(docs.rglob("*.html"))
    assert (docs / "index.html").exists() and len(pages) >= 6
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert quality.external_references(docs) == []
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text, re.IGNORECASE)
    # The index lists every page without a script (GX's own tables need jQuery from a CDN).
    index = (docs / "index.html").read_text(encoding="utf-8")
    nav = index[index.index('<nav id="scr-offline-index"'):]
    nav = nav[:nav.index("</nav>")]
    for feed in quality.GX_FEEDS:
        assert f'href="expectations/{feed}.html"' in nav
        assert re.search(rf'href="validations/{feed}/[^"]+\.html"', nav)


def test_feed_groups_balance_the_work():
    assert quality.feed_groups({"a": 10, "b": 6, "c": 5, "d": 1}, 2) == [["a", "d"], ["b", "c"]]
    assert quality.feed_groups({"a": 1, "b": 1}, 1) == [["a", "b"]]
    assert quality.feed_groups({"a": 1}, 4) == [["a"]]


def test_validation_on_two_workers_reading_the_warehouse_equals_one_process(before, tmp_path):
    con = duckdb.connect(str(before.warehouse), read_only=True)
    try:
        frames = quality.read_frames(con)
    finally:
        con.close()
    # one process on frames read here; two workers that read their feeds from the warehouse file themselves
    runs = {1: quality.validate_all(frames, docs_dir=tmp_path / "docs1", workers=1),
            2: quality.validate_all(before.warehouse, docs_dir=tmp_path / "docs2", workers=2)}
    summary = {w: [(r.feed, r.records, r.success, r.evaluated, r.failed_expectations, r.problems) for r in res]
               for w, (res, _) in runs.items()}
    assert summary[1] == summary[2] and [s[0] for s in summary[2]] == list(quality.GX_FEEDS)
    rows = {w: sorted(map(tuple, f.astype(str).values.tolist())) for w, (_, f) in runs.items()}
    assert rows[1] == rows[2] and rows[1]
    # the Data Docs built from the workers' results have a validation page and a suite page for every feed
    for w in (1, 2):
        docs = tmp_path / f"docs{w}"
        for feed in quality.GX_FEEDS:
            assert (docs / "expectations" / f"{feed}.html").exists()
            assert list((docs / "validations" / feed).rglob("*.html"))


def test_fixed_problems_leave_the_queue(after):
    got = {tuple(r[k] for k in KEY) for r in _queue(after)}
    assert got == EXPECTED_AFTER


def test_scoreboard_and_chase(after):
    sb = after.df("select * from quality.la_scoreboard where la_code = 'E06000001' and financial_year = 200910 "
                  "and financial_quarter = 1")
    assert len(sb) == 1
    # E06000001 notifications with a real incident date in Apr-Jun 2009: N1, N2, N3, N4 (corrected to 2009-02-28
    # -> financial year 200809, not here), N5, N8 (<script>), N9 -> N1 N2 N3 N5 N8 N9
    assert int(sb["notifications"].iloc[0]) == 6
    # open problems on those: N5 date_order, N8 invalid_value, N1's repeated row (line 11)
    assert int(sb["problems_open"].iloc[0]) == 3
    chase = after.df("select chase, record_id from quality.chase_list order by 1, 2")
    items = set(map(tuple, chase.to_numpy().tolist()))
    # A2 due 2010-01-01, in progress -> overdue at 2018-06-30; R2 pending with no decision
    assert ("action_overdue", "A2") in items
    assert ("scr_past_due", "R2") in items  # scr decided 2009-05-01, never completed
    assert ("no_review_decision", "I5") in items  # notified 2009-05-05, no review at all
    # R3 (scr, completed, on I2) has no evaluation
    assert ("completed_no_evaluation", "R3") in items
    files = list((after.release / "quality" / "chase").glob("*.csv"))
    assert files and all(p.parent.parent.name == "quality" for p in files)
    # the files for people: named by code and LA name; what is late and who must act in words; an overdue action
    # listed once (in overdue_actions/, not in the chase list too)
    rows = [r for p in files for r in _read_csv(p)]
    assert all(re.fullmatch(r"E\d{8}_[A-Za-z0-9_]+\.csv", p.name) for p in files if p.stem != "national_team")
    assert rows and all(r["what_is_late"] and r["who_must_act"] and "_" not in r["what_is_late"] for r in rows)
    assert "A2" not in {r["record_id"] for r in rows}
    overdue = [r for p in (after.release / "quality" / "overdue_actions").glob("*.csv") for r in _read_csv(p)]
    assert "A2" in {r["action_id"] for r in overdue}
    audit = _read_csv(after.release / "quality" / "correction_audit.csv")
    assert audit and "la_code" in audit[0] and any(r["la_code"] == "E06000001" for r in audit)
