"""Test set-up: environment for every test process, the `landing` fixture and the shared output folder. The
helpers themselves are in tests/helpers.py; tests are in one folder per stage."""
from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
# Each test process records its builds in its own Dagster instance (never the project's data/dagster_home).
os.environ["DAGSTER_HOME"] = tempfile.mkdtemp(prefix="scr-dagster-home-")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from tests.helpers import TEST_OUTPUT, Landing  # noqa: E402  (after the environment is set)


@pytest.fixture
def landing(tmp_path) -> Landing:
    return Landing(tmp_path / "landing")


def pytest_configure(config):
    TEST_OUTPUT.mkdir(exist_ok=True)
