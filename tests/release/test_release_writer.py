"""The release writer (scr_warehouse/release/writer.py) on marts it reads from a real DuckDB: published levels,
no file for a dataset without records, upload.zip with exactly what may be uploaded, the audit file, determinism,
and a percentage never published beside a hidden count."""
from __future__ import annotations

import csv
import gzip
import json
import zipfile

import duckdb
import pandas as pd
import pytest

from scr_warehouse.release import load_datasets, screen_release, write_release
from scr_warehouse.release.writer import AUDIT, GUIDANCE, UPLOAD, DisclosureError

GEO = [("National", None, None, None, None, None),
       ("Regional", "E12000001", "North East", None, None, None),
       ("Local authority", "E12000001", "North East", "E06000001", "805", "Hartlepool"),
       ("Local authority", "E12000001", "North East", "E06000002", "806", "Middlesbrough"),
       ("Local authority", "E12000001", "North East", "E06000003", "807", "Redcar and Cleveland")]


def evaluations() -> pd.DataFrame:
    counts = {"E06000001": [12, 3, 9, 0, 0], "E06000002": [14, 2, 2, 8, 2], "E06000003": [20, 8, 7, 5, 0]}
    counts["E12000001"] = [sum(x) for x in zip(*counts.values())]
    rows = []
    for tp in (200910, 201011):
        for lvl, rc, rn, lc, old, ln in GEO:
            c = counts[lc or rc or "E12000001"]
            for grade, n in zip(["Total", "Outstanding", "Good", "Adequate", "Inadequate"], c):
                rows.append({"time_period": tp, "time_identifier": "Financial year", "geographic_level": lvl,
                             "country_code": "E92000001", "country_name": "England", "region_code": rc,
                             "region_name": rn, "new_la_code": lc, "old_la_code": old, "la_name": ln, "grade": grade,
                             "reviews": n, "reviews_percent": 100.0 * n / c[0]})
    return pd.DataFrame(rows).sample(frac=1, random_state=3)  # shuffled: the writer sorts


def warehouse(tmp_path, with_actions_rows: bool = False):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    ev = evaluations()
    con.register("ev", ev)
    con.execute("create table marts.release_review_evaluations as select * from ev")
    ds = load_datasets()["review_actions"]
    cols = ", ".join(f"null::{'double' if c in ds.indicator_names else 'varchar'} as {c}" for c in ds.columns)
    con.execute(f"create table marts.release_review_actions as select {cols} where false")
    return con


def assert_upload_is_the_published_files(release) -> None:
    """upload.zip holds the published files byte for byte: no restricted (unsuppressed) file under any name."""
    with zipfile.ZipFile(release / UPLOAD) as z:
        inside = {name: z.read(name) for name in z.namelist()}
    assert inside and not any(n.startswith("restricted") or "/" in n for n in inside)
    for name, data in inside.items():
        assert data == (release / name).read_bytes(), f"{name} in {UPLOAD} is not the published file"
    restricted = {p.read_bytes() for p in (release / "restricted").glob("*.csv")}
    assert not restricted & set(inside.values()), f"a restricted file is inside {UPLOAD}"


def test_release_files_upload_zip_guidance_and_determinism(tmp_path):
    datasets = {k: v for k, v in load_datasets().items() if k in ("review_evaluations", "review_actions")}
    con = warehouse(tmp_path)
    outs = []
    for run in ("a", "b"):
        outs.append(write_release(con, tmp_path / run, datasets))
    a, b = tmp_path / "a", tmp_path / "b"
    for f in ("review_evaluations.csv", "review_evaluations.meta.csv", "restricted/review_evaluations.csv", UPLOAD,
              GUIDANCE):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    # no file for a dataset without records; the guidance says so; the zip holds exactly the publishable files
    assert not (a / "review_actions.csv").exists() and not (a / "review_actions.meta.csv").exists()
    assert "review_actions" in (a / GUIDANCE).read_text(encoding="utf-8").split("## Datasets not published")[1]
    assert sorted(zipfile.ZipFile(a / UPLOAD).namelist()) == sorted(
        ["review_evaluations.csv", "review_evaluations.meta.csv", GUIDANCE])
    assert_upload_is_the_published_files(a)
    assert screen_release(a) == []
    audit = json.loads((a / AUDIT).read_text(encoding="utf-8"))
    assert audit["failing_count"] == 0 and audit["narrowest_whole_numbers"] >= 4
    assert outs[0]["datasets"]["review_actions"]["published"] is False
    pub = list(csv.DictReader(open(a / "review_evaluations.csv", encoding="utf-8")))
    res = list(csv.DictReader(open(a / "restricted" / "review_evaluations.csv", encoding="utf-8")))
    assert len(pub) == len(res) == 50
    for row in pub:
        assert row["reviews"] in ("c", "0") or int(row["reviews"]) > 5
        if row["reviews"] == "c":
            assert row["reviews_percent"] == "c"
    # the Total of a group whose parts are shown is shown too (a hidden Total with every part shown hides nothing)
    assert audit["suppressed"] == sum(r["reviews"] == "c" for r in pub)


def test_published_levels_follow_the_configuration(tmp_path):
    datasets = load_datasets()
    ds = datasets["review_evaluations"]
    ds.levels = ["National", "Regional"]
    con = warehouse(tmp_path)
    write_release(con, tmp_path / "r", {"review_evaluations": ds})
    pub = list(csv.DictReader(open(tmp_path / "r" / "review_evaluations.csv", encoding="utf-8")))
    res = list(csv.DictReader(open(tmp_path / "r" / "restricted" / "review_evaluations.csv", encoding="utf-8")))
    assert {r["geographic_level"] for r in pub} == {"National", "Regional"}
    assert {r["geographic_level"] for r in res} == {"National", "Regional", "Local authority"}


def _periods(out: dict) -> tuple[int, int]:
    return out["periods"]["protected"], out["periods"]["reused"]


def test_unchanged_periods_reuse_their_protection_and_changed_ones_match_a_fresh_run(tmp_path):
    """Issue 14: a period whose rows are unchanged reuses the last build's protection; a changed period is protected
    again, and the files equal those of a run without the cache."""
    datasets = {k: v for k, v in load_datasets().items() if k in ("review_evaluations", "review_actions")}
    con = warehouse(tmp_path)
    cache = tmp_path / "cache"
    first = write_release(con, tmp_path / "a", datasets, cache_dir=cache)
    again = write_release(con, tmp_path / "b", datasets, cache_dir=cache)
    assert _periods(first) == (2, 0) and first["periods"]["blocks_reused"] == 0
    assert _periods(again) == (0, 2)
    for f in ("review_evaluations.csv", "restricted/review_evaluations.csv", UPLOAD, AUDIT):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    # a correction in 2010-11: Good and Adequate in Middlesbrough swap one review (totals unchanged)
    con.execute("""update marts.release_review_evaluations set reviews = case grade when 'Good' then reviews + 1
                   else reviews - 1 end where time_period = 201011 and grade in ('Good', 'Adequate')
                   and (new_la_code = 'E06000002' or geographic_level <> 'Local authority')""")
    changed = write_release(con, tmp_path / "c", datasets, cache_dir=cache)
    fresh = write_release(con, tmp_path / "d", datasets)  # no cache: every period protected
    assert _periods(fresh) == (2, 0)
    assert _periods(changed) == (1, 1)
    # 2010-11 is one block of hidden cells, which the correction changed: audited again, nothing kept
    assert changed["periods"]["blocks_audited"] > 0 and changed["periods"]["blocks_reused"] == 0
    for f in ("review_evaluations.csv", "restricted/review_evaluations.csv", UPLOAD):
        assert (tmp_path / "c" / f).read_bytes() == (tmp_path / "d" / f).read_bytes(), f
    corrected = (tmp_path / "c" / "review_evaluations.csv").read_bytes()
    assert corrected != (tmp_path / "a" / "review_evaluations.csv").read_bytes()
    assert len(list(cache.glob("*.json.gz"))) == 2  # the entry of the old 2010-11 is gone
    assert sorted(f.name for f in (cache / "blocks").iterdir()) == ["200910.json.gz", "201011.json.gz"]


def test_a_failing_audit_publishes_nothing(tmp_path):
    """A release whose audit fails keeps the restricted tier and the audit, and writes no published file, no guidance
    and no upload.zip; the files of the last good release are removed. The engine suppresses until its audit passes,
    so the failing audit is made by hand: each period's result, as the period cache holds it, gets one failing cell."""
    datasets = {k: v for k, v in load_datasets().items() if k in ("review_evaluations", "review_actions")}
    con = warehouse(tmp_path)
    cache, release = tmp_path / "cache", tmp_path / "r"
    write_release(con, release, datasets, cache_dir=cache)
    assert (release / UPLOAD).is_file() and (release / "review_evaluations.csv").is_file()
    entries = sorted(cache.glob("*.json.gz"))
    assert len(entries) == 2
    for f in entries:
        value = json.loads(gzip.decompress(f.read_bytes()))
        value["summary"].update(failing_count=1, failing=[["3", "2", "3"]])
        f.write_bytes(gzip.compress(json.dumps(value).encode("utf-8")))
    with pytest.raises(DisclosureError, match="nothing written for upload"):
        write_release(con, release, datasets, cache_dir=cache)
    assert sorted(p.name for p in release.iterdir() if p.is_file()) == [AUDIT]
    assert json.loads((release / AUDIT).read_text(encoding="utf-8"))["failing_count"] == 2
    assert sorted(p.name for p in (release / "restricted").iterdir()) == [
        "review_actions.csv", "review_evaluations.csv"]
