"""The dbt project as Dagster sees it. Kept alone in this module: `dagster-dbt project prepare-and-package --file`
fails when the file also defines @dbt_assets."""
from dagster_dbt import DbtProject

from ..paths import DBT_PROJECT_DIR

scr_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
