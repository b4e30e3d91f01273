"""The stewards' files (contract section 3) from the warehouse's quality tables, rewritten whole each build:
<release>/quality/steward_queue.csv, by_la/<la_code>.csv, the LSCB chase lists chase/<la_code>.csv, overdue
actions overdue_actions/<la_code>.csv and correction_audit.csv. Management information (restricted); formulas are
neutralised in every file (people_csv)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..people_csv import write_csv

QUEUE_COLUMNS = ["feed", "record_id", "la_code", "la_name", "source_file", "source_line", "column_name", "problem",
                 "value", "message"]
SAFE_LA = re.compile(r"^E[0-9]{8}$")  # an LA file name is only ever an ONS code shape (values come from landing files)
NATIONAL_TEAM = "national_team"  # problems with no English LA: unknown references, rejected files, corrections


def _by_la(rows: list[tuple], la_index: int, known: set[str]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for row in rows:
        la = row[la_index]
        name = la if isinstance(la, str) and la in known and SAFE_LA.match(la) else NATIONAL_TEAM
        out.setdefault(name, []).append(row)
    return out


def write_quality_files(con, quality_dir: Path) -> dict:
    """steward_queue.csv, by_la/<la>.csv and chase/<la>.csv from the warehouse tables (rewritten whole each build)."""
    for sub in ("by_la", "chase", "overdue_actions"):
        if (quality_dir / sub).exists():
            shutil.rmtree(quality_dir / sub)
    known = {r[0] for r in con.execute("select la_code from intermediate.int_las").fetchall()}
    cols = ", ".join(QUEUE_COLUMNS)
    queue = con.execute(f"select {cols} from quality.steward_queue "
                        "order by feed, source_file, source_line nulls first, column_name nulls first, problem").fetchall()
    counts = {"queue_rows": write_csv(quality_dir / "steward_queue.csv", QUEUE_COLUMNS, queue)}
    groups = _by_la(queue, QUEUE_COLUMNS.index("la_code"), known)
    for la, rows in groups.items():
        write_csv(quality_dir / "by_la" / f"{la}.csv", QUEUE_COLUMNS, rows)
    counts["la_files"] = len(groups)
    has_chase = con.execute("select count(*) from information_schema.tables "
                            "where table_schema = 'quality' and table_name = 'chase_list'").fetchone()[0]
    if has_chase:
        cur = con.execute("select * from quality.chase_list order by lscb_la_code, chase, due_date, record_id")
        chase_cols = [d[0] for d in cur.description]
        chase = cur.fetchall()
        cgroups = _by_la(chase, chase_cols.index("lscb_la_code"), known)
        for la, rows in cgroups.items():
            write_csv(quality_dir / "chase" / f"{la}.csv", chase_cols, rows)
        counts["chase_items"] = len(chase)
        counts["chase_files"] = len(cgroups)
    for table, sub, order in (("overdue_actions", "overdue_actions", "lscb_la_code, days_overdue desc, action_id"),
                              ("correction_audit", None, "_source_file, _source_line, correction_id")):
        schema = "quality" if sub else "marts"
        if not con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                           [schema, table]).fetchone()[0]:
            continue
        cur = con.execute(f"select * from {schema}.{table} order by {order}")
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
        if sub:
            groups = _by_la(rows, cols.index("lscb_la_code"), known)
            for la, part in groups.items():
                write_csv(quality_dir / sub / f"{la}.csv", cols, part)
            counts[f"{table}_files"] = len(groups)
        else:
            write_csv(quality_dir / f"{table}.csv", cols, rows)
        counts[table] = len(rows)
    return counts
