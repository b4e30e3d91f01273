"""The dbt core (staging, corrections, typed intermediate models, incident journey) on a small hand-made landing folder.

One real build (ingest + dbt via Dagster) for the whole module; every expected value below was worked out by hand from
the rows written here (calendar: Good Friday 2009-04-10, Easter Monday 2009-04-13)."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from scr_warehouse.policy import landing_columns

from tests.helpers import Landing, build, correction_row, notification_row, row

pytestmark = pytest.mark.slow  # one whole build for the module: not in make test-fast

AS_OF = "2011-01-31"
D = dt.date.fromisoformat


def cols(feed: str) -> list[str]:
    return [c.column_name for c in landing_columns()[feed]]


def notification(nid, incident_id, **over) -> dict:
    values = {"incident_date": "2010-05-03", "notified_date": "2010-05-05", "incident_type": "serious_injury",
              "suicide": "", "child_sex": "U", "child_age_months": "14", **over}
    return notification_row(nid, incident_id, **values)


def review(rid, incident_id, **over) -> dict:
    """This module's reviews: in progress, every other column empty unless given."""
    return row("reviews", **{"review_id": rid, "incident_id": incident_id, "lscb_la_code": "E06000001",
                             "status": "in_progress", **over})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("dbt_core")
    landing = Landing(root / "landing")
    n = [
        # I1: two children. N1 aware Thu 2009-04-09 -> +5 working days over Easter = Mon 2009-04-20.
        notification("N1", "I1", incident_date="2009-04-08", la_aware_date="2009-04-09", notified_date="2009-04-20",
                     incident_type="death", child_age_months="5", parent_ethnicity="WBRI"),
        # N2: earliest child of I1; la_aware_date missing -> incident_date Tue 2009-04-07 -> due Thu 2009-04-16.
        notification("N2", "I1", incident_date="2009-04-07", notified_date="2009-04-17", child_age_months="30"),
        # Northumberland county (E10000022) ended 2009-03-31: valid on 31 March, not on 1 April.
        notification("N3", "I2", la_code="E10000022", incident_date="2009-03-31", notified_date="2009-04-03"),
        notification("N4", "I3", la_code="E10000022", incident_date="2009-04-01", notified_date="2009-04-03"),
        # Northumberland unitary (E06000048) began 2009-04-01; DD/MM/YYYY date; not yet notified.
        notification("N5", "I4", la_code="E06000048", incident_date="01/04/2009", notified_date=""),
        # impossible date and out-of-range age -> NULL, row kept.
        notification("N6", "I5", incident_date="2009-02-30", child_age_months="216"),
        # County Durham (E06000047) began 2009-04-01: not valid for a 2008 incident.
        notification("N7", "I6", la_code="E06000047", incident_date="2008-12-01", notified_date="2008-12-02"),
        notification("N8", "I7", incident_date="2011-01-10", notified_date="2011-01-12"),
        notification("N9", "I8", incident_date="2010-11-01", notified_date="2010-11-03"),
        notification("N10", "I9", incident_date="2009-12-01", notified_date="2009-12-02"),
        notification("N11", "I10", incident_date="2009-06-01", notified_date="2009-06-02"),
        # notified after the as-of date: not yet notified as of AS_OF.
        notification("N12", "I11", incident_date="2011-01-28", notified_date="2011-02-03"),
    ]
    landing.write_rows("notifications", "2009-10_a.csv", n, cols("notifications"))
    # resubmission of N1 in a later file: age 5 -> 6 (latest version wins).
    landing.write_rows("notifications", "2009-10_b.csv", [{**n[0], "child_age_months": "6"}], cols("notifications"))
    r = [
        review("R1", "I1", chair_aware_date="2009-04-20", decision_date="2009-05-20", decision="scr",
               status="completed", completion_date="2009-09-20", report_pages="40"),
        review("R2", "I2", chair_aware_date="2010-01-31", decision_date="2010-03-31", decision="scr"),
        review("R3", "I3", chair_aware_date="2010-03-15", decision_date="2010-04-01", decision="scr",
               agreed_completion_date="2011-06-30"),
        review("R4", "I6", chair_aware_date="2010-03-20", decision_date="2010-04-01", decision="scr"),
        review("R5", "I5", chair_aware_date="2009-05-01", decision_date="2009-05-10", decision="no_scr",
               status="completed"),
        review("R6", "I8", chair_aware_date="2010-12-01"),
        review("R7", "I9", chair_aware_date="2010-01-05", decision_date="2010-01-20", decision="scr",
               status="completed", completion_date="2010-06-01"),
        review("R8", "I10", chair_aware_date="2009-06-10", decision_date="2009-06-20", decision="scr",
               status="completed", completion_date="2009-10-01"),
    ]
    landing.write_rows("reviews", "2010_a.csv", r, cols("reviews"))
    landing.write_rows("evaluations", "2010_a.csv", [
        {"evaluation_id": "E1", "review_id": "R1", "evaluation_date": "2009-12-01", "grade": "inadequate"},
        {"evaluation_id": "E2", "review_id": "R1", "evaluation_date": "2010-06-01", "grade": "adequate"},
        {"evaluation_id": "E3", "review_id": "R8", "evaluation_date": "2010-01-10", "grade": "good"},
    ], cols("evaluations"))
    action = {"agency": "health", "focus": "training", "lead_officer_named": "Y", "completed_date": ""}
    landing.write_rows("actions", "2010_a.csv", [
        {**action, "action_id": "A1", "review_id": "R1", "due_date": "2010-01-01", "status": "in_progress"},
        {**action, "action_id": "A2", "review_id": "R1", "due_date": "2010-01-01", "status": "completed",
         "completed_date": "2009-12-20"},
        {**action, "action_id": "A3", "review_id": "R8", "due_date": "2012-01-01", "status": "dropped"},
    ], cols("actions"))
    landing.write_rows("corrections", "2010_a.csv", [
        correction_row("C1", "notifications", "N2", "child_sex", "F", corrected_at="2010-01-01"),
        correction_row("C2", "notifications", "N2", "child_sex", "M", corrected_at="2010-02-01"),
        correction_row("C3", "notifications", "N2", "child_age_months", "300"),
        correction_row("C4", "notifications", "NX", "child_sex", "F"),
        correction_row("C5", "notifications", "N2", "colour", "F"),
        correction_row("C6", "notifications", "N2", "notification_id", "N99"),
        correction_row("C7", "notifications", "N2", "incident_date", ""),
        correction_row("C8", "notifications", "N1", "parent_ethnicity", ""),
        correction_row("C9", "reviews", "R1", "report_pages", "45"),
        correction_row("C10", "population", "E06000001", "population_0_17", "1"),
        correction_row("C11", "notifications", "N2", "la_code", "E99999999"),
        correction_row("C12", "notifications", "N2", "child_sex", "X", corrected_at="2010-12-01"),
        correction_row("C13", "evaluations", "E3", "evaluation_date", "15/01/2010", corrected_at="2010-06-01T10:30:00"),
        correction_row("C14", "evaluations", "E3", "evaluation_date", "31/02/2010", corrected_at="2010-06-02"),
    ], cols("corrections"))
    landing.write_rows("population", "2009.csv", [
        {"la_code": "E06000001", "year": "2009", "population_0_17": "20000", "source": "illustrative"},
    ], cols("population"))
    started = time.perf_counter()
    b = build(landing.root, root / "out", as_of=AS_OF)
    b.seconds = time.perf_counter() - started
    print(f"build on {len(n) + 1} notification rows took {b.seconds:.1f} s")
    return b


def one(built, sql, params=None):
    rows = built.query(sql, params)
    assert len(rows) == 1, f"expected one row, got {len(rows)}"
    return rows[0]


def test_latest_version_wins_and_versions_counted(built):
    age, versions, src = one(built, "select child_age_months, _versions, _source_file"
                                    " from intermediate.int_notifications where notification_id = 'N1'")
    assert (age, versions, src) == (6, 2, "notifications/2009-10_b.csv")
    assert one(built, "select count(*) from staging.stg_notifications")[0] == 12


def test_invalid_values_become_null_never_dropped(built):
    assert one(built, "select count(*) from intermediate.int_notifications")[0] == 12
    date, age, fy, in_stats = one(built, "select incident_date, child_age_months, financial_year, in_statistics"
                                         " from intermediate.int_notifications where notification_id = 'N6'")
    assert (date, age, fy, in_stats) == (None, None, None, False)
    # DD/MM/YYYY is read
    n5 = one(built, "select incident_date from intermediate.int_notifications where notification_id = 'N5'")
    assert n5[0] == D("2009-04-01")


def test_corrections_applied_rejected_superseded(built):
    rows = {r[0]: r[1:] for r in built.query(
        "select correction_id, status, reason, old_value, new_value from intermediate.int_corrections")}
    assert rows["C2"][:1] == ("applied",) and rows["C2"][2:] == ("U", "M")
    assert rows["C1"][0] == "superseded" and "C2" in rows["C1"][1]
    assert rows["C3"][0] == "rejected" and "child_age_months" in rows["C3"][1] and "0..215" in rows["C3"][1]
    assert rows["C4"][0] == "rejected" and rows["C4"][1].startswith("unknown record")
    assert rows["C5"][0] == "rejected" and rows["C5"][1].startswith("unknown column")
    assert rows["C6"][0] == "rejected" and "cannot be corrected" in rows["C6"][1]
    assert rows["C7"][0] == "rejected" and "required" in rows["C7"][1]
    assert rows["C8"] == ("applied", None, "WBRI", None)
    assert rows["C9"] == ("applied", None, "40", "45")
    assert rows["C10"][0] == "rejected" and rows["C10"][1].startswith("unknown feed")
    assert rows["C11"][0] == "rejected" and "English local authority" in rows["C11"][1]
    # an invalid later correction does not supersede the valid earlier one
    assert rows["C12"][0] == "rejected" and "child_sex" in rows["C12"][1]
    # DD/MM/YYYY accepted in a correction (timestamp corrected_at); an impossible date is rejected
    assert rows["C13"] == ("applied", None, "2010-01-10", "15/01/2010")
    assert rows["C14"][0] == "rejected" and "real date" in rows["C14"][1]
    assert one(built, "select evaluation_date, evaluation_financial_year from intermediate.int_evaluations"
                      " where evaluation_id = 'E3'") == (D("2010-01-15"), 200910)
    sex, age, la, corrected = one(built, "select child_sex, child_age_months, la_code, _corrected_columns"
                                         " from intermediate.int_notifications where notification_id = 'N2'")
    assert (sex, age, la, corrected) == ("M", 30, "E06000001", "child_sex")
    assert one(built, "select parent_ethnicity, _corrected_columns from intermediate.int_notifications"
                      " where notification_id = 'N1'") == (None, "parent_ethnicity")
    assert one(built, "select report_pages from intermediate.int_reviews where review_id = 'R1'")[0] == 45
    audit = one(built, "select steward, why, feed, record_id, column_name, old_value, new_value, status"
                       " from marts.correction_audit where correction_id = 'C2'")
    assert audit == ("steward.a", "steward check", "notifications", "N2", "child_sex", "U", "M", "applied")
    assert one(built, "select count(*) from marts.correction_audit")[0] == 14


def test_notification_due_in_working_days_over_easter(built):
    due = {r[0]: r[1:] for r in built.query(
        "select notification_id, la_aware_date, notification_due_date, notified_on_time"
        " from intermediate.int_notifications")}
    assert due["N1"] == (D("2009-04-09"), D("2009-04-20"), True)   # Thu + Fri GF, Mon EM skipped
    assert due["N2"] == (D("2009-04-07"), D("2009-04-16"), False)  # aware falls back to incident_date
    assert due["N3"] == (D("2009-03-31"), D("2009-04-07"), True)
    inc = one(built, "select incident_date, la_code, children, deaths, incident_type, notification_due_date,"
                     " notified_date, notified_on_time from intermediate.int_incidents where incident_id = 'I1'")
    assert inc == (D("2009-04-07"), "E06000001", 2, 1, "death", D("2009-04-16"), D("2009-04-17"), False)


def test_financial_year_and_la_validity_around_2009_reorganisation(built):
    rows = {r[0]: r[1:] for r in built.query(
        "select notification_id, financial_year, la_valid, in_statistics, region_name, la_name"
        " from intermediate.int_notifications")}
    assert rows["N3"] == (200809, True, True, "North East", "Northumberland")    # 31 March 2009, county still valid
    assert rows["N4"] == (200910, False, False, "North East", "Northumberland")  # 1 April 2009, county gone
    assert rows["N5"][:3] == (200910, True, True)                                # unitary from 1 April 2009
    assert rows["N7"][:3] == (200809, False, False)                              # Durham unitary not yet
    assert rows["N1"][:2] == (200910, True)


def test_decision_and_completion_timescales(built):
    rows = {r[0]: r[1:] for r in built.query(
        "select review_id, decision_due_date, decision_on_time, completion_due_date, completion_rule_months,"
        " completed_on_time from intermediate.int_reviews")}
    assert rows["R1"] == (D("2009-05-20"), True, D("2009-09-20"), 4, True)
    assert rows["R2"] == (D("2010-02-28"), False, D("2010-07-31"), 4, None)   # 31 Jan + 1 month; 31 Mar decision: 4
    assert rows["R4"] == (D("2010-04-20"), True, D("2010-10-01"), 6, None)    # decided 1 April 2010: 6 months
    assert rows["R3"][2:4] == (D("2011-06-30"), None)                          # agreed date overrides
    assert rows["R6"][:2] == (D("2011-01-01"), None)                           # pending: on-time NULL
    assert rows["R5"][2] is None                                               # no_scr has no completion due


def test_journey_stuck_at(built):
    rows = dict(built.query("select incident_id, stuck_at from marts.incident_journey"))
    assert rows == {
        "I1": "actions outstanding", "I2": "review overdue", "I3": "review in progress",
        "I4": "awaiting notification", "I5": "no review needed", "I6": "review overdue",
        "I7": "awaiting review decision", "I8": "decision overdue", "I9": "awaiting evaluation", "I10": "closed",
        "I11": "awaiting notification",
    }
    j = one(built, "select evaluations, latest_grade, action_items, actions_completed, actions_overdue, as_of_date"
                   " from marts.incident_journey where incident_id = 'I1'")
    assert j == (2, "adequate", 2, 1, 1, D(AS_OF))


def test_population_and_policy_seeds(built):
    assert one(built, "select financial_year, population_0_17 from intermediate.int_population") == (200910, 20000)
    assert one(built, "select value from policy.publication_settings where setting = 'disclosure_threshold'")[0] == "5"
    assert built.query("select count(*) from policy.bank_holidays where year(holiday_date) = 2009")[0][0] == 9
