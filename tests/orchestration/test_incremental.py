"""Issue 14: building a warehouse change by change gives what one build of the final landing folder gives.

A small synthetic landing folder arrives in three steps (most files; then the last notifications file; then the
stewards' corrections), built after each step into one warehouse, so later builds load only new files and reuse the
protection of unchanged periods. Every output is then compared with a fresh build of the final folder."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.helpers import build

pytestmark = pytest.mark.slow

# Outputs that legitimately differ between two builds of the same data: when GX ran (Data Docs file names and
# index), and how long the audit took.
TIMESTAMPED = ("quality/data_docs/",)


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


def test_change_by_change_equals_one_build_of_the_final_folder(tmp_path):
    from scr_warehouse.synthetic import generate

    full = tmp_path / "generated"
    generate(full, seed=11, scale=0.02)
    held = {"notifications": sorted((full / "notifications").glob("*.csv"))[-1],
            "corrections": sorted((full / "corrections").glob("*.csv"))[-1]}
    landing = tmp_path / "landing"
    shutil.copytree(full, landing)
    for feed, f in held.items():
        (landing / feed / f.name).unlink()

    first = build(landing, tmp_path / "incremental")
    assert first.summary["periods"]["reused"] == 0
    for feed in ("notifications", "corrections"):
        shutil.copy2(held[feed], landing / feed / held[feed].name)
        later = build(landing, tmp_path / "incremental")
        assert not later.summary.get("up_to_date")
    # the corrections touch some years only: the other years' protection was reused, not recomputed
    assert later.summary["periods"]["reused"] > 0 and later.summary["periods"]["protected"] > 0

    fresh = build(landing, tmp_path / "fresh")
    assert fresh.summary["periods"] == {"protected": later.summary["periods"]["protected"]
                                        + later.summary["periods"]["reused"], "reused": 0}
    got, want = _outputs(later.release), _outputs(fresh.release)
    assert sorted(got) == sorted(want)
    assert [f for f in want if got[f] != want[f]] == []
    for schema in ("marts", "quality"):
        tables = [r[0] for r in fresh.query(
            f"select table_name from information_schema.tables where table_schema = '{schema}' order by 1")]
        for t in tables:
            q = f"select * from {schema}.{t} order by all"
            assert later.query(q) == fresh.query(q), f"{schema}.{t}"
