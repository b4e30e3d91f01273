"""`scr-warehouse`: build (contract section 2), intake (the stewards' loop), check, generate (synthetic data),
prepare (dbt manifest), docs, explore, suites, hash-password. The benchmark is development tooling:
tools/bench/bench.py (`make bench`)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from .build import BuildError, run_build
from .summary import build_summary, open_problems

# One function adds each subcommand's arguments and names its handler (`_SUBCOMMANDS`, at the end); main dispatches.


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"--as-of must be a date YYYY-MM-DD, got {text!r}") from None


# ---------------------------------------------------------------------------------------------------------- build
def _add_build(sub) -> None:
    b = sub.add_parser("build", help="load the landing folder, build every model, run checks, write the release")
    b.add_argument("--landing", required=True, help="landing folder with notifications/, reviews/, ... sub-folders")
    b.add_argument("--warehouse", required=True, help="the DuckDB warehouse file")
    b.add_argument("--release", required=True, help="folder for release files (published, restricted/, quality/)")
    b.add_argument("--as-of", type=_date, default=None, help="date overdue/in progress are judged at (default today)")
    b.add_argument("--force", action="store_true", help="build even when nothing it reads has changed since the last "
                   "successful build of this warehouse")
    b.add_argument("--previous", default=None, metavar="DIR", help="the previous release folder to compare with in "
                   "revisions.csv (default: the release last written to --release, kept in its previous/)")
    b.set_defaults(handler=_build)


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


# --------------------------------------------------------------------------------------------------------- intake
def _add_intake(sub) -> None:
    i = sub.add_parser("intake", help="the stewards' loop alone: load new landing files, run the quality checks and "
                       "write the stewards' files (the landing sensor's intake job); no release or report")
    for flag, text in (("--landing", "landing folder"), ("--warehouse", "the DuckDB warehouse file"),
                       ("--release", "release folder (the stewards' files go to its quality/)")):
        i.add_argument(flag, required=True, help=text)
    i.add_argument("--as-of", type=_date, default=None, help="date overdue is judged at (default today)")
    i.add_argument("--watch", action="store_true", help="keep running: the loop runs again whenever the landing "
                   "folder changes, with imports and dbt's parsed project kept from one loop to the next")
    i.set_defaults(handler=lambda args: intake(args.landing, args.warehouse, args.release, args.as_of or ""))


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


# ------------------------------------------------------------------------------------------------------- generate
def _add_generate(sub) -> None:
    g = sub.add_parser("generate", help="write the synthetic national landing dataset")
    g.add_argument("--out", required=True, help="landing folder to write")
    g.add_argument("--seed", type=int, default=2009)
    g.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 = about the real national volume)")
    g.set_defaults(handler=_generate)


def _generate(args) -> int:
    from .synthetic import generate

    summary = generate(Path(args.out), seed=args.seed, scale=args.scale)
    print(f"synthetic landing data written to {args.out}: {summary}")
    return 0


# ---------------------------------------------------------------------------------------------------------- check
def _add_check(sub) -> None:
    c = sub.add_parser("check", help="check one landing file before sending it: the build's rules and messages, "
                       "nothing loaded; exits 1 when the file has problems")
    c.add_argument("file", help="the CSV file to check")
    c.add_argument("--feed", required=True, help="the feed it is for (notifications, reviews, ...)")
    c.set_defaults(handler=lambda args: check_file(args.file, args.feed))


def check_file(file: str, feed: str) -> int:
    """Check one file with the build's rules and messages (the ingest's parser, the GX suite, the stewards' queue
    model) on an in-memory DuckDB, building no warehouse, release or report (scr_warehouse/check.py), and print its
    problems with their line, column and message. References to records of other feeds cannot be checked on one
    file and are left out. 0 when the file has no problems, 1 when it has, 2 when it cannot be checked."""
    from .check import run_check

    return run_check(file, feed)


# ---------------------------------------------------------------------------------------------- prepare and docs
def _add_prepare(sub) -> None:
    sub.add_parser("prepare", help="parse the dbt project (writes the manifest Dagster loads)").set_defaults(
        handler=_prepare)


def _prepare(args) -> int:
    from .dbt.prepare import prepare

    print(f"dbt manifest: {prepare()}")
    return 0


def _add_docs(sub) -> None:
    d = sub.add_parser("docs", help="write the dbt docs site (one offline HTML page) for a built warehouse")
    d.add_argument("--warehouse", required=True)
    d.add_argument("--out", required=True)
    d.set_defaults(handler=_docs)


def _docs(args) -> int:
    from .dbt.prepare import write_dbt_docs

    print(f"dbt docs: {write_dbt_docs(args.warehouse, args.out)}")
    return 0


# -------------------------------------------------------------------------------------------------------- explore
def _add_explore(sub) -> None:
    e = sub.add_parser("explore", help="serve the analysts' explorer (Dash on waitress) on localhost")
    e.add_argument("--warehouse", required=True)
    e.add_argument("--release", required=True)
    e.add_argument("--port", type=int, default=8050)
    e.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; put a reverse "
                   "proxy with HTTPS in front of anything else)")
    e.add_argument("--secure-cookie", action="store_true", help="mark the session cookie Secure (serving over HTTPS)")
    e.add_argument("--landing", default=None, help="landing folder stewards' web submissions go to (contract "
                   "section 4); without it the explorer takes none")
    e.set_defaults(handler=_explore)


def _explore(args) -> int:
    from dashboards.explorer import run as run_explorer

    return run_explorer(args.warehouse, args.release, args.port, host=args.host,
                        secure_cookie=args.secure_cookie, landing=args.landing)


# -------------------------------------------------------------------------------------- suites and hash-password
def _add_suites(sub) -> None:
    sub.add_parser("suites", help="rewrite expectations/<feed>.json from the policy seeds (then commit them)"
                   ).set_defaults(handler=_suites)


def _suites(args) -> int:
    from .quality.suites import write_suites

    for path in write_suites():
        print(path)
    return 0


def _add_hash_password(sub) -> None:
    sub.add_parser("hash-password", help="make a password hash for the explorer's users file (reads the password "
                   "from the terminal, or one line of standard input)").set_defaults(handler=_hash_password)


def _hash_password(args) -> int:
    from dashboards.explorer.server import hash_cli

    return hash_cli()


# The subcommands, in the order `scr-warehouse --help` lists them.
_SUBCOMMANDS = (_add_build, _add_intake, _add_generate, _add_check, _add_prepare, _add_docs, _add_explore,
                _add_suites, _add_hash_password)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scr-warehouse", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for add in _SUBCOMMANDS:
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
