"""Plotly figures and their mirror tables, built from PUBLISHED release rows only (shared by report and explorer).

Each builder returns (figure, table) where table is a list of header names and rows of already formatted text, so
the same numbers appear in the chart's hover text and in the table beside it. Suppressed cells (`c`) and
unavailable ones (`x`, `z`) are shown as such: no bar, no point, and the symbol in the table."""
from .areas import deaths_injuries_by_year, funnel, tile_map
from .base import EMPTY_HEIGHT, Table, empty_figure, isfinite, level, or_nothing
from .reviews import (
                      ACTION_STATUSES,
                      actions_by_agency,
                      decisions_on_time,
                      grades,
                      overdue_by_region,
                      profile,
                      timeliness_bands,
)

__all__ = ["ACTION_STATUSES", "EMPTY_HEIGHT", "Table", "actions_by_agency", "deaths_injuries_by_year",
           "decisions_on_time", "empty_figure", "funnel", "grades", "isfinite", "level", "or_nothing",
           "overdue_by_region", "profile", "tile_map", "timeliness_bands"]
