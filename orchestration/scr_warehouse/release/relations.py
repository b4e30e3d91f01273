"""The relations an attacker holding every published file of a release can use, for one time period, as a linear
system over the release's counts (contract 2.6):

- within a dataset: a row group's parts add up to its Total (config `additive`), England is the sum of its regions,
  a region the sum of its LAs (where both levels are published), and relations between the counts of one row
  (`within_row`: children = notified on time + late; incidents <= children; ...);
- between datasets (config `linked`): the same children or reviews counted in two datasets.

Variables are the published counts and the hidden counts a published percentage gives away (`hidden`); a
publication unit is one published cell, which shows or hides the variables behind it (a count cell its count, the
on-time percentage both the on-time and late counts). Every relation is kept only where it holds in the data: an
attacker can assume no more than what is true.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .datasets import Dataset

GEO_KEY = ["time_period", "geographic_level", "region_code", "new_la_code"]


@dataclass
class Period:
    """One time period's release as a linear system."""
    values: np.ndarray                      # true value of every variable
    is_count: np.ndarray                    # a published count (a `c` is never 0) or a hidden count (may be 0)
    unit_of: np.ndarray                     # the publication unit that shows each variable
    unit_vars: list[list[int]]              # the variables each unit shows
    unit_cell: list[tuple[str, int, str]]   # (dataset, row, indicator) of each unit
    eqs: list[tuple[int, list[int]]] = field(default_factory=list)   # total == sum(parts)
    les: list[tuple[int, int]] = field(default_factory=list)         # lower <= upper
    var_cell: list[tuple[str, int, str]] = field(default_factory=list)
    depends: dict[int, list[int]] = field(default_factory=dict)   # variable -> units hidden whenever it is
    weight: np.ndarray | None = None        # cost multiple of hiding each variable (by geographic level)


def published_rows(df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """The rows of the published levels."""
    return df[df["geographic_level"].isin(ds.levels)].reset_index(drop=True)


def as_text(d: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """The columns as text, NULL as '' (for grouping and matching rows)."""
    out = d[cols].copy()
    for c in cols:
        out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
    return out


def row_relations(df: pd.DataFrame, ds: Dataset) -> list[tuple[int, list[int]]]:
    """Every (total_row, [part_rows]) of one dataset's rows: configured filter relations and geography."""
    out: list[tuple[int, list[int]]] = []
    d = as_text(df.reset_index(drop=True), GEO_KEY + ds.filter_names)
    for spec in ds.additive:
        fixed = GEO_KEY + [f for f in ds.filter_names if f not in spec["vary"]]
        gid = d.groupby(fixed, sort=False).ngroup().to_numpy()
        tmask = np.ones(len(d), dtype=bool)
        for col, val in spec["total"].items():
            tmask &= (d[col] == val).to_numpy()
        tpos = np.flatnonzero(tmask)
        gs, counts = np.unique(gid[tpos], return_counts=True)
        single = set(gs[counts == 1].tolist())
        total_of = {int(g): int(i) for g, i in zip(gid[tpos], tpos) if int(g) in single}
        selections = []
        if "parts_each" in spec:
            for col, values in spec["parts_each"].items():
                selections.append((d[col].isin(values).to_numpy() & ~tmask, col))
        else:
            selections.append((~tmask, None))
        for sel, col in selections:
            pos = np.flatnonzero(sel)
            keys = pd.DataFrame({"g": gid[pos], "v": d[col].to_numpy()[pos] if col else 0})
            for (g, _), idx in keys.groupby(["g", "v"], sort=True).indices.items():
                t = total_of.get(int(g))
                if t is not None:
                    out.append((t, [int(i) for i in pos[idx]]))
    # geography: England = sum of regions, region = sum of its LAs (same time and filters)
    gid = d.groupby(["time_period", *ds.filter_names], sort=False).ngroup().to_numpy()
    lvl = d["geographic_level"].to_numpy()
    reg = d["region_code"].to_numpy()
    nat = {int(g): int(i) for i, g in zip(np.flatnonzero(lvl == "National"), gid[lvl == "National"])}
    rpos = np.flatnonzero(lvl == "Regional")
    region_row = {(int(gid[i]), reg[i]): int(i) for i in rpos}
    for g, idx in pd.Series(gid[rpos]).groupby(gid[rpos]).indices.items():
        if int(g) in nat:
            out.append((nat[int(g)], [int(i) for i in rpos[idx]]))
    lpos = np.flatnonzero(lvl == "Local authority")
    keys = pd.DataFrame({"g": gid[lpos], "r": reg[lpos]})
    for (g, r), idx in keys.groupby(["g", "r"], sort=True).indices.items():
        t = region_row.get((int(g), r))
        if t is not None:
            out.append((t, [int(i) for i in lpos[idx]]))
    return out


def _holds(values: np.ndarray, total: int, parts: list[int]) -> bool:
    v = values[[total, *parts]]
    return not np.isnan(v).any() and abs(v[0] - v[1:].sum()) < 1e-9


def build_period(frames: dict[str, pd.DataFrame], datasets: dict[str, Dataset], linked: list[dict],
                 cost: dict[str, float] | None = None) -> Period:
    """The linear system of one time period from each dataset's published rows (frames: dataset -> rows);
    `cost`: geographic level -> cost multiple of hiding a cell there (1 where not given)."""
    values: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    is_count: list[np.ndarray] = []
    var_cell: list[tuple[str, int, str]] = []
    unit_vars: list[list[int]] = []
    unit_cell: list[tuple[str, int, str]] = []
    offset: dict[tuple[str, str], int] = {}
    depends: dict[int, list[int]] = {}
    n = 0
    for name, d in frames.items():
        ds = datasets[name]
        for ind in ds.counts + ds.hidden_counts:
            offset[(name, ind)] = n
            values.append(pd.to_numeric(d[ind], errors="coerce").to_numpy(dtype=float))
            weights.append(d["geographic_level"].map(cost or {}).fillna(1.0).to_numpy(dtype=float))
            is_count.append(np.full(len(d), ind in ds.counts))
            var_cell += [(name, r, ind) for r in range(len(d))]
            n += len(d)
        for ind in ds.counts:  # a count cell shows its own count
            for r in range(len(d)):
                unit_vars.append([offset[(name, ind)] + r])
                unit_cell.append((name, r, ind))
        shown_by: dict[str, list[str]] = {}
        for h in ds.hidden:
            shown_by.setdefault(h["revealed_by"], []).append(h["name"])
        for pct, hidden in shown_by.items():  # a percentage cell shows the hidden counts behind it
            den = next(i["denominator"] for i in ds.indicators if i["name"] == pct)
            for r in range(len(d)):
                # hidden with its denominator too: the ratio beside a hidden count is information
                depends.setdefault(offset[(name, den)] + r, []).append(len(unit_vars))
                unit_vars.append([offset[(name, h)] + r for h in hidden])
                unit_cell.append((name, r, pct))
    v = np.concatenate(values) if values else np.zeros(0)
    unit_of_arr = np.full(n, -1, dtype=int)
    for u, vs in enumerate(unit_vars):
        unit_of_arr[vs] = u
    p = Period(values=v, is_count=np.concatenate(is_count) if is_count else np.zeros(0, bool),
               unit_of=unit_of_arr, unit_vars=unit_vars, unit_cell=unit_cell, var_cell=var_cell, depends=depends,
               weight=np.concatenate(weights) if weights else np.zeros(0))
    for name, d in frames.items():
        ds = datasets[name]
        rows = row_relations(d, ds)
        for ind in ds.counts + ds.hidden_counts:
            o = offset[(name, ind)]
            p.eqs += [(o + t, [o + i for i in parts]) for t, parts in rows]
        for rel in ds.within_row:
            for r in range(len(d)):
                if "total" in rel:
                    p.eqs.append((offset[(name, rel["total"])] + r, [offset[(name, x)] + r for x in rel["parts"]]))
                else:
                    p.les.append((offset[(name, rel["lower"])] + r, offset[(name, rel["upper"])] + r))
    p.eqs += _linked(frames, datasets, linked, offset)
    p.eqs = [(t, parts) for t, parts in p.eqs if _holds(v, t, parts)]
    p.les = [(lo, hi) for lo, hi in p.les if not np.isnan(v[[lo, hi]]).any() and v[lo] <= v[hi] + 1e-9]
    return p


def _linked(frames, datasets, linked, offset) -> list[tuple[int, list[int]]]:
    """Instances of the relations between datasets: cells matched on time and geography."""
    index: dict[tuple[str, tuple], dict[tuple, int]] = {}

    def rows_at(spec: dict) -> dict[tuple, int] | None:
        name = spec["dataset"]
        if name not in frames or (name, spec["indicator"]) not in offset:
            return None
        key = (name, tuple(sorted(spec["at"].items())))
        if key not in index:
            d = as_text(frames[name], GEO_KEY + datasets[name].filter_names)
            mask = np.ones(len(d), dtype=bool)
            for col, val in spec["at"].items():
                mask &= (d[col] == val).to_numpy()
            index[key] = {tuple(r): int(i) for i, r in zip(np.flatnonzero(mask), d.loc[mask, GEO_KEY].to_numpy())}
        return index[key]

    out = []
    for rel in linked:
        total = rows_at(rel["total"])
        parts = [rows_at(s) for s in rel["parts"]]
        if total is None or any(p is None for p in parts):
            continue
        t_off = offset[(rel["total"]["dataset"], rel["total"]["indicator"])]
        p_off = [offset[(s["dataset"], s["indicator"])] for s in rel["parts"]]
        for geo, t in total.items():
            if all(geo in p for p in parts):
                out.append((t_off + t, [o + p[geo] for o, p in zip(p_off, parts)]))
    return out
