"""What the synthetic generator reads and shares: its configuration (config/generator.yml), the landing columns
and age bands (policy seeds, through scr_warehouse.policy: nothing copied here), the English LAs and when their codes
are valid, and small vectorised helpers (date strings, numbers, mixes)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..paths import CONFIG_DIR
from ..policy import age_bands, landing_columns, reference_rows

CONFIG_PATH = CONFIG_DIR / "generator.yml"

# Landing columns, in contract order (contract section 1, seeds/policy/landing_columns.csv).
COLUMNS = {feed: [c.column_name for c in cols] for feed, cols in landing_columns().items()}
FEEDS = tuple(COLUMNS)


def _band_key(label: str) -> str:
    """The config's name for a band of seeds/policy/age_bands.csv: 'Under 1' -> under_1, '0 to 2 months' -> 0_to_2."""
    return label.lower().removesuffix(" months").replace(" ", "_")


# Age bands of config mixes.age_band / age_under_1 as month ranges (contract 2.1 bands, seeds/policy/age_bands.csv);
# under_1 is drawn from the age_under_1 mix, so it has no range of its own here.
AGE_BAND_MONTHS = {_band_key(b): months for b, months in age_bands("age_band").items() if months is not None}
AGE_BAND_MONTHS["under_1"] = None
UNDER_1_MONTHS = {_band_key(b): months for b, months in age_bands("age_under_1").items() if months is not None}
DAYS_PER_MONTH = 30.44
IMPOSSIBLE_DAYS = [(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)]

EPOCH = dt.date(1970, 1, 1)
D0 = (dt.date(2000, 1, 1) - EPOCH).days  # first day of the date-string tables
D1 = (dt.date(2030, 12, 31) - EPOCH).days


def _day(d: dt.date | str) -> int:
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    return (d - EPOCH).days


def load_config(path: Path = CONFIG_PATH) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


# ---------------------------------------------------------------------------------------------------------------
# Reference: English LAs and the dates their codes are valid
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LA:
    code: str
    region: str
    entity: str
    valid_from: int | None  # day number; None = valid from the start (01/01/2009 codes count before 2009 too)
    valid_to: int | None

    def valid_on(self, day: int) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)


def _dmy(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    d, m, y = text.split("/")
    return dt.date(int(y), int(m), int(d))


def load_las() -> list[LA]:
    """English LAs from seeds/reference/ref_las.csv (rows with ' / ' in the code and the 'z' row skipped)."""
    out = []
    for row in reference_rows("ref_las"):
        code = row["new_la_code"].strip()
        if " / " in code or code == "z" or not code.startswith("E"):
            continue
        start = _dmy(row["date_of_operation"])
        end = _dmy(row["date_of_termination"])
        valid_from = None if start is None or start == dt.date(2009, 1, 1) else _day(start)
        out.append(LA(code, row["parent_geography_code"].strip(), code[:3], valid_from,
                      None if end is None else _day(end)))
    return sorted(out, key=lambda la: la.code)


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
def _mix(spec: dict) -> tuple[list, np.ndarray]:
    """(values, probabilities) of a config mix {value: weight}; weights need not sum to 1."""
    values = spec["values"] if "values" in spec else spec
    keys = list(values)
    w = np.array([float(values[k]) for k in keys])
    return keys, w / w.sum()


def _range(key: str) -> tuple[int, int]:
    lo, hi = key.split("-")
    return int(lo), int(hi)


def _fy_label(fy: int) -> str:
    return f"{fy}-{(fy + 1) % 100:02d}"


_DATE_TABLES: dict[str, np.ndarray] = {}


def _date_table(fmt: str) -> np.ndarray:
    """Day number - D0 -> date string in fmt ('iso' or 'dmy'); index -1 (the extra last cell) is ''."""
    if fmt not in _DATE_TABLES:
        days = [EPOCH + dt.timedelta(days=d) for d in range(D0, D1 + 1)]
        strs = [d.isoformat() if fmt == "iso" else d.strftime("%d/%m/%Y") for d in days] + [""]
        _DATE_TABLES[fmt] = np.array(strs, dtype=object)
    return _DATE_TABLES[fmt]


_NUM = np.array([str(i) for i in range(1001)] + [""], dtype=object)


def _nums(a: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    idx = np.clip(a, 0, 1000).astype(np.int64)
    if missing is not None:
        idx = np.where(missing, -1, idx)
    return _NUM[idx]


@dataclass
class _Batch:
    """One submission batch of one feed being assembled: rows plus per-row facts the defects need."""
    rows: list
    dates: dict = field(default_factory=dict)  # column -> day-number array aligned with rows (-1 = missing)
    fmt: str = "iso"
