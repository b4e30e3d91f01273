"""Synthetic national landing dataset (`scr-warehouse generate --out DIR --seed N --scale S`).

Writes a landing folder in the contract's section 1 format: notifications, reviews, evaluations, actions,
corrections and population, about ten financial years (2007-08 to 2016-17) over every English local authority
valid in each year. Mixes and defect rates are calibrated in `config/generator.yml`, each naming the published
table it comes from. The output is deterministic: the same seed and scale give byte-identical files.

Rows are generated a quarter at a time with numpy and streamed to the files, so scale 1000 fits in memory.
The feed folders of DIR are rewritten (their existing *.csv files are removed first).
Only counts are returned or printed, never rows.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .paths import CONFIG_DIR, POLICY_SEEDS_DIR, REFERENCE_SEEDS_DIR

CONFIG_PATH = CONFIG_DIR / "generator.yml"

# Landing columns, in contract order (contract section 1; the same as seeds/policy/landing_columns.csv).
COLUMNS = {
    "notifications": ["notification_id", "incident_id", "la_code", "incident_date", "la_aware_date", "notified_date",
                      "incident_type", "suicide", "harm_category", "child_sex", "child_age_months", "child_ethnicity",
                      "parent_ethnicity", "disability", "known_to_csc", "cin_status", "cp_plan", "legal_status"],
    "reviews": ["review_id", "incident_id", "lscb_la_code", "chair_aware_date", "decision_date", "decision", "status",
                "agreed_completion_date", "completion_date", "author_status", "report_pages", "recommendations",
                "action_points", "family_contributed", "summary_published_date"],
    "evaluations": ["evaluation_id", "review_id", "evaluation_date", "grade"],
    "actions": ["action_id", "review_id", "agency", "focus", "lead_officer_named", "due_date", "status",
                "completed_date"],
    "corrections": ["correction_id", "feed", "record_id", "column_name", "new_value", "reason", "steward",
                    "corrected_at"],
    "population": ["la_code", "year", "population_0_17", "source"],
}
FEEDS = tuple(COLUMNS)

# Age bands of config mixes.age_band / age_under_1 as month ranges (contract 2.1 bands).
AGE_BAND_MONTHS = {"under_1": None, "1_to_2": (12, 35), "3_to_4": (36, 59), "5_to_10": (60, 131),
                   "11_to_14": (132, 179), "15": (180, 191), "16_to_17": (192, 215)}
UNDER_1_MONTHS = {"0_to_2": (0, 2), "3_to_5": (3, 5), "6_to_11": (6, 11)}
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


def load_las(path: Path | None = None) -> list[LA]:
    """English LAs from seeds/reference/ref_las.csv (rows with ' / ' in the code and the 'z' row skipped)."""
    path = path or REFERENCE_SEEDS_DIR / "ref_las.csv"
    out = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            code = row["new_la_code"].strip()
            if " / " in code or code == "z" or not code.startswith("E"):
                continue
            start = _dmy(row["date_of_operation"])
            end = _dmy(row["date_of_termination"])
            valid_from = None if start is None or start == dt.date(2009, 1, 1) else _day(start)
            out.append(LA(code, row["parent_geography_code"].strip(), code[:3], valid_from,
                          None if end is None else _day(end)))
    return sorted(out, key=lambda la: la.code)


def _bank_holidays() -> list[str]:
    p = POLICY_SEEDS_DIR / "bank_holidays.csv"
    if not p.exists():
        return []
    with open(p, newline="", encoding="utf-8") as f:
        return [r["holiday_date"] for r in csv.DictReader(f) if r.get("holiday_date")]


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


class _Generator:
    def __init__(self, out: Path, cfg: dict, las: list[LA], seed: int, scale: float):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.out, self.cfg, self.las, self.seed, self.scale = out, cfg, las, seed, scale
        self.rng = np.random.default_rng(seed)
        self.snapshot = _day(cfg["period"]["snapshot_date"])
        self.holidays = np.array(_bank_holidays(), dtype="datetime64[D]")
        self.counts = {f: 0 for f in FEEDS}
        self.files = {f: 0 for f in FEEDS}
        self.defects = {f: {} for f in ("notifications", "reviews", "evaluations", "actions")}
        self.resubmitted = {f: 0 for f in self.defects}
        self.pending: dict[str, list] = {f: [] for f in self.defects}
        self.next_id = {"incident": 1, "notification": 1, "review": 1, "evaluation": 1, "action": 1}
        self.unknown_ref = 1
        self._last_col: str | None = None  # the column the last injected defect touched
        self.correction_candidates: list[tuple[str, str, str, str]] = []  # feed, id, column, clean value
        self.clean_candidates: list[tuple[str, str, str, str]] = []
        self.population: dict[tuple[str, int], int] = {}
        self.children_by_year: dict[int, int] = {}
        self.deaths_by_year: dict[int, int] = {}

    # -- files -------------------------------------------------------------------------------------------------
    def _write(self, feed: str, name: str, rows, bom: bool = False) -> None:
        path = self.out / feed / name
        with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(COLUMNS[feed])
            w.writerows(rows)
        self.files[feed] += 1

    def _file_style(self) -> tuple[str, bool]:
        fc = self.cfg["files"]
        fmt = "dmy" if self.rng.random() < fc["dmy_file_share"] else "iso"
        return fmt, bool(self.rng.random() < fc["bom_file_share"])

    def _dates(self, days: np.ndarray, fmt: str) -> np.ndarray:
        idx = np.where(days < 0, -1, np.clip(days, D0, D1) - D0)
        return _date_table(fmt)[idx]

    def _choice(self, spec: dict, n: int) -> np.ndarray:
        keys, p = _mix(spec)
        return np.array(keys, dtype=object)[self.rng.choice(len(keys), n, p=p)] if n else np.array([], dtype=object)

    def _uniform_int(self, lo, hi, n=None) -> np.ndarray:
        """Integers uniformly in [lo, hi] (arrays allowed)."""
        lo, hi = np.asarray(lo), np.asarray(hi)
        shape = n if n is not None else np.broadcast_shapes(lo.shape, hi.shape)
        return (lo + np.floor(self.rng.random(shape) * (hi - lo + 1))).astype(np.int64)

    def _ids(self, kind: str, prefix: str, n: int, width: int = 8) -> list[str]:
        start = self.next_id[kind]
        self.next_id[kind] += n
        return [f"{prefix}{i:0{width}d}" for i in range(start, start + n)]

    # -- population --------------------------------------------------------------------------------------------
    def make_population(self) -> None:
        pc = self.cfg["population"]
        rng = np.random.default_rng([self.seed, 1])
        y0, y1 = self.cfg["period"]["population_years"]
        base = {}
        for la in self.las:
            base[la.code] = pc["base_by_entity"].get(la.entity, 50000) * float(np.exp(rng.normal(0, pc["spread_sd_log"])))
        rows = []
        for year in range(y0, y1 + 1):
            mid = _day(dt.date(year, 6, 30))
            growth = (1 + pc["growth_per_year"]) ** (year - y0)
            for la in self.las:
                if la.valid_on(mid):
                    pop = int(round(base[la.code] * growth / 10) * 10)
                    self.population[(la.code, year)] = pop
                    rows.append((la.code, str(year), str(pop), pc["source_label"]))
        self._write("population", f"population_mid{y0}_mid{y1}.csv", rows)
        self.counts["population"] = len(rows)

    # -- notifications -----------------------------------------------------------------------------------------
    def _la_weights(self, fy: int, start: int, end: int) -> tuple[list[LA], np.ndarray]:
        mult = self.cfg["regions"]["rate_multiplier"]
        las = [la for la in self.las if la.valid_on(start) and la.valid_on(end)]
        w = np.array([self.population.get((la.code, fy), 50000) * float(mult.get(la.region, 1.0)) for la in las])
        return las, w / w.sum()

    def _death_share(self, fy: int) -> float:
        vals = self.cfg["mixes"]["death_share_by_year"]["values"]
        years = sorted(vals)
        return float(vals[max([y for y in years if y <= fy] or [years[0]])])

    def quarter(self, fy: int, q: int) -> None:
        c, m, rng = self.cfg, self.cfg["mixes"], self.rng
        month = 4 + 3 * (q - 1)
        start_d = dt.date(fy + (month > 12), (month - 1) % 12 + 1, 1)
        end_m = month + 3
        end_d = dt.date(fy + (end_m > 12), (end_m - 1) % 12 + 1, 1) - dt.timedelta(days=1)
        start, end = _day(start_d), _day(end_d)
        label = f"{_fy_label(fy)}_q{q}"

        # incidents and children
        vol = c["volume"]
        extra_keys, extra_p = _mix(vol["extra_children"])
        mean_size = 1 + vol["multi_child_incident_share"]["value"] * float(np.dot(np.array(extra_keys, float), extra_p))
        n_inc = int(rng.poisson(vol["children_per_year"] * self.scale / 4 / mean_size))
        las, w = self._la_weights(fy, start, end)
        inc_la = np.array([la.code for la in las], dtype=object)[rng.choice(len(las), n_inc, p=w)] if n_inc else np.array([], dtype=object)
        inc_date = self._uniform_int(np.full(n_inc, start), np.full(n_inc, end))
        multi = rng.random(n_inc) < vol["multi_child_incident_share"]["value"]
        sizes = 1 + np.where(multi, np.array(extra_keys, dtype=np.int64)[rng.choice(len(extra_keys), n_inc, p=extra_p)], 0)
        inc_ids = np.array(self._ids("incident", "INC", n_inc), dtype=object)
        # timing (per incident): la_aware, notified
        tk, tp = _mix(c["notification_timing"]["la_aware_delay_days"])
        delay_band = rng.choice(len(tk), n_inc, p=tp)
        lo = np.array([0 if k == "0" else _range(k)[0] for k in tk])[delay_band]
        hi = np.array([0 if k == "0" else _range(k)[1] for k in tk])[delay_band]
        la_aware = inc_date + self._uniform_int(lo, hi)
        nt = c["notification_timing"]
        late = rng.random(n_inc) < nt["late_share"]["value"]
        wd = np.where(late, self._uniform_int(*nt["late_working_days"], n_inc), self._uniform_int(*nt["on_time_working_days"], n_inc))
        notified = np.busday_offset(la_aware.astype("datetime64[D]"), wd, roll="forward",
                                    holidays=self.holidays).astype(np.int64)
        notified = np.minimum(notified, self.snapshot)
        aware_missing = rng.random(n_inc) < nt["la_aware_missing"]["value"]
        eth_inc = self._choice(m["child_ethnicity"], n_inc)
        peth_inc = self._choice(m["parent_ethnicity"], n_inc)

        ci = np.repeat(np.arange(n_inc), sizes)  # child -> incident
        n = len(ci)
        # age
        bk, bp = _mix(m["age_band"])
        bi = rng.choice(len(bk), n, p=bp)
        uk, up = _mix(m["age_under_1"])
        sub = rng.choice(len(uk), n, p=up)
        u_lo = np.array([UNDER_1_MONTHS[k][0] for k in uk])[sub]
        u_hi = np.array([UNDER_1_MONTHS[k][1] for k in uk])[sub]
        b_lo = np.array([(AGE_BAND_MONTHS[k] or (-1, -1))[0] for k in bk])[bi]
        b_hi = np.array([(AGE_BAND_MONTHS[k] or (-1, -1))[1] for k in bk])[bi]
        under1 = b_lo < 0
        age = self._uniform_int(np.where(under1, u_lo, b_lo), np.where(under1, u_hi, b_hi))
        # outcome
        death = rng.random(n) < self._death_share(fy)
        share_11 = float(sum(p for k, p in zip(bk, bp) if AGE_BAND_MONTHS[k] and AGE_BAND_MONTHS[k][0] >= 132))
        p_suicide = min(1.0, m["suicide_share_of_deaths"]["value"] / share_11)
        suicide = death & (age >= 132) & (rng.random(n) < p_suicide)
        suicide_col = np.where(death, np.where(suicide, "Y", "N"), "").astype(object)
        # social care chain (known -> child in need -> child protection plan)
        known = self._choice(m["known_to_csc"], n)
        r1, r2 = rng.random(n), rng.random(n)
        cin = np.where(known == "Y", np.where(r1 < m["cin_given_known"]["value"], "Y", "N"), known).astype(object)
        cp = np.where(cin == "Y", np.where(r2 < m["cp_given_cin"]["value"], "Y", "N"), cin).astype(object)
        fmt, bom = self._file_style()
        aware_days = np.where(aware_missing, -1, la_aware)
        cols = [
            np.array(self._ids("notification", "NTF", n), dtype=object),
            inc_ids[ci], inc_la[ci],
            self._dates(inc_date[ci], fmt), self._dates(aware_days[ci], fmt), self._dates(notified[ci], fmt),
            np.where(death, "death", "serious_injury").astype(object), suicide_col,
            self._choice(m["harm_category"], n), self._choice(m["child_sex"], n), _nums(age),
            eth_inc[ci], peth_inc[ci], self._choice(m["disability"], n), known, cin, cp,
            self._choice(m["legal_status"], n),
        ]
        rows = list(zip(*cols))
        self.children_by_year[fy] = self.children_by_year.get(fy, 0) + n
        self.deaths_by_year[fy] = self.deaths_by_year.get(fy, 0) + int(death.sum())
        batch = _Batch(rows, {"incident_date": inc_date[ci], "notified_date": notified[ci]}, fmt)
        self._finish("notifications", label, batch, bom, fy)
        # the unreadable copy (e.g. 2011-12_q2b.csv) follows the batch it re-sends (2011-12_q2.csv)
        if label == Path(self.cfg["files"]["unreadable_file"]).stem[:-1]:
            self._unreadable(rows[:5])

        # reviews, evaluations, actions of this quarter's incidents
        self._reviews(label, fy, inc_ids, inc_la, inc_date, la_aware)

    def _unreadable(self, rows) -> None:
        """A re-sent copy of a few rows, saved from a spreadsheet in latin-1: not UTF-8, rejected whole."""
        path = self.out / self.cfg["files"]["unreadable_file"]
        lines = [",".join(COLUMNS["notifications"] + ["comment"])]
        for r in rows or [tuple([""] * len(COLUMNS["notifications"]))]:
            lines.append(",".join(list(r) + ["re-sent copy (caf\u00e9 export)"]))
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
        self.files["notifications"] += 1

    # -- reviews, evaluations, actions -------------------------------------------------------------------------
    def _reviews(self, label, fy, inc_ids, inc_la, inc_date, la_aware) -> None:
        rc, rng = self.cfg["reviews"], self.rng
        has = rng.random(len(inc_ids)) < rc["review_share"]["value"]
        ids, la, idate, aware = inc_ids[has], inc_la[has], inc_date[has], la_aware[has]
        n = len(ids)
        chair = aware + self._uniform_int(*rc["chair_aware_delay_days"], n)
        within = rng.random(n) < rc["decision_within_month_share"]["value"]
        decision_date = chair + np.where(within, self._uniform_int(1, 30, n), self._uniform_int(*rc["late_decision_days"], n))
        decision = self._choice(rc["decision"], n)
        pending = decision_date > self.snapshot
        decision = np.where(pending, "", decision).astype(object)
        decision_date = np.where(pending, -1, decision_date)
        scr = decision == "scr"
        status = np.where(pending, "in_progress", "completed").astype(object)
        withdrawn = scr & (rng.random(n) < rc["withdrawn_share_of_scr"]["value"])
        status[withdrawn] = "withdrawn"
        # completion
        ck, cp = _mix(rc["incident_to_completion_months"])
        cband = rng.choice(len(ck), n, p=cp)
        not_dated = np.array([k == "not_dated" for k in ck])[cband]
        m_lo = np.array([0 if k == "not_dated" else _range(k)[0] for k in ck])[cband]
        m_hi = np.array([0 if k == "not_dated" else _range(k)[1] for k in ck])[cband]
        comp = idate + self._uniform_int(np.floor(m_lo * DAYS_PER_MONTH).astype(np.int64) + 1,
                                         np.floor(m_hi * DAYS_PER_MONTH).astype(np.int64))
        comp = np.maximum(comp, decision_date + 14)
        other = decision == "other_review"
        comp = np.where(other, decision_date + self._uniform_int(
            *(np.array(rc["other_review_months"]) * DAYS_PER_MONTH).astype(int).tolist(), n), comp)
        has_comp = (scr & ~withdrawn & ~not_dated) | other
        running = has_comp & (comp > self.snapshot)
        status[running] = "in_progress"
        has_comp &= ~running
        completed_scr = scr & (status == "completed")
        comp = np.where(has_comp, comp, -1)
        agreed = scr & (rng.random(n) < rc["agreed_completion_share_of_scr"]["value"])
        a_lo, a_hi = (np.array(rc["agreed_completion_months_after_decision"]) * DAYS_PER_MONTH).astype(int).tolist()
        agreed_date = np.where(agreed, decision_date + self._uniform_int(a_lo, a_hi, n), -1)
        # completed SCR report facts
        author = np.where(completed_scr, self._choice(rc["author_status"], n), "").astype(object)
        pages = self._banded(rc["report_pages"], n, completed_scr)
        recs = self._banded(rc["recommendations"], n, completed_scr)
        points_num, points = self._banded(rc["action_points"], n, completed_scr, numeric=True)
        family = np.where(completed_scr, self._choice(rc["family_contributed"], n), "").astype(object)
        pub = completed_scr & (comp >= 0) & (rng.random(n) < rc["summary_published"]["value"])
        pub_date = np.where(pub, comp + self._uniform_int(0, 90, n), -1)
        pub_date = np.where(pub_date > self.snapshot, -1, pub_date)

        fmt, bom = self._file_style()
        review_ids = np.array(self._ids("review", "REV", n), dtype=object)
        cols = [review_ids, ids, la, self._dates(chair, fmt), self._dates(decision_date, fmt), decision, status,
                self._dates(agreed_date, fmt), self._dates(comp, fmt), author, pages, recs, points,
                family, self._dates(pub_date, fmt)]
        batch = _Batch(list(zip(*cols)), {"chair_aware_date": chair, "decision_date": decision_date,
                                          "completion_date": comp}, fmt)
        self._finish("reviews", label, batch, bom, fy)

        # evaluations of completed SCRs
        ec = self.cfg["evaluations"]
        base = np.where(comp >= 0, comp, decision_date + int(ec["not_dated_months_after_decision"] * DAYS_PER_MONTH))
        evaluated = completed_scr & (rng.random(n) < ec["evaluated_share"]["value"])
        eval_date = base + self._uniform_int(*ec["days_after_completion"], n)
        evaluated &= eval_date <= self.snapshot
        e_rev, e_date, e_comp = review_ids[evaluated], eval_date[evaluated], comp[evaluated]
        e_grade = self._grades(e_date)
        redo = (e_grade == "inadequate") & (rng.random(len(e_rev)) < ec["reevaluated_share_of_inadequate"]["value"])
        r_date = e_date + self._uniform_int(*ec["reevaluation_days"], len(e_rev))
        redo &= r_date <= self.snapshot
        all_rev = np.concatenate([e_rev, e_rev[redo]])
        all_date = np.concatenate([e_date, r_date[redo]])
        all_comp = np.concatenate([e_comp, e_comp[redo]])
        all_grade = np.concatenate([e_grade, self._choice(ec["reevaluation_grade"], int(redo.sum()))])
        order = np.argsort(all_date, kind="stable")
        fmt, bom = self._file_style()
        m = len(all_rev)
        cols = [np.array(self._ids("evaluation", "EVL", m), dtype=object), all_rev[order],
                self._dates(all_date[order], fmt), all_grade[order]]
        batch = _Batch(list(zip(*cols)), {"evaluation_date": all_date[order], "completion_date": all_comp[order]}, fmt)
        self._finish("evaluations", label, batch, bom, fy)

        # action-plan items of completed SCRs (one per action point)
        ac = self.cfg["actions"]
        collected = completed_scr & (base >= _day(ac["collected_from"]))
        k = np.where(collected, np.minimum(points_num, ac["max_per_review"]), 0)
        k = np.maximum(k, 0)
        ri = np.repeat(np.arange(n), k)
        na = len(ri)
        abase = base[ri]
        due_given = rng.random(na) < ac["due_date_given"]["value"]
        d_lo, d_hi = (np.array(ac["due_months_after_completion"]) * DAYS_PER_MONTH).astype(int).tolist()
        due = abase + self._uniform_int(d_lo, d_hi, na)
        passed = due <= self.snapshot
        sk, sp = _mix(ac["status_when_due_passed"])
        s1 = np.array(sk, dtype=object)[rng.choice(len(sk), na, p=sp)] if na else np.array([], dtype=object)
        sk2, sp2 = _mix(ac["status_when_not_yet_due"])
        s2 = np.array(sk2, dtype=object)[rng.choice(len(sk2), na, p=sp2)] if na else np.array([], dtype=object)
        astatus = np.where(passed, s1, s2).astype(object)
        done = astatus == "completed"
        done_date = np.minimum(abase + self._uniform_int(14, np.maximum(due - abase + 30, 15)), self.snapshot)
        done_date = np.where(done, done_date, -1)
        fmt, bom = self._file_style()
        cols = [np.array(self._ids("action", "ACT", na, 9), dtype=object), review_ids[ri],
                self._choice(ac["agency"], na), self._choice(ac["focus"], na), self._choice(ac["lead_officer_named"], na),
                self._dates(np.where(due_given, due, -1), fmt), astatus, self._dates(done_date, fmt)]
        batch = _Batch(list(zip(*cols)), {"due_date": np.where(due_given, due, -1), "completed_date": done_date,
                                          "base": abase}, fmt)
        self._finish("actions", label, batch, bom, fy)

    def _banded(self, spec: dict, n: int, mask: np.ndarray, numeric: bool = False):
        keys, p = _mix(spec)
        b = self.rng.choice(len(keys), n, p=p)
        known = np.array([k != "not_known" for k in keys])[b]
        lo = np.array([_range(k)[0] if k != "not_known" else 0 for k in keys])[b]
        hi = np.array([_range(k)[1] if k != "not_known" else 0 for k in keys])[b]
        v = self._uniform_int(lo, hi)
        show = mask & known
        text = _nums(v, ~show)
        if numeric:
            return np.where(show, v, 0), text
        return text

    def _grades(self, days: np.ndarray) -> np.ndarray:
        g = self.cfg["evaluations"]["grade_by_year"]["values"]
        years = sorted(g)
        out = np.empty(len(days), dtype=object)
        fys = np.array([(EPOCH + dt.timedelta(days=int(d))).year for d in days], dtype=np.int64)
        months = np.array([(EPOCH + dt.timedelta(days=int(d))).month for d in days], dtype=np.int64)
        fys = np.where(months >= 4, fys, fys - 1)
        for fy in np.unique(fys):
            sel = fys == fy
            key = max([y for y in years if y <= fy] or [years[0]])
            out[sel] = self._choice({"values": g[key]}, int(sel.sum()))
        return out

    # -- defects and batches -----------------------------------------------------------------------------------
    def _finish(self, feed: str, label: str, batch: _Batch, bom: bool, fy: int) -> None:
        """Inject this feed's defects, add last batch's resubmissions, write the file."""
        dc = self.cfg["defects"]
        rates = dc[feed]
        kinds = list(rates)
        p = np.array([float(rates[k]) for k in kinds])
        rows = batch.rows
        n = len(rows)
        kind = self.rng.choice(len(kinds) + 1, n, p=np.concatenate([[1 - p.sum()], p])) if n else np.zeros(0, int)
        fix = self.rng.random(n) < dc["resubmission_fix_share"]
        again = self.rng.random(n) < dc["resubmission_unchanged_rate"]
        cols = COLUMNS[feed]
        pending_next, extra = [], []
        counts = self.defects[feed]
        for i in np.flatnonzero(kind):
            name = kinds[kind[i] - 1]
            clean = rows[i]
            if name == "repeated_id":
                extra.append(clean)
            else:
                row = list(clean)
                self._mutate(feed, name, row, i, batch, fy)
                rows[i] = row
                if name == "missing_required" and not fix[i] and len(self.correction_candidates) < 50:
                    c = cols.index(self._last_col)
                    self.correction_candidates.append((feed, clean[0], self._last_col, clean[c]))
                if fix[i] and name != "missing_id":
                    pending_next.append(clean)
            counts[name] = counts.get(name, 0) + 1
        for i in np.flatnonzero((kind == 0) & again):
            pending_next.append(rows[i])
        if feed == "notifications":
            for i in np.flatnonzero(kind == 0)[:3]:
                if len(self.clean_candidates) < 12:
                    self.clean_candidates.append((feed, rows[i][0], "la_aware_date", rows[i][3]))
        out_rows = rows + extra + self.pending[feed]
        self.resubmitted[feed] += len(self.pending[feed])
        self.pending[feed] = pending_next
        if out_rows:  # no header-only batches (identical empty files would look like one file sent twice)
            self._write(feed, f"{label}.csv", out_rows, bom)
            self.counts[feed] += len(out_rows)

    def _bad_date(self, fmt: str, fy: int) -> str:
        m, d = IMPOSSIBLE_DAYS[int(self.rng.integers(len(IMPOSSIBLE_DAYS)))]
        y = fy + (m < 4)
        return f"{y}-{m:02d}-{d}" if fmt == "iso" else f"{d}/{m:02d}/{y}"

    _INVALID = {
        "notifications": [("child_sex", "X"), ("incident_type", "injury"), ("harm_category", "physical"),
                          ("legal_status", "EPO"), ("child_ethnicity", "WHITE"), ("disability", "Yes"),
                          ("child_age_months", "240"), ("known_to_csc", "maybe"), ("cp_plan", "2")],
        "reviews": [("decision", "yes"), ("status", "done"), ("author_status", "external"), ("report_pages", "-3"),
                    ("recommendations", "twelve"), ("family_contributed", "Yes")],
        "evaluations": [("grade", "satisfactory"), ("grade", "Good - with notes"), ("grade", "4")],
        "actions": [("agency", "social services"), ("focus", "procedures"), ("lead_officer_named", "Yes"),
                    ("status", "done")],
    }
    _REQUIRED = {
        "notifications": ["incident_id", "la_code", "incident_date", "notified_date", "incident_type", "harm_category",
                          "child_sex", "child_age_months", "child_ethnicity", "disability", "known_to_csc",
                          "cin_status", "cp_plan", "legal_status"],
        "reviews": ["incident_id", "lscb_la_code", "chair_aware_date", "status"],
        "evaluations": ["review_id", "evaluation_date", "grade"],
        "actions": ["review_id", "agency", "focus", "lead_officer_named", "status"],
    }
    _LA_COL = {"notifications": "la_code", "reviews": "lscb_la_code"}
    _REF_COL = {"reviews": "incident_id", "evaluations": "review_id", "actions": "review_id"}

    def _mutate(self, feed: str, name: str, row: list, i: int, batch: _Batch, fy: int) -> None:
        cols, rng, fmt = COLUMNS[feed], self.rng, batch.fmt
        tbl = _date_table(fmt)

        def pick(options):
            return options[int(rng.integers(len(options)))]

        self._last_col = None
        if name == "missing_required":
            col = pick(self._REQUIRED[feed])
            row[cols.index(col)] = ""
        elif name == "invalid_value":
            col, value = pick(self._INVALID[feed])
            row[cols.index(col)] = value
        elif name == "invalid_date":
            options = [c for c in ("incident_date", "notified_date", "chair_aware_date", "decision_date",
                                   "completion_date", "evaluation_date", "due_date", "completed_date")
                       if c in cols and row[cols.index(c)]]
            col = pick(options) if options else "due_date"  # an action without dates gets a due date
            row[cols.index(col)] = self._bad_date(fmt, fy)
        elif name == "date_order":
            if feed == "notifications":
                col, before = "notified_date", batch.dates["incident_date"][i] - int(rng.integers(1, 30))
            elif feed == "reviews":
                if batch.dates["completion_date"][i] >= 0:
                    col, before = "completion_date", batch.dates["decision_date"][i] - int(rng.integers(1, 30))
                elif batch.dates["decision_date"][i] >= 0:
                    col, before = "decision_date", batch.dates["chair_aware_date"][i] - int(rng.integers(1, 30))
                else:
                    col, before = "decision_date", batch.dates["chair_aware_date"][i] - int(rng.integers(1, 30))
                    row[cols.index("decision")] = "no_scr"
                    row[cols.index("status")] = "completed"
            elif feed == "evaluations":
                comp = batch.dates["completion_date"][i]
                col = "evaluation_date"
                before = (comp if comp >= 0 else batch.dates["evaluation_date"][i] - 200) - int(rng.integers(1, 60))
            else:  # actions: completed before the review was completed
                col = "completed_date"
                before = batch.dates["base"][i] - int(rng.integers(1, 60))
                row[cols.index("status")] = "completed"
            row[cols.index(col)] = tbl[int(np.clip(before, D0, D1)) - D0]
        elif name == "unknown_la":
            col = self._LA_COL[feed]
            row[cols.index(col)] = pick(self.cfg["defects"]["unknown_la_codes"])
        elif name == "unknown_reference":
            col = self._REF_COL[feed]
            row[cols.index(col)] = f"{self.cfg['defects']['unknown_id_prefix']}{self.unknown_ref:08d}"
            self.unknown_ref += 1
        elif name == "missing_id":
            col = cols[0]
            row[0] = ""
        else:
            raise ValueError(f"unknown defect kind in config/generator.yml: {feed}.{name}")
        self._last_col = col

    # -- corrections -------------------------------------------------------------------------------------------
    def make_corrections(self) -> None:
        cc = self.cfg["corrections"]
        stewards = cc["stewards"]
        rows = []
        good = self.correction_candidates[: cc["good"]]
        if len(good) < cc["good"]:
            good += self.clean_candidates[: cc["good"] - len(good)]
        at = _day(self.cfg["period"]["snapshot_date"]) - 20
        n = 0

        def add(feed, rid, col, value, reason):
            nonlocal n
            n += 1
            stamp = (EPOCH + dt.timedelta(days=at + n)).isoformat() + f"T{9 + n % 8:02d}:{(7 * n) % 60:02d}:00"
            rows.append((f"COR{n:05d}", feed, rid, col, value, reason, stewards[n % len(stewards)], stamp))

        for feed, rid, col, value in good:
            add(feed, rid, col, value, "value confirmed with the LA by telephone")
        some = (self.clean_candidates or good or [("notifications", "NTF00000001", "", "")])[0][1]
        bad = [
            ("notifications", "NTF99999999", "child_sex", "F", "LA reported the wrong sex"),
            ("notifications", some, "child_sex", "Q", "LA reported the wrong sex"),
            ("notifications", some, "favourite_colour", "blue", "column added in error"),
            ("notifications", some, "notification_id", "NTF00000000", "renumbering request"),
            ("reviews", "REV99999999", "decision", "scr", "decision confirmed"),
            ("evaluations", "EVL99999999", "grade", "good", "grade appealed"),
        ]
        self.bad_corrections = 0
        for j in range(cc["bad"]):
            add(*bad[j % len(bad)])
            self.bad_corrections += 1
        self.good_corrections = len(good)
        self._write("corrections", "corrections_001.csv", rows)
        self.counts["corrections"] = len(rows)

    # -- run ---------------------------------------------------------------------------------------------------
    def run(self) -> dict:
        for feed in FEEDS:
            d = self.out / feed
            d.mkdir(parents=True, exist_ok=True)
            for old in d.glob("*.csv"):
                old.unlink()
        self.make_population()
        y0, y1 = self.cfg["period"]["first_financial_year"], self.cfg["period"]["last_financial_year"]
        for fy in range(y0, y1 + 1):
            for q in (1, 2, 3, 4):
                self.quarter(fy, q)
        # the last resubmissions arrive in a batch of their own
        label = f"{_fy_label(y1 + 1)}_q1"
        for feed, rows in self.pending.items():
            if rows:
                self._write(feed, f"{label}.csv", rows, False)
                self.counts[feed] += len(rows)
                self.resubmitted[feed] += len(rows)
        self.make_corrections()
        return {
            "rows": dict(self.counts),
            "files": dict(self.files),
            "children": sum(self.children_by_year.values()),
            "deaths": sum(self.deaths_by_year.values()),
            "incidents": self.next_id["incident"] - 1,
            "defects": {f: dict(sorted(d.items())) for f, d in self.defects.items()},
            "resubmitted_rows": dict(self.resubmitted),
            "corrections": {"good": self.good_corrections, "bad": self.bad_corrections},
            "unreadable_file": self.cfg["files"]["unreadable_file"],
        }


def generate(out: Path, seed: int = 2009, scale: float = 1.0, config: Path = CONFIG_PATH) -> dict:
    """Write the synthetic landing folder `out`; return counts (rows and files per feed, defects injected)."""
    out = Path(out)
    gen = _Generator(out, load_config(config), load_las(), seed, scale)
    return gen.run()
