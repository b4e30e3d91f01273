"""API rule (eesyscreener 0.3.1 check_data_dict_fil_item): for each filter the data dictionary names, every item the
data file holds is one of the dictionary's items for it (as an item or a parent item); an item that is not is a
WARNING (the file is then not API-suitable). Filters the dictionary does not name are left to api_dict_col_name."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ...policy import reference_rows
from .api_dict_col_name import dictionary_columns
from .file import File


@lru_cache(maxsize=None)
def dictionary_items() -> dict[str, frozenset[str]]:
    """filter name -> every item the dictionary allows for it (its own items and, as a parent, its parent items)."""
    out: dict[str, set[str]] = {}
    for r in reference_rows("ref_ees_data_dictionary"):
        for col, item in (("col_name", "filter_item"), ("col_name_parent", "filter_item_parent")):
            if r[col] and r[item]:
                out.setdefault(r[col], set()).add(r[item])
    return {k: frozenset(v) for k, v in out.items()}


def non_dictionary_items(data: pd.DataFrame, filters: list[str]) -> list[tuple[str, str]]:
    """(filter, item) of the data's items the dictionary does not allow, for the filters it names, sorted."""
    named = [c for c in filters if ("Filter", c) in dictionary_columns() and c in data.columns]
    return sorted((c, item) for c in named for item in set(data[c].astype(str))
                  if item not in dictionary_items().get(c, frozenset()))


def rule_api_dict_fil_item(f: File) -> list[str]:
    missing = non_dictionary_items(f.data, f.filters)
    if not missing:
        return []
    return ["filter items not in the data dictionary, so not for an API data set until added: "
            + ", ".join(f"'{c} / {item}'" for c, item in missing)]
