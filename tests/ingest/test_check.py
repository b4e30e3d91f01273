"""`scr-warehouse check` without a warehouse (issue 24, item 3): the file is parsed by the ingest, validated by the
feed's GX suite evaluated on the same frame GX gets in a build, and worded by the steward_queue model itself.
tests/ingest/test_intake.py compares its output with the queue of a real build, file by file; here: the suite's
evaluation against GX itself on every feed of the synthetic data, with its injected defects, and the command."""
from __future__ import annotations

import csv
import io

import duckdb
import pandas as pd
import pytest

from scr_warehouse.check import check_problems, evaluate_suite, prepare
from scr_warehouse.cli import main
from scr_warehouse.policy import landing_columns
from scr_warehouse.quality.frames import read_frames
from scr_warehouse.quality.suites import GX_FEEDS, load_suite
from scr_warehouse.quality.validate import Validator, failure_rows

from tests.helpers import notification_row

COLUMNS = [c.column_name for c in landing_columns()["notifications"]]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """One file per feed holding every row of the synthetic feed (its files share one header), defects included."""
    from scr_warehouse.synthetic import generate

    root = tmp_path_factory.mktemp("synthetic")
    generate(root / "landing", seed=7, scale=0.3)
    out = {}
    for feed in GX_FEEDS:
        header, rows = None, []
        for path in sorted((root / "landing" / feed).glob("*.csv")):
            try:
                records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
            except UnicodeDecodeError:
                continue  # the generator's unreadable file
            header = header or records[0]
            if records[0] == header:
                rows += records[1:]
        out[feed] = root / f"{feed}.csv"
        with open(out[feed], "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(header)
            w.writerows(rows)
    return out


def _key(df: pd.DataFrame) -> list[tuple]:
    cols = ["record_id", "source_line", "column_name", "problem", "value", "rule", "other_column", "other_value"]
    return sorted(tuple(None if pd.isna(v) else str(v) for v in r) for r in df[cols].itertuples(index=False))


@pytest.mark.slow
def test_the_suites_evaluated_without_gx_fail_exactly_the_values_gx_fails(synthetic):
    problems = set()
    for feed in GX_FEEDS:
        con = duckdb.connect()
        prepare(con, synthetic[feed], feed)
        frame = read_frames(con, [feed])[feed]
        con.close()
        spec = load_suite(feed)
        ours = failure_rows(feed, frame, evaluate_suite(spec, frame))
        gx = Validator(None).validate(feed, spec, frame).failures
        assert _key(ours) == _key(gx), feed
        problems |= set(gx["problem"])
    # the comparison covered every kind of value problem the suites hold
    assert problems >= {"missing_required", "invalid_value", "invalid_date", "date_order", "unknown_reference"}


def _write(tmp_path, name: str, rows: list[dict], extra: str = "") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r[c] for c in COLUMNS])
    path = tmp_path / name
    path.write_text(buf.getvalue() + extra, encoding="utf-8")
    return str(path)


def test_check_exit_codes_and_output(tmp_path, capsys):
    good = _write(tmp_path, "q[12].csv", [notification_row("G1", "I1"), notification_row("G2", "I2")],
                  extra="," * (len(COLUMNS) - 1) + "\r\n")  # an empty spreadsheet row is no problem
    bad = _write(tmp_path, "bad.csv", [notification_row("B1", "I1", child_sex="Q"),
                                       notification_row("B2", "I2", incident_date="2012-02-30"),
                                       notification_row("B1", "I3")])
    assert main(["check", good, "--feed", "notifications"]) == 0
    assert capsys.readouterr().out == "q[12].csv: no problems found\n"
    assert main(["check", bad, "--feed", "notifications"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith('bad.csv: line 2, column child_sex: invalid_value: "Q" is not allowed in child_sex: '
                             "allowed values: M, F, U.")
    assert out[1].startswith('bad.csv: line 3, column incident_date: invalid_date: "2012-02-30" in incident_date')
    assert out[2].startswith("bad.csv: line 4, column notification_id: rejected_row: This row was not loaded: "
                             "identifier repeated within the file (first at line 2)")
    assert out[-1] == "bad.csv: 3 problem(s)"
    assert main(["check", bad, "--feed", "nope"]) == 2
    assert main(["check", str(tmp_path / "missing.csv"), "--feed", "notifications"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "q[12].csv"]  # nothing written beside it


def test_check_rejects_an_unreadable_file_whole_as_the_queue_does(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes((",".join(COLUMNS) + "\r\n").encode("utf-16"))
    (p,) = check_problems(path, "notifications")
    assert (p.problem, p.source_line, p.column_name) == ("rejected_file", None, None)
    assert p.message.startswith("The whole file was not loaded: UTF-16 text")


def test_check_rejects_an_oversized_file_with_the_ingests_reason(tmp_path):
    path = _write(tmp_path, "big.csv", [notification_row(f"S{i}", f"I{i}") for i in range(30)])
    size = (tmp_path / "big.csv").stat().st_size
    assert check_problems(path, "notifications", max_file_bytes=size) == []
    (p,) = check_problems(path, "notifications", max_file_bytes=size - 1)
    assert (p.problem, p.source_line) == ("rejected_file", None)
    assert p.message.startswith("The whole file was not loaded: too large:") and "over the limit of" in p.message
