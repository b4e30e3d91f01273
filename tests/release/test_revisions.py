"""Revisions between releases (contract 2.8, scr_warehouse/release/revisions.py): two release folders written by hand
in the tidy format (published files, meta files, restricted/ counterparts, a correction audit), compared cell by cell;
every changed cell listed once with its reason; the first release; major and minor; the copy of the previous release
kept before a new one overwrites it (restricted stays restricted). The real build's revisions, change by change, are
tested in tests/orchestration/test_incremental.py."""
from __future__ import annotations

import csv
import json
import os
import stat

from scr_warehouse.release import revisions
from scr_warehouse.release.revisions import COLUMNS, REVISIONS, SUMMARY

GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name", "new_la_code", "old_la_code", "la_name"]
AREAS = {"N": ("National", "", "", "", "", ""),
         "R": ("Regional", "E12000001", "North East", "", "", ""),
         "L1": ("Local authority", "E12000001", "North East", "E06000001", "805", "Hartlepool"),
         "L2": ("Local authority", "E12000001", "North East", "E06000002", "806", "Middlesbrough")}
DATASETS = {
    "review_evaluations": (["grade"], ["reviews", "reviews_percent"]),
    "notifications_by_area": (["incident_type"], ["incidents", "children"]),
}


def _write(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_release(folder, published: dict, restricted: dict, label_suffix: str = "", applied=None,
                  drop_indicator: str | None = None):
    """published/restricted: dataset -> [(time_period, area, filter value, indicator values...)]."""
    for name, (filters, indicators) in DATASETS.items():
        inds = [i for i in indicators if i != drop_indicator]
        header = GEO + filters + inds
        for rows, where in ((published.get(name), folder / f"{name}.csv"),
                            (restricted.get(name), folder / "restricted" / f"{name}.csv")):
            if rows is None:
                continue
            out = []
            for tp, area, fv, *vals in rows:
                lvl, rc, rn, lc, old, ln = AREAS[area]
                vals = [v for i, v in zip(indicators, vals) if i != drop_indicator]
                out.append([tp, "Financial year", lvl, "E92000001", "England", rc, rn, lc, old, ln, fv, *vals])
            _write(where, header, out)
        if name in published:
            _write(folder / f"{name}.meta.csv", ["col_name", "col_type", "label"],
                   [[f, "Filter", f.title()] for f in filters] + [[i, "Indicator", i + label_suffix] for i in inds])
    if applied is not None:
        (folder / SUMMARY).write_text(json.dumps({"corrections_applied": applied}), encoding="utf-8")
    (folder / "upload.zip").write_bytes(b"PK")  # a complete release (writer.write_upload runs last)


def read_revisions(folder) -> list[dict]:
    with open(folder / REVISIONS, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


EV_PREV = [("201011", "N", "Total", "20", "100.0"), ("201011", "N", "Good", "12", "60.0"),
           ("201011", "R", "Total", "20", "100.0"), ("201011", "R", "Good", "10", "50.0"),
           ("201011", "L1", "Total", "14", "100.0"), ("201011", "L1", "Good", "8", "57.1")]
EV_PREV_RES = [("201011", "N", "Total", "20", "100.0"), ("201011", "N", "Good", "12", "60.0"),
               ("201011", "R", "Total", "20", "100.0"), ("201011", "R", "Good", "12", "55.0"),
               ("201011", "L1", "Total", "14", "100.0"), ("201011", "L1", "Good", "8", "57.1")]
NBA_PREV = [("200910", "N", "Total", "30", "33"), ("200910", "L1", "Total", "30", "33"),
            ("201011", "N", "Total", "40", "44"), ("201011", "L1", "Total", "25", "27"),
            ("201011", "L2", "Total", "15", "17")]


def two_releases(tmp_path):
    prev, cur = tmp_path / "prev", tmp_path / "cur"
    write_release(prev, {"review_evaluations": EV_PREV, "notifications_by_area": NBA_PREV},
                  {"review_evaluations": EV_PREV_RES, "notifications_by_area": NBA_PREV}, applied=["C1"])
    ev = [("201011", "N", "Total", "21", "100.0"),   # restricted 20 -> 21: the evaluations correction C3
          ("201011", "N", "Good", "12", "57.1"),     # the percentage moves with its Total: C3 too
          ("201011", "R", "Total", "20", "100.0"),
          ("201011", "R", "Good", "10", "60.0"),     # restricted unchanged (55.0), neither c: rounding
          ("201011", "L1", "Total", "14", "100.0"),
          ("201011", "L1", "Good", "c", "c"),        # restricted unchanged (8): the pattern moved: suppression
          ("201112", "N", "Total", "7", "100.0")]    # a period the previous release did not have
    ev_res = [r if r[:3] != ("201011", "N", "Total") else ("201011", "N", "Total", "21", "100.0") for r in EV_PREV_RES]
    ev_res = [r if r[:3] != ("201011", "N", "Good") else ("201011", "N", "Good", "12", "57.1") for r in ev_res]
    ev_res.append(("201112", "N", "Total", "7", "100.0"))
    nba = [("200910", "N", "Total", "31", "34"),     # 200910: the notifications correction C2
           ("200910", "L1", "Total", "31", "34"),
           ("201011", "N", "Total", "40", "45"),     # 201011: no correction of these feeds: a late return
           ("201011", "L1", "Total", "25", "27")]    # L2 withdrew its only row: gone (a location removed)
    write_release(cur, {"review_evaluations": ev, "notifications_by_area": nba},
                  {"review_evaluations": ev_res, "notifications_by_area": nba})
    now = {"C1": "notifications", "C2": "notifications", "C3": "evaluations"}
    periods = {"C2": {"feed": "notifications", "periods": ["200910"]},
               "C3": {"feed": "evaluations", "periods": ["201011"]}}
    return prev, cur, now, periods


def test_every_changed_cell_once_with_its_reason(tmp_path):
    prev, cur, now, periods = two_releases(tmp_path)
    assert revisions.corrections_since(prev, now) == {"C2", "C3"}  # C1 was applied at the previous release
    summary = revisions.write_revisions(cur, prev, corrections_now=now, corrections=periods)
    got = sorted(tuple(r.values()) for r in read_revisions(cur))
    ev, nba = "review_evaluations", "notifications_by_area"
    want = sorted([
        (ev, "201011", "National", "E92000001", "grade=Total", "reviews", "20", "21", "correction: C3"),
        (ev, "201011", "National", "E92000001", "grade=Good", "reviews_percent", "60.0", "57.1", "correction: C3"),
        (ev, "201011", "Regional", "E12000001", "grade=Good", "reviews_percent", "50.0", "60.0", "rounding"),
        (ev, "201011", "Local authority", "E06000001", "grade=Good", "reviews", "8", "c", "suppression"),
        (ev, "201011", "Local authority", "E06000001", "grade=Good", "reviews_percent", "57.1", "c", "suppression"),
        (ev, "201112", "National", "E92000001", "grade=Total", "reviews", "", "7", "new period"),
        (ev, "201112", "National", "E92000001", "grade=Total", "reviews_percent", "", "100.0", "new period"),
        (nba, "200910", "National", "E92000001", "incident_type=Total", "incidents", "30", "31", "correction: C2"),
        (nba, "200910", "National", "E92000001", "incident_type=Total", "children", "33", "34", "correction: C2"),
        (nba, "200910", "Local authority", "E06000001", "incident_type=Total", "incidents", "30", "31",
         "correction: C2"),
        (nba, "200910", "Local authority", "E06000001", "incident_type=Total", "children", "33", "34",
         "correction: C2"),
        (nba, "201011", "National", "E92000001", "incident_type=Total", "children", "44", "45", "late return"),
        (nba, "201011", "Local authority", "E06000002", "incident_type=Total", "incidents", "15", "", "late return"),
        (nba, "201011", "Local authority", "E06000002", "incident_type=Total", "children", "17", "", "late return"),
    ])
    assert got == want
    assert summary["cells_changed"] == len(want)
    assert summary["by_reason"] == {"late return": 3, "correction": 6, "suppression": 2, "rounding": 1,
                                    "new period": 2}
    assert summary["corrections_cited"] == ["C2", "C3"]
    # a location gone is a major change for an API data set; review_evaluations only added and revised: minor
    assert summary["by_dataset"][nba]["change"] == "major"
    assert summary["by_dataset"][nba]["removed"]["locations"] == ["Local authority E06000002"]
    assert summary["by_dataset"][ev]["change"] == "minor"
    assert summary["change"] == "major"
    lines = revisions.guidance_lines(summary)
    text = "\n".join(lines)
    assert "14 published cells changed" in text and "**major**" in text and "C2, C3" in text
    assert "1 location(s) removed" in text
    # the summary file carries the same lines, and what the next release needs (corrections applied now)
    saved = json.loads((cur / SUMMARY).read_text(encoding="utf-8"))
    assert saved["guidance"] == lines and saved["corrections_applied"] == ["C1", "C2", "C3"]
    # published texts only: no restricted value that differs from its published one reaches the file
    restricted_only = {"12", "55.0", "8"} - {"12"}  # 12 is published too (national Good)
    assert not {r["previous"] for r in read_revisions(cur)} & {"55.0"}
    assert not {r["current"] for r in read_revisions(cur)} & restricted_only


def test_without_corrections_a_changed_value_is_a_late_return(tmp_path):
    prev, cur, _, _ = two_releases(tmp_path)
    revisions.write_revisions(cur, prev, corrections_now={"C1": "notifications"})  # nothing since the previous
    reasons = {(r["dataset"], r["time_period"], r["indicator"], r["geographic_level"]): r["reason"]
               for r in read_revisions(cur)}
    assert reasons[("review_evaluations", "201011", "reviews", "National")] == "late return"
    assert reasons[("notifications_by_area", "200910", "incidents", "National")] == "late return"
    assert reasons[("review_evaluations", "201011", "reviews", "Local authority")] == "suppression"
    # a correction whose periods are not known counts for every period of the datasets its feed feeds
    revisions.write_revisions(cur, prev, corrections_now={"C1": "notifications", "C9": "evaluations"},
                              corrections={"C9": {"feed": "evaluations", "periods": None}})
    reasons = {(r["dataset"], r["time_period"], r["indicator"], r["geographic_level"]): r["reason"]
               for r in read_revisions(cur)}
    assert reasons[("review_evaluations", "201011", "reviews", "National")] == "correction: C9"
    assert reasons[("notifications_by_area", "200910", "incidents", "National")] == "late return"


def test_first_release_has_no_predecessor(tmp_path):
    cur = tmp_path / "cur"
    write_release(cur, {"review_evaluations": EV_PREV}, {"review_evaluations": EV_PREV_RES})
    summary = revisions.write_revisions(cur, None, corrections_now={"C1": "notifications"})
    assert read_revisions(cur) == []
    assert summary["first_release"] and summary["cells_changed"] == 0
    assert "no predecessor" in "\n".join(revisions.guidance_lines(summary))
    assert json.loads((cur / SUMMARY).read_text(encoding="utf-8"))["corrections_applied"] == ["C1"]


def test_minor_when_nothing_is_removed_and_major_when_an_indicator_or_filter_item_goes(tmp_path):
    prev = tmp_path / "prev"
    write_release(prev, {"review_evaluations": EV_PREV}, {"review_evaluations": EV_PREV_RES})
    same = tmp_path / "same"
    write_release(same, {"review_evaluations": EV_PREV}, {"review_evaluations": EV_PREV_RES})
    s = revisions.write_revisions(same, prev)
    assert s["change"] == "none" and s["cells_changed"] == 0 and read_revisions(same) == []
    assert "no change" in "\n".join(revisions.guidance_lines(s))

    minor = tmp_path / "minor"
    rows = EV_PREV + [("201112", "N", "Total", "9", "100.0")]
    write_release(minor, {"review_evaluations": rows}, {"review_evaluations": EV_PREV_RES + rows[-1:]})
    s = revisions.write_revisions(minor, prev)
    assert s["change"] == "minor" and s["by_reason"] == {"new period": 2}
    assert "**minor**" in "\n".join(revisions.guidance_lines(s))

    no_pct = tmp_path / "no_pct"  # an indicator dropped: the column set changed (method), and it is major
    write_release(no_pct, {"review_evaluations": EV_PREV}, {"review_evaluations": EV_PREV_RES},
                  drop_indicator="reviews_percent")
    s = revisions.write_revisions(no_pct, prev)
    assert s["change"] == "major" and s["by_dataset"]["review_evaluations"]["removed"]["indicators"] == \
        ["reviews_percent"]
    assert {r["reason"] for r in read_revisions(no_pct)} == {"method"}
    assert {r["current"] for r in read_revisions(no_pct)} == {""} and len(read_revisions(no_pct)) == 6

    no_good = tmp_path / "no_good"  # a filter item gone everywhere (a late return emptied it)
    rows = [r for r in EV_PREV if r[2] != "Good"]
    write_release(no_good, {"review_evaluations": rows}, {"review_evaluations": [r for r in EV_PREV_RES
                                                                                  if r[2] != "Good"]})
    s = revisions.write_revisions(no_good, prev)
    assert s["by_dataset"]["review_evaluations"]["removed"]["filter_items"] == ["grade=Good"]
    assert s["change"] == "major" and s["by_reason"] == {"late return": 6}


def test_a_changed_meta_or_configuration_is_method(tmp_path):
    prev, cur = tmp_path / "prev", tmp_path / "cur"
    write_release(prev, {"review_evaluations": EV_PREV}, {"review_evaluations": EV_PREV_RES})
    changed = [r if r[:3] != ("201011", "N", "Total") else ("201011", "N", "Total", "21", "100.0") for r in EV_PREV]
    res = [r if r[:3] != ("201011", "N", "Total") else ("201011", "N", "Total", "21", "100.0") for r in EV_PREV_RES]
    write_release(cur, {"review_evaluations": changed}, {"review_evaluations": res}, label_suffix=" (new label)")
    revisions.write_revisions(cur, prev)
    assert [(r["indicator"], r["reason"]) for r in read_revisions(cur)] == [("reviews", "method")]
    # the same meta, but the dataset's configuration hash differs from the one the previous release recorded
    write_release(cur, {"review_evaluations": changed}, {"review_evaluations": res})
    (prev / SUMMARY).write_text(json.dumps({"method": {"review_evaluations": "aaa"}}), encoding="utf-8")
    revisions.write_revisions(cur, prev, method_now={"review_evaluations": "bbb"})
    assert [(r["indicator"], r["reason"]) for r in read_revisions(cur)] == [("reviews", "method")]
    revisions.write_revisions(cur, prev, method_now={"review_evaluations": "aaa"})
    assert [(r["indicator"], r["reason"]) for r in read_revisions(cur)] == [("reviews", "late return")]


def test_the_previous_release_is_kept_and_its_restricted_files_stay_restricted(tmp_path):
    rel = tmp_path / "release"
    assert revisions.keep_previous(rel) is None  # nothing written here yet: a first release
    write_release(rel, {"review_evaluations": EV_PREV}, {"review_evaluations": EV_PREV_RES}, applied=["C1"])
    os.chmod(rel / "restricted" / "review_evaluations.csv", 0o644)  # even a source left readable
    (rel / REVISIONS).write_text("dataset\n", encoding="utf-8")
    kept = revisions.keep_previous(rel)
    assert kept == rel / "previous"
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*")) == sorted([
        "restricted", "restricted/review_evaluations.csv", SUMMARY, "review_evaluations.csv",
        "review_evaluations.meta.csv"])  # not revisions.csv, not upload.zip
    assert (kept / "review_evaluations.csv").read_bytes() == (rel / "review_evaluations.csv").read_bytes()
    assert stat.S_IMODE((kept / "restricted").stat().st_mode) == 0o700
    assert stat.S_IMODE((kept / "restricted" / "review_evaluations.csv").stat().st_mode) == 0o600
    # a build that failed its audit leaves no upload.zip: the copy kept before stays the previous release
    (rel / "upload.zip").unlink()
    (rel / "review_evaluations.csv").write_text("broken", encoding="utf-8")
    assert revisions.keep_previous(rel) == kept
    assert (kept / "review_evaluations.csv").read_text(encoding="utf-8") != "broken"
    # compared with the kept copy: the corrections it had applied are not "since"
    assert revisions.corrections_since(kept, {"C1": "notifications", "C2": "reviews"}) == {"C2"}


def test_financial_year_of_a_corrected_date():
    assert revisions.financial_year("2010-03-31") == "200910"
    assert revisions.financial_year("01/04/2010") == "201011"
    assert revisions.financial_year("not a date") is None
