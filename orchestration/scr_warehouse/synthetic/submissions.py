"""How local authorities submit, for the synthetic generator: batches written as files in their style, the defects
of config/generator.yml injected into them (missing, invalid, impossible dates, dates out of order, repeated
identifiers, unknown codes and references, resubmitted rows), the unreadable latin-1 file, and the stewards'
corrections. A mixin of the generator: it draws from the generator's one random stream, in the same order."""
from __future__ import annotations

import datetime as dt

import numpy as np

from .reference import COLUMNS, D0, D1, EPOCH, IMPOSSIBLE_DAYS, _Batch, _date_table, _day


class Submissions:
    def _unreadable(self, rows) -> None:
        """A re-sent copy of a few rows, saved from a spreadsheet in latin-1: not UTF-8, rejected whole."""
        path = self.out / self.cfg["files"]["unreadable_file"]
        lines = [",".join(COLUMNS["notifications"] + ["comment"])]
        for r in rows or [tuple([""] * len(COLUMNS["notifications"]))]:
            lines.append(",".join(list(r) + ["re-sent copy (caf\u00e9 export)"]))
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
        self.files["notifications"] += 1


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
