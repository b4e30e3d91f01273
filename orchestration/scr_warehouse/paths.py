"""Where the project's own files are. Run-time data (landing, warehouse, release) is passed in, never fixed here."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
POLICY_SEEDS_DIR = SEEDS_DIR / "policy"
REFERENCE_SEEDS_DIR = SEEDS_DIR / "reference"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
CONFIG_DIR = REPO_ROOT / "config"
DATA_DIR = REPO_ROOT / "data"

# The landing feeds of contract section 1, in load order.
FEEDS = ("notifications", "reviews", "evaluations", "actions", "corrections", "population")
