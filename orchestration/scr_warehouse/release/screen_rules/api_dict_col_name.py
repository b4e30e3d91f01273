"""API rule (eesyscreener 0.3.1 check_data_dict_col_name): every filter and indicator the meta file names (col_name
and filter_grouping_column) is in the Department's data dictionary for API data sets, under its col_type (as a
column or a parent column); a name that is not is a WARNING (the file is then not API-suitable). The dictionary is
the reference seed ref_ees_data_dictionary, read through scr_warehouse.policy."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ...policy import reference_rows
from .file import File


@lru_cache(maxsize=None)
def dictionary_columns() -> frozenset[tuple[str, str]]:
    """(col_type, col_name) of every column the dictionary names, as a column or a parent column."""
    rows = reference_rows("ref_ees_data_dictionary")
    return frozenset((r["col_type"], r[c]) for r in rows for c in ("col_name", "col_name_parent") if r[c])


def non_dictionary_columns(meta: pd.DataFrame) -> list[tuple[str, str]]:
    """(col_type, col_name) of the meta file's columns the dictionary does not name, in meta order."""
    if not {"col_type", "col_name"} <= set(meta.columns):
        return []
    out: list[tuple[str, str]] = []
    for _, m in meta.iterrows():
        for name in (m["col_name"], m.get("filter_grouping_column", "")):
            key = (m["col_type"], name)
            if name and key not in dictionary_columns() and key not in out:
                out.append(key)
    return out


def rule_api_dict_col_name(f: File) -> list[str]:
    missing = non_dictionary_columns(f.meta)
    if not missing:
        return []
    parts = [f"{kind}s: " + ", ".join(repr(n) for k, n in missing if k == kind)
             for kind in ("Indicator", "Filter") if any(k == kind for k, _ in missing)]
    return ["not in the data dictionary, so not for an API data set until added: " + "; ".join(parts)]
