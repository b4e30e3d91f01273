"""Issue 14: building a warehouse change by change gives what one build of the final landing folder gives; and
(contract 2.8) each build's revisions.csv lists exactly the published cells that changed since the release before it,
each with its reason.

Two years of a small synthetic landing folder arrive in three steps, built after each step into one warehouse, so
later builds load only new files and reuse the protection of unchanged periods:
1. all but the last notifications file: the first release;
2. that file, and an LA's late return for the first year;
3. a steward's correction to the incident type of one child of the first year.
Every output is then compared with a fresh build of the final folder, given a copy of the release before the last as
its predecessor (`--previous`)."""
from __future__ import annotations

import csv
import json
import shutil
import stat
import zipfile

import pytest

from scr_warehouse.release.revisions import COLUMNS, REVISIONS, SUMMARY

from tests.helpers import Landing, build, notification_row, synthetic_landing

pytestmark = pytest.mark.slow

# Outputs that legitimately differ between two builds of the same data: when GX ran (Data Docs file names and
# index), and how long the audit took. previous/ is the copy of the release this folder held before (contract 2.8):
# a fresh folder has none, so the fresh build is compared with the same previous release by name instead.
TIMESTAMPED = ("quality/data_docs/", "previous/")


def _outputs(release) -> dict[str, bytes]:
    out = {}
    for p in sorted(release.rglob("*")):
        rel = p.relative_to(release).as_posix()
        if p.is_file() and not rel.startswith(TIMESTAMPED):
            data = p.read_bytes()
            if rel == "disclosure_audit.json":
                audit = json.loads(data)
                audit.pop("audit_seconds")
                data = json.dumps(audit, sort_keys=True).encode()
            out[rel] = data
    return out


def _correct_incident_type(built, landing, year: int) -> tuple[str, str]:
    """A steward's correction of the incident type of one child of `year` (an incident of one child): a headline
    change. The old and the new type."""
    nid, itype = built.query(
        "select n.notification_id, n.incident_type from intermediate.int_notifications n join "
        "intermediate.int_incidents i using (incident_id) where n.financial_year = ? and n.in_statistics "
        "and n.incident_type in ('death', 'serious_injury') and i.children = 1 order by 1 limit 1", [year])[0]
    new_type = "serious_injury" if itype == "death" else "death"
    (landing / "corrections" / "fix_001.csv").write_text(
        "correction_id,feed,record_id,column_name,new_value,reason,steward,corrected_at\r\n"
        f"T1,notifications,{nid},incident_type,{new_type},entered wrongly,test,2017-06-01\r\n", encoding="utf-8")
    return itype, new_type


def _cells(folder, restricted: bool = False) -> dict[tuple, str]:
    """(dataset, time_period, level, area, filters, indicator) -> text, read straight from the files."""
    from scr_warehouse.release import load_datasets

    out = {}
    for name, ds in load_datasets().items():
        p = folder / ("restricted" if restricted else "") / f"{name}.csv"
        if not p.exists():
            continue
        with open(p, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                area = {"National": r["country_code"], "Regional": r["region_code"]}.get(r["geographic_level"],
                                                                                        r["new_la_code"])
                filters = ";".join(f"{k}={r[k]}" for k in ds.filter_names)
                for ind in ds.indicator_names:
                    out[(name, r["time_period"], r["geographic_level"], area, filters, ind)] = r[ind]
    return out


def _revisions(release) -> tuple[dict, list[dict]]:
    with open(release / REVISIONS, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    return json.loads((release / SUMMARY).read_text(encoding="utf-8")), rows


def _assert_revised_exactly(before, after, release, reason: dict[str, str]) -> dict[tuple, dict]:
    """revisions.csv lists each published cell that differs between two releases once, with its previous and current
    text; a cell whose unsuppressed value changed gives its period's reason, the others suppression or rounding."""
    summary, rows = _revisions(release)
    listed = {tuple(r[c] for c in COLUMNS[:6]): r for r in rows}
    assert len(listed) == len(rows)  # each cell once
    (pub0, res0), (pub1, res1) = before, after
    changed = {k for k in set(pub0) | set(pub1) if pub0.get(k, "") != pub1.get(k, "")}
    assert set(listed) == changed and changed
    for k, r in listed.items():
        assert (r["previous"], r["current"]) == (pub0.get(k, ""), pub1.get(k, ""))
        if res0.get(k) != res1.get(k):
            assert r["reason"] == reason[k[1]], k
        else:
            assert r["reason"] in ("suppression", "rounding"), k
    assert set(reason.values()) <= {r["reason"] for r in rows}
    assert not summary["first_release"] and summary["cells_changed"] == len(rows)
    assert summary["change"] in ("minor", "major")
    return listed


def test_change_by_change_equals_one_build_of_the_final_folder(tmp_path):
    # two financial years keep the five builds short; the population file covers them all
    years = ("2014-15", "2015-16")
    landing = synthetic_landing(tmp_path, seed=11, scale=0.01, years=years, corrections="none")
    held = sorted((landing / "notifications").glob("*.csv"))[-1]
    assert held.name.startswith(years[1])
    shutil.move(held, tmp_path / held.name)

    first = build(landing, tmp_path / "incremental")
    assert first.summary["periods"]["reused"] == 0
    s1, rows = _revisions(first.release)
    assert s1["first_release"] and rows == []
    releases = [(_cells(first.release), _cells(first.release, restricted=True))]

    # the held notifications arrive (the second year's first in this small folder: a new period), and an LA's late
    # return for the first year: one incident of three children
    shutil.move(tmp_path / held.name, held)
    la, = first.query("select min(la_code) from intermediate.int_notifications where financial_year = 201415 "
                      "and in_statistics")[0]
    Landing(landing).write_rows("notifications", f"{years[0]}_zz_late.csv", [
        notification_row(f"LATE{i}", "LATEINC1", la_code=la, incident_date="2014-09-01", notified_date="2014-09-02",
                         child_sex=sex, child_age_months=age) for i, (sex, age) in enumerate(
                             [("F", "5"), ("M", "30"), ("F", "100")])])
    later = build(landing, tmp_path / "incremental")
    assert not later.summary.get("up_to_date")
    releases.append((_cells(later.release), _cells(later.release, restricted=True)))
    _assert_revised_exactly(releases[0], releases[1], later.release, {"201415": "late return", "201516": "new period"})

    itype, new_type = _correct_incident_type(later, landing, 201415)  # a steward corrects one child of year one
    later = build(landing, tmp_path / "incremental")
    assert not later.summary.get("up_to_date")
    # the correction touches one year: the other years' protection was reused, not recomputed
    assert later.summary["periods"]["reused"] > 0 and later.summary["periods"]["protected"] > 0
    # and within the year it touches, the blocks of hidden cells it left alone keep their audits
    assert later.summary["periods"]["blocks_reused"] > 0
    releases.append((_cells(later.release), _cells(later.release, restricted=True)))
    listed = _assert_revised_exactly(releases[1], releases[2], later.release, {"201415": "correction: T1"})
    # England's headline moved: a child from one incident type to the other
    label = {"death": "Death", "serious_injury": "Serious injury"}
    for t in (itype, new_type):
        assert listed[("notifications_by_area", "201415", "National", "E92000001", f"incident_type={label[t]}",
                       "incidents")]["reason"] == "correction: T1"
    assert _revisions(later.release)[0]["corrections_cited"] == ["T1"]
    # the kept previous release is what the build before published; its restricted copy stays restricted
    kept = later.release / "previous"
    assert _cells(kept) == releases[1][0]
    assert stat.S_IMODE((kept / "restricted").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (kept / "restricted").iterdir())
    names = zipfile.ZipFile(later.release / "upload.zip").namelist()
    assert not [n for n in names if n.startswith("previous") or n.startswith("revisions")]

    # nothing changed since: nothing runs, and the outputs are those of the last build
    same = build(landing, tmp_path / "incremental")
    assert same.summary["up_to_date"] and same.summary["run_id"] == later.summary["run_id"]

    # a fresh build of the final folder, compared with a copy of the release before named on the command line
    named = tmp_path / "previous_release"
    shutil.copytree(kept, named)
    fresh = build(landing, tmp_path / "fresh", previous=named)
    assert _revisions(fresh.release)[0]["previous"] == str(named.resolve())
    assert (fresh.summary["periods"]["protected"], fresh.summary["periods"]["reused"]) == \
        (later.summary["periods"]["protected"] + later.summary["periods"]["reused"], 0)
    assert fresh.summary["periods"]["blocks_reused"] == 0
    got, want = _outputs(later.release), _outputs(fresh.release)
    assert sorted(got) == sorted(want)
    # the same but for where the release before was read from
    assert [f for f in want if got[f] != want[f]] in ([], ["revisions_summary.json"])
    s_got, s_want = _revisions(later.release)[0], _revisions(fresh.release)[0]
    assert {**s_got, "previous": ""} == {**s_want, "previous": ""}
    for schema in ("marts", "quality"):
        tables = [r[0] for r in fresh.query(
            f"select table_name from information_schema.tables where table_schema = '{schema}' order by 1")]
        for t in tables:
            q = f"select * from {schema}.{t} order by all"
            assert later.query(q) == fresh.query(q), f"{schema}.{t}"


def test_the_fingerprint_follows_every_input_and_a_missing_output_means_build(tmp_path):
    """build_state without a build: landing content (a file fixed in place at the same size), a new file, the
    as-of date and the output paths change the fingerprint; a recorded build whose outputs are gone is not current."""
    from scr_warehouse import build_state

    landing = tmp_path / "landing"
    (landing / "notifications").mkdir(parents=True)
    f = landing / "notifications" / "a.csv"
    f.write_text("notification_id\nN1\n")
    wh, rel = tmp_path / "w.duckdb", tmp_path / "release"
    base = build_state.fingerprint(landing, wh, rel, "2018-06-30")
    assert build_state.fingerprint(landing, wh, rel, "2018-06-30") == base
    assert build_state.fingerprint(landing, wh, rel, "2018-07-01") != base
    assert build_state.fingerprint(landing, tmp_path / "other.duckdb", rel, "2018-06-30") != base
    f.write_text("notification_id\nN2\n")  # the same size, fixed in place
    fixed = build_state.fingerprint(landing, wh, rel, "2018-06-30")
    assert fixed != base
    (landing / "notifications" / "b.csv").write_text("notification_id\nN3\n")
    assert build_state.fingerprint(landing, wh, rel, "2018-06-30") != fixed
    (landing / "notes.txt").write_text("not a landing file")  # reported as not taken: part of what a build says
    now = build_state.fingerprint(landing, wh, rel, "2018-06-30")
    wh.write_bytes(b"")
    for out in build_state.OUTPUTS:
        (rel / out).parent.mkdir(parents=True, exist_ok=True)
        (rel / out).write_text("x")
    build_state.record_build(wh, now, {"run_id": "r1"})
    assert build_state.last_build(wh, rel, now)["run_id"] == "r1"
    assert build_state.last_build(wh, rel, fixed) is None
    (rel / build_state.OUTPUTS[1]).unlink()
    assert build_state.last_build(wh, rel, now) is None
    build_state.forget_build(wh)
    assert not build_state.record_path(wh).exists()
