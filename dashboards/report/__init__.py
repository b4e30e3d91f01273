"""The published national report (one HTML page per financial year, from the published release files only):
the pages (page) and building them all with their PNG copies (build)."""
from .build import ReportResult, build_reports

__all__ = ["ReportResult", "build_reports"]
