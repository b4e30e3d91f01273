"""The dbt CLI resource the build uses: dagster-dbt's DbtCliResource without two fixed costs per dbt step.

dagster-dbt 0.29 does two things before every `dbt.cli(...)` that this project never needs:
- it runs `dbt --version` in a subprocess to learn which dbt it drives (about 2 s of imports here, and with a
  network dbt also asks PyPI for the latest version, one second's timeout per package); the installed dbt-core's
  version is read from the package metadata instead (the same number: dbt is the one installed beside this Python);
- it builds a dbt adapter inside the Dagster process (importing dbt and loading its macros, 2-4 s), which is used
  only to fetch row counts or column metadata after a run (`fetch_row_counts`, `fetch_column_metadata`); the build
  does not fetch them, so no adapter is built.
Both override private members of the pinned dagster-dbt (constraints.txt); tests/orchestration/test_cli.py checks them.

The warehouse file reaches dbt's profile (profiles.yml) as the environment variable SCR_WAREHOUSE, the name the
Dagster code location reads too, set in one place: `warehouse_env`.
"""
import importlib.metadata
import os
import sys
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Sequence

from dagster_dbt import DbtCliResource
from packaging import version


class ScrDbtCliResource(DbtCliResource):
    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]):
        return None


WAREHOUSE_ENV = "SCR_WAREHOUSE"


def parse_warehouse(name: str = "warehouse.duckdb") -> Path:
    """The warehouse file dbt's profile names while the project is only parsed (no connection is opened): in the
    project's target folder, with the built warehouse's file name, because dbt-duckdb names the database after the
    file and the parsed models carry that name. The same path for every parse of that name, so dbt's partial-parse
    state (which is keyed on the profile) made by `prepare` (for `warehouse.duckdb`) serves those builds."""
    from .project import scr_dbt_project

    return Path(scr_dbt_project.project_dir) / "target" / Path(name).name


@contextmanager
def warehouse_env(warehouse_file: Path | str):
    """dbt subprocesses started inside this block use `warehouse_file` (dagster-dbt passes this process's
    environment to dbt; profiles.yml reads SCR_WAREHOUSE). The variable is restored afterwards."""
    before = os.environ.get(WAREHOUSE_ENV)
    os.environ[WAREHOUSE_ENV] = str(Path(warehouse_file).resolve())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(WAREHOUSE_ENV, None)
        else:
            os.environ[WAREHOUSE_ENV] = before


def dbt_resource() -> ScrDbtCliResource:
    """The dbt CLI resource, using the dbt installed beside this Python (works without an activated venv)."""
    from .project import scr_dbt_project

    return ScrDbtCliResource(project_dir=scr_dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt"))
