"""The release configuration (config/release_datasets.yml) against the dbt models it describes, read from the dbt
manifest: every column a dataset publishes is a column of its model, every filter item the configuration orders is a
value the model's accepted_values test allows (and no other), and the timeliness bands the model makes zero rows for
are, measure by measure, those the configuration orders (the order itself lives only in the configuration)."""
from __future__ import annotations

import re

import pytest

from scr_warehouse.release.datasets import load_datasets


def _model(manifest, name: str) -> dict:
    return next(n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == name)


def _accepted(manifest, model: str) -> dict[str, set[str]]:
    out = {}
    for t in manifest["nodes"].values():
        meta = t.get("test_metadata") or {}
        if t["resource_type"] == "test" and meta.get("name") == "accepted_values" and \
                t.get("attached_node", "").endswith(f".{model}"):
            # the yml writes a quote as SQL does ('')
            out[t["column_name"]] = {str(v).replace("''", "'") for v in meta["kwargs"]["values"]}
    return out


def _items(f: dict) -> set[str]:
    return set(f["values"]) if "values" in f else {v for vals in f["values_by_group"].values() for v in vals}


@pytest.mark.parametrize("name", sorted(load_datasets()))
def test_a_datasets_columns_and_filter_items_are_its_models(manifest, name):
    ds = load_datasets()[name]
    model = _model(manifest, f"release_{name}")
    missing = [c for c in ds.columns + ds.hidden_counts if c not in model["columns"]]
    assert missing == [], f"release_{name} does not describe {missing}"
    accepted = _accepted(manifest, f"release_{name}")
    for f in ds.filters:
        if f["name"] in accepted:
            assert _items(f) == accepted[f["name"]], f"{name}.{f['name']}: configuration and model differ"


def test_the_timeliness_bands_are_the_configurations(manifest):
    sql = _model(manifest, "release_review_timeliness")["raw_code"]
    block = sql[sql.index("categories (measure, band) as ("):sql.index("),\nfacts as (")]
    made: dict[str, set[str]] = {}
    for measure, band in re.findall(r"\('([^']+)', '([^']+)'\)", block):
        made.setdefault(measure, set()).add(band)
    band = next(f for f in load_datasets()["review_timeliness"].filters if f["name"] == "band")
    assert made == {m: set(v) for m, v in band["values_by_group"].items()}
    assert "band_order" not in sql and "measure_order" not in sql, "the band order is the configuration's alone"
