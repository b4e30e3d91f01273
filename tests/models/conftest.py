"""The dbt models' tests share the parsed dbt project: `manifest`, parsed again when a project file is newer than it
(as a build does)."""
from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="session")
def manifest() -> dict:
    from scr_warehouse.dbt.prepare import manifest_stale, prepare
    from scr_warehouse.dbt.project import scr_dbt_project

    if manifest_stale(scr_dbt_project):
        prepare()
    with open(scr_dbt_project.manifest_path, encoding="utf-8") as f:
        return json.load(f)
