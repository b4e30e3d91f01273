"""dbt in the build's own process (issue 24: dbt's fixed costs paid once, not in every step).

dagster-dbt starts a dbt process for every dbt step, and each one imports dbt, loads the project and builds its
graph again. Here dbt runs through its programmatic entry point (`dbtRunner`) inside the Dagster process: the
project is parsed once per process (with the partial-parse state kept in the warehouse's dbt target folder, so a
later process only re-reads what changed), and every step of the run reuses that parsed manifest.

What a step selects is worked out exactly as dagster-dbt does for its CLI (the asset subset the run selected, and
the tests that go with it), and dbt's structured events become the same Dagster events (dagster-dbt's own
converter), so the asset graph, the asset checks and what the Dagster UI shows do not change.

After each invocation dbt-duckdb's connection to the warehouse is closed, so the steps that follow (and the workers
they fork) open the file themselves.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .project import scr_dbt_project

_lock = threading.Lock()


@dataclass
class _Parsed:
    key: tuple  # what the manifest was parsed for: the project's manifest.json stamp and the warehouse's file name
    manifest: Any  # dbt.contracts.graph.manifest.Manifest


_parsed: _Parsed | None = None

# The only dbt events dagster-dbt turns into Dagster events (DbtCoreCliEventMessage.is_result_event); dbt emits
# thousands of others (debug lines, SQL), which are left alone rather than converted one by one.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})


def _project_args(target_path: Path) -> list[str]:
    return ["--project-dir", str(scr_dbt_project.project_dir), "--profiles-dir", str(scr_dbt_project.profiles_dir),
            "--target-path", str(target_path), "--log-path", str(target_path)]


def parsed_manifest(target_path: Path, warehouse: Path):
    """The project parsed by dbt: once per process and warehouse file name (dbt-duckdb names the database after
    the file, and the parsed models carry that name), and again when `make install`/prepare wrote a newer
    manifest.json (the project changed). Nothing else of the warehouse enters the parse: the build's variables
    are read when a node runs. A target folder without partial-parse state starts from the one `scr-warehouse
    prepare` left in the project's target, so a first build re-reads only what changed since."""
    global _parsed
    manifest_json = Path(scr_dbt_project.manifest_path)
    key = (manifest_json.stat().st_mtime_ns if manifest_json.exists() else 0, warehouse.name)
    with _lock:
        if _parsed is None or _parsed.key != key:
            from dbt.cli.main import dbtRunner

            from .resource import parse_warehouse, warehouse_env

            _seed_partial_parse(target_path, manifest_json.parent)
            with warehouse_env(parse_warehouse(warehouse.name)):  # for warehouse.duckdb, the profile prepare used
                result = dbtRunner().invoke(["parse", "--quiet", "--no-send-anonymous-usage-stats",
                                             *_project_args(target_path)])
            if not result.success or result.result is None:
                raise RuntimeError(f"dbt could not parse the project: {result.exception or 'see the build log'}")
            _parsed = _Parsed(key, result.result)
        return _parsed.manifest


def _seed_partial_parse(target_path: Path, prepared_target: Path) -> None:
    """Copy the prepared project's partial-parse state into a target folder that has none (dbt checks it against
    the project's files and its own version, and parses in full when they differ, so a stale copy costs nothing)."""
    import shutil

    state, prepared = target_path / "partial_parse.msgpack", prepared_target / "partial_parse.msgpack"
    if prepared.exists() and not state.exists():
        target_path.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(prepared, state)


def selection(context, manifest_json: dict, translator) -> tuple[list[str], str | None]:
    """(dbt selection arguments, indirect selection) for the assets and checks this step's run selected, as
    dagster-dbt computes them for its CLI invocation."""
    from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context

    params = get_updated_cli_invocation_params_for_context(context=context, manifest=manifest_json,
                                                           dagster_dbt_translator=translator)
    return list(params.selection_args), params.indirect_selection


def run(args: list[str], context, translator, target_path: Path, warehouse: Path) -> Iterator:
    """Run dbt (`args`, e.g. build --vars ...) for this step's selection in this process; yield the Dagster
    events dagster-dbt would have yielded for the same dbt events. Raises when dbt fails."""
    from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    manifest_json, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    select, indirect = selection(context, manifest_json, translator)
    events: list = []
    runner = dbtRunner(manifest=parsed_manifest(target_path, warehouse),
                       callbacks=[lambda msg: events.append(msg) if msg.info.name in RESULT_EVENTS else None])
    try:
        result = runner.invoke([*args, "--no-send-anonymous-usage-stats", *_project_args(target_path), *select,
                                *(["--indirect-selection", indirect] if indirect else [])])
    finally:
        close_warehouse()
    for msg in events:
        raw = msg_to_dict(msg)
        if "info" not in raw or "data" not in raw:
            continue
        yield from DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}).to_default_asset_events(
            manifest=manifest_json, dagster_dbt_translator=translator, context=context, target_path=target_path,
            project=scr_dbt_project)
    if not result.success:
        raise RuntimeError(f"dbt {args[0]} failed: {result.exception or 'a model or test errored (see the build log)'}")


def close_warehouse() -> None:
    """Close dbt-duckdb's connection to the warehouse (dbt keeps it for the life of the process otherwise)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if env is not None:
            env.close()
