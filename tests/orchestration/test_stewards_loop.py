"""Issue 24 item 2: the stewards' loop (`scr-warehouse intake`, the landing sensor's job) alone, change by change,
writes the stewards' files a fresh full build of the same landing folder writes.

Two financial years of a small synthetic landing folder are taken in by the loop, then a steward's correction, then
a new notifications file, each followed by the loop only (no release, no report), in one warm process
(`scr-warehouse intake --watch`: the second and third loops reuse the first's imports and dbt's parsed project).
The stewards' files and the
quality tables are then compared with one fresh `scr-warehouse build` of the final folder."""
from __future__ import annotations

import shutil

import pytest

from scr_warehouse.build import watch_intake

from tests.helpers import build, synthetic_landing

pytestmark = pytest.mark.slow

AS_OF = "2018-06-30"
YEARS = ("2015-16", "2016-17")


def _quality_files(release) -> dict[str, bytes]:
    root = release / "quality"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).as_posix().startswith("data_docs/")}


def _correction(landing) -> None:
    """One steward's correction of one child's sex in the first notifications file."""
    import csv

    with open(sorted((landing / "notifications").glob("*.csv"))[0], newline="", encoding="utf-8-sig") as f:
        row = next(r for r in csv.DictReader(f) if r["notification_id"] and r["child_sex"] in ("M", "F"))
    (landing / "corrections" / "fix_001.csv").write_text(
        "correction_id,feed,record_id,column_name,new_value,reason,steward,corrected_at\r\n"
        f"T1,notifications,{row['notification_id']},child_sex,{'F' if row['child_sex'] == 'M' else 'M'},"
        "entered wrongly,test,2017-06-01T09:00:00\r\n", encoding="utf-8")


def _landing(tmp_path):
    return synthetic_landing(tmp_path, seed=11, scale=0.01, years=YEARS, corrections="none")


def test_the_loop_change_by_change_writes_what_a_fresh_build_writes(tmp_path):
    landing = _landing(tmp_path)
    held = sorted((landing / "notifications").glob("*.csv"))[-1]
    shutil.move(held, tmp_path / held.name)
    wh, rel = tmp_path / "loop" / "warehouse.duckdb", tmp_path / "loop" / "release"

    # one process, as `scr-warehouse intake --watch` runs: each loop's change is made when the loop before it ended
    changes = [lambda: _correction(landing),  # a steward corrects one child
               lambda: shutil.move(tmp_path / held.name, held),  # the last quarter's notifications arrive
               lambda: None]
    runs: list[dict] = []

    def next_change(out: dict) -> None:
        runs.append(out)
        changes[len(runs) - 1]()

    assert watch_intake(str(landing), str(wh), str(rel), AS_OF, interval=0.1, loops=3, on_loop=next_change) == 3
    assert all("quality__steward_queue_files" in r["steps"] for r in runs)
    # the loop publishes nothing
    assert not [s for r in runs for s in r["steps"] if s.startswith(("release", "report"))]
    assert b"T1" in (rel / "quality" / "correction_audit.csv").read_bytes()  # the loop took the correction in

    fresh = build(landing, tmp_path / "fresh", as_of=AS_OF)
    got, want = _quality_files(rel), _quality_files(fresh.release)
    assert sorted(got) == sorted(want)
    assert [f for f in want if got[f] != want[f]] == []
    import duckdb

    tables = [r[0] for r in fresh.query("select table_name from information_schema.tables "
                                        "where table_schema = 'quality' order by 1")]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        for t in tables:
            q = f"select * from quality.{t} order by all"
            assert con.execute(q).fetchall() == fresh.query(q), f"quality.{t}"
    finally:
        con.close()
