"""One data file and its meta file as the screener reads them, the vocabulary its rules share, and the Department's
geography lookup (through scr_warehouse.policy)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ...policy import reference_rows
from ..datasets import META_COLUMNS

PASS, WARNING, FAIL = "PASS", "WARNING", "FAIL"
OPTIONAL_META = ["filter_default", "parent_filter"]
TIME_COLS = ["time_period", "time_identifier"]
GEO_COLS = ["geographic_level", "country_code", "country_name", "region_code", "region_name", "new_la_code",
            "old_la_code", "la_name"]
OBSERVATIONAL = TIME_COLS + GEO_COLS
REQUIRED_DATA = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
UNITS = {"", "%", "pp", "£", "£m", "numberstring"}
SYMBOLS = {"c", "x", "z", "k", "low", "u"}
LEVEL_COLUMNS = {"National": [], "Regional": ["region_code", "region_name"],
                 "Local authority": ["region_code", "region_name", "old_la_code", "new_la_code", "la_name"]}
TIME_IDENTIFIERS = {"Financial year", "Academic year", "Calendar year", "Tax year", "Reporting year"}
SMUSHED = re.compile(r"(^|_)(male|female|white|asian|black|mixed|boys|girls)(_|$)")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Lookups:
    """The Department's geography lookups: region code -> name; LA code -> (old number, name)."""
    regions: dict[str, str]
    las: dict[str, tuple[str, str]]


@lru_cache(maxsize=None)
def lookups() -> Lookups:
    """The geography lookups as the Department's lists give them (reference seeds)."""
    regions = {r["region_code"]: r["region_name"] for r in reference_rows("ref_region_la_hierarchy")
               if r["region_code"].startswith("E12")}
    las = {r["new_la_code"]: (r["old_la_code"], r["la_name"]) for r in reference_rows("ref_las")
           if " / " not in r["new_la_code"]}
    return Lookups(regions, las)


class File:
    """One data file and its meta file, read as text."""

    def __init__(self, data_path: Path):
        self.path = Path(data_path)
        self.name = self.path.name
        self.meta_path = self.path.with_name(self.path.name[: -len(".csv")] + ".meta.csv")

    @cached_property
    def data(self) -> pd.DataFrame:
        return pd.read_csv(self.path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")

    @cached_property
    def meta(self) -> pd.DataFrame:
        if not self.meta_path.exists():
            return pd.DataFrame(columns=META_COLUMNS)
        return pd.read_csv(self.meta_path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")

    def of_type(self, kind: str) -> list[str]:
        if "col_type" not in self.meta.columns:
            return []
        return self.meta.loc[self.meta["col_type"] == kind, "col_name"].tolist()

    @property
    def filters(self) -> list[str]:
        return [c for c in self.of_type("Filter") if c in self.data.columns]

    @property
    def indicators(self) -> list[str]:
        return [c for c in self.of_type("Indicator") if c in self.data.columns]

    def lines(self, mask) -> str:
        """The data lines (header = line 1) where mask holds, the first few."""
        rows = np.flatnonzero(np.asarray(mask)) + 2
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        return "line " + ", ".join(map(str, rows[:5])) + more
