"""The dbt project's structure, read from its manifest (the `manifest` fixture, tests/models/conftest.py): every
model has a primary-key test, a data test that guards a rule fails the build (`error`) and only the declared
informational ones warn, every source table is documented, only staging models (and the stewards' queue,
docs/architecture.md says why) read sources, and a release model's key is its dataset's filters."""
from __future__ import annotations

from collections import defaultdict

from scr_warehouse.release.datasets import load_datasets

# The only tests that inform rather than guard a rule (docs/architecture.md, dbt data tests).
INFORMATIONAL = {("steward_queue", "primary_key")}
# Models that read sources besides the staging models, and why: docs/architecture.md, dbt data tests and structure.
READS_SOURCES = {"steward_queue"}
GEOGRAPHY_KEY = ["time_period", "geographic_level", "region_code", "new_la_code"]


def _models(manifest) -> dict[str, dict]:
    return {n["unique_id"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def _tests_by_model(manifest) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            out[manifest["nodes"][node["attached_node"]]["name"]].append(node)
    return out


def _kind(test: dict) -> str:
    return (test.get("test_metadata") or {}).get("name", "singular")


def primary_key(tests: list[dict]) -> list[str] | None:
    """The key a model's tests make its primary key: unique and not_null on one column, or `primary_key`."""
    for t in tests:
        if _kind(t) == "primary_key":
            return list(t["test_metadata"]["kwargs"]["columns"])
    unique = {t["column_name"] for t in tests if _kind(t) == "unique"}
    not_null = {t["column_name"] for t in tests if _kind(t) == "not_null"}
    both = sorted(unique & not_null)
    return both[:1] or None


def test_every_model_has_a_primary_key_test(manifest):
    tests = _tests_by_model(manifest)
    missing = sorted(m["name"] for m in _models(manifest).values() if not primary_key(tests[m["name"]]))
    assert missing == [], f"models without a primary-key test: {missing}"


def test_rule_tests_fail_the_build_and_only_the_declared_ones_warn(manifest):
    severity = {(manifest["nodes"][t["attached_node"]]["name"] if t.get("attached_node") else t["name"], _kind(t)):
                t["config"]["severity"].lower()
                for t in manifest["nodes"].values() if t["resource_type"] == "test"}
    assert {k for k, s in severity.items() if s == "warn"} == INFORMATIONAL
    assert {s for k, s in severity.items() if k not in INFORMATIONAL} == {"error"}
    assert ("assert_typed_models_keep_every_record", "singular") in severity


def test_every_source_table_is_documented_and_read_through_staging(manifest):
    undocumented = sorted(s["name"] for s in manifest["sources"].values() if not s["description"].strip())
    assert undocumented == []
    readers = {m["name"] for m in _models(manifest).values()
               if m["depends_on"]["nodes"] and any(d.startswith("source.") for d in m["depends_on"]["nodes"])}
    assert {r for r in readers if not r.startswith("stg_")} == READS_SOURCES


def test_a_release_models_key_is_its_datasets_filters(manifest):
    tests = _tests_by_model(manifest)
    for name, ds in load_datasets().items():
        assert primary_key(tests[f"release_{name}"]) == GEOGRAPHY_KEY + ds.filter_names, name
