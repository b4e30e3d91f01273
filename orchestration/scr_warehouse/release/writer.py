"""The release writer (contract section 2): reads the restricted marts marts.release_<dataset> and writes

  <release>/restricted/<dataset>.csv   every level and value, unsuppressed (management information, never published)
  <release>/<dataset>.csv              the published levels, disclosure control applied (contract 2.6)
  <release>/<dataset>.meta.csv         the explore-education-statistics metadata file
  <release>/data_guidance.md           what each file holds, and the datasets not published for want of records
  <release>/disclosure_audit.json      cells suppressed, the narrowest range of any `c`, the audit's time
  <release>/upload.zip                 exactly what may be uploaded: data files, meta files and the data guidance

Every time period of the whole release is protected together (relations never cross periods: every dataset is by
financial year), on forked workers. Output is deterministic; only counts are logged, never record-level data.
"""
from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from .. import policy
from ..parallel import fork_map, worker_count
from .audit import narrows_when_hidden
from .datasets import (
    GEOGRAPHY,
    META_COLUMNS,
    Dataset,
    headline_cells,
    linked_relations,
    load_datasets,
    meta_rows,
    sort_rows,
    suppression_cost,
)
from .disclosure import Audit, audit, hidden_vars, protect
from .period_cache import PeriodCache, code_fingerprint, period_key
from .relations import GEO_KEY, Period, as_text, build_period, headline_rows, published_rows, round_half_up

GUIDANCE = "data_guidance.md"
AUDIT = "disclosure_audit.json"
UPLOAD = "upload.zip"


class DisclosureError(RuntimeError):
    """The audit found a suppressed count that can be worked back: nothing is written for upload."""


def _fmt(value: float, dp: int) -> str:
    q = Decimal(1).scaleb(-dp) if dp > 0 else Decimal(1)
    return str(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


def _fmt_array(values: np.ndarray, dp: int) -> np.ndarray:
    """_fmt for a whole column (NaN cells come back empty; callers replace them with a symbol)."""
    uniq, inverse = np.unique(values, return_inverse=True)  # few distinct values: format each once
    text = np.array(["" if np.isnan(u) else _fmt(u, dp) for u in uniq], dtype=object)
    return text[inverse.reshape(-1)]


def _denominator_index(d: pd.DataFrame, ds: Dataset, ind: dict) -> np.ndarray:
    """For each row, the position of the row holding its denominator (-1 if none)."""
    keys = [*GEO_KEY, *ds.filter_names]
    k = as_text(d, keys)
    target = k.copy()
    for col, val in ind.get("denominator_row", {}).items():
        target[col] = val
    merged = target.merge(k.assign(_pos=np.arange(len(k))), on=keys, how="left", sort=False)
    return merged["_pos"].fillna(-1).astype(int).to_numpy()


def denominators(frames: dict[str, pd.DataFrame], datasets: dict[str, Dataset]) -> dict[tuple[str, str], np.ndarray]:
    """_denominator_index of every percentage of every dataset, computed once for a period's rows."""
    return {(name, ind["name"]): _denominator_index(d, datasets[name], ind)
            for name, d in frames.items() for ind in datasets[name].indicators if ind["kind"] == "percent"}


def _rounded_values(d: pd.DataFrame, ds: Dataset, num: dict[str, np.ndarray], den_of, rounding: int
                    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Regional rows published rounded (contract 2.6): every count rounded half up to `rounding`, and every
    percentage and rate worked out from the rounded counts, so none gives the unrounded count away. Returns the
    values and, per percentage, the rows whose rounded denominator is 0 while the true one is not (shown `x`: not
    available at the precision published; `c` would claim a suppressed count behind it)."""
    reg = (d["geographic_level"] == "Regional").to_numpy()
    if not rounding or not reg.any():
        return num, {}
    out = dict(num)
    for c in ds.counts + ds.hidden_counts:
        out[c] = np.where(reg, round_half_up(num[c], rounding), num[c])
    withheld = {}
    for ind in ds.indicators:
        name, kind = ind["name"], ind["kind"]
        if kind == "count":
            continue
        if kind == "rate":
            n, r = num[ind["numerator"]], out[ind["numerator"]]
            scaled = np.divide(num[name] * r, n, out=np.zeros(len(d)), where=n > 0)
            out[name] = np.where(reg & (n > 0), scaled, num[name])
            continue
        if kind == "percent":
            idx = den_of(ind)
            has = idx >= 0
            top, bottom = out[ind["numerator"]], np.where(has, out[ind["numerator"]][np.maximum(idx, 0)], np.nan)
            true_bottom = np.where(has, num[ind["numerator"]][np.maximum(idx, 0)], np.nan)
        else:  # percent_hidden
            top, bottom, true_bottom = out[ind["numerator"]], out[ind["denominator"]], num[ind["denominator"]]
        pct = np.divide(100.0 * top, bottom, out=np.full(len(d), np.nan), where=bottom > 0)
        out[name] = np.where(reg, pct, num[name])
        withheld[name] = reg & (bottom == 0) & (true_bottom > 0)
    return out, withheld


def format_cells(d: pd.DataFrame, ds: Dataset, hidden: dict[str, np.ndarray],
                 den: dict[tuple[str, str], np.ndarray] | None = None, rounding: int = 0) -> pd.DataFrame:
    """The dataset as text cells; `hidden[indicator]` marks suppressed cells (all False for the restricted tier);
    `den`: the rows' denominators (denominators()), computed here when not given; `rounding`: the base regional
    counts are published rounded to (0: exact; the restricted tier is never rounded)."""
    out = pd.DataFrame(index=d.index)
    for col in GEOGRAPHY + ds.filter_names:
        out[col] = np.where(d[col].isna().to_numpy(), "", d[col].astype(str).to_numpy(dtype=object))
    num = {i["name"]: pd.to_numeric(d[i["name"]], errors="coerce").to_numpy(dtype=float)
           for i in ds.indicators}
    for c in ds.hidden_counts:
        num[c] = pd.to_numeric(d[c], errors="coerce").to_numpy(dtype=float)
    true_num = num

    def den_of(ind):
        return den[(ds.name, ind["name"])] if den is not None else _denominator_index(d, ds, ind)

    num, withheld = _rounded_values(d, ds, num, den_of, rounding)
    for ind in ds.indicators:
        name, kind, dp = ind["name"], ind["kind"], int(ind["dp"])
        vals, mask = num[name], hidden[name]
        vals = np.where(withheld.get(name, False) & ~mask, np.nan, vals)  # shown x (a `c` stays c)
        if kind == "count":
            ints = np.where(np.isnan(vals), 0, np.round(vals)).astype(np.int64).astype(str).astype(object)
            out[name] = np.where(np.isnan(vals), "x", np.where(mask, "c", ints))
            continue
        if kind == "percent":
            den_idx = den_of(ind)
            has = den_idx >= 0
            nums = true_num[ind["numerator"]]
            bottom = np.where(has, nums[np.where(has, den_idx, 0)], np.nan)
            missing = np.where(bottom == 0, "z", "x")
        elif kind == "rate":
            missing = np.full(len(d), "x", dtype=object)
        elif kind == "percent_hidden":
            missing = np.where(true_num[ind["denominator"]] == 0, "z", "x")
        else:
            raise ValueError(f"{ds.name}.{name}: unknown indicator kind {kind!r}")
        out[name] = np.where(np.isnan(vals), missing, np.where(mask, "c", _fmt_array(vals, dp)))
    return out


def _period_masks(p: Period, frames: dict[str, pd.DataFrame], datasets: dict[str, Dataset], threshold: int,
                  width: int, den: dict[tuple[str, str], np.ndarray], threads: int = 1,
                  cache: dict | None = None) -> tuple[dict[str, dict[str, np.ndarray]], np.ndarray, Audit]:
    """Which published cells of one period are `c`, for every dataset together, the hidden units and their audit
    (`cache`: see protect)."""
    units, result = protect(p, threshold, width, threads=threads, cache=cache)
    masks = {name: {i["name"]: np.zeros(len(d), dtype=bool) for i in datasets[name].indicators}
             for name, d in frames.items()}
    for u in np.flatnonzero(units):  # counts and the percentages that show hidden counts
        name, row, ind = p.unit_cell[u]
        masks[name][ind][row] = True
    for name in frames:
        ds = datasets[name]
        for ind in ds.indicators:  # percentages and rates go with the counts they derive from
            if ind["kind"] == "percent":
                den_idx = den[(name, ind["name"])]
                num = masks[name][ind["numerator"]]
                masks[name][ind["name"]] = num | ((den_idx >= 0) & num[np.maximum(den_idx, 0)])
            elif ind["kind"] == "rate":
                masks[name][ind["name"]] = masks[name][ind["numerator"]].copy()
    return masks, units, result


def published_knowledge(p: Period, frames: dict[str, pd.DataFrame], text: dict[str, pd.DataFrame],
                        datasets: dict[str, Dataset], den: dict[tuple[str, str], np.ndarray], rounding: int = 0
                        ) -> tuple[np.ndarray, set[int]]:
    """What the written files show, read back from their text: the hidden units (cells that are `c`), and the
    hidden counts a published percentage or rate gives away anyway (pinned): a percentage beside a hidden count and
    a published denominator, a rate beside a hidden count (populations are public), a percentage of hidden counts
    (their ratio: counted as giving both away)."""
    var = {cell: k for k, cell in enumerate(p.var_cell)}
    # a cell that is `c` hides what it shows; so does a percentage shown `x` (not available: it shows nothing)
    units = np.array([text[name][ind].iat[row] == "c" or (ind not in datasets[name].counts
                                                          and text[name][ind].iat[row] == "x")
                      for name, row, ind in p.unit_cell], dtype=bool)
    hv = hidden_vars(p, units)
    pins: set[int] = set()
    for name, d in frames.items():
        ds, t = datasets[name], text[name]
        for ind in ds.indicators:
            if ind["kind"] == "count":
                continue
            shown = t[ind["name"]].astype(str).str.fullmatch(r"-?\d+(\.\d+)?").to_numpy().copy()
            if rounding:  # a region's percentages and rates are of its rounded counts: they show nothing more
                shown &= (d["geographic_level"] != "Regional").to_numpy()
            if ind["kind"] == "percent":
                den_idx = den[(name, ind["name"])]
                pairs = [(var[(name, r, ind["numerator"])], var.get((name, int(den_idx[r]), ind["numerator"])))
                         for r in np.flatnonzero(shown)]
            else:  # a rate beside its count; the on-time percentage beside its denominator
                key = ind["numerator"] if ind["kind"] == "rate" else ind["denominator"]
                pairs = [(var[(name, r, key)], None) for r in np.flatnonzero(shown)]
            for a, b in pairs:
                pins.update(c for c in (a, b) if c is not None and hv[c])
    return units, pins


def _period_job(job) -> tuple[dict[str, tuple[str, str]], dict]:
    """Restricted and published CSV lines of one period for every dataset, and the audit of what is published."""
    frames, datasets, threshold, width, rounding, threads, memo = job
    published = {name: published_rows(d, datasets[name]) for name, d in frames.items()}
    p = build_period(published, datasets, linked_relations(), suppression_cost(), headline_cells(), rounding,
                     threshold)
    den = denominators(published, datasets)  # once: the masks, the files and reading them back use them
    # the audits of blocks this period's last protection did, reused where a block is the same (a correction
    # changes a few blocks of a period, not all of them)
    certified: dict = {"blocks": memo.load() if memo else {}}
    kept = set(certified["blocks"])
    masks, units, result = _period_masks(p, published, datasets, threshold, width, den, threads, certified)
    text = {name: format_cells(published[name], datasets[name], masks[name], den, rounding) for name in frames}
    shown_units, pins = published_knowledge(p, published, text, datasets, den, rounding)
    if pins or not np.array_equal(shown_units, units):  # the files show something else: audit what they show
        # what protect's audits certified still holds in a block none of whose relations holds a count they had
        # hidden and the files show (a zero's percentage is z, not c) or give away (pinned): only the rest is
        # checked again
        protected = result
        void = {int(c) for u in np.flatnonzero(units & ~shown_units) for c in p.unit_vars[u]}
        # and a count the files hide that protect did not, where hiding it narrows its neighbours
        void |= {int(c) for u in np.flatnonzero(shown_units & ~units) for c in p.unit_vars[u]
                 if narrows_when_hidden(p, c)}
        result = audit(p, shown_units, threshold, width, cache=certified, pins=pins, threads=threads, void=void)
        result.lps += protected.lps
        result.seconds += protected.seconds
        result.narrowest = min(result.narrowest, protected.narrowest)  # spans only protect's audits checked count
    if memo:
        memo.save(certified["blocks"], certified.get("blocks_used", set()))
    lines = {}
    for name, d in frames.items():
        ds = datasets[name]
        none = {i["name"]: np.zeros(len(d), dtype=bool) for i in ds.indicators}
        lines[name] = (_csv_text(format_cells(d, ds, none)[ds.columns], None), _csv_text(text[name][ds.columns], None))
    summary = {
        "suppressed": {name: int(sum(m[c].sum() for c in datasets[name].counts)) for name, m in masks.items()},
        "primary": {name: _primary_cells(published[name], datasets[name], name, threshold, rounding)
                    for name in frames},
        "cells": {name: int(len(published[name]) * len(datasets[name].counts)) for name in frames},
        "information_lost": {name: float(sum(pd.to_numeric(published[name][c])[m[c]].sum()
                                             for c in datasets[name].counts)) for name, m in masks.items()},
        "headline": {"cells": int(p.headline.sum()),
                     "published": int(sum(1 for u, (name, row, ind) in enumerate(p.unit_cell)
                                          if p.headline[p.unit_vars[u][0]] and text[name][ind].iat[row] != "c"))},
        "rounded_cells": int((p.rounded & p.is_count).sum()),
        "equalities": len(p.eqs), "headline_bounded": len(p.allowed),
        "failing": [list(map(str, p_)) for p_ in result.failing[:20]],
        "failing_count": len(result.failing),
        "narrowest": result.narrowest, "lps": result.lps, "seconds": result.seconds,
        "blocks": {"audited": len(set(certified["blocks"]) - kept),
                   "reused": len(certified.get("blocks_used", set()) & kept)},
    }
    return lines, summary


def _primary_cells(d: pd.DataFrame, ds: Dataset, name: str, threshold: int, rounding: int) -> int:
    """Count cells the contract's primary rule hides (2.6): from 1 to the threshold, neither a headline figure
    (published exactly) nor a rounded regional count (published rounded)."""
    exempt = headline_rows(d, name, headline_cells())
    if rounding:
        exempt |= (d["geographic_level"] == "Regional").to_numpy()
    return int(sum((pd.to_numeric(d[c]).between(1, threshold).to_numpy() & ~exempt).sum() for c in ds.counts))


def _csv_text(rows: pd.DataFrame | None, columns: list[str] | None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if columns is not None:
        w.writerow(columns)
    if rows is not None:
        w.writerows((rows if columns is None else rows[columns]).to_numpy(dtype=object).tolist())
    return buf.getvalue()


def write_release(con, release: Path, datasets: dict[str, Dataset] | None = None, cache_dir: Path | None = None,
                  rounding: int | None = None) -> dict:
    """Read every marts.release_<dataset>, protect every period of the release together and write the files.
    Returns {"datasets": {name: {rows, suppressed_cells, published}}, "audit": {...}, "periods": {protected,
    reused, blocks_audited, blocks_reused}} (blocks: of the periods protected, the blocks of hidden cells audited
    and those whose audit was kept from the last build). With `cache_dir` (beside the warehouse: it holds
    unsuppressed counts), a period whose inputs are unchanged since the last build reuses that build's result
    (period_cache). `rounding`: the base regional counts are published rounded to (default: the publication
    setting; the bench compares the routes). Raises DisclosureError (after writing
    the restricted tier and the audit, but no published file and no upload.zip) when the audit fails."""
    datasets = datasets or load_datasets()
    release = Path(release)
    threshold, width = policy.disclosure_threshold(), policy.protection_whole_numbers()
    rounding = policy.regional_rounding_base() if rounding is None else rounding
    frames, stats = _read_marts(con, datasets)
    periods, results, todo = _protect_periods(frames, datasets, threshold, width, rounding, cache_dir)
    summary = _audit_summary(results, periods, threshold, width, rounding)
    for name, s in stats.items():
        s["suppressed_cells"] = summary["suppressed_by_dataset"].get(name, 0)
    _clear_published(release, datasets)
    _write_restricted(release, frames, datasets, results, summary)
    if summary["failing_count"]:
        raise DisclosureError(f"disclosure audit failed: {summary['failing_count']} suppressed cells can be narrowed "
                              f"below {width} whole numbers (see {release / AUDIT}); nothing written for upload")
    _write_published(release, frames, datasets, stats, results, summary, rounding)
    blocks = {k: sum(results[i][1].get("blocks", {}).get(k, 0) for i in todo) for k in ("audited", "reused")}
    return {"datasets": stats, "audit": summary,
            "periods": {"protected": len(todo), "reused": len(periods) - len(todo),
                        "blocks_audited": blocks["audited"], "blocks_reused": blocks["reused"]}}


def _read_marts(con, datasets: dict[str, Dataset]) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """(dataset -> its release mart's rows, sorted; dataset -> {rows, suppressed_cells, published[, missing]}) of
    every dataset (a mart not built: no rows, `missing`); ValueError when a mart lacks a column."""
    present = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    frames: dict[str, pd.DataFrame] = {}
    stats: dict[str, dict] = {}
    for name, ds in datasets.items():
        if f"release_{name}" not in present:
            stats[name] = {"rows": 0, "suppressed_cells": 0, "published": False, "missing": True}
            continue
        df = con.execute(f"select * from marts.release_{name}").df()
        df = df.astype({c: object for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])})
        missing = [c for c in ds.columns + ds.hidden_counts if c not in df.columns]
        if missing:
            raise ValueError(f"marts.release_{name} lacks columns {missing}")
        frames[name] = sort_rows(df[ds.columns + ds.hidden_counts], ds)
        stats[name] = {"rows": len(df), "suppressed_cells": 0, "published": len(df) > 0}
    return frames, stats


def _protect_periods(frames: dict[str, pd.DataFrame], datasets: dict[str, Dataset], threshold: int, width: int,
                     rounding: int, cache_dir: Path | None) -> tuple[list, list, list[int]]:
    """(the time periods, each one's _period_job result, the positions of those protected now): a period whose
    inputs the cache holds reuses its result, the others are protected on forked workers and cached."""
    periods = sorted({tp for d in frames.values() for tp in d["time_period"].unique()})
    parts = [{n: d[d["time_period"] == tp].reset_index(drop=True) for n, d in frames.items()} for tp in periods]
    cache = PeriodCache(cache_dir)
    settings = repr((code_fingerprint(), sorted(datasets.items()), linked_relations(), suppression_cost(),
                     headline_cells(), rounding, threshold,
                     width))
    keys = [period_key(part, settings) for part in parts]
    results = [cache.get(k) for k in keys]
    todo = [i for i, r in enumerate(results) if r is None]
    # the cores go to periods first; a core no period needs audits blocks of one beside it (a correction re-protects
    # one period: both cores work on it)
    threads = max(1, worker_count() // max(1, len(todo)))
    jobs = [(part, datasets, threshold, width, rounding, threads, cache.blocks(tp, settings))
            for tp, part in zip(periods, parts)]
    for i, r in zip(todo, fork_map(_period_job, [jobs[i] for i in todo],
                                   cost=lambda job: sum(len(d) for d in job[0].values()))):
        results[i] = cache.put(keys[i], r)
    cache.prune(periods)
    return periods, results, todo


def _write_restricted(release: Path, frames: dict[str, pd.DataFrame], datasets: dict[str, Dataset], results: list,
                      summary: dict) -> None:
    """The restricted tier (every level, unsuppressed) and the audit file, written whatever the audit found."""
    (release / "restricted").mkdir(parents=True, exist_ok=True)
    for name in frames:
        ds = datasets[name]
        header = _csv_text(None, ds.columns)
        (release / "restricted" / f"{name}.csv").write_text(header + "".join(r[0][name][0] for r in results),
                                                           encoding="utf-8")
    (release / AUDIT).write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")


def _write_published(release: Path, frames: dict[str, pd.DataFrame], datasets: dict[str, Dataset],
                     stats: dict[str, dict], results: list, summary: dict, rounding: int) -> None:
    """The published data and meta files of every dataset with rows, the data guidance and upload.zip."""
    for name in frames:
        ds = datasets[name]
        if not stats[name]["published"]:
            continue
        header = _csv_text(None, ds.columns)
        (release / f"{name}.csv").write_text(header + "".join(r[0][name][1] for r in results), encoding="utf-8")
        meta = pd.DataFrame(meta_rows(ds, rounding), columns=META_COLUMNS)
        (release / f"{name}.meta.csv").write_text(_csv_text(meta, META_COLUMNS), encoding="utf-8")
    (release / GUIDANCE).write_text(data_guidance(datasets, stats, summary), encoding="utf-8")
    write_upload(release, [n for n, s in stats.items() if s["published"]])


def _clear_published(release: Path, datasets: dict[str, Dataset]) -> None:
    """Files of an earlier run that this one may not write again (a dataset that lost its records, a failed audit)."""
    for name in datasets:
        for f in (release / f"{name}.csv", release / f"{name}.meta.csv"):
            f.unlink(missing_ok=True)
    for f in (release / UPLOAD, release / GUIDANCE):
        f.unlink(missing_ok=True)


def _audit_summary(results: list, periods: list, threshold: int, width: int, rounding: int) -> dict:
    by_ds: dict[str, int] = {}
    primary: dict[str, int] = {}
    cells: dict[str, int] = {}
    lost: dict[str, float] = {}
    for _, s in results:
        for name, n in s["suppressed"].items():
            by_ds[name] = by_ds.get(name, 0) + n
            primary[name] = primary.get(name, 0) + s["primary"][name]
            cells[name] = cells.get(name, 0) + s["cells"][name]
            lost[name] = lost.get(name, 0.0) + s["information_lost"][name]
    narrowest = min((s["narrowest"] for _, s in results), default=math.inf)
    return {
        "threshold": threshold, "whole_numbers_required": width,
        "count_cells": cells, "suppressed_by_dataset": by_ds, "primary_by_dataset": primary,
        "secondary_by_dataset": {n: by_ds[n] - primary[n] for n in by_ds},
        "information_lost_by_dataset": lost,
        "suppressed": sum(by_ds.values()), "primary": sum(primary.values()),
        "narrowest_whole_numbers": None if math.isinf(narrowest) else int(narrowest),
        "linear_programmes": sum(s["lps"] for _, s in results),
        "audit_seconds": round(sum(s["seconds"] for _, s in results), 2),
        "failing_count": sum(s["failing_count"] for _, s in results),
        "headline_cells": sum(s["headline"]["cells"] for _, s in results),
        "headline_published": sum(s["headline"]["published"] for _, s in results),
        "regional_rounding_base": rounding,
        "rounded_cells": sum(s["rounded_cells"] for _, s in results),
        "cells_bounded_by_headline": sum(s["headline_bounded"] for _, s in results),
        "failing": {str(tp): s["failing"] for tp, (_, s) in zip(periods, results) if s["failing"]},
    }


def data_guidance(datasets: dict[str, Dataset], stats: dict, summary: dict) -> str:
    """The data guidance uploaded with the files: each dataset, its levels, symbols, and what was not published."""
    lines = ["# Data guidance", "",
             "Notified deaths and serious injuries of children where abuse or neglect is suspected, and the serious "
             "case reviews that follow, England, by financial year.", "",
             "## Publication policy", "",
             *_policy_lines(summary),
             "## Symbols", "",
             f"- `c`: confidential; a count below England's headline from 1 to {summary['threshold']}, or a cell that "
             "would reveal one, is suppressed; it is never 0 (zeros are published).",
             "- `x`: not available (for example a rate where the child population is not known).",
             "- `z`: not applicable (a percentage of nothing).", "",
             "## Data files", ""]
    for name, ds in datasets.items():
        if stats[name]["published"]:
            lines.append(f"- `{name}.csv`: {ds.title}. Levels: {', '.join(ds.levels)}.")
    unpublished = [name for name in datasets if not stats[name]["published"]]
    if unpublished:
        lines += ["", "## Datasets not published", ""]
        lines += [f"- `{name}` ({datasets[name].title}): no records for this release, so no file is published "
                  "(an empty file would say nothing, and the Department's screener cannot take one)."
                  for name in unpublished]
    return "\n".join(lines) + "\n"


def _policy_lines(summary: dict) -> list[str]:
    """The publication policy in plain words, with this release's own numbers (from its disclosure audit)."""
    t, w, base = summary["threshold"], summary["whole_numbers_required"], summary["regional_rounding_base"]
    lines = [f"- England's headline figures are always published exactly, small numbers included: the numbers of "
             "notified incidents, children and incidents with a serious case review initiated, by incident type "
             "(`notifications_by_area`, National), and children by outcome (`child_characteristics`, breakdown "
             f"topic Total). In this release that is {summary['headline_published']} of "
             f"{summary['headline_cells']} headline figures. Nationally they identify nobody."]
    if base:
        lines.append(f"- Regional figures are rounded to the nearest {base} (half up), as the Department's own "
                     "release of these statistics does; regional percentages and rates are worked out from the "
                     "rounded counts. National and local authority figures are not rounded.")
    else:
        lines.append("- Regional figures are published exactly, with secondary suppression where needed.")
    small = (f"- Below the headline, national and local authority counts from 1 to {t} are suppressed (`c`), with "
             f"the percentages and rates worked out from them (primary suppression: {summary['primary']} cells). "
             f"Regional counts from 1 to {t} are published rounded instead, like every regional count (as 0 or "
             f"{base}), and checked like a `c`: the values consistent with everything published still span at least "
             f"{w} whole numbers." if base else
             f"- Below the headline, counts from 1 to {t} are suppressed (`c`), with the percentages and rates "
             f"worked out from them (primary suppression: {summary['primary']} cells).")
    lines += [small,
              f"- Further cells are suppressed so that no `c` can be worked back (secondary suppression: "
              f"{summary['suppressed'] - summary['primary']} cells). The release was audited against everything it "
              "publishes together, the report included: every file, level and year, parts and totals, the same "
              "children or reviews counted in two places, equalities that hold in every row a reader can see, the "
              "published percentages and rates, and the rounding intervals. For every `c`, the values consistent "
              f"with all of that span at least {w} whole numbers and, for a small count, reach above {t}; where "
              "England's published figure alone bounds a cell more tightly (a region's part of a national 3), the "
              "cell can still be any value that figure allows. A figure over "
              f"{t} that England's published figures give exactly (England's seriously injured children by incident "
              "type are the headline's seriously injured children) is published: hiding it would protect nothing.",
              ""]
    return lines


def write_upload(release: Path, names: list[str]) -> Path:
    """upload.zip: each published data file, its meta file and the data guidance, nothing else."""
    path = release / UPLOAD
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for f in [f for name in names for f in (f"{name}.csv", f"{name}.meta.csv")] + [GUIDANCE]:
            info = zipfile.ZipInfo(f, date_time=(2000, 1, 1, 0, 0, 0))  # fixed time: the same files, the same zip
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, (release / f).read_bytes())
    return path
