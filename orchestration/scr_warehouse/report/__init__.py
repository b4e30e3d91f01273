"""The report stage as Dagster assets (the pages themselves are drawn by dashboards.report)."""
