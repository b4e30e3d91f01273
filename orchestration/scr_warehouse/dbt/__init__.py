"""dbt in the pipeline: the project as Dagster sees it (project), the CLI resource and the one place the warehouse
path reaches dbt (resource), parsing and docs outside a build (prepare), and the dbt models as assets (assets)."""
