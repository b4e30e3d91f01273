"""Restricted outputs are private to the user who builds (issue 24): files 0600, folders 0700.

The warehouse, `<warehouse>.release-cache/` (unsuppressed counts), `<release>/restricted/` and `<release>/quality/`
(record-level problems) hold what must not be readable by other users of the machine. The robust way is the process
umask: `restrict_new_files()` at the start of a build (the command and a Dagster run alike) makes every file and folder
the build creates, in this process, its forked workers and the dbt subprocess, 0600 / 0700, whichever library writes
it. `restrict_outputs()` tightens what an earlier build left with wider modes (a warehouse made before this change,
or a file copied with its source's mode), without following links."""
from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def restrict_new_files() -> int:
    """From now on this process (and every process it starts) creates files 0600 and folders 0700; returns the umask
    it had, for a caller that wants it back (tests)."""
    return os.umask(PRIVATE_UMASK)


def restricted_paths(warehouse: str | Path, release: str | Path) -> list[Path]:
    """The outputs that hold restricted data: the warehouse file and everything the build keeps beside it, named
    `<warehouse>.*` (`.wal`, `.lock`, `.build.log`, `.last-build.json`, `.release-cache/`) or `.<warehouse>.*` (dbt's
    target folder, whose compiled SQL and log name records), and `restricted/` and `quality/` of the release."""
    wh = Path(warehouse)
    rel = Path(release)
    beside = []
    if wh.parent.is_dir():
        name = _glob_escape(wh.name)
        beside = sorted({*wh.parent.glob(name + ".*"), *wh.parent.glob("." + name + ".*")})
    return [wh, *beside, rel / "restricted", rel / "quality"]


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def restrict_tree(path: str | Path) -> int:
    """chmod a file to 0600, or a folder and everything under it to 0700 / 0600 (links are left alone, never
    followed); returns how many modes changed. A path that does not exist is skipped."""
    changed = 0
    p = Path(path)
    try:
        st = p.lstat()
    except FileNotFoundError:
        return 0
    if stat.S_ISLNK(st.st_mode):
        return 0
    changed += _chmod(p, st, DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE)
    if stat.S_ISDIR(st.st_mode):
        for dirpath, dirnames, filenames in os.walk(p, followlinks=False):
            for name in dirnames + filenames:
                q = Path(dirpath) / name
                try:
                    st = q.lstat()
                except FileNotFoundError:
                    continue
                if stat.S_ISLNK(st.st_mode):
                    continue
                changed += _chmod(q, st, DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE)
    return changed


def _chmod(p: Path, st: os.stat_result, mode: int) -> int:
    if stat.S_IMODE(st.st_mode) == mode:
        return 0
    os.chmod(p, mode)  # never a link: the callers lstat first and skip links
    return 1


def restrict_outputs(warehouse: str | Path, release: str | Path) -> int:
    """Tighten the modes of every restricted output that exists (restricted_paths); returns how many changed."""
    return sum(restrict_tree(p) for p in restricted_paths(warehouse, release))
