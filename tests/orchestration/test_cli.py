"""The `scr-warehouse` command and the Dagster code location: argument handling, exit codes, sensor, schedules."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dagster import build_sensor_context

from scr_warehouse.cli import main
from scr_warehouse.dbt.assets import dbt_build_args
from scr_warehouse.definitions import build_definitions


def test_dbt_build_args_pass_as_of_as_a_var():
    args = dbt_build_args("2012-03-31")
    assert args[0] == "build"
    assert json.loads(args[args.index("--vars") + 1]) == {"as_of": "2012-03-31"}


def test_dbt_resource_knows_the_dbt_version_without_a_subprocess_and_builds_no_adapter():
    from dagster_dbt import DbtCliResource

    from scr_warehouse.dbt.resource import dbt_resource

    r = dbt_resource()
    # the version read from the package metadata is the one the dbt executable reports (`dbt --version`)
    assert r._cli_version == DbtCliResource._cli_version.func(r)
    assert r._cli_version.major < 2  # dbt Core, not the Fusion engine
    assert r._initialize_dbt_core_adapter(["build"]) is None


def test_build_without_landing_folder_exits_nonzero_with_a_plain_message(tmp_path, capsys):
    code = main(["build", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb"),
                 "--release", str(tmp_path / "rel")])
    err = capsys.readouterr().err
    assert code != 0
    assert "landing folder not found" in err and "nope" in err
    assert "Traceback" not in err


def test_bad_as_of_is_refused_by_the_command_line(tmp_path):
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "scr-warehouse"), "build", "--landing", str(tmp_path), "--warehouse",
         str(tmp_path / "w.duckdb"), "--release", str(tmp_path / "r"), "--as-of", "31/03/2012"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert "--as-of must be a date YYYY-MM-DD" in proc.stderr


def test_code_location_has_job_sensor_and_schedules(tmp_path):
    defs = build_definitions(str(tmp_path / "landing"), str(tmp_path / "w.duckdb"), str(tmp_path / "rel"))
    job = defs.resolve_job_def("build_everything")
    assert job.executor_def.name == "in_process"
    schedules = {s.name: s.cron_schedule for s in defs.schedules}
    assert set(schedules) == {"annual_national_report", "quarterly_update"}
    assert schedules["annual_national_report"] == "0 6 1 6 *"
    assert defs.resolve_sensor_def("new_landing_files") is not None


def test_sensor_requests_a_build_only_when_landing_files_change(tmp_path, landing):
    defs = build_definitions(str(landing.root), str(tmp_path / "w.duckdb"), str(tmp_path / "rel"))
    sensor = defs.resolve_sensor_def("new_landing_files")

    def tick(cursor):
        ctx = build_sensor_context(cursor=cursor)
        result = sensor.evaluate_tick(ctx)
        return result, ctx.cursor

    first, cursor = tick(None)
    assert len(first.run_requests) == 1
    again, cursor2 = tick(cursor)
    assert again.run_requests == [] and cursor2 == cursor
    landing.write_text("notifications", "2010-01.csv", "notification_id\nN1\n")
    after, cursor3 = tick(cursor)
    assert len(after.run_requests) == 1 and cursor3 != cursor
