"""Revisions between releases (contract section 2.8): every published cell whose value or symbol changed since the
previous release, and why.

  <release>/revisions.csv            dataset, time_period, geographic_level, area_code, filters, indicator, previous,
                                     current, reason (published texts only: never a restricted value)
  <release>/revisions_summary.json   cells changed by reason and dataset, major or minor (the Department's sense for
                                     API data sets), the data guidance's lines (`guidance`), and what the next release
                                     needs to compare with this one (the corrections applied, each dataset's method)
  <release>/previous/                the release last written to this folder, kept before the new one overwrites it:
                                     published data and meta files, `restricted/` (0700, files 0600: unsuppressed
                                     counts, never uploaded) and revisions_summary.json

Cells are matched on (dataset, time_period, geographic_level, area, filter values). A changed cell's reason, first
that applies:

- `method`: the dataset's meta file or column set changed, or its configuration (filters, indicators, relations,
  threshold, protection width, regional rounding: `method_fingerprints`) differs from the previous release's;
- `new period`: the time period is not in the previous release of the dataset;
- the restricted (unsuppressed) value changed, or the row is new or gone: `correction: <ids>` when corrections
  explain it (below), otherwise `late return`;
- the restricted value is unchanged and the cell became `c` or stopped being `c`: `suppression`;
- otherwise (restricted unchanged, neither side `c`): `rounding` for a regional cell (regional figures are rounded,
  and their percentages worked out from the rounded counts), `method` elsewhere.
Without restricted files for both releases the value cannot be told from its protection: a change from or to `c`
is then `suppression`, any other change a late return or correction.

Which corrections explain a change (the rule): the corrections "since the previous release" are those whose status
is `applied` now and was not at the previous release, or was `applied` then and is not now (withdrawn or
superseded); for each, the periods its record falls in are looked up in the warehouse (`correction_periods`: the
record's financial year, and for a notification or review the years of its incident, reviews and evaluations; a
corrected date column adds the year of the old date). A changed cell is attributed to every such correction of a
feed that feeds its dataset (evaluations feed only review_evaluations, actions only review_actions, notifications
and reviews every dataset) whose periods include the cell's period; a correction whose periods cannot be looked up
counts for every period. Several corrections in one period are all cited for every changed cell of that period;
a late return in a period a correction also touched is reported as that correction.

Counts only are logged; revisions.csv holds published texts only.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

from ..filemodes import DIR_MODE, FILE_MODE, restrict_tree

REVISIONS = "revisions.csv"
SUMMARY = "revisions_summary.json"
PREVIOUS = "previous"
UPLOAD = "upload.zip"  # writer.UPLOAD: written only when a release completes
COLUMNS = ["dataset", "time_period", "geographic_level", "area_code", "filters", "indicator", "previous", "current",
           "reason"]
REASONS = ["late return", "correction", "suppression", "rounding", "method", "new period"]
LEVEL_ORDER = {"National": 0, "Regional": 1, "Local authority": 2}
GEOGRAPHY = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name",
             "region_code", "region_name", "new_la_code", "old_la_code", "la_name"]
# feeds whose corrections can change a dataset (absent: every dataset)
FEED_DATASETS = {"evaluations": {"review_evaluations"}, "actions": {"review_actions"}}
DATE_COLUMNS = {"incident_date", "evaluation_date"}  # a corrected date moves its record between periods


# ------------------------------------------------------------------------------------------------ reading a release
class _Tables:
    """One dataset of one release: published rows by key, restricted rows by key, filters, indicators, meta text."""

    def __init__(self, folder: Path, name: str, filters: list[str] | None = None):
        self.name = name
        pub, meta, res = folder / f"{name}.csv", folder / f"{name}.meta.csv", folder / "restricted" / f"{name}.csv"
        self.meta = _text(meta)
        self.columns: list[str] = []
        self.rows: dict[tuple, dict] = {}
        self.order: dict[tuple, int] = {}
        self.filters = filters or _meta_filters(self.meta) or []
        if pub.exists():
            self.columns, rows = _read(pub)
            if not self.filters:
                raise ValueError(f"{pub}: no meta file names its filters")
            for i, r in enumerate(rows):
                k = self.key(r)
                self.rows[k] = r
                self.order[k] = i
        self.indicators = [c for c in self.columns if c not in GEOGRAPHY and c not in self.filters]
        self._restricted_path = res
        self.restricted: dict[tuple, dict] | None = None

    def load_restricted(self, keys: set[tuple]) -> None:
        """The restricted rows of these keys only (the restricted tier holds every level: most of it is never
        published, and need not be held)."""
        if not self._restricted_path.exists():
            return
        self.restricted = {}
        levels = {k[1] for k in keys}
        with open(self._restricted_path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            idx = {c: i for i, c in enumerate(next(reader, []))}
            tp, lvl = idx["time_period"], idx["geographic_level"]
            area = {"Local authority": idx["new_la_code"], "Regional": idx["region_code"]}
            country = idx["country_code"]
            fidx = [(name, idx.get(name)) for name in self.filters]
            iidx = [(name, idx[name]) for name in self.indicators if name in idx] or list(idx.items())
            for row in reader:
                level = row[lvl]
                if level not in levels:  # a level not published (LAs of the national and regional datasets)
                    continue
                k = (row[tp], level, row[area.get(level, country)],
                     tuple((name, row[j] if j is not None else "") for name, j in fidx))
                if k in keys:
                    self.restricted[k] = {name: row[j] for name, j in iidx}

    def key(self, r: dict) -> tuple:
        return (r["time_period"], r["geographic_level"], area_code(r), tuple((f, r.get(f, "")) for f in self.filters))

    @property
    def periods(self) -> set[str]:
        return {k[0] for k in self.rows}


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def _meta_filters(meta: str | None) -> list[str]:
    if not meta:
        return []
    return [r["col_name"] for r in csv.DictReader(io.StringIO(meta)) if r.get("col_type") == "Filter"]


def area_code(r: dict) -> str:
    """The code of the row's area: the LA's for LA rows, the region's for regional, the country's for national."""
    level = r.get("geographic_level", "")
    if level == "Local authority":
        return r.get("new_la_code", "")
    if level == "Regional":
        return r.get("region_code", "")
    return r.get("country_code", "")


def _datasets_in(folder: Path | None) -> list[str]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.name[:-4] for p in folder.glob("*.csv") if not p.name.endswith(".meta.csv") and p.name != REVISIONS)


def _summary_of(folder: Path | None) -> dict:
    if folder is None:
        return {}
    p = folder / SUMMARY
    try:
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}
    except (OSError, ValueError):
        return {}


def _applied_in(folder: Path, summary: dict) -> set[str] | None:
    """The corrections applied when that release was written: its summary's list, else its correction audit."""
    if "corrections_applied" in summary:
        return set(summary["corrections_applied"])
    audit = folder / "quality" / "correction_audit.csv"
    if audit.exists():
        return {_plain(r["correction_id"]) for r in _read(audit)[1] if _plain(r.get("status", "")) == "applied"}
    return None


def corrections_since(previous: Path | None, corrections_now) -> set[str]:
    """The corrections applied now and not at the previous release, or then and not now (every one applied now when
    the previous release does not say what it had)."""
    now = set(corrections_now)
    if previous is None:
        return now
    then = _applied_in(Path(previous), _summary_of(Path(previous)))
    return now ^ then if then is not None else now


def _plain(text: str) -> str:
    """A people's-CSV cell without the apostrophe that neutralises a formula."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


# --------------------------------------------------------------------------------------------- keeping the previous
def keep_previous(release: Path) -> Path | None:
    """Copy the release last written to this folder into <release>/previous/ before a new one overwrites it: the
    published data and meta files, restricted/ (folder 0700, files 0600 from the moment they are created) and
    revisions_summary.json. When the folder holds no complete release (no upload.zip: a first build, or the last one
    failed its audit), the copy kept before stays. Returns the previous folder, or None if there is none."""
    release = Path(release)
    dest = release / PREVIOUS
    if not (release / UPLOAD).exists() or not _datasets_in(release):
        return dest if _datasets_in(dest) else None
    tmp = release / (PREVIOUS + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    (tmp / "restricted").mkdir(mode=DIR_MODE)
    os.chmod(tmp / "restricted", DIR_MODE)
    for name in _datasets_in(release):
        for f in (f"{name}.csv", f"{name}.meta.csv"):
            if (release / f).exists():
                shutil.copyfile(release / f, tmp / f)
        src = release / "restricted" / f"{name}.csv"
        if src.exists():
            _copy_private(src, tmp / "restricted" / f"{name}.csv")
    if (release / SUMMARY).exists():
        shutil.copyfile(release / SUMMARY, tmp / SUMMARY)
    restrict_tree(tmp / "restricted")
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return dest


def _copy_private(src: Path, dst: Path) -> None:
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out)
    os.chmod(dst, FILE_MODE)


# ------------------------------------------------------------------------------------------ method and corrections
def method_fingerprints(datasets: dict, threshold: int, width: int, rounding: int) -> dict[str, str]:
    """One hash per dataset of everything in its configuration and the publication settings that changes how its
    cells are made (a release whose hash differs revised its cells by `method`)."""
    out = {}
    for name, ds in datasets.items():
        cfg = {k: getattr(ds, k) for k in ("title", "filters", "indicators", "additive", "levels", "hidden",
                                           "within_row") if hasattr(ds, k)}
        text = json.dumps([cfg, threshold, width, rounding], sort_keys=True, default=str)
        out[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def applied_corrections(con) -> dict[str, str]:
    """correction_id -> feed of every correction applied in the warehouse now ({} if there is no audit)."""
    try:
        rows = con.execute("select correction_id, feed from marts.correction_audit where status = 'applied'").fetchall()
    except Exception:  # noqa: BLE001  a warehouse without corrections
        return {}
    return {str(i): str(f) for i, f in rows if i is not None}


_PERIOD_SQL = {
    "notifications": [
        "select financial_year from intermediate.int_notifications where notification_id = $id",
        "select i.financial_year from intermediate.int_incidents i join intermediate.int_notifications n "
        "on n.incident_id = i.incident_id where n.notification_id = $id",
        "select r.incident_financial_year from intermediate.int_reviews r join intermediate.int_notifications n "
        "on n.incident_id = r.incident_id where n.notification_id = $id",
    ],
    "reviews": [
        "select incident_financial_year from intermediate.int_reviews where review_id = $id",
        "select evaluation_financial_year from intermediate.int_evaluations where review_id = $id",
    ],
    "evaluations": ["select evaluation_financial_year from intermediate.int_evaluations where evaluation_id = $id"],
    "actions": ["select r.incident_financial_year from intermediate.int_actions a join intermediate.int_reviews r "
                "on r.review_id = a.review_id where a.action_id = $id"],
}


def correction_periods(con, ids: set[str]) -> dict[str, dict]:
    """For each correction id: {"feed", "periods"} where periods is the set of time periods (text, `200910`) its record
    falls in, or None when they cannot be looked up (then it counts for every period)."""
    out: dict[str, dict] = {}
    if not ids:
        return out
    try:
        rows = con.execute("select correction_id, feed, record_id, column_name, old_value from marts.correction_audit "
                           "where correction_id in (select unnest($ids))", {"ids": sorted(ids)}).fetchall()
    except Exception:  # noqa: BLE001
        return {i: {"feed": None, "periods": None} for i in ids}
    for cid, feed, record, column, old in rows:
        periods: set[str] | None = set()
        try:
            for sql in _PERIOD_SQL.get(feed, []):
                periods.update(str(int(r[0])) for r in con.execute(sql, {"id": record}).fetchall() if r[0] is not None)
            if column in DATE_COLUMNS and old:
                fy = financial_year(old)
                if fy:
                    periods.add(fy)
        except Exception:  # noqa: BLE001  a model without the column: every period
            periods = None
        if feed not in _PERIOD_SQL:
            periods = None
        out[str(cid)] = {"feed": feed, "periods": sorted(periods) if periods is not None else None}
    for i in ids:
        out.setdefault(i, {"feed": None, "periods": None})
    return out


def financial_year(text: str) -> str | None:
    """`200910` for a date in April 2009 - March 2010 (ISO or DD/MM/YYYY), else None."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            d = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        y = d.year if d.month >= 4 else d.year - 1
        return f"{y}{(y + 1) % 100:02d}"
    return None


# ----------------------------------------------------------------------------------------------------- comparing
def compare(previous: Path | None, current: Path, corrections_now: dict[str, str] | None = None,
            corrections: dict[str, dict] | None = None, method_now: dict[str, str] | None = None,
            filters: dict[str, list[str]] | None = None) -> tuple[list[list[str]], dict]:
    """The changed cells (rows of revisions.csv) and the summary. `corrections_now`: id -> feed of the corrections
    applied now; `corrections`: id -> {"feed", "periods"} (correction_periods) of those since the previous release
    (ids missing there count for every period of every dataset); `method_now`: this release's method_fingerprints;
    `filters`: dataset -> filter names, where a meta file does not say (default: the meta files)."""
    current = Path(current)
    corrections_now = corrections_now or {}
    filters = filters or {}
    summary: dict = {"first_release": previous is None, "previous": str(previous) if previous else None,
                     "corrections_applied": sorted(corrections_now), "method": method_now or {}}
    if previous is None:
        summary.update({"cells_changed": 0, "by_reason": {}, "by_dataset": {}, "change": "none",
                        "corrections_cited": []})
        summary["guidance"] = guidance_lines(summary)
        return [], summary
    previous = Path(previous)
    prev_summary = _summary_of(previous)
    since = corrections_since(previous, corrections_now)
    info = {i: (corrections or {}).get(i) or {"feed": corrections_now.get(i), "periods": None} for i in since}
    method_then = prev_summary.get("method", {})
    out: list[list[str]] = []
    by_dataset: dict[str, dict] = {}
    cited: set[str] = set()
    for name in sorted(set(_datasets_in(previous)) | set(_datasets_in(current))):
        fc = filters.get(name) or _meta_filters(_text(current / f"{name}.meta.csv"))
        fp = filters.get(name) or _meta_filters(_text(previous / f"{name}.meta.csv"))
        cur, prev = _Tables(current, name, fc or fp), _Tables(previous, name, fp or fc)
        published_both = bool(prev.columns) and bool(cur.columns)  # a dataset new or gone is not a method change
        method = ((published_both and (cur.meta != prev.meta or cur.columns != prev.columns))
                  or (name in method_then and name in (method_now or {}) and method_then[name] != method_now[name]))
        rows, counts = _changed_cells(name, prev, cur, method, info, cited)
        out += rows
        by_dataset[name] = _dataset_summary(prev, cur, counts)
    summary.update(_release_summary(by_dataset, len(out), cited))
    summary["guidance"] = guidance_lines(summary)
    return out, summary


def _changed_cells(name: str, prev: _Tables, cur: _Tables, method: bool, info: dict[str, dict],
                   cited: set[str]) -> tuple[list[list[str]], dict[str, int]]:
    """The changed cells of one dataset (rows of revisions.csv, in the order of the current release's rows) and how
    many changed for each reason; the corrections cited are added to `cited`."""
    keys_all = set(cur.rows) | set(prev.rows)
    cur.load_restricted(keys_all)
    prev.load_restricted(keys_all)
    both_restricted = prev.restricted is not None and cur.restricted is not None
    prev_periods = prev.periods

    def explain(period: str) -> list[str]:
        return sorted(i for i, c in info.items()
                      if (c.get("feed") not in FEED_DATASETS or name in FEED_DATASETS[c["feed"]])
                      and (c.get("periods") is None or period in c["periods"]))

    keys = sorted(keys_all, key=lambda k: (
        k[0], LEVEL_ORDER.get(k[1], 9), k[2], cur.order.get(k, len(cur.order) + prev.order.get(k, 0))))
    indicators = cur.indicators + [i for i in prev.indicators if i not in cur.indicators]
    out: list[list[str]] = []
    counts: dict[str, int] = {}
    for k in keys:
        p_row, c_row = prev.rows.get(k), cur.rows.get(k)
        period, level = k[0], k[1]
        for ind in indicators:
            p = p_row.get(ind, "") if p_row else ""
            c = c_row.get(ind, "") if c_row else ""
            if p == c:
                continue
            if method:
                reason = "method"
            elif period not in prev_periods:
                reason = "new period"
            elif _value_changed(prev, cur, k, ind, p, c, both_restricted):
                ids = explain(period)
                reason = ("correction: " + ";".join(ids)) if ids else "late return"
                cited.update(ids)
            elif "c" in (p, c):
                reason = "suppression"
            elif level == "Regional":
                reason = "rounding"
            else:
                reason = "method"
            out.append([name, period, level, k[2], ";".join(f"{f}={v}" for f, v in k[3]), ind, p, c, reason])
            short = reason.split(":")[0]
            counts[short] = counts.get(short, 0) + 1
    return out, counts


def _value_changed(prev: _Tables, cur: _Tables, k: tuple, ind: str, p: str, c: str, both_restricted: bool) -> bool:
    """Whether a published cell that changed (p to c) changed its restricted value, or its row is new or gone.
    Without restricted files for both releases a change from or to `c` is taken for protection only."""
    if both_restricted:
        rp, rc = prev.restricted.get(k), cur.restricted.get(k)
        return (rp or {}).get(ind) != (rc or {}).get(ind) or (rp is None) != (rc is None)
    return "c" not in (p, c) or k not in prev.rows or k not in cur.rows


def _dataset_summary(prev: _Tables, cur: _Tables, counts: dict[str, int]) -> dict:
    """by_dataset's entry of one dataset: cells changed (by reason), what was removed, major or minor."""
    removed = _removed(prev, cur)
    changed_any = bool(counts) or any(removed.values())
    return {"cells_changed": sum(counts.values()), "by_reason": counts,
            "removed": {k: v[:20] for k, v in removed.items()},
            "removed_counts": {k: len(v) for k, v in removed.items()},
            "change": "major" if any(removed.values()) else ("minor" if changed_any else "none")}


def _release_summary(by_dataset: dict[str, dict], cells_changed: int, cited: set[str]) -> dict:
    """The summary's totals over every dataset: cells changed (by reason, in REASONS order), the datasets'
    entries, the corrections cited, and the change: major if any dataset's is, else minor if any is."""
    by_reason: dict[str, int] = {}
    for d in by_dataset.values():
        for r, n in d["by_reason"].items():
            by_reason[r] = by_reason.get(r, 0) + n
    kinds = [d["change"] for d in by_dataset.values()]
    return {"cells_changed": cells_changed, "by_reason": {r: by_reason[r] for r in REASONS if r in by_reason},
            "by_dataset": by_dataset, "corrections_cited": sorted(cited),
            "change": "major" if "major" in kinds else ("minor" if "minor" in kinds else "none")}


def _removed(prev: _Tables, cur: _Tables) -> dict[str, list[str]]:
    """What the Department counts as a major change of an API data set: a time period, location, filter item or
    indicator of the previous release that this one no longer has (a dataset no longer published removes all)."""
    def items(t: _Tables):
        periods = {k[0] for k in t.rows}
        locations = {f"{k[1]} {k[2]}" for k in t.rows}
        filter_items = {f"{f}={v}" for k in t.rows for f, v in k[3]}
        return periods, locations, filter_items
    pp, pl, pf = items(prev)
    cp, cl, cf = items(cur)
    return {"time_periods": sorted(pp - cp), "locations": sorted(pl - cl), "filter_items": sorted(pf - cf),
            "indicators": [i for i in prev.indicators if i not in cur.indicators]}


def write_revisions(release: Path, previous: Path | None, **kwargs) -> dict:
    """Compare the release in `release` with `previous` (None: the first release) and write revisions.csv and
    revisions_summary.json. Returns the summary (counts and the data guidance's lines)."""
    release = Path(release)
    rows, summary = compare(previous, release, **kwargs)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(rows)
    (release / REVISIONS).write_text(buf.getvalue(), encoding="utf-8")
    (release / SUMMARY).write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return summary


def clear(release: Path) -> None:
    """revisions.csv and its summary of an earlier run (a release that fails its audit has none)."""
    for f in (REVISIONS, SUMMARY):
        (Path(release) / f).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------------- guidance
REASON_WORDS = {
    "late return": "late return (a local authority's data arrived or changed after the previous release)",
    "correction": "correction (a data steward corrected a record)",
    "suppression": "suppression (the figure is unchanged; the pattern of suppressed cells moved)",
    "rounding": "rounding (a regional figure worked out from rounded counts; the figure is unchanged)",
    "method": "method (how the figures are made or described changed)",
    "new period": "new period (a time period not in the previous release)",
}


def guidance_lines(summary: dict) -> list[str]:
    """The data guidance's section on revisions, in markdown: how many published cells changed and why, and whether
    the change is major or minor for the Department's API data sets. The first release says it has no predecessor."""
    lines = ["## Revisions since the previous release", ""]
    if summary.get("first_release"):
        return lines + ["This is the first release of these statistics: it has no predecessor, so no published "
                        "figure is revised and `revisions.csv` lists no cells.", ""]
    n = summary.get("cells_changed", 0)
    if n == 0:
        lines.append("- No published cell changed since the previous release.")
    else:
        lines.append(f"- {n:,} published {'cell' if n == 1 else 'cells'} changed since the previous release, each "
                     "listed with its previous and current value and the reason in `revisions.csv`:")
        for reason, k in summary.get("by_reason", {}).items():
            words = REASON_WORDS.get(reason, reason)
            if reason == "correction" and summary.get("corrections_cited"):
                words = words[:-1] + f": {', '.join(summary['corrections_cited'])})"
            lines.append(f"  - {k:,} by {words}")
        per = [f"`{name}` {d['cells_changed']:,}" for name, d in summary.get("by_dataset", {}).items()
               if d["cells_changed"]]
        if per:
            lines.append(f"- By dataset: {', '.join(per)}.")
    change = summary.get("change", "none")
    if change == "major":
        parts = []
        for name, d in summary.get("by_dataset", {}).items():
            rc = d.get("removed_counts", {})
            labels = (("time_periods", "time period(s)"), ("locations", "location(s)"),
                      ("filter_items", "filter item(s)"), ("indicators", "indicator(s)"))
            gone = [f"{rc[k]} {label}" for k, label in labels if rc.get(k)]
            if gone:
                parts.append(f"`{name}` ({', '.join(gone)} removed)")
        lines.append("- For the Department's API data sets this is a **major** change: " + "; ".join(parts) + ".")
    elif change == "minor":
        lines.append("- For the Department's API data sets this is a **minor** change: no filter item, location, "
                     "time period or indicator was removed.")
    else:
        lines.append("- For the Department's API data sets there is no change.")
    return lines + [""]
