"""Known answers for the action-plan audit: ONE real build of a landing folder whose 40 serious case reviews and 634
action-plan items reproduce Rose and Barnes (2008), Improving safeguarding practice (shared seed
002_1e0186ac25ac89a7.txt), Table 18 (focus of recommendations, in order of frequency) and the lead-officer and
completion-date rows of Table 20 (per review: Yes for every action, No for none, Partly, Not clear where the review
has no action records). Also the overdue-action lists and the actions' data-quality rules in the stewards' queue."""
from __future__ import annotations

import csv

import pytest

from tests.helpers import TEST_OUTPUT, Landing, build, notification_row, review_row

pytestmark = pytest.mark.slow

HART, MIDD = "E06000001", "E06000002"
TABLE_18 = [("existing_procedures", "Existing procedures", 104), ("new_procedures", "New procedures", 94),
            ("other", "Other", 93), ("communication", "Communication", 81), ("training", "Training", 72),
            ("assessment", "Assessment of children and families", 52), ("management", "Management", 44),
            ("risk_assessment", "Risk assessment", 22), ("supervision", "Supervision", 20),
            ("roles_of_staff", "Roles of staff", 16), ("decision_making", "Decision making", 15),
            ("direct_work", "Direct work with children and families", 9), ("new_staff", "New staff", 7),
            ("staff_knowledge", "Knowledge, skills and experience of staff", 5)]
AGENCIES = ["childrens_social_care", "health", "police", "education", "probation", "housing", "lscb", "other"]
REVIEWS, WITH_ACTIONS = 40, 36  # reviews 36..39 have no action records: "Not clear from report"
LEAD_YES = range(0, 21)  # 21 reviews name a lead officer for every action, 15 for none
DUE_ALL, DUE_NONE = range(0, 24), range(24, 33)  # 24 date every action, 9 none, 3 (33..35) some


def landing_rows():
    notes, reviews, actions = [], [], []
    for r in range(REVIEWS):
        la = MIDD if r % 2 else HART
        notes.append(notification_row(f"N{r}", f"I{r}", la_code=la, incident_date="2009-06-01",
                                      notified_date="2009-06-03", child_age_months=40))
        reviews.append(review_row(f"R{r}", f"I{r}", lscb_la_code=la, chair_aware_date="2009-06-10",
                                  decision_date="2009-07-01", completion_date="2009-12-01", report_pages=40,
                                  recommendations=15, action_points=18))
    focus = [code for code, _, n in TABLE_18 for _ in range(n)]
    for k, f in enumerate(focus):
        r = k % WITH_ACTIONS
        dated = r in DUE_ALL or (r not in DUE_NONE and (k // WITH_ACTIONS) % 2 == 0)
        done = k % 3 == 0
        actions.append({"action_id": f"A{k}", "review_id": f"R{r}", "agency": AGENCIES[k % len(AGENCIES)],
                        "focus": f, "lead_officer_named": "Y" if r in LEAD_YES else "N",
                        "due_date": "2010-06-30" if dated else "", "status": "completed" if done else "in_progress",
                        "completed_date": "2010-05-01" if done else ""})
    # two data-quality problems for the queue: completed without a date; completed before the review was
    actions[3]["completed_date"] = ""
    actions[6]["completed_date"] = "2009-10-01"
    return notes, reviews, actions


@pytest.fixture(scope="module")
def built():
    out = TEST_OUTPUT / "actions_known_answers"
    landing = Landing(out / "landing")
    notes, reviews, actions = landing_rows()
    landing.write_rows("notifications", "2009-10_q1.csv", notes)
    landing.write_rows("reviews", "2009-10_q1.csv", reviews)
    landing.write_rows("actions", "2010-11_q1.csv", actions)
    return build(landing.root, out, as_of="2011-03-31")


def national(built, restricted: bool, **where) -> list[dict]:
    rows = built.release_csv("review_actions", restricted=restricted)
    return [r for r in rows if r["time_period"] == "200910" and r["geographic_level"] == "National"
            and all(r[k] == v for k, v in where.items())]


def test_table_18_focus_of_recommendations_from_records(built):
    rows = national(built, True, agency="Total", status="Total")
    got = {r["focus"]: r["actions"] for r in rows if r["focus"] not in ("Total", "Not known")}
    assert got == {label: str(n) for _, label, n in TABLE_18}
    in_order = sorted(got, key=lambda f: -int(got[f]))
    assert [int(got[f]) for f in in_order] == [104, 94, 93, 81, 72, 52, 44, 22, 20, 16, 15, 9, 7, 5]
    # published: the same counts, or `c` (5 is primary; the cells that would give it back are hidden with it)
    pub = {r["focus"]: r["actions"] for r in national(built, False, agency="Total", status="Total")}
    assert pub["Knowledge, skills and experience of staff"] == "c"
    assert all(pub[f] in (n, "c") for f, n in got.items())
    # at least a third of Table 18 stays published. It was half before regional counts of 1..5 were published rounded
    # instead of suppressed: such a count is now hidden only when nothing else will do (hiding one narrows its
    # neighbours, so its block is audited again: disclosure._Suppressor.candidate), and in this one-region release
    # that costs two more national cells (issue 23's closing note)
    assert sum(pub[f] != "c" for f in got) >= 5
    total = national(built, True, agency="Total", focus="Total", status="Total")[0]
    assert total["actions"] == "634"
    assert int(total["lead_officer_named"]) == sum(len(range(k, 634, 36)) for k in LEAD_YES)


def test_table_20_lead_officer_and_completion_dates_from_records(built):
    got = dict(built.query("select lead_officer_named_for_each, count(*) from marts.review_action_plans group by 1"))
    assert got == {"Yes": 21, "No": 15, "Not clear": 4}
    got = dict(built.query("select completion_date_for_each, count(*) from marts.review_action_plans group by 1"))
    assert got == {"Yes": 24, "No": 9, "Partly": 3, "Not clear": 4}


def test_review_actions_passes_the_screener_and_the_disclosure_audit(built):
    from scr_warehouse.release import screen_release

    assert screen_release(built.release) == []
    import json

    audit = json.loads((built.release / "disclosure_audit.json").read_text(encoding="utf-8"))
    assert audit["failing_count"] == 0
    for r in built.release_csv("review_actions"):
        for c in ("actions", "lead_officer_named", "with_due_date", "overdue"):
            assert not (r[c].isdigit() and 1 <= int(r[c]) <= 5)
    assert {r["geographic_level"] for r in built.release_csv("review_actions")} == {"National", "Regional"}


def test_overdue_actions_listed_per_lscb(built):
    path = built.release / "quality" / "overdue_actions" / f"{HART}_Hartlepool.csv"  # <la_code>_<LA name>.csv
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    expected = built.query("select count(*) from marts.review_action_plans p join intermediate.int_actions a "
                           "using (review_id) where a.overdue and p.lscb_la_code = ?", [HART])[0][0]
    assert len(rows) == expected > 0
    assert {"agency", "review_id", "days_overdue", "lead_officer_named"} <= set(rows[0])
    assert all(int(r["days_overdue"]) == 274 for r in rows)  # due 2010-06-30, judged at 2011-03-31


def test_action_data_quality_rules_reach_the_queue(built):
    queue = list(csv.DictReader(open(built.release / "quality" / "steward_queue.csv", encoding="utf-8")))
    mine = {(q["record_id"], q["problem"]): q for q in queue if q["feed"] == "actions"}
    missing = mine[("A3", "missing_required")]
    assert missing["column_name"] == "completed_date" and "completed" in missing["message"]
    order = mine[("A6", "date_order")]
    assert "2009-10-01" in order["message"] and "2009-12-01" in order["message"]
    assert order["la_name"] == "Hartlepool"
