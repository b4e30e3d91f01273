"""Placeholder: filled in by the quality stage (see docs/architecture.md)."""
quality_assets: list = []
quality_checks: list = []
