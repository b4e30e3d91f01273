"""The synthetic landing generator (`scr-warehouse generate`): determinism, scale, contract headers, valid LA codes,
calibrated mixes (config/generator.yml) and injected defects, all checked by reading the files it writes.
No build needed: these tests only read CSV files."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from scr_warehouse import policy
from scr_warehouse.paths import REFERENCE_SEEDS_DIR
from scr_warehouse.synthetic import generate, load_config

CFG = load_config()
UNREADABLE = CFG["files"]["unreadable_file"]


# --- independent readers (written here, not imported from the generator) ----------------------------------------
def parse_date(text: str) -> dt.date | None:
    """ISO or DD/MM/YYYY, as the contract accepts; None when empty or not a real date."""
    try:
        if "/" in text:
            d, m, y = text.split("/")
            return dt.date(int(y), int(m), int(d))
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def ref_las() -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """code -> (valid from, valid to) from ref_las.csv; 01/01/2009 codes count as valid before 2009 too."""
    out = {}
    with open(REFERENCE_SEEDS_DIR / "ref_las.csv", newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            code = r["new_la_code"]
            if " / " in code or code == "z":
                continue
            start, end = parse_date(r["date_of_operation"]), parse_date(r["date_of_termination"] or "x")
            out[code] = (None if start == dt.date(2009, 1, 1) else start, end)
    return out


LAS = ref_las()


def la_valid(code: str, day: dt.date) -> bool:
    if code not in LAS:
        return False
    start, end = LAS[code]
    return (start is None or day >= start) and (end is None or day <= end)


def read_feed(root: Path, feed: str, skip_unreadable: bool = True) -> list[tuple[str, int, dict]]:
    """(file name, line, row) for every row of every file of a feed, files in name (arrival) order."""
    out = []
    for p in sorted((root / feed).glob("*.csv")):
        if skip_unreadable and f"{feed}/{p.name}" == UNREADABLE:
            continue
        with open(p, newline="", encoding="utf-8-sig") as f:
            for i, row in enumerate(csv.DictReader(f), start=2):
                out.append((p.name, i, row))
    return out


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def fy_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


# --- fixtures -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gen1(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "s1"
    return out, generate(out, seed=11, scale=1)


@pytest.fixture(scope="module")
def gen5(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "s5"
    return out, generate(out, seed=5, scale=5)


# --- determinism and scale -----------------------------------------------------------------------------------------
def test_same_seed_gives_identical_bytes(gen1, tmp_path):
    root, _ = gen1
    again = tmp_path / "again"
    generate(again, seed=11, scale=1)
    a, b = tree_digest(root), tree_digest(again)
    assert len(a) > 120 and a == b


def test_different_seed_differs(gen1, tmp_path):
    root, _ = gen1
    other = tmp_path / "other"
    generate(other, seed=12, scale=1)
    a, b = tree_digest(root), tree_digest(other)
    common = a.keys() & b.keys()  # the same quarterly batches (the last resubmission batch may differ)
    assert len(common) > 120
    assert sum(a[k] != b[k] for k in common) > len(common) * 0.9


def test_rewriting_a_folder_removes_old_batches(tmp_path):
    out = tmp_path / "g"
    (out / "notifications").mkdir(parents=True)
    (out / "notifications" / "zz_stale.csv").write_text("x\n")
    generate(out, seed=1, scale=0.1)
    assert not (out / "notifications" / "zz_stale.csv").exists()


def test_scale_multiplies_volume(gen1, gen5, tmp_path):
    (_, s1), (_, s5) = gen1, gen5
    tiny = generate(tmp_path / "tiny", seed=3, scale=0.1)
    # about 350 children a year over ten years at scale 1
    assert 3000 <= s1["children"] <= 4000
    assert 300 <= tiny["children"] <= 420
    for feed in ("notifications", "reviews", "evaluations", "actions"):
        assert 4.4 <= s5["rows"][feed] / s1["rows"][feed] <= 5.6, feed
    assert s5["rows"]["population"] == s1["rows"]["population"]  # population is not scaled


def test_children_per_year_stable(gen1):
    root, _ = gen1
    per_year = Counter()
    for _, _, r in read_feed(root, "notifications"):
        d = parse_date(r["incident_date"])
        if d:
            per_year[fy_of(d)] += 1
    assert sorted(per_year) == list(range(2007, 2017))
    assert all(280 <= n <= 440 for n in per_year.values()), per_year


# --- contract shape -------------------------------------------------------------------------------------------------
def test_headers_match_contract_and_rows_are_rectangular(gen1):
    root, _ = gen1
    expected = {feed: [c.column_name for c in cols] for feed, cols in policy.landing_columns().items()}
    seen = 0
    for feed, columns in expected.items():
        files = sorted((root / feed).glob("*.csv"))
        assert files, feed
        for p in files:
            if f"{feed}/{p.name}" == UNREADABLE:
                continue
            with open(p, newline="", encoding="utf-8-sig") as f:
                rows = list(csv.reader(f))
            assert rows[0] == columns, p.name
            assert all(len(r) == len(columns) for r in rows[1:]), p.name
            seen += 1
    assert seen > 120


def test_file_styles_vary(gen1):
    root, _ = gen1
    boms, dmy, iso = 0, 0, 0
    for p in sorted(root.glob("*/*.csv")):
        data = p.read_bytes()
        boms += data.startswith(b"\xef\xbb\xbf")
        if p.parent.name == "notifications" and p.name != Path(UNREADABLE).name:
            first = data.decode("utf-8-sig").splitlines()[1].split(",")[3]
            dmy += "/" in first
            iso += "-" in first
    assert boms >= 5 and dmy >= 3 and iso >= 10
    # no two files are byte-identical (an identical file would be skipped as already loaded)
    digests = tree_digest(root)
    assert len(set(digests.values())) == len(digests)
    names = sorted(p.name for p in (root / "notifications").glob("*.csv"))
    assert names[0] == "2007-08_q1.csv" and "2016-17_q4.csv" in names


def test_unreadable_file_is_not_utf8(gen1):
    root, _ = gen1
    data = (root / UNREADABLE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    # every other file is UTF-8
    for p in root.glob("*/*.csv"):
        if p != root / UNREADABLE:
            p.read_bytes().decode("utf-8")


# --- LA codes and dates ---------------------------------------------------------------------------------------------
def test_la_codes_valid_for_incident_date_except_injected_unknown(gen1):
    root, summary = gen1
    unknown = set(CFG["defects"]["unknown_la_codes"])
    checked, bad, injected = 0, 0, 0
    for _, _, r in read_feed(root, "notifications"):
        d = parse_date(r["incident_date"])
        if r["la_code"] in unknown:
            injected += 1
        elif r["la_code"] and d:
            checked += 1
            bad += not la_valid(r["la_code"], d)
    assert checked > 3000 and bad == 0
    assert injected == summary["defects"]["notifications"]["unknown_la"] > 0
    # the 2009 reorganisation: Durham county before April 2009, County Durham after, never the other way round
    years = defaultdict(set)
    for _, _, r in read_feed(root, "notifications"):
        d = parse_date(r["incident_date"])
        if d and r["la_code"] in ("E10000010", "E06000047"):
            years[r["la_code"]].add(d >= dt.date(2009, 4, 1))
    assert years["E10000010"] <= {False} and years["E06000047"] <= {True}


def test_review_lscb_codes_known_except_injected(gen1):
    root, summary = gen1
    las = ref_las()
    unknown = sum(1 for _, _, r in read_feed(root, "reviews") if r["lscb_la_code"] and r["lscb_la_code"] not in las)
    assert unknown == summary["defects"]["reviews"]["unknown_la"]


def test_population_covers_every_valid_la_each_mid_year(gen1):
    root, _ = gen1
    rows = [r for _, _, r in read_feed(root, "population")]
    label = "Illustrative synthetic population - not ONS figures"
    assert all(r["source"] == label for r in rows)
    have = {(r["la_code"], int(r["year"])) for r in rows}
    for year in range(2007, 2017):
        mid = dt.date(year, 6, 30)
        want = {code for code in ref_las() if la_valid(code, mid)}
        assert {c for c, y in have if y == year} == want, year
    total_2009 = sum(int(r["population_0_17"]) for r in rows if r["year"] == "2009")
    assert 7_000_000 < total_2009 < 20_000_000  # England has about 11 million children
    assert all(5_000 < int(r["population_0_17"]) < 700_000 for r in rows)


# --- calibrated mixes (scale 5) --------------------------------------------------------------------------------------
def shares(values) -> dict:
    c = Counter(values)
    n = sum(c.values())
    return {k: v / n for k, v in c.items()}


@pytest.fixture(scope="module")
def children5(gen5):
    """Current version (last file wins) of every notification row that has a readable incident date."""
    root, _ = gen5
    current = {}
    for _, _, r in read_feed(root, "notifications"):
        if r["notification_id"]:
            current[r["notification_id"]] = r
    return [(parse_date(r["incident_date"]), r) for r in current.values() if parse_date(r["incident_date"])]


def test_child_mixes_match_calibration(children5):
    y0910 = [r for d, r in children5 if fy_of(d) == 2009]
    deaths = shares(r["incident_type"] for r in y0910)
    assert abs(deaths["death"] - 90 / 194) < 0.05  # Ofsted 2009-10: 90 deaths of 194 children
    y0708 = [r for d, r in children5 if fy_of(d) == 2007]
    assert abs(shares(r["incident_type"] for r in y0708)["death"] - 0.67) < 0.05  # JCI 2007-08
    rows = [r for _, r in children5]
    known = shares(r["known_to_csc"] for r in rows)
    assert abs(known["Y"] - 119 / 194) < 0.03
    assert abs(shares(r["cin_status"] for r in rows)["Y"] - 90 / 194) < 0.03
    assert abs(shares(r["cp_plan"] for r in rows)["Y"] - 49 / 194) < 0.03
    # the chain known -> child in need -> plan holds on every row with valid values (defects aside)
    yn = {"Y", "N", "U"}
    valid = [r for r in rows if {r["known_to_csc"], r["cin_status"], r["cp_plan"]} <= yn]
    assert len(valid) > 0.97 * len(rows)
    assert all(r["known_to_csc"] == "Y" for r in valid if r["cin_status"] == "Y")
    assert all(r["cin_status"] == "Y" for r in valid if r["cp_plan"] == "Y")
    ages = [int(r["child_age_months"]) for r in rows if r["child_age_months"].isdigit()]
    assert abs(np.mean(np.array(ages) < 12) - 13 / 45) < 0.03  # R&B Table 2
    assert abs(shares(r["child_sex"] for r in rows)["M"] - 0.62) < 0.03  # R&B Table 3
    assert abs(shares(r["disability"] for r in rows)["Y"] - 0.11) < 0.02  # R&B Table 6
    deaths_all = [r for r in rows if r["incident_type"] == "death"]
    suicides = [r for r in deaths_all if r["suicide"] == "Y"]
    assert abs(len(suicides) / len(deaths_all) - 2 / 35) < 0.02  # R&B Table 7
    assert all(int(r["child_age_months"]) >= 132 for r in suicides if r["child_age_months"].isdigit())
    assert all(r["suicide"] == "" for r in rows if r["incident_type"] == "serious_injury")


def test_multi_child_incidents(children5):
    per_incident = Counter(r["incident_id"] for _, r in children5)
    multi = sum(n > 1 for n in per_incident.values()) / len(per_incident)
    assert 0.04 <= multi <= 0.09


def test_regional_variation(gen5, children5):
    root, _ = gen5
    region = {}
    with open(REFERENCE_SEEDS_DIR / "ref_las.csv", newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            region[r["new_la_code"]] = r["parent_geography_code"]
    pop = Counter()
    for _, _, r in read_feed(root, "population"):
        if r["year"] == "2007":
            pop[region[r["la_code"]]] += int(r["population_0_17"])
    kids = Counter(region.get(r["la_code"]) for d, r in children5 if fy_of(d) == 2007)
    nw, em = kids["E12000002"] / pop["E12000002"], kids["E12000004"] / pop["E12000004"]
    assert nw / em > 1.4  # JCI 2007-08: North West about twice the East Midlands rate


def test_notification_timeliness(children5):
    holidays = []
    with open(policy.POLICY_SEEDS_DIR / "bank_holidays.csv", newline="", encoding="utf-8") as f:
        holidays = [r["holiday_date"] for r in csv.DictReader(f)]
    aware = [parse_date(r["la_aware_date"]) or d for d, r in children5]
    notified = [parse_date(r["notified_date"]) for _, r in children5]
    ok = [(a, n) for a, n in zip(aware, notified) if n and n >= a]
    due = np.busday_offset(np.array([a for a, _ in ok], dtype="datetime64[D]"), 5, roll="forward", holidays=holidays)
    late = np.mean(np.array([n for _, n in ok], dtype="datetime64[D]") > due)
    assert 0.10 <= late <= 0.22
    same_day = np.mean([r["la_aware_date"] == r["incident_date"] for _, r in children5 if r["la_aware_date"]])
    assert same_day > 0.6


def test_review_mixes_and_statuses(gen5):
    root, _ = gen5
    reviews = {r["review_id"]: r for _, _, r in read_feed(root, "reviews") if r["review_id"]}
    rows = list(reviews.values())
    decided = [r for r in rows if r["decision"] in ("scr", "no_scr", "other_review")]
    assert 0.44 <= shares(r["decision"] for r in decided)["scr"] <= 0.56
    scr = [r for r in rows if r["decision"] == "scr"]
    status = Counter(r["status"] for r in scr)
    assert status["completed"] and status["in_progress"] and status["withdrawn"]
    completed = [r for r in scr if r["status"] == "completed"]
    not_dated = sum(r["completion_date"] == "" for r in completed) / len(completed)
    assert abs(not_dated - 7 / 40) < 0.04  # R&B Table 13
    assert sum(r["agreed_completion_date"] != "" for r in scr) / len(scr) < 0.15
    assert sum(r["agreed_completion_date"] != "" for r in scr) > 0
    author = shares(r["author_status"] for r in completed if r["author_status"] in
                    ("independent", "internal", "not_reported"))
    assert abs(author["independent"] - 11 / 40) < 0.04  # R&B Table 14
    pages = [int(r["report_pages"]) for r in completed if r["report_pages"].isdigit()]
    assert abs(np.mean(np.array(pages) <= 30) - 0.5) < 0.05  # R&B Table 15
    # completion mostly later than decision + 4 (6 from April 2010) months
    late = total = 0
    for r in completed:
        dd, cd = parse_date(r["decision_date"]), parse_date(r["completion_date"])
        if dd and cd and cd >= dd:
            months = 6 if dd >= dt.date(2010, 4, 1) else 4
            y, m = dd.year + (dd.month - 1 + months) // 12, (dd.month - 1 + months) % 12 + 1
            due = dt.date(y, m, min(dd.day, 28))
            total += 1
            late += cd > due
    assert late / total > 0.5
    # in progress concentrated in recent years
    inc_dates = {}
    for _, _, r in read_feed(root, "notifications"):
        d = parse_date(r["incident_date"])
        if d:
            inc_dates.setdefault(r["incident_id"], d)
    recent = [r for r in scr if r["status"] == "in_progress" and r["incident_id"] in inc_dates]
    assert np.mean([inc_dates[r["incident_id"]] >= dt.date(2015, 4, 1) for r in recent]) > 0.8


def test_grades_shift_over_years(gen5):
    root, _ = gen5
    first = {}
    for _, _, r in read_feed(root, "evaluations"):
        d = parse_date(r["evaluation_date"])
        if r["review_id"] and d and r["grade"] in ("outstanding", "good", "adequate", "inadequate"):
            if r["review_id"] not in first or d < first[r["review_id"]][0]:
                first[r["review_id"]] = (d, r["grade"])
    by_year = defaultdict(list)
    for d, g in first.values():
        by_year[fy_of(d)].append(g)
    g0910 = shares(by_year[2009])
    assert len(by_year[2009]) > 300
    assert abs(g0910["good"] - 0.42) < 0.06 and abs(g0910["adequate"] - 0.42) < 0.06
    assert abs(g0910["inadequate"] - 0.16) < 0.05  # Ofsted 2009-10
    assert shares(by_year[2008])["inadequate"] > shares(by_year[2012])["inadequate"]
    # some inadequate reviews are evaluated again, later
    per_review = Counter(r["review_id"] for _, _, r in read_feed(root, "evaluations"))
    assert sum(n > 1 for n in per_review.values()) > 10


def test_evaluations_after_completion_and_actions_mix(gen5):
    root, summary = gen5
    reviews = {r["review_id"]: r for _, _, r in read_feed(root, "reviews") if r["review_id"]}
    after = before = 0
    for _, _, r in read_feed(root, "evaluations"):
        rv = reviews.get(r["review_id"])
        e = parse_date(r["evaluation_date"])
        c = parse_date(rv["completion_date"]) if rv else None
        if e and c:
            after += e > c
            before += e <= c
    assert after > 1000
    assert before <= summary["defects"]["evaluations"]["date_order"] + summary["defects"]["reviews"]["date_order"] \
        + summary["defects"]["reviews"]["invalid_date"] + 5
    actions = [r for _, _, r in read_feed(root, "actions")]
    focus = shares(r["focus"] for r in actions)
    assert abs(focus["existing_procedures"] - 104 / 634) < 0.02  # R&B Table 18
    assert abs(shares(r["lead_officer_named"] for r in actions)["Y"] - 21 / 36) < 0.03  # R&B Table 20
    assert {"completed", "in_progress", "not_started", "dropped"} <= {r["status"] for r in actions}
    assert all(r["review_id"] in reviews or r["review_id"].startswith(CFG["defects"]["unknown_id_prefix"])
               or r["review_id"] == "" for r in actions)


# --- injected defects -------------------------------------------------------------------------------------------------
def test_notification_defects_in_files_match_reported_counts_and_rates(gen5):
    root, summary = gen5
    cols = {c.column_name: c for c in policy.landing_columns()["notifications"]}
    codes = policy.code_lists()
    unknown_las = set(CFG["defects"]["unknown_la_codes"])
    found = Counter()
    rows = read_feed(root, "notifications")
    for _, _, r in rows:
        if r["notification_id"] == "":
            found["missing_id"] += 1
            continue
        if any(r[c] == "" for c, spec in cols.items() if spec.required):
            found["missing_required"] += 1
        elif any(spec.kind == "code" and r[c] != "" and r[c] not in codes[spec.code_list] for c, spec in cols.items()) \
                or not (0 <= int(r["child_age_months"]) <= 215
                        if r["child_age_months"].lstrip("-").isdigit() else False):
            found["invalid_value"] += 1
        elif any(r[c] and parse_date(r[c]) is None for c in ("incident_date", "la_aware_date", "notified_date")):
            found["invalid_date"] += 1
        elif parse_date(r["notified_date"]) < parse_date(r["incident_date"]):
            found["date_order"] += 1
        elif r["la_code"] in unknown_las:
            found["unknown_la"] += 1
    # a repeated identifier within one file
    per_file = Counter((f, r["notification_id"]) for f, _, r in rows if r["notification_id"])
    found["repeated_id"] = sum(n - 1 for n in per_file.values())
    reported = summary["defects"]["notifications"]
    assert dict(found) == reported
    # and at about the configured rates (one defect per row, binomial tolerance)
    n = summary["children"]
    for kind, rate in CFG["defects"]["notifications"].items():
        expected = rate * n
        assert abs(reported.get(kind, 0) - expected) <= 4 * math.sqrt(expected) + 3, kind
        assert reported.get(kind, 0) > 0, kind


def test_resubmissions_supersede_with_fixes(gen5):
    root, summary = gen5
    files_of = defaultdict(list)
    for name, _, r in read_feed(root, "notifications"):
        if r["notification_id"]:
            files_of[r["notification_id"]].append((name, r))
    resent = {k: v for k, v in files_of.items() if len({f for f, _ in v}) > 1}
    assert len(resent) == summary["resubmitted_rows"]["notifications"] > 0
    fixed = 0
    for versions in resent.values():
        names = [f for f, _ in versions]
        assert names == sorted(names)  # a later file supersedes
        first, last = versions[0][1], versions[-1][1]
        fixed += first != last
        assert all(last[c] != "" for c in ("la_code", "incident_date", "notified_date", "child_sex"))
    assert fixed > len(resent) * 0.5


def test_other_feeds_have_their_defects(gen5):
    _, summary = gen5
    for feed in ("reviews", "evaluations", "actions"):
        for kind, rate in CFG["defects"][feed].items():
            got = summary["defects"][feed].get(kind, 0)
            expected = rate * summary["rows"][feed]
            assert abs(got - expected) <= 4 * math.sqrt(expected) + 3, (feed, kind)
    # reviews of incidents nobody notified
    root, _ = gen5
    incidents = {r["incident_id"] for _, _, r in read_feed(root, "notifications")}
    orphans = sum(r["incident_id"] not in incidents for _, _, r in read_feed(root, "reviews") if r["incident_id"])
    assert orphans >= summary["defects"]["reviews"]["unknown_reference"] > 0


def test_corrections_some_good_some_bad(gen1):
    root, summary = gen1
    rows = [r for _, _, r in read_feed(root, "corrections")]
    assert len(rows) == summary["corrections"]["good"] + summary["corrections"]["bad"]
    assert summary["corrections"]["good"] >= 3 and summary["corrections"]["bad"] >= 3
    id_col = {"notifications": "notification_id", "reviews": "review_id", "evaluations": "evaluation_id",
              "actions": "action_id"}
    ids = {feed: {r[col] for _, _, r in read_feed(root, feed)} for feed, col in id_col.items()}
    unknown = [r for r in rows if r["record_id"] not in ids.get(r["feed"], set())]
    assert unknown  # a deliberately bad one names no record
    known_cols = {f: {c.column_name for c in cols} for f, cols in policy.landing_columns().items()}
    assert any(r["column_name"] not in known_cols[r["feed"]] for r in rows)
    good = rows[: summary["corrections"]["good"]]
    assert all(r["record_id"] in ids[r["feed"]] and r["column_name"] in known_cols[r["feed"]] for r in good)
    assert len({r["correction_id"] for r in rows}) == len(rows)
