"""CSV files meant for people (stewards open them in Excel): a value that begins with =, +, -, @, a tab or a
carriage return is written with a leading apostrophe, so a spreadsheet shows it as text and never runs it
(contract section 3; OWASP's advice on CSV injection). The raw value stays in the warehouse."""
from __future__ import annotations

import csv
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(path: Path, columns: list[str], rows) -> int:
    """Write rows (sequences in column order) with every text value neutralised; returns the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow(["" if v is None else neutralise(v) for v in row])
            n += 1
    return n
