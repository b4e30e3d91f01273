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

Publication policy (contract 2.6, config `publication` and seeds/policy/publication_settings.csv):
- headline cells (config `headline`: England's counts in notifications_by_area and its children by outcome) are
  `fixed`: always published exactly, never primary, never chosen to hide; so is a count over the threshold that the
  headline and the published zeros give exactly (England's seriously injured children by incident type: the
  headline's seriously injured children), which hiding would not protect (`given_by_headline`);
- with regional rounding (setting `regional_rounding_base` > 0) every regional count is published rounded to that
  base: the attacker knows it only to its rounding interval (`round_lo`..`round_hi`), so a shown regional count is an
  unknown of the audit with those bounds; the on-time percentage of a region shows its on-time count rounded and
  nothing of the late count (`always_unknown`).
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
    fixed: np.ndarray | None = None         # always published exactly: `headline`, and what it gives over the threshold
    headline: np.ndarray | None = None      # a headline count (config `headline`, contract 2.6)
    round_lo: np.ndarray | None = None      # a rounded published count: its rounding interval (NaN: not rounded)
    round_hi: np.ndarray | None = None
    always_unknown: np.ndarray | None = None  # a variable no published cell shows exactly, whatever is hidden
    allowed: dict[int, tuple[float, float]] = field(default_factory=dict)  # cell -> the range the headline allows
    display: np.ndarray | None = None       # the value a published cell shows (rounded where rounded)
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)  # (a, b, group) candidates

    def __post_init__(self):
        n = len(self.values)
        if self.fixed is None:
            self.fixed = np.zeros(n, dtype=bool)
        if self.headline is None:
            self.headline = self.fixed.copy()
        if self.round_lo is None:
            self.round_lo = np.full(n, np.nan)
            self.round_hi = np.full(n, np.nan)
        if self.always_unknown is None:
            self.always_unknown = np.zeros(n, dtype=bool)
        if self.display is None:
            self.display = self.values

    @property
    def rounded(self) -> np.ndarray:
        return ~np.isnan(self.round_lo)


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


def rounding_interval(rounded: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """The whole numbers a count published rounded (half up) to `base` can be: R - base/2 .. R + base/2 - 1, never
    below 0."""
    half = base // 2
    return np.maximum(rounded - half, 0), rounded + (base - half) - 1


def round_half_up(values: np.ndarray, base: int) -> np.ndarray:
    return np.floor(values / base + 0.5) * base


def _matches(d: pd.DataFrame, at: dict) -> np.ndarray:
    mask = np.ones(len(d), dtype=bool)
    for col, val in at.items():
        mask &= (d[col].astype(object).where(d[col].notna(), "").astype(str) == str(val)).to_numpy()
    return mask


def headline_rows(d: pd.DataFrame, name: str, headline: list[dict]) -> np.ndarray:
    """The rows of one dataset whose counts are headline figures (config `headline`)."""
    mask = np.zeros(len(d), dtype=bool)
    for spec in headline:
        if spec["dataset"] == name:
            mask |= _matches(d, {"geographic_level": spec.get("level", "National"), **spec.get("at", {})})
    return mask


def cost_weights(d: pd.DataFrame, ds: Dataset, cost: dict[str, float] | None) -> np.ndarray:
    """Each row's cost multiple (config `suppression_cost`): its level's, times `Total` where every filter of the row
    is Total (a table's total for its area: England's reviews, a region's, an LA's, the figure read first)."""
    cost = cost or {}
    w = d["geographic_level"].map({k: v for k, v in cost.items() if k != "Total"}).fillna(1.0).to_numpy(dtype=float)
    if "Total" in cost and ds.filter_names:
        total = np.logical_and.reduce([(d[f].astype(str) == "Total").to_numpy() for f in ds.filter_names])
        w = np.where(total, w * float(cost["Total"]), w)
    return w


@dataclass
class _Variables:
    """A period's variables as build_period gathers them, dataset by dataset and indicator by indicator (one array
    of each per indicator), and the publication units that show them."""
    values: list[np.ndarray] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)
    is_count: list[np.ndarray] = field(default_factory=list)
    fixed: list[np.ndarray] = field(default_factory=list)
    rlo: list[np.ndarray] = field(default_factory=list)
    rhi: list[np.ndarray] = field(default_factory=list)
    unknown: list[np.ndarray] = field(default_factory=list)
    var_cell: list[tuple[str, int, str]] = field(default_factory=list)
    unit_vars: list[list[int]] = field(default_factory=list)
    unit_cell: list[tuple[str, int, str]] = field(default_factory=list)
    offset: dict[tuple[str, str], int] = field(default_factory=dict)  # (dataset, indicator) -> its first variable
    depends: dict[int, list[int]] = field(default_factory=dict)
    n: int = 0

    def add_counts(self, name: str, d: pd.DataFrame, ds: Dataset, cost: dict[str, float] | None,
                   headline: list[dict] | None, rounding: int) -> None:
        """The variables of one dataset's rows: each count and each hidden count of every row."""
        weights = cost_weights(d, ds, cost)
        for ind in ds.counts + ds.hidden_counts:
            self.offset[(name, ind)] = self.n
            self.values.append(pd.to_numeric(d[ind], errors="coerce").to_numpy(dtype=float))
            self.weights.append(weights)
            self.is_count.append(np.full(len(d), ind in ds.counts))
            self.var_cell += [(name, r, ind) for r in range(len(d))]
            self.n += len(d)
            self.fixed.append(headline_rows(d, name, headline or []) & (ind in ds.counts))
            regional = (d["geographic_level"] == "Regional").to_numpy() & (rounding > 0)
            lo, hi = rounding_interval(round_half_up(self.values[-1], rounding) if rounding else self.values[-1],
                                       rounding or 2)
            # a region's counts, and its on-time count (its percentage is of rounded counts), are known rounded;
            # its late count is shown by nothing
            late = ind in ds.hidden_counts and not _revealed_first(ds, ind)
            shown_rounded = regional & ~late
            self.rlo.append(np.where(shown_rounded, lo, np.nan))
            self.rhi.append(np.where(shown_rounded, hi, np.nan))
            self.unknown.append(regional & late)

    def add_units(self, name: str, d: pd.DataFrame, ds: Dataset) -> None:
        """The publication units of one dataset's rows: its count cells, then its percentage cells."""
        unit_vars, unit_cell, offset, depends = self.unit_vars, self.unit_cell, self.offset, self.depends
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

    def period(self) -> Period:
        """The Period of these variables and units, with no relation yet."""
        v = np.concatenate(self.values) if self.values else np.zeros(0)
        unit_of_arr = np.full(self.n, -1, dtype=int)
        for u, vs in enumerate(self.unit_vars):
            unit_of_arr[vs] = u

        def cat(xs: list, dt) -> np.ndarray:
            return np.concatenate(xs) if xs else np.zeros(0, dtype=dt)

        return Period(values=v, is_count=cat(self.is_count, bool),
                      unit_of=unit_of_arr, unit_vars=self.unit_vars, unit_cell=self.unit_cell, var_cell=self.var_cell,
                      depends=self.depends, weight=cat(self.weights, float), fixed=cat(self.fixed, bool),
                      round_lo=cat(self.rlo, float), round_hi=cat(self.rhi, float),
                      always_unknown=cat(self.unknown, bool))


def _add_within_datasets(p: Period, frames: dict[str, pd.DataFrame], datasets: dict[str, Dataset],
                         offset: dict[tuple[str, str], int]) -> None:
    """The relations within each dataset: its rows' (row_relations) for every count, then those within a row."""
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


def build_period(frames: dict[str, pd.DataFrame], datasets: dict[str, Dataset], linked: list[dict],
                 cost: dict[str, float] | None = None, headline: list[dict] | None = None,
                 rounding: int = 0, threshold: int = 0) -> Period:
    """The linear system of one time period from each dataset's published rows (frames: dataset -> rows);
    `cost`: geographic level -> cost multiple of hiding a cell there (1 where not given); `headline`: the rows whose
    counts are always published exactly; `rounding`: the base regional counts are published rounded to (0: exact);
    `threshold` (given): a count over it that the headline gives exactly is published too (given_by_headline)."""
    gathered = _Variables()
    for name, d in frames.items():
        gathered.add_counts(name, d, datasets[name], cost, headline, rounding)
        gathered.add_units(name, d, datasets[name])
    p = gathered.period()
    v, offset = p.values, gathered.offset
    _add_within_datasets(p, frames, datasets, offset)
    p.display = np.where(p.rounded, p.round_hi - (rounding - rounding // 2 - 1), v) if rounding else v
    p.pairs = _pair_candidates(frames, datasets, offset)
    eqs, les = _linked(frames, datasets, linked, offset)
    p.eqs += eqs
    p.les += les
    p.eqs = [(t, parts) for t, parts in p.eqs if _holds(v, t, parts)]
    p.les = [(lo, hi) for lo, hi in p.les if not np.isnan(v[[lo, hi]]).any() and v[lo] <= v[hi] + 1e-9]
    if threshold:
        fix_given_by_headline(p, threshold)
    return p


def fix_given_by_headline(p: Period, threshold: int) -> None:
    """Publish exactly (p.fixed) the headline and every count over the threshold it gives (given_by_headline): hiding
    such a count protects nothing and hides a figure every reader can work out."""
    p.fixed = p.headline | (given_by_headline(p) & (p.values > threshold))


def published_whatever_hidden(p: Period) -> np.ndarray:
    """The counts a reader has whatever else is hidden: the fixed counts (the headline) and the zeros (a release
    hides no 0), exactly unless rounded; not a count no published cell shows."""
    return (p.fixed | (p.is_count & (p.values == 0))) & ~p.always_unknown


def given_by_headline(p: Period) -> np.ndarray:
    """The counts the headline and the published zeros give exactly, through equalities with one other unknown
    (carried on until none is left). A count of 1..threshold among them stays primary: the contract hides every count
    of 1..threshold below the headline, and the audit then asks it to span only what the headline allows."""
    known = published_whatever_hidden(p) & ~p.rounded
    given = np.zeros(len(p.values), dtype=bool)
    todo = True
    while todo:
        todo = False
        for t, parts in p.eqs:
            unknown = [c for c in (t, *parts) if not known[c]]
            if len(unknown) == 1:
                c = unknown[0]
                if p.is_count[c] and not p.always_unknown[c] and not p.rounded[c]:
                    known[c] = given[c] = todo = True
    return given


def _pair_candidates(frames, datasets, offset) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Pairs of counts of one row (incidents and SCRs initiated, actions and actions with a due date, ...) with the
    groups of rows an attacker may compare them over: every row of a level, and every row of one region (the region
    and its LAs)."""
    out = []
    for name, d in frames.items():
        counts = datasets[name].counts
        lvl = d["geographic_level"].astype(str).to_numpy()
        reg = d["region_code"].astype(object).where(d["region_code"].notna(), "").astype(str).to_numpy()
        by_level = pd.factorize(lvl)[0]
        by_region = np.where(lvl == "National", -1, pd.factorize(reg)[0])
        rows = np.arange(len(d))
        for i, a in enumerate(counts):
            for b in counts[i + 1:]:
                va, vb = offset[(name, a)] + rows, offset[(name, b)] + rows
                out.append((va, vb, by_level))
                keep = by_region >= 0
                out.append((va[keep], vb[keep], by_region[keep]))
    return out


def observed_equalities(p: Period, hidden_units: np.ndarray) -> list[tuple[int, list[int]]]:
    """Equalities an attacker learns from the published files themselves (contract 2.6): where two counts of a row
    are equal in every row of a group in which both are shown, and in two rows at least where they are not 0 (a row
    of zeros is no evidence), he takes them to be equal where one is hidden too. Each is returned where it holds in
    the data and is not already a relation."""
    hv = p.always_unknown.copy()
    for u in np.flatnonzero(hidden_units):
        hv[p.unit_vars[u]] = True
    unknown = hv | p.rounded
    have = {(t, parts[0]) for t, parts in p.eqs if len(parts) == 1}
    out = []
    for a, b, g in p.pairs:
        if not len(a):
            continue
        vis = ~hv[a] & ~hv[b]
        differ = vis & (p.display[a] != p.display[b])
        ng = int(g.max()) + 1
        seen = np.bincount(g[vis & (p.display[a] > 0)], minlength=ng)
        contradicted = np.bincount(g[differ], minlength=ng)
        holds = (seen >= 2) & (contradicted == 0)
        new = holds[g] & (unknown[a] | unknown[b]) & (p.values[a] == p.values[b])
        for x, y in zip(a[new].tolist(), b[new].tolist()):
            if (x, y) not in have:
                have.add((x, y))
                out.append((x, [y]))
    return out


def _revealed_first(ds: Dataset, name: str) -> bool:
    """The hidden count a percentage is the share of (its numerator), as against the rest (the late count)."""
    h = next(h for h in ds.hidden if h["name"] == name)
    pct = next(i for i in ds.indicators if i["name"] == h["revealed_by"])
    return pct.get("numerator") == name


def _linked(frames, datasets, linked, offset) -> tuple[list[tuple[int, list[int]]], list[tuple[int, int]]]:
    """Instances of the relations between datasets (or between measures of one): cells matched on time and
    geography; (equalities total == sum(parts), bounds lower <= upper)."""
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

    out, bounds = [], []
    for rel in linked:
        if "lower" in rel:  # lower <= upper, cell by cell
            lo, hi = rows_at(rel["lower"]), rows_at(rel["upper"])
            if lo is None or hi is None:
                continue
            lo_off, hi_off = (offset[(rel[k]["dataset"], rel[k]["indicator"])] for k in ("lower", "upper"))
            bounds += [(lo_off + r, hi_off + hi[geo]) for geo, r in lo.items() if geo in hi]
            continue
        total = rows_at(rel["total"])
        parts = [rows_at(s) for s in rel["parts"]]
        if total is None or any(p is None for p in parts):
            continue
        t_off = offset[(rel["total"]["dataset"], rel["total"]["indicator"])]
        p_off = [offset[(s["dataset"], s["indicator"])] for s in rel["parts"]]
        for geo, t in total.items():
            if all(geo in p for p in parts):
                out.append((t_off + t, [o + p[geo] for o, p in zip(p_off, parts)]))
    return out, bounds
