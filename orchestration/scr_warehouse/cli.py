"""`scr-warehouse`: build (contract section 2), intake (the stewards' loop), check, generate (synthetic data),
prepare (dbt manifest), docs, explore, suites, hash-password. The benchmark is development tooling:
tools/bench/bench.py (`make bench`)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .build import BuildError, run_build
from .summary import build_summary, open_problems


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"--as-of must be a date YYYY-MM-DD, got {text!r}") from None


# ------------------------------------------------------------------------------------- one handler per subcommand
def _build(args) -> int:
    before = open_problems(Path(args.release))
    try:
        out = run_build(args.landing, args.warehouse, args.release, args.as_of or "", force=args.force,
                        previous=args.previous or "")
    except BuildError as e:
        print(f"scr-warehouse build: {e}", file=sys.stderr)
        return 2
    for line in build_summary(out, before):
        print(line)
    return 0


def intake(landing: str, warehouse: str, release: str, as_of: str, watch: bool = False) -> int:
    """Run the stewards' loop (build.run_intake; with `watch`, build.watch_intake until interrupted) and say how
    the queue changed after each loop; 2 when it cannot run."""
    from .build import run_intake, watch_intake

    before = [open_problems(Path(release))]

    def said(out: dict) -> None:
        after = open_problems(Path(release))
        print(f"stewards' queue: {after} open problems (before: {'none written' if before[0] is None else before[0]});"
              f" {sum(out['steps'].values()):.1f} s in {len(out['steps'])} steps; files in {Path(release) / 'quality'}",
              flush=True)
        before[0] = after

    try:
        if watch:
            watch_intake(landing, warehouse, release, as_of, on_loop=said)
        else:
            said(run_intake(landing, warehouse, release, as_of))
    except BuildError as e:
        print(f"scr-warehouse intake: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


def _generate(args) -> int:
    from .synthetic import generate

    summary = generate(Path(args.out), seed=args.seed, scale=args.scale)
    print(f"synthetic landing data written to {args.out}: {summary}")
    return 0


def check_file(file: str, feed: str) -> int:
    """Check one file with the build's rules and messages (the ingest's parser, the GX suite, the stewards' queue
    model) on an in-memory DuckDB, building no warehouse, release or report (scr_warehouse/check.py), and print its
    problems with their line, column and message. References to records of other feeds cannot be checked on one
    file and are left out. 0 when the file has no problems, 1 when it has, 2 when it cannot be checked."""
    from .check import run_check

    return run_check(file, feed)


def _prepare(args) -> int:
    from .dbt.prepare import prepare

    print(f"dbt manifest: {prepare()}")
    return 0


def _docs(args) -> int:
    from .dbt.prepare import write_dbt_docs

    print(f"dbt docs: {write_dbt_docs(args.warehouse, args.out)}")
    return 0


def _explore(args) -> int:
    from dashboards.explorer import run as run_explorer

    return run_explorer(args.warehouse, args.release, args.port, host=args.host,
                        secure_cookie=args.secure_cookie, landing=args.landing)


def _suites(args) -> int:
    from .quality.suites import write_suites

    for path in write_suites():
        print(path)
    return 0


def _hash_password(args) -> int:
    from dashboards.explorer.server import hash_cli

    return hash_cli()


# ----------------------------------------------------------------------------------- the subcommands and arguments
@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    handler: Callable[[argparse.Namespace], int]
    arguments: list[tuple[str, dict]] = field(default_factory=list)  # (flag or name, add_argument's keywords)


def _required(*flags_and_help: tuple[str, str]) -> list[tuple[str, dict]]:
    return [(flag, {"required": True, "help": text}) for flag, text in flags_and_help]


_AS_OF = ("--as-of", {"type": _date, "default": None, "help": "date overdue/in progress are judged at (default today)"})
SUBCOMMANDS = [
    Subcommand("build", "load the landing folder, build every model, run checks, write the release", _build, [
        *_required(("--landing", "landing folder with notifications/, reviews/, ... sub-folders"),
                   ("--warehouse", "the DuckDB warehouse file"),
                   ("--release", "folder for release files (published, restricted/, quality/)")),
        _AS_OF,
        ("--force", {"action": "store_true", "help": "build even when nothing it reads has changed since the last "
                     "successful build of this warehouse"}),
        ("--previous", {"default": None, "metavar": "DIR", "help": "the previous release folder to compare with in "
                        "revisions.csv (default: the release last written to --release, kept in its previous/)"})]),
    Subcommand("intake", "the stewards' loop alone: load new landing files, run the quality checks and write the "
               "stewards' files (the landing sensor's intake job); no release or report",
               lambda args: intake(args.landing, args.warehouse, args.release, args.as_of or "", watch=args.watch), [
                   *_required(("--landing", "landing folder"), ("--warehouse", "the DuckDB warehouse file"),
                              ("--release", "release folder (the stewards' files go to its quality/)")),
                   ("--as-of", {**_AS_OF[1], "help": "date overdue is judged at (default today)"}),
                   ("--watch", {"action": "store_true", "help": "keep running: the loop runs again whenever the "
                                "landing folder changes, with imports and dbt's parsed project kept from one loop to "
                                "the next"})]),
    Subcommand("generate", "write the synthetic national landing dataset", _generate, [
        ("--out", {"required": True, "help": "landing folder to write"}),
        ("--seed", {"type": int, "default": 2009}),
        ("--scale", {"type": float, "default": 1.0,
                     "help": "volume multiplier (1 = about the real national volume)"})]),
    Subcommand("check", "check one landing file before sending it: the build's rules and messages, nothing loaded; "
               "exits 1 when the file has problems", lambda args: check_file(args.file, args.feed), [
                   ("file", {"help": "the CSV file to check"}),
                   ("--feed", {"required": True, "help": "the feed it is for (notifications, reviews, ...)"})]),
    Subcommand("prepare", "parse the dbt project (writes the manifest Dagster loads)", _prepare),
    Subcommand("docs", "write the dbt docs site (one offline HTML page) for a built warehouse", _docs,
               [("--warehouse", {"required": True}), ("--out", {"required": True})]),
    Subcommand("explore", "serve the analysts' explorer (Dash on waitress) on localhost", _explore, [
        ("--warehouse", {"required": True}), ("--release", {"required": True}),
        ("--port", {"type": int, "default": 8050}),
        ("--host", {"default": "127.0.0.1", "help": "address to listen on (default 127.0.0.1; put a reverse proxy "
                    "with HTTPS in front of anything else)"}),
        ("--secure-cookie", {"action": "store_true", "help": "mark the session cookie Secure (serving over HTTPS)"}),
        ("--landing", {"default": None, "help": "landing folder stewards' web submissions go to (contract section "
                       "4); without it the explorer takes none"})]),
    Subcommand("suites", "rewrite expectations/<feed>.json from the policy seeds (then commit them)", _suites),
    Subcommand("hash-password", "make a password hash for the explorer's users file (reads the password from the "
               "terminal, or one line of standard input)", _hash_password),
]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scr-warehouse", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for command in SUBCOMMANDS:
        s = sub.add_parser(command.name, help=command.help)
        for flag, keywords in command.arguments:
            s.add_argument(flag, **keywords)
        s.set_defaults(handler=command.handler)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
