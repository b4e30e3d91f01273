"""Known answers: ONE real build (Dagster + dbt + DuckDB + GX) of a small hand-made landing folder, and the release
files compared with tables worked out by hand from that landing data.

The 45 children reproduce Rose and Barnes (2008), Improving safeguarding practice, Appendix 2 (shared seed
002_1e0186ac25ac89a7.txt): Table 2 ages (0-12 months 13 = 0-2 months 2, 3-5 months 9, 6-12 months 2; 1-2 years 8;
3-4 4; 5-10 11; 11-14 4; 15 3; 16 2), Table 3 sex (28 male, 17 female) and Table 7 incident type (33 deaths, 10
serious injuries, 2 suicides). All are dated 1 June 2009 (financial year 200910). Child i is notified by
Middlesbrough (E06000002) when i % 3 == 0, else by Hartlepool (E06000001); children 1 and 2 share one incident.
"""
from __future__ import annotations

import pytest
from scipy.stats import chi2, poisson

from tests.helpers import TEST_OUTPUT, Landing, build, notification_row

pytestmark = pytest.mark.slow

HART, MIDD = "E06000001", "E06000002"
AGES = [1] * 2 + [4] * 9 + [8] * 2 + [18] * 8 + [40] * 4 + [80] * 11 + [150] * 4 + [185] * 3 + [200] * 2
LATE = {5, 10}  # notified late (both Hartlepool deaths)


def la_of(i: int) -> str:
    return MIDD if i % 3 == 0 else HART


def incident_of(i: int) -> str:
    return "I1" if i in (1, 2) else f"I{i}"


def notifications():
    rows = []
    for i, age in enumerate(AGES):
        death = i < 33 or i >= 43
        rows.append(notification_row(
            f"N{i}", incident_of(i), la_code=la_of(i), incident_date="2009-06-01",
            notified_date="2009-06-20" if i in LATE else "2009-06-03",
            incident_type="death" if death else "serious_injury", suicide=("Y" if i >= 43 else "N") if death else "",
            child_sex="M" if i < 28 else "F", child_age_months=age, child_ethnicity="WBRI" if i < 16 else "U"))
    return rows


REVIEW_COLS = ["review_id", "incident_id", "lscb_la_code", "chair_aware_date", "decision_date", "decision", "status",
               "agreed_completion_date", "completion_date", "author_status", "report_pages", "recommendations",
               "action_points", "family_contributed", "summary_published_date"]
REVIEWS = [
    # R1: decided in time, scr, completed 2009-11-15 (<= incident + 6 months; after decision + 4 months = 2009-11-01)
    {"review_id": "R1", "incident_id": "I0", "lscb_la_code": MIDD, "chair_aware_date": "2009-06-10",
     "decision_date": "2009-07-01", "decision": "scr", "status": "completed", "completion_date": "2009-11-15",
     "author_status": "independent", "report_pages": 45, "recommendations": 12, "action_points": 0,
     "family_contributed": "Y"},
    # R2: decided late (due 2009-07-10), scr still in progress: overdue at 2018-06-30
    {"review_id": "R2", "incident_id": "I3", "lscb_la_code": MIDD, "chair_aware_date": "2009-06-10",
     "decision_date": "2009-08-20", "decision": "scr", "status": "in_progress"},
    # R3: decision pending
    {"review_id": "R3", "incident_id": "I4", "lscb_la_code": HART, "chair_aware_date": "2009-06-10",
     "status": "in_progress"},
    # R4: no scr, in time
    {"review_id": "R4", "incident_id": "I7", "lscb_la_code": HART, "chair_aware_date": "2009-06-10",
     "decision_date": "2009-06-20", "decision": "no_scr", "status": "completed"},
    # R5: scr completed, not dated; author not given; 45 recommendations, 85 action points; family U
    {"review_id": "R5", "incident_id": "I8", "lscb_la_code": HART, "chair_aware_date": "2009-06-10",
     "decision_date": "2009-06-15", "decision": "scr", "status": "completed", "recommendations": 45,
     "action_points": 85, "family_contributed": "U"},
]
EVALUATIONS = [
    {"evaluation_id": "E1", "review_id": "R1", "evaluation_date": "2009-12-01", "grade": "inadequate"},
    {"evaluation_id": "E2", "review_id": "R1", "evaluation_date": "2010-02-01", "grade": "good"},  # same year: latest
    {"evaluation_id": "E3", "review_id": "R5", "evaluation_date": "2010-05-01", "grade": "adequate"},  # 201011
]
POPULATION = [
    {"la_code": HART, "year": 2009, "population_0_17": 20000, "source": "Illustrative test population"},
    {"la_code": MIDD, "year": 2009, "population_0_17": 10000, "source": "Illustrative test population"},
]


@pytest.fixture(scope="module")
def built():
    out = TEST_OUTPUT / "known_answers"
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    landing = Landing(out / "landing")
    landing.write_rows("notifications", "2009-10_batch.csv", notifications())
    landing.write_rows("reviews", "2009-10_reviews.csv", REVIEWS, columns=REVIEW_COLS)
    landing.write_rows("evaluations", "2010_evaluations.csv", EVALUATIONS)
    landing.write_rows("population", "population.csv", POPULATION)
    return build(landing.root, out, as_of="2018-06-30")


def rows(built, name, restricted=True, **where):
    return [r for r in built.release_csv(name, restricted=restricted)
            if all(r[k] == v for k, v in where.items())]


def table(built, name, keys, value, restricted=True, **where):
    return {tuple(r[k] for k in keys): r[value] for r in rows(built, name, restricted, **where)}


# ------------------------------------------------------------------------------------------ Rose and Barnes tables
def test_rose_barnes_table_2_ages(built):
    t = table(built, "child_characteristics", ["breakdown_topic", "breakdown"], "children",
              time_period="200910", geographic_level="National", outcome="Total")
    assert t[("Total", "Total")] == "45"
    ages = {b: t[("Age band", b)] for b in ["Under 1", "1 to 2", "3 to 4", "5 to 10", "11 to 14", "15", "16 to 17",
                                             "Not known"]}
    assert ages == {"Under 1": "13", "1 to 2": "8", "3 to 4": "4", "5 to 10": "11", "11 to 14": "4", "15": "3",
                    "16 to 17": "2", "Not known": "0"}
    assert [t[("Age under 1", b)] for b in ["0 to 2 months", "3 to 5 months", "6 to 11 months"]] == ["2", "9", "2"]


def test_rose_barnes_table_3_sex_and_percentages(built):
    t = table(built, "child_characteristics", ["breakdown"], "children", time_period="200910",
              geographic_level="National", outcome="Total", breakdown_topic="Sex")
    p = table(built, "child_characteristics", ["breakdown"], "children_percent", time_period="200910",
              geographic_level="National", outcome="Total", breakdown_topic="Sex")
    assert t == {("Male",): "28", ("Female",): "17", ("Not known",): "0"}
    assert p == {("Male",): "62.2", ("Female",): "37.8", ("Not known",): "0.0"}  # Table 3: 62%, 38%


def test_rose_barnes_table_7_incident_type_and_outcomes(built):
    t = table(built, "child_characteristics", ["outcome", "breakdown"], "children", time_period="200910",
              geographic_level="National", breakdown_topic="Incident type")
    assert t[("Total", "Death (excluding suicide)")] == "33"
    assert t[("Total", "Suicide")] == "2"
    assert t[("Total", "Serious injury")] == "10"
    # a suicide counts under outcome Died: 35 died, 10 seriously injured
    assert (t[("Died", "Death (excluding suicide)")], t[("Died", "Suicide")], t[("Died", "Serious injury")]) == \
        ("33", "2", "0")
    tot = table(built, "child_characteristics", ["outcome"], "children", time_period="200910",
                geographic_level="National", breakdown_topic="Total")
    assert tot == {("Total",): "45", ("Died",): "35", ("Seriously injured",): "10", ("Not known",): "0"}
    # by hand: boys are children 0-27, all died; girls 28-32 and 43-44 died, 33-42 injured
    sex = table(built, "child_characteristics", ["outcome", "breakdown"], "children", time_period="200910",
                geographic_level="National", breakdown_topic="Sex")
    assert (sex[("Died", "Male")], sex[("Died", "Female")], sex[("Seriously injured", "Female")]) == ("28", "7", "10")


def test_child_characteristics_levels_add_up(built):
    t = table(built, "child_characteristics", ["geographic_level", "region_code", "new_la_code"], "children",
              time_period="200910", outcome="Total", breakdown_topic="Total")
    assert t[("National", "", "")] == "45" and t[("Regional", "E12000001", "")] == "45"  # all in the North East
    assert t[("Regional", "E12000007", "")] == "0"
    assert t[("Local authority", "E12000001", HART)] == "30" and t[("Local authority", "E12000001", MIDD)] == "15"
    assert t[("Local authority", "E12000001", "E06000003")] == "0"  # an LA with no child: a real zero row


# ------------------------------------------------------------------------------------------- the other datasets
def test_notifications_by_area(built):
    nat = {r["incident_type"]: r for r in rows(built, "notifications_by_area", time_period="200910",
                                                geographic_level="National")}
    assert [nat[t]["incidents"] for t in ("Total", "Death", "Serious injury")] == ["44", "34", "10"]
    assert [nat[t]["children"] for t in ("Total", "Death", "Serious injury")] == ["45", "35", "10"]
    assert [nat[t]["scr_initiated"] for t in ("Total", "Death", "Serious injury")] == ["3", "3", "0"]
    assert [nat[t]["notified_on_time_percent"] for t in ("Total", "Death", "Serious injury")] == \
        ["95.6", "94.3", "100.0"]  # 43/45, 33/35, 10/10
    assert nat["Total"]["children_rate_per_10000"] == "x"  # most LAs have no population: never a guess
    hart = {r["incident_type"]: r for r in rows(built, "notifications_by_area", time_period="200910",
                                                 new_la_code=HART)}
    # Hartlepool: children i % 3 != 0: 22 of the deaths 0-32, plus suicides 43 and 44; injured 34,35,37,38,40,41
    assert [hart[t]["children"] for t in ("Total", "Death", "Serious injury")] == ["30", "24", "6"]
    assert [hart[t]["incidents"] for t in ("Total", "Death", "Serious injury")] == ["29", "23", "6"]
    assert hart["Total"]["children_rate_per_10000"] == "15.00"  # 30 / 20000 * 10000
    assert hart["Total"]["notified_on_time_percent"] == "93.3"  # 28 / 30
    midd = rows(built, "notifications_by_area", time_period="200910", new_la_code=MIDD, incident_type="Total")[0]
    assert midd["children_rate_per_10000"] == "15.00"  # 15 / 10000 * 10000
    other = rows(built, "notifications_by_area", time_period="200910", new_la_code="E06000003",
                 incident_type="Total")[0]
    assert (other["children"], other["children_rate_per_10000"], other["notified_on_time_percent"]) == ("0", "x", "z")


def test_review_timeliness(built):
    t = table(built, "review_timeliness", ["measure", "band"], "reviews", time_period="200910",
              geographic_level="National")
    assert t[("Total", "Total")] == "5"
    assert [t[("Decision within one month", b)] for b in ["Total", "Yes", "No", "Decision pending"]] == \
        ["5", "3", "1", "1"]
    assert [t[("Incident to completion", b)] for b in ["Total", "6 months or less", "Over 6 to 12 months",
                                                       "Over 12 to 18 months", "Over 18 months",
                                                       "Completed, not dated", "Not completed"]] == \
        ["3", "1", "0", "0", "0", "1", "1"]
    assert [t[("Completed within timescale", b)] for b in ["Total", "Yes", "No", "Completed, not dated",
                                                           "In progress, within timescale",
                                                           "In progress, overdue"]] == ["3", "0", "1", "1", "0", "1"]
    p = table(built, "review_timeliness", ["measure", "band"], "reviews_percent", time_period="200910",
              geographic_level="National")
    assert p[("Decision within one month", "Yes")] == "60.0"
    la = table(built, "review_timeliness", ["new_la_code"], "reviews", time_period="200910",
               geographic_level="Local authority", measure="Total", band="Total")
    assert (la[(HART,)], la[(MIDD,)]) == ("3", "2")  # by the lead LSCB's LA


def test_review_evaluations_latest_grade_per_year(built):
    t = table(built, "review_evaluations", ["time_period", "grade"], "reviews", geographic_level="National")
    assert [t[("200910", g)] for g in ["Total", "Outstanding", "Good", "Adequate", "Inadequate"]] == \
        ["1", "0", "1", "0", "0"]
    assert [t[("201011", g)] for g in ["Total", "Outstanding", "Good", "Adequate", "Inadequate"]] == \
        ["1", "0", "0", "1", "0"]


def test_review_characteristics(built):
    t = table(built, "review_characteristics", ["breakdown_topic", "breakdown"], "reviews", time_period="200910",
              geographic_level="National")
    assert t[("Total", "Total")] == "2"
    assert [t[("Overview author", b)] for b in ["Independent", "Internal", "Not reported"]] == ["1", "0", "1"]
    assert (t[("Report length", "31 to 50 pages")], t[("Report length", "Not known")]) == ("1", "1")
    assert (t[("Recommendations", "11 to 20")], t[("Recommendations", "41 to 60")]) == ("1", "1")
    assert (t[("Action points", "None")], t[("Action points", "Over 80")]) == ("1", "1")
    assert [t[("Family contributed", b)] for b in ["Yes", "No", "Not known"]] == ["1", "0", "1"]


# ---------------------------------------------------------------------------------- published files and screener
def test_published_files_suppressed_and_screened(built):
    from scr_warehouse.release import load_datasets, screen_release

    assert screen_release(built.release) == []
    for name, ds in load_datasets().items():
        if not (built.release / f"{name}.csv").exists():  # no records: not published, and the guidance says so
            assert f"`{name}`" in (built.release / "data_guidance.md").read_text(encoding="utf-8")
            continue
        for r in built.release_csv(name):
            # contract 2.6: England's headline (every national count of notifications_by_area, and children by
            # outcome) is published exactly, small counts included; every other count of 1 to 5 is `c`
            headline = r["geographic_level"] == "National" and (
                name == "notifications_by_area"
                or (name == "child_characteristics" and r["breakdown_topic"] == "Total"))
            for c in ds.counts:
                if headline:
                    assert r[c].isdigit(), f"{name}.{c} hides a headline figure: {r[c]}"
                else:
                    assert not (r[c].isdigit() and 1 <= int(r[c]) <= 5), f"{name}.{c} publishes {r[c]}"
    pub = rows(built, "child_characteristics", restricted=False, time_period="200910", geographic_level="National",
               outcome="Total", breakdown_topic="Sex")
    # each published count is the true one or `c` (secondary suppression over every published file together)
    assert all(v in (t, "c") for v, t in zip([r["children"] for r in pub], ["28", "17", "0"]))
    assert [r["breakdown"] for r in pub] == ["Male", "Female", "Not known"]
    ev = rows(built, "review_evaluations", restricted=False, time_period="200910", geographic_level="National")
    assert {r["grade"]: (r["reviews"], r["reviews_percent"]) for r in ev}["Good"] == ("c", "c")


# ---------------------------------------------------------------------------------------------------------- funnel
def test_funnel_limits_are_exact_poisson(built):
    got = built.query("select new_la_code, observed, expected, lower_998, lower_95, upper_95, upper_998 "
                      "from marts.funnel_children_by_la where time_period = 200910 order by new_la_code")
    # national rate over LAs with a population: (30 + 15) / (20000 + 10000); expected = rate x population
    assert [(g[0], g[1]) for g in got] == [(HART, 30), (MIDD, 15)]
    for (_la, _obs, expected, l998, l95, u95, u998), pop in zip(got, (20000, 10000)):
        assert expected == pytest.approx(45 / 30000 * pop)
        for k, q in ((l998, 0.001), (l95, 0.025), (u95, 0.975), (u998, 0.999)):
            assert k == poisson.ppf(q, expected)
            # the same limit from the chi-squared form: P(X <= k) = chi2.sf(2E, 2(k + 1))
            assert chi2.sf(2 * expected, 2 * (k + 1)) >= q - 1e-12
            assert k == 0 or chi2.sf(2 * expected, 2 * k) < q
