"""What a steward sends through the explorer (contract section 4), landed exactly as a file dropped in the landing
folder would be: `<landing>/<feed>/web_<la_code>_<UTC timestamp>_<n>.csv`, written whole under a temporary name
(in a private folder beside the landing folder, never inside it: the ingest would report a stray file) and then
linked into place (a link never replaces a file, so two submissions in the same second take different `n`), with
the file mode of filemodes.FILE_MODE. Every submission is logged in the restricted layer, beside the warehouse
(`<warehouse>.submissions.csv`, one of filemodes.restricted_paths): who, when, file, SHA-256, rows.

The LA of a submission is the signed-in user's, never one the request names: a file whose rows name another LA, or
no LA, is refused with the lines it concerns. A check (scr_warehouse.check: the queue's own rules and messages)
loads nothing: it reads a private temporary copy. No path is built from anything a person typed: the feed is
looked up in a fixed tuple and the file name is made here."""
from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from scr_warehouse.check import CannotCheck, CheckResult, Problem, check_file
from scr_warehouse.filemodes import DIR_MODE, FILE_MODE
from scr_warehouse.people_csv import FORMULA_START
from scr_warehouse.policy import landing_columns

# Feeds a steward may send a file of: their rows name the LA they belong to (contract 1.1 la_code, 1.2
# lscb_la_code), so the server can hold each row to the user's own LA.
FILE_FEEDS = ("notifications", "reviews")
CORRECTION_FEEDS = ("notifications", "reviews", "evaluations", "actions")
LOG_COLUMNS = ["submitted_at", "username", "la_code", "kind", "file", "sha256", "rows"]
_lock = threading.Lock()


class Refused(ValueError):
    """A submission the explorer does not take; the message is for the person who sent it."""


@dataclass(frozen=True)
class Landed:
    """A landing file written for a submission (crosses into the explorer's callbacks)."""
    path: Path
    relative: str  # <feed>/<name>, as the queue's source_file names it
    sha256: str
    rows: int


def shown(value: object) -> str:
    """A value of a stewards' file as a person reads it on screen: the apostrophe people_csv.neutralise put before a
    formula-like value is taken off (neutralising belongs to CSV files only)."""
    text = "" if value is None else str(value)
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def feed_columns(feed: str) -> list[str]:
    return [c.column_name for c in landing_columns()[feed]]


def csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    """An RFC 4180 CSV with a header (values exactly as given: the ingest reads them as a landing file)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c) or "" for c in columns])
    return buf.getvalue().encode("utf-8")


def check_bytes(data: bytes, feed: str) -> CheckResult:
    """The queue's problems for these bytes as a `feed` file (a private temporary copy: nothing is loaded)."""
    if feed not in CORRECTION_FEEDS + ("population",):
        raise Refused("That kind of file cannot be checked here.")
    with tempfile.TemporaryDirectory(prefix="scr-web-check-") as tmp:
        path = Path(tmp) / "upload.csv"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            return check_file(path, feed)
        except CannotCheck as e:
            raise Refused(f"The file cannot be checked: {e}") from None


def foreign_lines(result: CheckResult, la_code: str) -> list[str]:
    """Why rows of a checked file are not the user's LA's, line by line (empty when all are)."""
    out = []
    for line, la in result.record_las:
        if not la:
            out.append(f"line {line}: no local authority code (every row must be for {la_code})")
        elif la.strip().upper() != la_code:
            out.append(f"line {line}: local authority {la}, not yours ({la_code})")
    return out


def refuse_other_las(result: CheckResult, la_code: str) -> None:
    lines = foreign_lines(result, la_code)
    if lines:
        more = f" and {len(lines) - 5} more" if len(lines) > 5 else ""
        raise Refused("Refused: you may send data for your own local authority only. "
                      + "; ".join(lines[:5]) + more + ". Nothing was submitted.")
    if result.rows == 0:
        raise Refused("Refused: the file holds no rows that could be read (see the problems above). "
                      "Nothing was submitted.")


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def land(landing: Path, feed: str, la_code: str, data: bytes, rows: int, username: str, kind: str,
         log: Path, now: dt.datetime | None = None) -> Landed:
    """Write `data` as the next web_<la_code>_<UTC timestamp>_<n>.csv of the feed (whole, then linked into place)
    and log it. `feed` must be one of the feeds (it names a folder)."""
    if feed not in CORRECTION_FEEDS + ("corrections",):
        raise Refused("That kind of file cannot be submitted here.")
    now = now or dt.datetime.now(dt.timezone.utc)
    folder = landing / feed
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    staging = landing.parent / f".{landing.name}.web-incoming"
    staging.mkdir(mode=DIR_MODE, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=staging, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)
        name = _link_next(tmp, folder, f"web_{la_code}_{_stamp(now)}")
    finally:
        os.unlink(tmp)
    landed = Landed(folder / name, f"{feed}/{name}", hashlib.sha256(data).hexdigest(), rows)
    log_submission(log, now, username, la_code, kind, landed)
    return landed


def _link_next(tmp: str, folder: Path, stem: str) -> str:
    for n in range(1, 10_000):
        name = f"{stem}_{n}.csv"
        try:
            os.link(tmp, folder / name)  # fails when the name is taken: never replaces a file
            return name
        except FileExistsError:
            continue
    raise Refused("Too many submissions in one second: try again.")


def log_submission(log: Path, now: dt.datetime, username: str, la_code: str, kind: str, landed: Landed) -> None:
    """Append one line to the restricted submissions log (0600; a lock keeps lines whole across processes)."""
    with _lock:
        new = not log.exists()
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        with os.fdopen(fd, "a", newline="", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            w = csv.writer(f, lineterminator="\n")
            if new:
                w.writerow(LOG_COLUMNS)
            w.writerow([now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"), username, la_code, kind,
                        landed.relative, landed.sha256, landed.rows])


def read_log(log: Path) -> list[dict]:
    if not log.exists():
        return []
    with open(log, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def log_path(warehouse: str | Path) -> Path:
    wh = Path(warehouse)
    return wh.with_name(wh.name + ".submissions.csv")


@dataclass(frozen=True)
class Sender:
    """Who sends, for which LA (the LA from the user record), where the files go and where they are logged."""
    username: str
    la_code: str
    landing: Path
    log: Path

    def notify(self, values: dict[str, str]) -> tuple[Landed | None, list[Problem]]:
        """A notification from the form: checked by the queue's rules; landed only when it has no problem."""
        columns = feed_columns("notifications")
        row = {c: str(values.get(c) or "").strip() for c in columns}
        row["la_code"] = self.la_code  # never from the request
        data = csv_bytes(columns, [row])
        result = check_bytes(data, "notifications")
        if result.problems:
            return None, result.problems
        refuse_other_las(result, self.la_code)
        return self.land("notifications", data, result.rows, "notification form"), []

    def submit_file(self, data: bytes, feed: str) -> tuple[Landed, list[Problem]]:
        """A file as sent (its rules are the ingest's), refused when a row is not the user's LA's."""
        if feed not in FILE_FEEDS:
            raise Refused("Files of that kind cannot be submitted here.")
        result = check_bytes(data, feed)
        refuse_other_las(result, self.la_code)
        return self.land(feed, data, result.rows, "file"), result.problems

    def correct(self, feed: str, record_id: str, column: str, new_value: str, reason: str,
                now: dt.datetime | None = None) -> Landed:
        """One correction row (contract 1.6), steward = the signed-in user; the caller has taken feed, record and
        column from a row of the user's own LA's queue."""
        if feed not in CORRECTION_FEEDS or not record_id or not column:
            raise Refused("This problem cannot be corrected value by value: send the record again instead.")
        if not str(reason or "").strip():
            raise Refused("Give a reason for the correction.")
        now = now or dt.datetime.now(dt.timezone.utc)
        row = {"correction_id": f"web-{self.la_code}-{_stamp(now)}-{os.urandom(3).hex()}", "feed": feed,
               "record_id": record_id, "column_name": column, "new_value": new_value or "",
               "reason": str(reason).strip(), "steward": self.username,
               "corrected_at": now.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")}
        data = csv_bytes(feed_columns("corrections"), [row])
        return self.land("corrections", data, 1, "correction", now)

    def land(self, feed: str, data: bytes, rows: int, kind: str, now: dt.datetime | None = None) -> Landed:
        return land(self.landing, feed, self.la_code, data, rows, self.username, kind, self.log, now)
