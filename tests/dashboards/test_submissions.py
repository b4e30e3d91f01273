"""Submissions through the web (contract section 4) without a browser: what lands, how it is named and logged,
and what is refused. The check is the real one (scr_warehouse.check: the ingest and the queue's dbt SQL on an
in-memory DuckDB); the browser flows are in test_submissions_browser.py."""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import stat

import pytest

from dashboards.explorer.submissions import (
    LOG_COLUMNS,
    Refused,
    Sender,
    csv_bytes,
    feed_columns,
    log_path,
    read_log,
    shown,
)

from tests.helpers import notification_row

HART, DURHAM = "E06000001", "E06000047"
NAME = re.compile(r"^web_(E\d{8})_(\d{8}T\d{6}Z)_(\d+)\.csv$")


@pytest.fixture
def sender(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    return Sender("steward.hart", HART, landing, log_path(tmp_path / "warehouse.duckdb"))


def _file(*rows: dict) -> bytes:
    return csv_bytes(feed_columns("notifications"), list(rows))


def test_a_file_lands_whole_named_by_the_server_and_is_logged(sender, tmp_path):
    data = _file(notification_row("W1", "WI1"), notification_row("W2", "WI1"))
    now = dt.datetime(2026, 12, 3, 12, 0, 5, tzinfo=dt.timezone.utc)
    a = sender.land("notifications", data, 2, "file", now)
    b = sender.land("notifications", data, 2, "file", now)  # same second: the next n, never replaced
    assert [p.name for p in (a.path, b.path)] == ["web_E06000001_20261203T120005Z_1.csv",
                                                  "web_E06000001_20261203T120005Z_2.csv"]
    assert a.path.read_bytes() == data and stat.S_IMODE(os.stat(a.path).st_mode) == 0o600
    # nothing but the two files in the landing folder (the temporary copy was written outside it and removed)
    assert sorted(p.relative_to(sender.landing).as_posix() for p in sender.landing.rglob("*")) == [
        "notifications", f"notifications/{a.path.name}", f"notifications/{b.path.name}"]
    assert not any((tmp_path / ".landing.web-incoming").iterdir())
    log = read_log(sender.log)
    assert list(log[0]) == LOG_COLUMNS and len(log) == 2
    assert log[0]["username"] == "steward.hart" and log[0]["la_code"] == HART and log[0]["rows"] == "2"
    assert log[0]["file"] == f"notifications/{a.path.name}" and len(log[0]["sha256"]) == 64
    assert stat.S_IMODE(os.stat(sender.log).st_mode) == 0o600


def test_another_las_rows_are_refused_and_nothing_lands(sender):
    data = _file(notification_row("W1", "WI1"), notification_row("W2", "WI2", la_code=DURHAM),
                 notification_row("W3", "WI3", la_code=""))
    with pytest.raises(Refused) as e:
        sender.submit_file(data, "notifications")
    assert f"line 3: local authority {DURHAM}, not yours ({HART})" in str(e.value)
    assert "line 4: no local authority code" in str(e.value)
    assert not any(sender.landing.rglob("*.csv")) and not read_log(sender.log)
    with pytest.raises(Refused, match="cannot be submitted"):
        sender.submit_file(data, "corrections")


def test_the_form_takes_the_la_from_the_user_and_checks_with_the_queues_messages(sender):
    landed, problems = sender.notify({**notification_row("F1", "FI1", child_sex="Q"), "la_code": DURHAM})
    assert landed is None and not any(sender.landing.rglob("*.csv"))
    assert [(p.column_name, p.problem) for p in problems] == [("child_sex", "invalid_value")]
    assert "allowed values: M, F, U" in problems[0].message
    landed, problems = sender.notify({**notification_row("F1", "FI1"), "la_code": DURHAM})
    assert not problems and NAME.match(landed.path.name).group(1) == HART
    (row,) = list(csv.DictReader(landed.path.read_text(encoding="utf-8").splitlines()))
    assert row["la_code"] == HART and row["notification_id"] == "F1"


def test_a_correction_is_one_row_with_the_signed_in_steward(sender):
    landed = sender.correct("notifications", "N-1", "child_sex", "F", "the LA's case file says F")
    assert landed.relative.startswith("corrections/web_E06000001_")
    (row,) = list(csv.DictReader(landed.path.read_text(encoding="utf-8").splitlines()))
    assert row["steward"] == "steward.hart" and row["new_value"] == "F" and row["record_id"] == "N-1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["corrected_at"])
    with pytest.raises(Refused, match="reason"):
        sender.correct("notifications", "N-1", "child_sex", "F", "  ")
    with pytest.raises(Refused, match="cannot be corrected"):
        sender.correct("notifications", "", "", "F", "x")


def test_neutralised_values_are_shown_without_their_apostrophe():
    assert shown("'-3") == "-3" and shown("'=SUM(A1)") == "=SUM(A1)"
    assert shown("'quoted'") == "'quoted'" and shown(None) == ""


def test_values_are_shown_in_words():
    import pandas as pd

    from dashboards.explorer.words import label, readable

    assert readable(pd.Timestamp("2011-09-27")) == "27 September 2011" and readable(pd.NaT) == ""
    assert readable("2011-09-27 00:00:00", "decision_date") == "27 September 2011"
    assert (readable(True), readable("False"), readable(float("nan"))) == ("Yes", "No", "")
    assert readable("invalid_value", "problem") == "Value not allowed" and readable("'-3", "value") == "-3"
    assert label("notified_on_time") == "Notified on time" and label("some_new_column") == "Some new column"
