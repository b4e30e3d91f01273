"""The release writer (contract section 2): reads the restricted marts marts.release_<dataset> from the warehouse and
writes, for each dataset of config/release_datasets.yml,

  <release>/restricted/<dataset>.csv   every value, unsuppressed (management information, never published)
  <release>/<dataset>.csv              disclosure control applied (contract 2.6)
  <release>/<dataset>.meta.csv         the explore-education-statistics metadata file

and `screen_release(dir)` runs the checks the Department's published-data screener runs on every file.

Disclosure control: counts 1..threshold become `c` (primary); where a suppressed cell could be worked back from a
total and the other cells of an additive relation (a row group and its Total; Died + Seriously injured = Total;
regions sum to England, LAs to their region), more cells are suppressed, smallest non-zero first, until no
suppressed cell is determined by the published cells (checked exactly, by linear algebra over every relation, and
against the knowledge that a suppressed count is at least 1). Percentages and rates are suppressed with the counts
they derive from. `z`: cannot apply (a percentage of nothing); `x`: not available (no population for a rate).

Output is deterministic: rows sorted by time, geography and the configured filter order; fixed decimal places.
Only counts are logged, never record-level data.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .parallel import fork_map
from .paths import CONFIG_DIR, POLICY_SEEDS_DIR, REFERENCE_SEEDS_DIR

GEOGRAPHY = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name",
             "region_code", "region_name", "new_la_code", "old_la_code", "la_name"]
LEVELS = ["National", "Regional", "Local authority"]
SYMBOLS = {"c", "x", "z", "u", "k", "low"}  # the GSS symbols the screener accepts in indicator cells
DEFAULT_THRESHOLD = 5  # contract 2.6 "5 by default": used only when the policy seed does not set one


# --------------------------------------------------------------------------------------------------------- config
@dataclass
class Dataset:
    name: str
    title: str
    filters: list[dict]
    indicators: list[dict]
    additive: list[dict]
    group_by: list[str] = field(default_factory=list)

    @property
    def filter_names(self) -> list[str]:
        return [f["name"] for f in self.filters]

    @property
    def indicator_names(self) -> list[str]:
        return [i["name"] for i in self.indicators]

    @property
    def columns(self) -> list[str]:
        return GEOGRAPHY + self.filter_names + self.indicator_names

    @property
    def counts(self) -> list[str]:
        return [i["name"] for i in self.indicators if i["kind"] == "count"]

    def filter_order(self, name: str) -> dict:
        """value -> sort position for one filter (grouped filters sort within their group)."""
        f = next(f for f in self.filters if f["name"] == name)
        if "values" in f:
            return {v: i for i, v in enumerate(f["values"])}
        return {(g, v): i for g, vals in f.get("values_by_group", {}).items() for i, v in enumerate(vals)}

    def expected_values(self) -> dict[str, set]:
        out = {}
        for f in self.filters:
            if "values" in f:
                out[f["name"]] = set(f["values"])
            else:
                out[f["name"]] = {v for vals in f["values_by_group"].values() for v in vals}
        return out


@lru_cache(maxsize=None)
def _config_cached(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_datasets(path: Path | None = None) -> dict[str, Dataset]:
    cfg = _config_cached(str(path or CONFIG_DIR / "release_datasets.yml"))
    return {
        name: Dataset(name=name, title=d["title"], filters=d["filters"], indicators=d["indicators"],
                      additive=d.get("additive", []), group_by=d.get("group_by", []))
        for name, d in cfg["datasets"].items()
    }


def disclosure_threshold(con=None) -> int:
    """publication_settings.disclosure_threshold: from the warehouse table policy.publication_settings when given a
    connection, else from the seed file; the contract default (5) only if neither sets it."""
    rows: list[dict] = []
    if con is not None:
        try:
            df = con.execute("select * from policy.publication_settings").df()
            rows = df.astype(str).to_dict("records")
        except Exception:  # noqa: BLE001 - the seed may not be built in this warehouse
            rows = []
    if not rows:
        p = POLICY_SEEDS_DIR / "publication_settings.csv"
        if p.exists():
            with open(p, newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
    for r in rows:
        vals = list(r.values())
        if "disclosure_threshold" in vals:
            for key in ("value", "setting_value"):
                if key in r and str(r[key]).strip():
                    return int(float(r[key]))
        if "disclosure_threshold" in r and str(r["disclosure_threshold"]).strip():
            return int(float(r["disclosure_threshold"]))
    return DEFAULT_THRESHOLD


# ---------------------------------------------------------------------------------------------- additive relations
def _key_cols(ds: Dataset) -> list[str]:
    return ["time_period", "geographic_level", "region_code", "new_la_code", *ds.filter_names]


def relations(df: pd.DataFrame, ds: Dataset) -> list[tuple[int, list[int]]]:
    """Every (total_row, [part_rows]) with total = sum(parts), as positional row indices of df."""
    out: list[tuple[int, list[int]]] = []
    d = df.reset_index(drop=True).copy()
    for c in ["region_code", "new_la_code", "region_name", "la_name", *ds.filter_names]:
        d[c] = d[c].astype(object).where(d[c].notna(), "")
    geo = ["time_period", "geographic_level", "region_code", "new_la_code"]
    for spec in ds.additive:
        fixed = geo + [f for f in ds.filter_names if f not in spec["vary"]]
        gid = d.groupby(fixed, sort=False, dropna=False).ngroup().to_numpy()
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
    gid = d.groupby(["time_period", *ds.filter_names], sort=False, dropna=False).ngroup().to_numpy()
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


# ------------------------------------------------------------------------------------------------ suppression core
LP_MAX_CELLS = 8  # components up to this size are also checked with bounds (hidden counts are >= 1)
SVD_MAX_CELLS = 30  # larger components get the per-relation rules only (the contract's row-group rule); see docs/benchmarks.md


def _components(hidden_set: set[int], rels: list[tuple[int, list[int]]]) -> list[list[tuple[int, list[int]]]]:
    """The relations holding >= 1 hidden cell, grouped into connected components of hidden cells."""
    parent: dict[int, int] = {}

    def find(a):
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    rel_hidden = []
    for total, parts in rels:
        cells = [c for c in (total, *parts) if c in hidden_set]
        if not cells:
            continue
        rel_hidden.append((total, parts, cells[0]))
        r0 = find(cells[0])
        for c in cells[1:]:
            rc = find(c)
            if rc != r0:
                parent[rc] = r0
    comps: dict[int, list] = {}
    for total, parts, c0 in rel_hidden:
        comps.setdefault(find(c0), []).append((total, parts))
    return list(comps.values())


def _determined_in(rows: list[tuple[int, list[int]]], hidden_set: set[int], values: np.ndarray) -> set[int]:
    """Hidden cells of one component that the published cells determine exactly. Linear algebra: x_i is fixed iff
    every null-space vector of the relation matrix restricted to hidden cells has a zero i-th coordinate. Bounds: an
    attacker also knows a hidden count is >= 1 (zeros are published). From the true values, which are feasible, a
    cell can only be pinned by the bounds where some hidden cell sits on its bound (value 1, or 2 to be safe); then,
    for small components, each cell's range is found by linear programming and a range narrower than 1 pins it."""
    from scipy.linalg import null_space
    from scipy.optimize import linprog

    cols = sorted({c for t, p in rows for c in (t, *p) if c in hidden_set})
    if len(cols) > SVD_MAX_CELLS:  # too large to factorise quickly; the per-relation rules still apply
        return set()
    pos = {c: i for i, c in enumerate(cols)}
    a = np.zeros((len(rows), len(cols)))
    b = np.zeros(len(rows))
    for r, (total, parts) in enumerate(rows):
        for c in (total, *parts):
            coef = 1.0 if c == total else -1.0
            if c in pos:
                a[r, pos[c]] = coef
            else:
                b[r] -= coef * values[c]
    ns = null_space(a)
    if ns.shape[1] == 0:
        return set(cols)
    norms = np.abs(ns).max(axis=1)
    fixed = {c for c in cols if norms[pos[c]] < 1e-9}
    if len(cols) > LP_MAX_CELLS or not any(values[c] <= 2 for c in cols):
        return fixed
    for c in cols:
        if c in fixed:
            continue
        obj = np.zeros(len(cols))
        obj[pos[c]] = 1.0
        lo = linprog(obj, A_eq=a, b_eq=b, bounds=(1, None), method="highs")
        hi = linprog(-obj, A_eq=a, b_eq=b, bounds=(1, None), method="highs")
        if lo.status == 0 and hi.status == 0 and (-hi.fun) - lo.fun < 1 - 1e-9:
            fixed.add(c)
    return fixed


def suppress_counts(values: np.ndarray, rels: list[tuple[int, list[int]]], threshold: int) -> np.ndarray:
    """Boolean mask of suppressed cells for one count column (NaN cells are never suppressed nor used).

    Primary: 1 <= value <= threshold. Secondary, repeated until stable: in any relation with exactly one suppressed
    cell, or whose suppressed cells must all be 1 (their hidden sum equals their number), or where a suppressed
    cell is determined exactly by all relations together (with hidden counts >= 1), the smallest non-zero published
    cell of that relation is suppressed too. Only relations that hold in the data are used."""
    v = np.asarray(values, dtype=float)
    known = ~np.isnan(v)
    sup = known & (v >= 1) & (v <= threshold)
    rels = [(t, p) for t, p in rels
            if known[t] and all(known[i] for i in p) and v[t] > 0 and abs(v[t] - sum(v[i] for i in p)) < 1e-9]
    rel_of: dict[int, list[int]] = {}
    for r, (t, p) in enumerate(rels):
        for c in (t, *p):
            rel_of.setdefault(c, []).append(r)

    def widen(r: int) -> int | None:
        t, p = rels[r]
        cand = [c for c in (t, *p) if not sup[c] and v[c] > 0]
        if not cand:
            return None
        c = min(cand, key=lambda i: (v[i], i))
        sup[c] = True
        return c

    queue = {r for c in np.flatnonzero(sup) for r in rel_of.get(int(c), [])}
    cache: dict[tuple, set[int]] = {}
    for _ in range(100000):
        while queue:
            r = queue.pop()
            t, p = rels[r]
            hidden = [c for c in (t, *p) if sup[c]]
            need = len(hidden) == 1 or (
                len(hidden) > 1 and not sup[t] and v[t] - sum(v[i] for i in p if not sup[i]) <= len(hidden))
            if need and (c := widen(r)) is not None:
                queue.update(rel_of[c])
        hidden_set = {int(i) for i in np.flatnonzero(sup)}
        changed = False
        touched = sorted({r for c in hidden_set for r in rel_of.get(c, [])})
        for rows in _components(hidden_set, [rels[r] for r in touched]):
            key = tuple(sorted({c for t, p in rows for c in (t, *p) if c in hidden_set}))
            if key not in cache:
                cache[key] = _determined_in(rows, hidden_set, v)
            for c in sorted(cache[key]):  # one widening per component and pass: the component then changes
                if any((n := widen(r)) is not None for r in rel_of.get(c, [])):
                    queue.update(rel_of[n])
                    changed = True
                    break
        if not changed:
            return sup
    raise RuntimeError("secondary suppression did not converge")


def _denominator_index(df: pd.DataFrame, ds: Dataset, ind: dict) -> np.ndarray:
    """For each row, the position of the row holding its denominator (-1 if none)."""
    keys = _key_cols(ds)
    d = df.reset_index(drop=True)[keys].copy()
    for c in keys:
        d[c] = d[c].astype(object).where(d[c].notna(), "").astype(str)
    target = d.copy()
    for col, val in ind.get("denominator_row", {}).items():
        target[col] = val
    lookup = d.assign(_pos=np.arange(len(d)))
    merged = target.merge(lookup, on=keys, how="left", sort=False)
    return merged["_pos"].fillna(-1).astype(int).to_numpy()


def _fmt(value: float, dp: int) -> str:
    q = Decimal(1).scaleb(-dp) if dp > 0 else Decimal(1)
    return str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def _fmt_array(values: np.ndarray, dp: int) -> np.ndarray:
    """_fmt for a whole column (NaN cells come back empty; callers replace them with a symbol)."""
    uniq, inverse = np.unique(values, return_inverse=True)  # few distinct values: format each once
    text = np.array(["" if np.isnan(u) else _fmt(u, dp) for u in uniq], dtype=object)
    return text[inverse.reshape(-1)]


def apply_disclosure(df: pd.DataFrame, ds: Dataset, threshold: int, suppress: bool = True) -> pd.DataFrame:
    """The dataset as text cells: counts/percentages/rates formatted, symbols for what cannot be shown."""
    d = df.reset_index(drop=True)
    rels = relations(d, ds) if suppress else []  # the restricted tier needs no relations
    masks: dict[str, np.ndarray] = {}
    for name in ds.counts:
        vals = pd.to_numeric(d[name], errors="coerce").to_numpy(dtype=float)
        masks[name] = suppress_counts(vals, rels, threshold) if suppress else np.zeros(len(d), dtype=bool)
    out = d[GEOGRAPHY + ds.filter_names].copy().astype(object)
    for col in GEOGRAPHY + ds.filter_names:
        col_vals = d[col]
        out[col] = np.where(col_vals.isna().to_numpy(), "", col_vals.astype(str).to_numpy(dtype=object))
    for ind in ds.indicators:
        name, kind, dp = ind["name"], ind["kind"], int(ind["dp"])
        vals = pd.to_numeric(d[name], errors="coerce").to_numpy(dtype=float)
        cells = []
        if kind == "count":
            ints = np.where(np.isnan(vals), 0, np.round(vals)).astype(np.int64).astype(str).astype(object)
            cells = np.where(np.isnan(vals), "x", np.where(masks[name], "c", ints)).tolist()
        elif kind in ("percent", "rate"):
            num = ind["numerator"]
            nmask = masks[num]
            den_idx = _denominator_index(d, ds, ind) if kind == "percent" else np.full(len(d), -1)
            nvals = pd.to_numeric(d[num], errors="coerce").to_numpy(dtype=float)
            has_den = den_idx >= 0
            safe = np.where(has_den, den_idx, 0)
            hidden = nmask | (has_den & nmask[safe])
            den = np.where(has_den, nvals[safe], np.nan)
            missing = np.where((kind == "percent") & (den == 0), "z", "x")
            cells = np.where(np.isnan(vals), missing,
                             np.where(hidden, "c", _fmt_array(vals, dp))).tolist()
        elif kind == "percent_hidden":
            den_name = ind["denominator"]
            dvals = pd.to_numeric(d[den_name], errors="coerce").to_numpy(dtype=float)
            for i, x in enumerate(vals):
                if np.isnan(x):
                    cells.append("z" if dvals[i] == 0 else "x")
                    continue
                implied = int(round(x * dvals[i] / 100.0)) if not np.isnan(dvals[i]) else 0
                if suppress and (masks[den_name][i] or 1 <= implied <= threshold):
                    cells.append("c")
                else:
                    cells.append(_fmt(x, dp))
        else:
            raise ValueError(f"{ds.name}.{name}: unknown indicator kind {kind!r}")
        out[name] = cells
    return out


def sort_rows(df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    d = df.copy()
    keys = [d["time_period"].astype(str), d["geographic_level"].map({l: i for i, l in enumerate(LEVELS)}).fillna(9),
            d["region_code"].fillna("").astype(str), d["new_la_code"].fillna("").astype(str)]
    sort_cols = []
    for i, k in enumerate(keys):
        d[f"_k{i}"] = k.to_numpy()
        sort_cols.append(f"_k{i}")
    for f in ds.filters:
        order = ds.filter_order(f["name"])
        if "values" in f:
            d[f"_f_{f['name']}"] = d[f["name"]].map(order).fillna(999)
        else:
            g = f["grouping_column"]
            d[f"_f_{f['name']}"] = [order.get((a, b), 999) for a, b in zip(d[g], d[f["name"]])]
        sort_cols += [f"_f_{f['name']}", f["name"]]
    d = d.sort_values(sort_cols, kind="mergesort").drop(columns=[c for c in d.columns if c.startswith(("_k", "_f_"))])
    return d.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------------- writing
def _csv_text(rows: pd.DataFrame | None, columns: list[str] | None) -> str:
    """CSV text: the header (columns given) and/or the rows (rows given, in their own column order)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if columns is not None:
        w.writerow(columns)
    if rows is not None:
        w.writerows((rows if columns is None else rows[columns]).to_numpy(dtype=object).tolist())
    return buf.getvalue()


def meta_rows(ds: Dataset) -> list[dict]:
    rows = []
    for f in ds.filters:
        rows.append({"col_name": f["name"], "col_type": "Filter", "label": f["label"], "indicator_grouping": "",
                     "indicator_unit": "", "indicator_dp": "", "filter_hint": f.get("hint", ""),
                     "filter_grouping_column": f.get("grouping_column", "")})
    for ind in ds.indicators:
        rows.append({"col_name": ind["name"], "col_type": "Indicator", "label": ind["label"],
                     "indicator_grouping": ind.get("grouping", ""), "indicator_unit": ind["unit"],
                     "indicator_dp": str(ind["dp"]), "filter_hint": "", "filter_grouping_column": ""})
    return rows


META_COLUMNS = ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
                "filter_hint", "filter_grouping_column"]


def _year_chunk(ds: Dataset, chunk: pd.DataFrame, threshold: int) -> tuple[str, str, int]:
    """Restricted and published CSV lines (no header) of one time period, and its suppressed cells. Every additive
    relation lies within one time period, so each period is disclosure-controlled on its own."""
    restricted = apply_disclosure(chunk, ds, threshold, suppress=False)
    published = apply_disclosure(chunk, ds, threshold, suppress=True)
    n_c = int(sum((published[c] == "c").sum() for c in ds.indicator_names))
    return _csv_text(restricted[ds.columns], None), _csv_text(published[ds.columns], None), n_c


def _chunks(df: pd.DataFrame, ds: Dataset) -> list[pd.DataFrame]:
    df = sort_rows(df[ds.columns], ds)  # time period first: each period's rows are contiguous
    return [g.reset_index(drop=True) for _, g in df.groupby("time_period", sort=False)] or [df]


def write_release(con, release: Path, datasets: dict[str, Dataset] | None = None) -> dict[str, dict]:
    """Read every marts.release_<dataset> and write its files. Returns {dataset: {rows, suppressed_cells}};
    a dataset whose mart is not in the warehouse is reported as {"missing": 1} (the screener then fails).
    Time periods are disclosure-controlled in parallel on the machine's cores (fork_map)."""
    datasets = datasets or load_datasets()
    threshold = disclosure_threshold(con)
    present = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    out: dict[str, dict] = {}
    jobs: list[tuple] = []
    owner: list[str] = []
    for name, ds in datasets.items():
        if f"release_{name}" not in present:
            out[name] = {"rows": 0, "suppressed_cells": 0, "missing": 1}
            continue
        df = con.execute(f"select * from marts.release_{name}").df()
        # Plain Python strings: the arrow-backed string columns pandas returns cost more on every row-wise step.
        df = df.astype({c: object for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])})
        missing = [c for c in ds.columns if c not in df.columns]
        if missing:
            raise ValueError(f"marts.release_{name} lacks columns {missing}")
        out[name] = {"rows": len(df), "suppressed_cells": 0}
        for chunk in _chunks(df, ds):
            jobs.append((ds, chunk, threshold))
            owner.append(name)
    results = fork_map(lambda job: _year_chunk(*job), jobs, cost=lambda job: len(job[1]))
    for name, ds in datasets.items():
        if not out[name].get("missing"):
            out[name]["suppressed_cells"] = _write_files(ds, Path(release),
                                                         [r for r, o in zip(results, owner) if o == name])
    return out


def _write_files(ds: Dataset, release: Path, chunks: list[tuple[str, str, int]]) -> int:
    """The restricted, published and meta files of one dataset from its time periods' CSV lines; returns the
    suppressed cells."""
    (release / "restricted").mkdir(parents=True, exist_ok=True)
    header = _csv_text(None, ds.columns)
    (release / "restricted" / f"{ds.name}.csv").write_text(header + "".join(r[0] for r in chunks), encoding="utf-8")
    (release / f"{ds.name}.csv").write_text(header + "".join(r[1] for r in chunks), encoding="utf-8")
    meta = pd.DataFrame(meta_rows(ds), columns=META_COLUMNS)
    (release / f"{ds.name}.meta.csv").write_text(_csv_text(meta, META_COLUMNS), encoding="utf-8")
    return sum(r[2] for r in chunks)


def write_dataset(df: pd.DataFrame, ds: Dataset, release: Path, threshold: int) -> dict:
    """Write restricted, published and meta files for one dataset (in this process); returns counts."""
    chunks = [_year_chunk(ds, c, threshold) for c in _chunks(df, ds)]
    return {"rows": len(df), "suppressed_cells": _write_files(ds, Path(release), chunks)}


# ------------------------------------------------------------------------------------------------------ screener
@lru_cache(maxsize=None)
def _reference() -> tuple[dict, dict]:
    regions: dict[str, str] = {}
    with open(REFERENCE_SEEDS_DIR / "ref_region_la_hierarchy.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["region_code"].startswith("E12"):
                regions[r["region_code"]] = r["region_name"]
    las: dict[str, tuple[str, str]] = {}
    with open(REFERENCE_SEEDS_DIR / "ref_las.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            las[r["new_la_code"]] = (r["la_name"], r["old_la_code"])
    return regions, las


SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def screen_file(data_path: Path, meta_path: Path) -> list[str]:
    """The screener's checks on one data file and its meta file; returns problems (empty list = passes)."""
    probs: list[str] = []
    name = data_path.name
    regions, las = _reference()
    with open(data_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return [f"{name}: empty file"]
    header, body = rows[0], rows[1:]
    for c in header:
        if not SNAKE.match(c):
            probs.append(f"{name}: column name {c!r} is not snake_case")
    if header[: len(GEOGRAPHY)] != GEOGRAPHY:
        probs.append(f"{name}: must start with {GEOGRAPHY}")
        return probs
    if len(set(header)) != len(header):
        probs.append(f"{name}: duplicate column names")
    if not body:
        probs.append(f"{name}: no data rows")
    if not meta_path.exists():
        return probs + [f"{name}: meta file {meta_path.name} missing"]
    with open(meta_path, newline="", encoding="utf-8") as fh:
        meta = list(csv.DictReader(fh))
    if meta and list(meta[0].keys()) != META_COLUMNS:
        probs.append(f"{meta_path.name}: columns must be {META_COLUMNS}")
    meta_by = {m.get("col_name", ""): m for m in meta}
    others = header[len(GEOGRAPHY):]
    for c in others:
        if c not in meta_by:
            probs.append(f"{name}: no meta row for {c}")
    for m in meta:
        c = m.get("col_name", "")
        if c not in others:
            probs.append(f"{meta_path.name}: meta row {c!r} is not a column of the data file")
        if m.get("col_type") not in ("Filter", "Indicator"):
            probs.append(f"{meta_path.name}: {c}: col_type must be Filter or Indicator")
        if not (m.get("label") or "").strip():
            probs.append(f"{meta_path.name}: {c}: label missing")
        if m.get("col_type") == "Indicator":
            if not (m.get("indicator_unit") or "").strip():
                probs.append(f"{meta_path.name}: {c}: indicator_unit missing")
            if not (m.get("indicator_dp") or "").strip().isdigit():
                probs.append(f"{meta_path.name}: {c}: indicator_dp must be a whole number")
        if m.get("col_type") == "Filter":
            g = (m.get("filter_grouping_column") or "").strip()
            if g and (g not in meta_by or meta_by[g].get("col_type") != "Filter"):
                probs.append(f"{meta_path.name}: {c}: filter_grouping_column {g!r} is not a filter")
    filters = [c for c in others if meta_by.get(c, {}).get("col_type") == "Filter"]
    indicators = [c for c in others if meta_by.get(c, {}).get("col_type") == "Indicator"]
    if _rows_pass(header, body, filters, indicators, regions, las):  # the usual case, checked column-wise
        for f in filters:
            i = header.index(f)
            if "Total" not in {r[i] for r in body}:
                probs.append(f"{name}: filter {f} has no Total value")
        return probs
    seen_rows, seen_keys = set(), set()
    filter_values: dict[str, set] = {f: set() for f in filters}
    for n, r in enumerate(body, start=2):  # something fails: find and name every failing line
        if len(r) != len(header):
            probs.append(f"{name}: line {n}: {len(r)} fields, header has {len(header)}")
            continue
        g = dict(zip(header, r))
        tp = g["time_period"]
        if not re.fullmatch(r"\d{6}", tp) or (int(tp[:4]) + 1) % 100 != int(tp[4:]):
            probs.append(f"{name}: line {n}: time_period {tp!r} is not a six-digit financial year")
        if g["time_identifier"] != "Financial year":
            probs.append(f"{name}: line {n}: time_identifier must be 'Financial year'")
        if g["country_code"] != "E92000001" or g["country_name"] != "England":
            probs.append(f"{name}: line {n}: country must be E92000001 England")
        lvl = g["geographic_level"]
        reg = [g["region_code"], g["region_name"]]
        la = [g["new_la_code"], g["old_la_code"], g["la_name"]]
        if lvl == "National":
            if any(reg + la):
                probs.append(f"{name}: line {n}: National row with region or LA columns filled")
        elif lvl == "Regional":
            if any(la) or not all(reg):
                probs.append(f"{name}: line {n}: Regional row needs region columns and no LA columns")
            elif regions.get(reg[0]) != reg[1]:
                probs.append(f"{name}: line {n}: region {reg[0]} / {reg[1]} does not match the reference")
        elif lvl == "Local authority":
            if not all(reg + la):
                probs.append(f"{name}: line {n}: Local authority row with a blank geography cell")
            else:
                if regions.get(reg[0]) != reg[1]:
                    probs.append(f"{name}: line {n}: region {reg[0]} / {reg[1]} does not match the reference")
                if las.get(la[0]) != (la[2], la[1]):
                    probs.append(f"{name}: line {n}: LA {la[0]} / {la[1]} / {la[2]} does not match the reference")
        else:
            probs.append(f"{name}: line {n}: geographic_level {lvl!r} not allowed")
        for f in filters:
            if not g[f].strip():
                probs.append(f"{name}: line {n}: blank filter cell {f}")
            filter_values[f].add(g[f])
        for c in indicators:
            v = g[c].strip()
            if not v:
                probs.append(f"{name}: line {n}: blank indicator cell {c} (use a GSS symbol)")
            elif not NUMBER.match(v) and v not in SYMBOLS:
                probs.append(f"{name}: line {n}: indicator {c} value {v!r} is neither a number nor a GSS symbol")
        t = tuple(r)
        key = tuple(g[c] for c in GEOGRAPHY + filters)
        if t in seen_rows:
            probs.append(f"{name}: line {n}: duplicate row")
        elif key in seen_keys:
            probs.append(f"{name}: line {n}: two rows for the same time, geography and filters")
        seen_rows.add(t)
        seen_keys.add(key)
    for f, vals in filter_values.items():
        if body and "Total" not in vals:
            probs.append(f"{name}: filter {f} has no Total value")
    return probs


def _rows_pass(header: list[str], body: list[list[str]], filters: list[str], indicators: list[str], regions: dict,
               las: dict) -> bool:
    """True when every row passes the per-row checks of screen_file (vectorised; False sends screen_file to its
    row-by-row loop, which names each failing line)."""
    if not body or any(len(r) != len(header) for r in body):
        return False
    d = pd.DataFrame(body, columns=header, dtype="string[pyarrow]")  # arrow strings: vectorised text checks
    tp = d["time_period"].astype(str)
    ok = tp.str.fullmatch(r"\d{6}")
    if not ok.all():
        return False
    if not ((tp.str[:4].astype(int) + 1) % 100 == tp.str[4:].astype(int)).all():
        return False
    if not ((d["time_identifier"] == "Financial year") & (d["country_code"] == "E92000001")
            & (d["country_name"] == "England")).all():
        return False
    lvl = d["geographic_level"]
    reg_cols, la_cols = ["region_code", "region_name"], ["new_la_code", "old_la_code", "la_name"]
    filled = d[reg_cols + la_cols] != ""
    any_reg, all_reg = filled[reg_cols].any(axis=1), filled[reg_cols].all(axis=1)
    any_la, all_la = filled[la_cols].any(axis=1), filled[la_cols].all(axis=1)
    region_ok = (d["region_code"].astype(object).map(regions) == d["region_name"].astype(object)).fillna(False)
    la_ok = pd.Series([las.get(c) == (n, o) for c, o, n in zip(d["new_la_code"], d["old_la_code"], d["la_name"])],
                      index=d.index)
    geo_ok = (((lvl == "National") & ~any_reg & ~any_la)
              | ((lvl == "Regional") & all_reg & ~any_la & region_ok)
              | ((lvl == "Local authority") & all_reg & all_la & region_ok & la_ok))
    if not geo_ok.all():
        return False
    for f in filters:
        if (d[f].str.strip() == "").fillna(True).any():
            return False
    for c in indicators:
        v = d[c].str.strip()
        if not ((v != "") & (v.str.match(NUMBER.pattern) | v.isin(SYMBOLS))).fillna(False).all():
            return False
    return not d.duplicated().any() and not d.duplicated(GEOGRAPHY + filters).any()


def screen_release(directory: Path | str) -> list[str]:
    """Screen every published data file (*.csv that is not *.meta.csv) in directory; [] means all pass."""
    d = Path(directory)
    files = sorted(p for p in d.glob("*.csv") if not p.name.endswith(".meta.csv"))
    if not files:
        return [f"{d}: no data files"]
    probs: list[str] = []
    for p in files:
        probs += screen_file(p, p.with_name(p.name[: -len(".csv")] + ".meta.csv"))
    return probs
