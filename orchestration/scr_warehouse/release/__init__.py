"""The release stage: dataset configuration (datasets), the relations an attacker can use (relations), disclosure
control and its audit (disclosure), the writer (writer) and the Department's screener (screener)."""
from .datasets import GEOGRAPHY, LEVELS, META_COLUMNS, Dataset, load_datasets
from .screener import screen_release, screen_results
from .writer import DisclosureError, write_release

__all__ = ["GEOGRAPHY", "LEVELS", "META_COLUMNS", "Dataset", "DisclosureError", "load_datasets", "screen_release",
           "screen_results", "write_release"]
