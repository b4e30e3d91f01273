"""Dagster assets, one module per stage: ingest -> dbt -> quality -> dbt (after quality) -> release -> report."""
