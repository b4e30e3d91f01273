"""Placeholder: filled in by the release stage (see docs/architecture.md)."""
release_assets: list = []
release_checks: list = []
