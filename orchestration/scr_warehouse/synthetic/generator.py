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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..policy import bank_holidays
from .reference import (
    AGE_BAND_MONTHS,
    COLUMNS,
    CONFIG_PATH,
    D0,
    D1,
    DAYS_PER_MONTH,
    EPOCH,
    FEEDS,
    LA,
    UNDER_1_MONTHS,
    _Batch,
    _date_table,
    _day,
    _fy_label,
    _mix,
    _nums,
    _range,
    load_config,
    load_las,
)
from .submissions import Submissions


@dataclass
class _Incidents:
    """One quarter's incidents (arrays of the same length): what each child's notification repeats."""
    ids: np.ndarray
    la: np.ndarray
    date: np.ndarray
    sizes: np.ndarray
    la_aware: np.ndarray
    notified: np.ndarray
    aware_missing: np.ndarray
    ethnicity: np.ndarray
    parent_ethnicity: np.ndarray


class _Generator(Submissions):
    def __init__(self, out: Path, cfg: dict, las: list[LA], seed: int, scale: float):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.out, self.cfg, self.las, self.seed, self.scale = out, cfg, las, seed, scale
        self.rng = np.random.default_rng(seed)
        self.snapshot = _day(cfg["period"]["snapshot_date"])
        self.holidays = np.array(bank_holidays(), dtype="datetime64[D]")
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
            spread = float(np.exp(rng.normal(0, pc["spread_sd_log"])))
            base[la.code] = pc["base_by_entity"].get(la.entity, 50000) * spread
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
        month = 4 + 3 * (q - 1)
        start_d = dt.date(fy + (month > 12), (month - 1) % 12 + 1, 1)
        end_m = month + 3
        end_d = dt.date(fy + (end_m > 12), (end_m - 1) % 12 + 1, 1) - dt.timedelta(days=1)
        label = f"{_fy_label(fy)}_q{q}"
        inc = self._incidents(fy, _day(start_d), _day(end_d))
        self._notifications(label, fy, inc)
        # reviews, evaluations, actions of this quarter's incidents
        self._reviews(label, fy, inc.ids, inc.la, inc.date, inc.la_aware)

    def _incidents(self, fy: int, start: int, end: int) -> _Incidents:
        """The quarter's incidents: LA, date, how many children, when the LA knew and notified."""
        c, m, rng = self.cfg, self.cfg["mixes"], self.rng
        vol = c["volume"]
        extra_keys, extra_p = _mix(vol["extra_children"])
        mean_size = 1 + vol["multi_child_incident_share"]["value"] * float(np.dot(np.array(extra_keys, float), extra_p))
        n_inc = int(rng.poisson(vol["children_per_year"] * self.scale / 4 / mean_size))
        las, w = self._la_weights(fy, start, end)
        codes = np.array([la.code for la in las], dtype=object)
        inc_la = codes[rng.choice(len(las), n_inc, p=w)] if n_inc else np.array([], dtype=object)
        inc_date = self._uniform_int(np.full(n_inc, start), np.full(n_inc, end))
        multi = rng.random(n_inc) < vol["multi_child_incident_share"]["value"]
        extra = np.array(extra_keys, dtype=np.int64)[rng.choice(len(extra_keys), n_inc, p=extra_p)]
        sizes = 1 + np.where(multi, extra, 0)
        inc_ids = np.array(self._ids("incident", "INC", n_inc), dtype=object)
        # timing (per incident): la_aware, notified
        tk, tp = _mix(c["notification_timing"]["la_aware_delay_days"])
        delay_band = rng.choice(len(tk), n_inc, p=tp)
        lo = np.array([0 if k == "0" else _range(k)[0] for k in tk])[delay_band]
        hi = np.array([0 if k == "0" else _range(k)[1] for k in tk])[delay_band]
        la_aware = inc_date + self._uniform_int(lo, hi)
        nt = c["notification_timing"]
        late = rng.random(n_inc) < nt["late_share"]["value"]
        wd = np.where(late, self._uniform_int(*nt["late_working_days"], n_inc),
                      self._uniform_int(*nt["on_time_working_days"], n_inc))
        notified = np.busday_offset(la_aware.astype("datetime64[D]"), wd, roll="forward",
                                    holidays=self.holidays).astype(np.int64)
        notified = np.minimum(notified, self.snapshot)
        aware_missing = rng.random(n_inc) < nt["la_aware_missing"]["value"]
        eth_inc = self._choice(m["child_ethnicity"], n_inc)
        peth_inc = self._choice(m["parent_ethnicity"], n_inc)
        return _Incidents(inc_ids, inc_la, inc_date, sizes, la_aware, notified, aware_missing, eth_inc, peth_inc)

    def _notifications(self, label: str, fy: int, inc: _Incidents) -> None:
        """One notification per child of the quarter's incidents: age, outcome, social care chain."""
        m, rng = self.cfg["mixes"], self.rng
        ci = np.repeat(np.arange(len(inc.ids)), inc.sizes)  # child -> incident
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
        aware_days = np.where(inc.aware_missing, -1, inc.la_aware)
        cols = [
            np.array(self._ids("notification", "NTF", n), dtype=object),
            inc.ids[ci], inc.la[ci],
            self._dates(inc.date[ci], fmt), self._dates(aware_days[ci], fmt),
            self._dates(inc.notified[ci], fmt),
            np.where(death, "death", "serious_injury").astype(object), suicide_col,
            self._choice(m["harm_category"], n), self._choice(m["child_sex"], n), _nums(age),
            inc.ethnicity[ci], inc.parent_ethnicity[ci], self._choice(m["disability"], n), known, cin, cp,
            self._choice(m["legal_status"], n),
        ]
        rows = list(zip(*cols))
        self.children_by_year[fy] = self.children_by_year.get(fy, 0) + n
        self.deaths_by_year[fy] = self.deaths_by_year.get(fy, 0) + int(death.sum())
        batch = _Batch(rows, {"incident_date": inc.date[ci], "notified_date": inc.notified[ci]}, fmt)
        self._finish("notifications", label, batch, bom, fy)
        # the unreadable copy (e.g. 2011-12_q2b.csv) follows the batch it re-sends (2011-12_q2.csv)
        if label == Path(self.cfg["files"]["unreadable_file"]).stem[:-1]:
            self._unreadable(rows[:5])

    # -- reviews, evaluations, actions -------------------------------------------------------------------------
    def _reviews(self, label, fy, inc_ids, inc_la, inc_date, la_aware) -> None:
        rc, rng = self.cfg["reviews"], self.rng
        has = rng.random(len(inc_ids)) < rc["review_share"]["value"]
        ids, la, idate, aware = inc_ids[has], inc_la[has], inc_date[has], la_aware[has]
        n = len(ids)
        chair = aware + self._uniform_int(*rc["chair_aware_delay_days"], n)
        within = rng.random(n) < rc["decision_within_month_share"]["value"]
        decision_date = chair + np.where(within, self._uniform_int(1, 30, n),
                                         self._uniform_int(*rc["late_decision_days"], n))
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
        # the date evaluations and action plans follow: completion, or a while after the decision when not dated
        base = np.where(comp >= 0, comp, decision_date + int(self.cfg["evaluations"]["not_dated_months_after_decision"]
                                                             * DAYS_PER_MONTH))
        self._evaluations(label, fy, review_ids, comp, base, completed_scr)
        self._actions(label, fy, review_ids, base, completed_scr, points_num)

    def _evaluations(self, label, fy, review_ids, comp, base, completed_scr) -> None:
        """Evaluations of completed SCRs (an inadequate one sometimes evaluated again)."""
        ec, rng, n = self.cfg["evaluations"], self.rng, len(review_ids)
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

    def _actions(self, label, fy, review_ids, base, completed_scr, points_num) -> None:
        """Action-plan items of completed SCRs (one per action point)."""
        ac, rng, n = self.cfg["actions"], self.rng, len(review_ids)
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
                self._choice(ac["agency"], na), self._choice(ac["focus"], na),
                self._choice(ac["lead_officer_named"], na),
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
