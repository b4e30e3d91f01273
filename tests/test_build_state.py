"""The build fingerprint's inputs (scr_warehouse/build_state.py): a change to any file a build reads (a seed, the
configuration, a model, a macro, a GX suite, the Python) changes the fingerprint, so a changed threshold rebuilds;
dbt's own output folders do not."""
from __future__ import annotations

from pathlib import Path

import pytest

from scr_warehouse import build_state
from scr_warehouse.paths import CONFIG_DIR, REPO_ROOT, SEEDS_DIR

# One file of each kind a build reads, as laid out in the repository.
INPUTS = ("dbt_project/seeds/policy/publication_settings.csv", "dbt_project/seeds/reference/ref_las.csv",
          "config/release_datasets.yml", "dbt_project/models/staging/stg_x.sql", "dbt_project/macros/m.sql",
          "dbt_project/tests/assert_x.sql", "dbt_project/dbt_project.yml", "expectations/notifications.json",
          "orchestration/scr_warehouse/policy.py", "dashboards/common.py")
OUTPUTS = ("dbt_project/target/manifest.json", "dbt_project/logs/dbt.log", "data/demo/warehouse.duckdb")


@pytest.fixture
def project(tmp_path) -> Path:
    for name in INPUTS + OUTPUTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"{name}: first\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", INPUTS)
def test_a_changed_input_changes_the_fingerprint(project, name):
    base = build_state.project_fingerprint(project)
    (project / name).write_text(f"{name}: changed\n", encoding="utf-8")
    assert build_state.project_fingerprint(project) != base, f"{name} is not an input of the fingerprint"
    (project / name).write_text(f"{name}: first\n", encoding="utf-8")
    assert build_state.project_fingerprint(project) == base


def test_outputs_do_not_change_the_fingerprint(project):
    base = build_state.project_fingerprint(project)
    for name in OUTPUTS:
        (project / name).write_text("another build's output\n", encoding="utf-8")
    assert build_state.project_fingerprint(project) == base


def test_every_seed_and_configuration_file_of_the_repository_is_an_input():
    read = set(build_state.project_files(REPO_ROOT))
    wanted = [*SEEDS_DIR.rglob("*.csv"), *SEEDS_DIR.rglob("*.yml"), *CONFIG_DIR.glob("*.yml")]
    assert wanted and not [p for p in wanted if p not in read]
