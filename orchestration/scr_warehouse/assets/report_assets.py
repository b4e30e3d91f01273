"""Placeholder: filled in by the report stage (see docs/architecture.md)."""
report_assets: list = []
report_checks: list = []
