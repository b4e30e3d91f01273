"""The stewards' files (contract section 3) from the warehouse's quality tables, rewritten whole each build:
<release>/quality/steward_queue.csv, by_la/<la_code>_<LA name>.csv (problems with no English LA in
national_team.csv), the LSCB chase lists chase/<la_code>_<LA name>.csv (what is late and who must act, in words),
overdue action-plan items overdue_actions/<la_code>_<LA name>.csv (listed there only, not in the chase lists too)
and correction_audit.csv (with the LA of each corrected record). Management information (restricted); formulas are
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
# What each chase item means, in words, and who must act on it (the chase codes of the dbt model chase_list)
CHASE_WORDS = {
    "no_review_decision": ("No decision on whether to hold a serious case review, and it is past due",
                           "The LSCB chair: decide, and send the review record"),
    "scr_past_due": ("The serious case review is not completed, and it is past its completion due date",
                     "The LSCB: complete the review, or send its agreed completion date"),
    "completed_no_evaluation": ("A completed serious case review has no evaluation yet",
                                "The inspectorate: evaluate the review (the LSCB: check the completion was sent)"),
}
CHASE_COLUMNS = ["lscb_la_code", "la_name", "what_is_late", "who_must_act", "incident_id", "review_id", "feed",
                 "record_id", "due_date", "days_overdue", "source_file", "source_line", "as_of_date"]
# The LA of a corrected record: its own (notifications, reviews) or its review's LSCB (evaluations, actions)
RECORD_LA_SQL = """
    select a.*, coalesce(n.la_code, r.lscb_la_code, er.lscb_la_code) as la_code
    from marts.correction_audit a
    left join (select distinct notification_id, la_code from intermediate.int_notifications_corrected) n
        on a.feed = 'notifications' and n.notification_id = a.record_id
    left join (select distinct review_id, lscb_la_code from intermediate.int_reviews_corrected) r
        on a.feed = 'reviews' and r.review_id = a.record_id
    left join (select distinct * from (select e.evaluation_id as id, 'evaluations' as feed, v.lscb_la_code
               from intermediate.int_evaluations_corrected e join intermediate.int_reviews_corrected v using (review_id)
               union all
               select x.action_id, 'actions', v.lscb_la_code
               from intermediate.int_actions_corrected x
               join intermediate.int_reviews_corrected v using (review_id))) er
        on er.feed = a.feed and er.id = a.record_id
"""


def file_stem(la: str, names: dict[str, str]) -> str:
    """<la_code>_<LA name> with only letters, digits and _ (e.g. E10000006_Hampshire); national_team as it is."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", names.get(la, "")).strip("_")
    return f"{la}_{name}" if name and la != NATIONAL_TEAM else la


def _by_la(rows: list[tuple], la_index: int, known: set[str]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for row in rows:
        la = row[la_index]
        name = la if isinstance(la, str) and la in known and SAFE_LA.match(la) else NATIONAL_TEAM
        out.setdefault(name, []).append(row)
    return out


def _exists(con, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and "
                            "table_name = ?", [schema, table]).fetchone()[0])


def _write_groups(folder: Path, columns: list[str], rows: list[tuple], la_index: int, known: set[str],
                  names: dict[str, str]) -> int:
    groups = _by_la(rows, la_index, known)
    for la, part in groups.items():
        write_csv(folder / f"{file_stem(la, names)}.csv", columns, part)
    return len(groups)


def write_quality_files(con, quality_dir: Path) -> dict:
    """steward_queue.csv, by_la/, chase/, overdue_actions/ and correction_audit.csv from the warehouse tables."""
    for sub in ("by_la", "chase", "overdue_actions"):
        if (quality_dir / sub).exists():
            shutil.rmtree(quality_dir / sub)
    names = dict(con.execute("select la_code, la_name from intermediate.int_las").fetchall())
    known = set(names)
    queue = con.execute(f"select {', '.join(QUEUE_COLUMNS)} from quality.steward_queue order by feed, source_file, "
                        "source_line nulls first, column_name nulls first, problem").fetchall()
    counts = {"queue_rows": write_csv(quality_dir / "steward_queue.csv", QUEUE_COLUMNS, queue)}
    counts["la_files"] = _write_groups(quality_dir / "by_la", QUEUE_COLUMNS, queue, QUEUE_COLUMNS.index("la_code"),
                                       known, names)
    if _exists(con, "quality", "chase_list"):
        chase = _chase_rows(con, names)
        counts["chase_files"] = _write_groups(quality_dir / "chase", CHASE_COLUMNS, chase, 0, known, names)
        counts["chase_items"] = len(chase)
    if _exists(con, "quality", "overdue_actions"):
        cur = con.execute("select o.*, l.la_name from quality.overdue_actions o left join intermediate.int_las l "
                          "on l.la_code = o.lscb_la_code order by o.lscb_la_code, o.days_overdue desc, o.action_id")
        cols, rows = [d[0] for d in cur.description], cur.fetchall()
        counts["overdue_actions_files"] = _write_groups(quality_dir / "overdue_actions", cols, rows,
                                                        cols.index("lscb_la_code"), known, names)
        counts["overdue_actions"] = len(rows)
    if _exists(con, "marts", "correction_audit"):
        cur = con.execute(f"select * from ({RECORD_LA_SQL}) order by _source_file, _source_line, correction_id")
        cols, rows = [d[0] for d in cur.description], cur.fetchall()
        counts["correction_audit"] = write_csv(quality_dir / "correction_audit.csv", cols, rows)
    return counts


def _chase_rows(con, names: dict[str, str]) -> list[tuple]:
    """The chase list in words; overdue action-plan items are left to overdue_actions/ (listed once)."""
    cur = con.execute("select * from quality.chase_list where chase <> 'action_overdue' "
                      "order by lscb_la_code, chase, due_date, record_id")
    cols = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        r = dict(zip(cols, row))
        what, who = CHASE_WORDS.get(r["chase"], (str(r["chase"]).replace("_", " "), "The LSCB"))
        r.update(la_name=names.get(r["lscb_la_code"]), what_is_late=what, who_must_act=who)
        out.append(tuple(r.get(c) for c in CHASE_COLUMNS))
    return out
