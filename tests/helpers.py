"""Helpers the tests share: write small landing folders, run the real build (Dagster + dbt + DuckDB + GX) on them,
and query the result read-only. Builds cost ~25 s each: share one per module (module-scoped fixtures).

The landing row builders (`row`, `notification_row`, `review_row`, `correction_row`) are the one place a test
makes a landing row: a module with other usual values passes them as overrides."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]  # the repository root
TEST_OUTPUT = REPO / "test-output"


class Landing:
    """A landing folder a test writes: one sub-folder per feed, one CSV file per submission batch."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def write_rows(self, feed: str, name: str, rows: list[dict], columns: list[str] | None = None,
                   bom: bool = False) -> Path:
        """Write rows (dicts) as an RFC 4180 CSV; columns default to the keys of the first row."""
        columns = columns or list(rows[0].keys())
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
        return self.write_text(feed, name, buf.getvalue(), bom=bom)

    def write_text(self, feed: str, name: str, text: str, bom: bool = False) -> Path:
        return self.write_bytes(feed, name, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))

    def write_bytes(self, feed: str, name: str, data: bytes) -> Path:
        p = self.root / feed / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p


@dataclass
class Built:
    landing: Path
    warehouse: Path
    release: Path
    summary: dict = field(default_factory=dict)  # what run_build returned (run id, step seconds, up_to_date)

    def query(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def df(self, sql: str):
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql).df()
        finally:
            con.close()

    def release_csv(self, name: str, restricted: bool = False) -> list[dict]:
        p = self.release / ("restricted" if restricted else "") / f"{name}.csv"
        with open(p, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))


def build(landing: Path, out: Path, as_of: str = "2018-06-30", previous: Path | None = None) -> Built:
    """Run `scr-warehouse build` in-process (the same code path as the command) and return where things are;
    `previous`: the release to compare with (`--previous`)."""
    from scr_warehouse.build import run_build

    wh, rel = out / "warehouse.duckdb", out / "release"
    return Built(landing, wh, rel, run_build(str(landing), str(wh), str(rel), as_of,
                                             previous=str(previous) if previous else ""))


def row(feed: str, **values) -> dict:
    """One landing row of `feed` with every contract column (seeds/policy/landing_columns.csv) empty, in the
    contract's order; `values` fill them (and may add a column the contract does not have)."""
    from scr_warehouse.policy import landing_columns

    out = {c.column_name: "" for c in landing_columns()[feed]}
    out.update(values)
    return out


def notification_row(nid: str, incident_id: str, **values) -> dict:
    """One landing notification (contract 1.1), every column filled as an LA would; `values` override."""
    row = {"notification_id": nid, "incident_id": incident_id, "la_code": "E06000001", "incident_date": "2012-06-01",
           "la_aware_date": "", "notified_date": "2012-06-04", "incident_type": "death", "suicide": "N",
           "harm_category": "neglect", "child_sex": "M", "child_age_months": "30", "child_ethnicity": "WBRI",
           "parent_ethnicity": "", "disability": "N", "known_to_csc": "Y", "cin_status": "N", "cp_plan": "N",
           "legal_status": "NONE"}
    row.update(values)
    return row


def review_row(rid: str, incident_id: str, **values) -> dict:
    """One landing review (contract 1.2): a completed serious case review, every column filled; `values` override."""
    out = {"review_id": rid, "incident_id": incident_id, "lscb_la_code": "E06000001", "chair_aware_date": "2009-05-10",
           "decision_date": "2009-05-20", "decision": "scr", "status": "completed", "agreed_completion_date": "",
           "completion_date": "2009-09-01", "author_status": "independent", "report_pages": "40",
           "recommendations": "5", "action_points": "3", "family_contributed": "Y", "summary_published_date": ""}
    out.update(values)
    return out


def correction_row(cid: str, feed: str, record_id: str, column_name: str, new_value: str, **values) -> dict:
    """One steward correction (contract 1.6); `values` override the reason, steward and time."""
    out = {"correction_id": cid, "feed": feed, "record_id": record_id, "column_name": column_name,
           "new_value": new_value, "reason": "steward check", "steward": "steward.a", "corrected_at": "2010-06-01"}
    out.update(values)
    return out


def synthetic_landing(root: Path, seed: int, scale: float, years: tuple[str, ...], corrections: str = "all") -> Path:
    """A synthetic landing folder (root/landing, generated in root/generated) of the given financial years only, with
    the population file: every year is a period the release protects, so a test builds only the years it needs.
    `corrections`: "all" copies the stewards' corrections (some of which then name records of other years),
    "header" each corrections file's header line only, "none" leaves the corrections folder empty."""
    import shutil

    from scr_warehouse.synthetic import generate

    full = root / "generated"
    generate(full, seed=seed, scale=scale)
    landing = root / "landing"
    (landing / "corrections").mkdir(parents=True, exist_ok=True)
    for p in full.rglob("*.csv"):
        feed = p.parent.name
        if feed == "corrections":
            if corrections == "all":
                shutil.copy2(p, landing / feed / p.name)
            elif corrections == "header":
                (landing / feed / p.name).write_bytes(p.read_bytes().splitlines(keepends=True)[0])
        elif feed == "population" or p.name.startswith(years):  # the population file whatever its year
            (landing / feed).mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, landing / feed / p.name)
    return landing
