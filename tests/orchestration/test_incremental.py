"""Issue 14: building a warehouse change by change gives what one build of the final landing folder gives.

Two years of a small synthetic landing folder arrive in three steps (all but the last notifications file; that
file; a steward's correction to one child of the first year), built after each step into one warehouse, so later
builds load only new files and reuse the protection of unchanged periods. Every output is then compared with a
fresh build of the final folder."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from tests.helpers import build, synthetic_landing

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


def _correction(landing, year: str) -> None:
    """One steward's correction of one child's sex in a notification of `year`'s first quarter file."""
    with open(landing / "notifications" / f"{year}_q1.csv", newline="", encoding="utf-8-sig") as f:
        row = next(r for r in csv.DictReader(f) if r["notification_id"] and r["child_sex"] in ("M", "F"))
    (landing / "corrections" / "fix_001.csv").write_text(
        "correction_id,feed,record_id,column_name,new_value,reason,steward,corrected_at\r\n"
        f"T1,notifications,{row['notification_id']},child_sex,{'F' if row['child_sex'] == 'M' else 'M'},"
        "entered wrongly,test,2017-06-01T09:00:00\r\n", encoding="utf-8")


def test_change_by_change_equals_one_build_of_the_final_folder(tmp_path):
    # two financial years keep the five builds short; the population file covers them all
    years = ("2014-15", "2015-16")
    landing = synthetic_landing(tmp_path, seed=11, scale=0.01, years=years, corrections="none")
    held = sorted((landing / "notifications").glob("*.csv"))[-1]
    shutil.move(held, tmp_path / held.name)

    first = build(landing, tmp_path / "incremental")
    assert first.summary["periods"]["reused"] == 0
    shutil.move(tmp_path / held.name, held)  # the last quarter's notifications arrive
    later = build(landing, tmp_path / "incremental")
    assert not later.summary.get("up_to_date")
    _correction(landing, years[0])  # a steward corrects one child of the first year
    later = build(landing, tmp_path / "incremental")
    assert not later.summary.get("up_to_date")
    # the correction touches one year: the other years' protection was reused, not recomputed
    assert later.summary["periods"]["reused"] > 0 and later.summary["periods"]["protected"] > 0
    # and within the year it touches, the blocks of hidden cells it left alone keep their audits
    assert later.summary["periods"]["blocks_reused"] > 0
    # nothing changed since: nothing runs, and the outputs are those of the last build
    same = build(landing, tmp_path / "incremental")
    assert same.summary["up_to_date"] and same.summary["run_id"] == later.summary["run_id"]

    fresh = build(landing, tmp_path / "fresh", previous=later.release / "previous")
    assert (fresh.summary["periods"]["protected"], fresh.summary["periods"]["reused"]) == \
        (later.summary["periods"]["protected"] + later.summary["periods"]["reused"], 0)
    assert fresh.summary["periods"]["blocks_reused"] == 0
    got, want = _outputs(later.release), _outputs(fresh.release)
    assert sorted(got) == sorted(want)
    assert [f for f in want if got[f] != want[f]] == []
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
