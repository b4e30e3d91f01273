"""The benchmark (`tools/bench/bench.py`, `make bench`): the single-script DuckDB baseline computes the five release
datasets from
landing files (checked on a small hand-written landing folder, expected numbers worked out by hand below), the
memory sampler sees child processes, and the baseline equals the build's restricted files on a generated dataset
(one real build)."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "bench"))
import bench  # noqa: E402  (tools/bench/bench.py: development tooling, not in the package)
import compare_outputs  # noqa: E402
import incremental  # noqa: E402
import memory_sampler  # noqa: E402
import stewards_loop  # noqa: E402
import timed_runs  # noqa: E402

GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name", "new_la_code", "old_la_code", "la_name"]
# Contract section 2.1-2.5: filters then indicators of each dataset.
CONTRACT_COLUMNS = {
    "child_characteristics": GEO + ["outcome", "breakdown_topic", "breakdown", "children", "children_percent"],
    "review_timeliness": GEO + ["measure", "band", "reviews", "reviews_percent"],
    "review_evaluations": GEO + ["grade", "reviews", "reviews_percent"],
    "notifications_by_area": GEO + ["incident_type", "incidents", "children", "children_rate_per_10000",
                                    "scr_initiated", "notified_on_time_percent"],
    "review_characteristics": GEO + ["breakdown_topic", "breakdown", "reviews", "reviews_percent"],
}

NOTIF_COLS = ["notification_id", "incident_id", "la_code", "incident_date", "la_aware_date", "notified_date",
              "incident_type", "suicide", "harm_category", "child_sex", "child_age_months", "child_ethnicity",
              "parent_ethnicity", "disability", "known_to_csc", "cin_status", "cp_plan", "legal_status"]
REVIEW_COLS = ["review_id", "incident_id", "lscb_la_code", "chair_aware_date", "decision_date", "decision", "status",
               "agreed_completion_date", "completion_date", "author_status", "report_pages", "recommendations",
               "action_points", "family_contributed", "summary_published_date"]


def _n(nid, inc, la, date, notified, itype, suicide, harm, sex, age, eth, dis, known, cin, cp, legal, aware=""):
    return dict(zip(NOTIF_COLS, [nid, inc, la, date, aware, notified, itype, suicide, harm, sex, age, eth, "",
                                 dis, known, cin, cp, legal]))


def write_hand_landing(landing) -> None:
    """Four children in three incidents, three reviews, three evaluations, two corrections, one population row.
    E06000001 is Hartlepool (North East, E12000001); E09000001 is the City of London (London, E12000007)."""
    landing.write_rows("notifications", "2010-11_a.csv", [
        # N1: death by suicide, 5 months, aware = incident date (Mon 2010-05-10), due 5 working days later 17 May.
        _n("N1", "I1", "E06000001", "2010-05-10", "2010-05-12", "death", "Y", "physical_abuse", "M", "5", "WBRI",
           "Y", "Y", "N", "U", "NONE"),
        # N2: same incident, notified late; superseded below (sex becomes U).
        _n("N2", "I1", "E06000001", "10/05/2010", "30/06/2010", "serious_injury", "", "neglect", "F", "30", "XXXX",
           "N", "N", "N", "N", "CO"),
        # N3: not an English LA code: outside the statistics.
        _n("N3", "I2", "E99999999", "2010-07-01", "2010-07-02", "death", "N", "neglect", "M", "40", "WBRI",
           "N", "N", "N", "N", "NONE"),
        # N4: serious injury, age 200 months (corrected to 12 below), Black Caribbean.
        _n("N4", "I3", "E09000001", "2011-02-01", "2011-02-03", "serious_injury", "", "other", "F", "200", "BCRB",
           "U", "", "Y", "Y", "S20"),
    ], columns=NOTIF_COLS)
    landing.write_rows("notifications", "2010-11_b.csv", [
        _n("N2", "I1", "E06000001", "2010-05-10", "2010-06-30", "serious_injury", "", "neglect", "U", "30", "XXXX",
           "N", "N", "N", "N", "CO"),
    ], columns=NOTIF_COLS)
    landing.write_rows("reviews", "2010-11.csv", [
        # R1: decided 25 Jun (due 20 Jun: late); completed 1 Dec 2010 (incident + 6 months = 10 Nov: over 6 to 12);
        # due decision + 6 months (WT 2010) = 25 Dec 2010: on time. 45 pages, 0 recommendations, 0 action points.
        dict(zip(REVIEW_COLS, ["R1", "I1", "E06000001", "2010-05-20", "2010-06-25", "scr", "completed", "",
                               "2010-12-01", "independent", "45", "0", "0", "Y", ""])),
        # R2: decision pending.
        dict(zip(REVIEW_COLS, ["R2", "I3", "E09000001", "2011-02-10", "", "", "in_progress", "", "", "", "", "",
                               "", "", ""])),
        # R3: an unknown incident: not in the statistics.
        dict(zip(REVIEW_COLS, ["R3", "I999", "E09000001", "2011-02-10", "2011-02-20", "scr", "in_progress", "", "",
                               "", "", "", "", "", ""])),
    ], columns=REVIEW_COLS)
    landing.write_rows("evaluations", "evals.csv", [
        {"evaluation_id": "E1", "review_id": "R1", "evaluation_date": "2011-01-10", "grade": "inadequate"},
        {"evaluation_id": "E2", "review_id": "R1", "evaluation_date": "2011-03-01", "grade": "good"},
        {"evaluation_id": "E3", "review_id": "R1", "evaluation_date": "2011-05-01", "grade": "adequate"},
    ])
    landing.write_rows("corrections", "corrections.csv", [
        {"correction_id": "C1", "feed": "notifications", "record_id": "N4", "column_name": "child_age_months",
         "new_value": "12", "reason": "typo", "steward": "s1", "corrected_at": "2011-03-01"},
        {"correction_id": "C2", "feed": "notifications", "record_id": "N1", "column_name": "child_sex",
         "new_value": "Q", "reason": "bad code", "steward": "s1", "corrected_at": "2011-03-01"},
    ])
    landing.write_rows("population", "population.csv", [
        {"la_code": "E06000001", "year": "2010", "population_0_17": "20000", "source": "illustrative"},
    ])
    landing.write_rows("actions", "actions.csv", [
        {"action_id": "A1", "review_id": "R1", "agency": "health", "focus": "training", "lead_officer_named": "Y",
         "due_date": "", "status": "completed", "completed_date": ""},
    ])


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), list(r)


def _value(rows, indicator, **filters):
    hits = [r for r in rows if all(r[k] == v for k, v in filters.items())]
    assert len(hits) == 1, (filters, len(hits))
    return hits[0][indicator]


@pytest.fixture(scope="module")
def hand_baseline(tmp_path_factory):
    from tests.helpers import Landing

    root = tmp_path_factory.mktemp("bench_hand")
    landing = Landing(root / "landing")
    write_hand_landing(landing)
    res = bench.run_scale(0, root=root, landing=landing.root, build=False, repeat=2)
    assert "error" not in res["baseline"], res["baseline"]
    # run twice, the fastest reported
    assert len(res["baseline_walls"]) == 2 and round(res["baseline_wall"], 2) == min(res["baseline_walls"])
    return root / "run-scale0" / "baseline", res


def test_baseline_writes_the_five_datasets_with_contract_columns(hand_baseline):
    out, res = hand_baseline
    for ds, cols in CONTRACT_COLUMNS.items():
        header, rows = _rows(out / f"{ds}.csv")
        assert header == cols, ds
        assert rows, ds
        assert res["baseline"]["rows"][ds] == len(rows)
    assert res["baseline"]["peak_mem"] > 0


def test_baseline_child_characteristics_by_hand(hand_baseline):
    out, _ = hand_baseline
    _, rows = _rows(out / "child_characteristics.csv")
    assert {r["time_period"] for r in rows} == {"201011"}
    c = {"time_period": "201011", "geographic_level": "National"}
    assert _value(rows, "children", outcome="Total", breakdown_topic="Total", breakdown="Total", **c) == "3"
    assert _value(rows, "children", outcome="Died", breakdown_topic="Total", breakdown="Total", **c) == "1"
    assert _value(rows, "children", outcome="Seriously injured", breakdown_topic="Total", breakdown="Total", **c) == "2"
    # N2's resubmission changed its sex to U; the correction of N1's sex to Q is invalid and not applied.
    assert _value(rows, "children", outcome="Total", breakdown_topic="Sex", breakdown="Not known", **c) == "1"
    assert _value(rows, "children", outcome="Total", breakdown_topic="Sex", breakdown="Male", **c) == "1"
    assert _value(rows, "children", outcome="Total", breakdown_topic="Sex", breakdown="Female", **c) == "1"
    # N4's age corrected 200 -> 12 months: 1 to 2 (with N2, 30 months); N1 is under 1 (3 to 5 months).
    assert _value(rows, "children", outcome="Total", breakdown_topic="Age band", breakdown="1 to 2", **c) == "2"
    assert _value(rows, "children", outcome="Total", breakdown_topic="Age band", breakdown="16 to 17", **c) == "0"
    assert _value(rows, "children", outcome="Total", breakdown_topic="Age under 1", breakdown="3 to 5 months",
                  **c) == "1"
    assert _value(rows, "children", outcome="Total", breakdown_topic="Incident type", breakdown="Suicide", **c) == "1"
    assert _value(rows, "children", outcome="Total", breakdown_topic="Ethnicity", breakdown="Unknown", **c) == "1"
    assert _value(rows, "children", outcome="Total", breakdown_topic="Ethnicity",
                  breakdown="Black / African / Caribbean / Black British", **c) == "1"
    assert _value(rows, "children", outcome="Total", breakdown_topic="Known to children's social care",
                  breakdown="Not known", **c) == "1"
    assert float(_value(rows, "children_percent", outcome="Total", breakdown_topic="Sex", breakdown="Male", **c)) \
        == pytest.approx(100 / 3)
    # by the notifying LA: Hartlepool has N1 and N2, its region the same; the City of London N4
    la = {"time_period": "201011", "geographic_level": "Local authority", "outcome": "Total",
          "breakdown_topic": "Total", "breakdown": "Total"}
    assert _value(rows, "children", new_la_code="E06000001", **la) == "2"
    assert _value(rows, "children", new_la_code="E09000001", **la) == "1"
    assert _value(rows, "children", new_la_code="E06000002", **la) == "0"  # every LA has a row
    assert _value(rows, "children", geographic_level="Regional", region_code="E12000001", time_period="201011",
                  outcome="Total", breakdown_topic="Total", breakdown="Total") == "2"


def test_baseline_notifications_by_area_by_hand(hand_baseline):
    out, _ = hand_baseline
    _, rows = _rows(out / "notifications_by_area.csv")
    nat = {"time_period": "201011", "geographic_level": "National"}
    assert _value(rows, "incidents", incident_type="Total", **nat) == "2"  # I1, I3 (I2 has no valid LA)
    assert _value(rows, "children", incident_type="Total", **nat) == "3"
    assert _value(rows, "incidents", incident_type="Death", **nat) == "1"
    # children by their own outcome: N1 died; N2 (same incident, a death incident) was seriously injured
    assert _value(rows, "children", incident_type="Death", **nat) == "1"
    assert _value(rows, "incidents", incident_type="Serious injury", **nat) == "1"  # I3
    assert _value(rows, "children", incident_type="Serious injury", **nat) == "2"  # N2, N4
    assert _value(rows, "scr_initiated", incident_type="Total", **nat) == "1"  # R1 on I1 (R3's incident unknown)
    # on time: N1 (17 May due) and N4; N2 was late.
    assert float(_value(rows, "notified_on_time_percent", incident_type="Total", **nat)) == pytest.approx(200 / 3)
    la = {"time_period": "201011", "geographic_level": "Local authority", "new_la_code": "E06000001"}
    assert _value(rows, "children", incident_type="Total", **la) == "2"
    assert _value(rows, "region_code", incident_type="Total", **la) == "E12000001"
    assert float(_value(rows, "children_rate_per_10000", incident_type="Total", **la)) == pytest.approx(1.0)
    assert float(_value(rows, "notified_on_time_percent", incident_type="Total", **la)) == pytest.approx(50.0)
    # no population for the City of London: no rate
    city = {"time_period": "201011", "geographic_level": "Local authority", "new_la_code": "E09000001"}
    assert _value(rows, "children_rate_per_10000", incident_type="Total", **city) == ""
    # every LA valid in the year has rows, with 0 where nothing was notified
    assert _value(rows, "incidents", incident_type="Death", time_period="201011",
                  geographic_level="Local authority", new_la_code="E06000002") == "0"


def test_baseline_reviews_by_hand(hand_baseline):
    out, _ = hand_baseline
    _, rows = _rows(out / "review_timeliness.csv")
    c = {"time_period": "201011", "geographic_level": "National"}
    assert _value(rows, "reviews", measure="Total", band="Total", **c) == "2"  # R3's incident is unknown
    assert _value(rows, "reviews", measure="Decision within one month", band="No", **c) == "1"
    assert _value(rows, "reviews", measure="Decision within one month", band="Decision pending", **c) == "1"
    assert _value(rows, "reviews", measure="Incident to completion", band="Over 6 to 12 months", **c) == "1"
    assert _value(rows, "reviews", measure="Completed within timescale", band="Yes", **c) == "1"
    _, rows = _rows(out / "review_characteristics.csv")
    assert _value(rows, "reviews", breakdown_topic="Total", breakdown="Total", **c) == "1"
    assert _value(rows, "reviews", breakdown_topic="Report length", breakdown="31 to 50 pages", **c) == "1"
    assert _value(rows, "reviews", breakdown_topic="Action points", breakdown="None", **c) == "1"
    assert _value(rows, "reviews", breakdown_topic="Overview author", breakdown="Independent", **c) == "1"
    _, rows = _rows(out / "review_evaluations.csv")
    # R1 once per year at its latest grade: good in 2010-11 (inadequate superseded), adequate in 2011-12.
    nat = {"geographic_level": "National"}
    assert _value(rows, "reviews", time_period="201011", grade="Total", **nat) == "1"
    assert _value(rows, "reviews", time_period="201011", grade="Good", **nat) == "1"
    assert _value(rows, "reviews", time_period="201011", grade="Inadequate", **nat) == "0"
    assert _value(rows, "reviews", time_period="201112", grade="Adequate", **nat) == "1"
    # by the lead LSCB's LA (R1: Hartlepool)
    assert _value(rows, "reviews", time_period="201112", grade="Adequate", geographic_level="Local authority",
                  new_la_code="E06000001") == "1"


def test_sampler_sees_child_processes_and_stages_map():
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(60 * 2**20); time.sleep(3)"])
    try:
        time.sleep(1.0)
        own = memory_sampler._mem_bytes(os.getpid())
        assert memory_sampler.tree_mem_bytes(os.getpid()) >= own + 50 * 2**20
    finally:
        child.kill()
        child.wait()
    assert [timed_runs.stage_of(k) for k in ("raw__notifications", "dbt_models", "dbt_after_quality",
                                        "quality__gx_failures", "release__files", "report__national")] == \
        ["ingest", "dbt", "dbt", "checks", "release", "report"]


def test_sampler_counts_pages_a_forked_worker_shares_once():
    block = bytearray(os.urandom(1024)) * (80 * 1024)  # 80 MB, touched
    before = memory_sampler._mem_bytes(os.getpid())
    pid = os.fork()
    if pid == 0:  # the worker only reads the shared pages
        time.sleep(2)
        os._exit(0 if block[0] == block[0] else 1)
    try:
        time.sleep(0.5)
        # the worker's copy of the process is shared, not new: RSS would count the 80 MB (and the rest) again
        assert memory_sampler.tree_mem_bytes(os.getpid()) < before + 40 * 2**20
    finally:
        os.waitpid(pid, 0)


def test_compare_dataset_reports_differences(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("time_period,grade,reviews,reviews_percent\n201011,Total,4,100.0\n201011,Good,1,25.0\n")
    b.write_text("time_period,grade,reviews,reviews_percent\n201011,Total,4,100\n201011,Good,1,25.04\n")
    assert compare_outputs.compare_dataset(a, b) == []
    b.write_text("time_period,grade,reviews,reviews_percent\n201011,Total,4,100\n201011,Good,2,50\n"
                 "201112,Total,1,100\n")
    assert compare_outputs.compare_dataset(a, b) == ["1 row(s) only in the baseline", "1 row(s) differ in reviews",
                                           "1 row(s) differ in reviews_percent"]


@pytest.mark.slow  # a whole build
def test_baseline_equals_build_restricted_files(tmp_path_factory):
    """One real build of a generated dataset (scale 0.01, its last two financial years: every year is a period the
    release protects, and the bench itself runs all ten at 0.05 and above) against the baseline on the same files."""
    from tests.helpers import synthetic_landing

    root = tmp_path_factory.mktemp("bench_equal")
    # the corrections files' headers only: their rows are of other years
    landing = synthetic_landing(root, seed=bench.DEFAULT_SEED, scale=0.01, years=("2015-16", "2016-17"),
                                corrections="header")
    res = bench.run_scale(0.01, root=root, repeat=1, landing=landing)
    assert res["build"].get("success"), res["build"]
    assert set(res["build"]["stages"]) >= {"ingest", "dbt"}
    assert res["equality"] is not None
    assert {ds: p for ds, p in res["equality"].items() if p} == {}
    # the stewards' loop on the built warehouse (issue 24): a warm process takes a steward's correction in, and the
    # profile accounts for the loop's time by phase
    loop = stewards_loop.run_loop(root / "run-scale0p01", Path(res["landing"]), timed_runs.DEFAULT_AS_OF,
                                  scenarios=("after a correction, warm process",))["after a correction, warm process"]
    assert loop["success"], loop
    assert "quality__steward_queue_files" in loop["steps"] and not [s for s in loop["steps"] if "release" in s]
    assert set(loop["phases"]) == set(stewards_loop.PHASES)
    assert loop["phases"]["dbt run"]["seconds"] > 0 and loop["phases"]["GX"]["seconds"] > 0
    assert 0 <= loop["phases"]["dbt parse"]["seconds"] < 0.5  # warm: dbt's project was parsed by the first loop
    audit = (root / "run-scale0p01-loop" / "release" / "quality" / "correction_audit.csv").read_text(encoding="utf-8")
    assert "BENCH-C2" in audit


def test_each_bench_change_is_a_new_landing_file(tmp_path):
    """The cold and the warm loops each take a change of their own (a file already loaded would change nothing)."""
    from tests.helpers import Landing, notification_row

    landing = Landing(tmp_path / "landing")
    landing.write_rows("notifications", "2017-18_q1.csv", [notification_row("N1", "I1"),
                                                           notification_row("N2", "I2", child_sex="F")])
    (tmp_path / "landing" / "corrections").mkdir()
    names = [incremental.add_correction(landing.root, n) for n in (1, 2)]
    names += [incremental.add_new_file(landing.root, n) for n in (1, 2)]
    assert len(set(names)) == 4
    files = [p.read_bytes() for p in sorted((tmp_path / "landing").rglob("*.csv"))]
    assert len(set(files)) == len(files) == 5
    _, new = _rows(tmp_path / "landing" / "notifications" / names[3])
    _, first = _rows(tmp_path / "landing" / "notifications" / names[2])
    assert {r["notification_id"] for r in new}.isdisjoint({r["notification_id"] for r in first} | {"N1", "N2"})


def test_the_loop_profile_counts_cpu_inside_wrapped_functions():
    import types

    ns = types.SimpleNamespace(busy=lambda: sum(i * i for i in range(300_000)),
                               gen=lambda: (x for x in [sum(i for i in range(300_000))]))
    phases = timed_runs._Phases()
    phases.wrap(ns, "busy", "a")
    phases.wrap(ns, "gen", "b", generator=True)
    ns.busy()
    assert list(ns.gen()) == [sum(range(300_000))]
    assert set(phases.spent) == {"a", "b"}
    assert all(p["cpu"] > 0 and p["seconds"] > 0 for p in phases.spent.values())
