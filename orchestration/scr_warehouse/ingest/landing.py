"""Listing landing files: shared by the ingest (what to load), the sensor (what changed) and the report of files the
ingest does not take (contract section 3: wrong folder, hidden, not a .csv, a link: reported, never skipped in
silence). A file is taken when it is a regular file, not a link, directly in a feed folder (lower-case name), not
hidden, and named *.csv (any letter case)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..paths import FEEDS

CHUNK = 1 << 20  # files are hashed 1 MiB at a time

LANDING = "landing"  # the `feed` of a file outside every feed folder


def _taken(p: Path) -> bool:
    return p.is_file() and not p.is_symlink() and not p.name.startswith(".") and p.suffix.lower() == ".csv"


def landing_files(landing_dir: str | Path, feed: str) -> list[Path]:
    """The CSV files of one feed, in file-name order (the order in which one load's files supersede)."""
    folder = Path(landing_dir) / feed
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted((p for p in folder.iterdir() if _taken(p)), key=lambda p: p.name)


def _why_not(rel: Path, path: Path) -> str:
    """Why a file under the landing folder is not taken (rel: its path relative to the landing folder)."""
    parts = rel.parts
    if path.is_symlink():
        target = os.readlink(path)
        if not path.exists():
            return f"a link to nothing ({target}): links are not followed; copy the file itself into the folder"
        return "a link: links are never followed (it could point outside the landing folder); copy the file in"
    if any(p.startswith(".") for p in parts):
        return "a hidden file or folder (its name starts with '.'): rename it if it should be loaded"
    if len(parts) == 1:
        return f"not in a feed folder: put it in one of {', '.join(f + '/' for f in FEEDS)}"
    top = parts[0]
    if top not in FEEDS:
        if top.lower() in FEEDS:
            return f"folder {top}/ is not {top.lower()}/: feed folders are lower case; move the file to {top.lower()}/"
        return f"folder {top}/ is not a feed folder ({', '.join(FEEDS)})"
    if len(parts) > 2:
        return f"in a sub-folder of {top}/: put files directly in {top}/"
    if not path.is_file():
        return "not a regular file"
    return f"not a .csv file ({path.suffix or 'no extension'}): save it as CSV (.csv)"


def untaken_files(landing_dir: str | Path) -> list[tuple[str, str, str]]:
    """(feed or 'landing', path relative to the landing folder, reason) of every file, link or other entry the
    ingest does not take, in path order. Links are reported, never followed."""
    root = Path(landing_dir)
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        entries = list(filenames) + [d for d in dirnames if (here / d).is_symlink()]
        for name in entries:
            path = here / name
            rel = path.relative_to(root)
            if len(rel.parts) == 2 and rel.parts[0] in FEEDS and _taken(path):
                continue
            feed = rel.parts[0] if len(rel.parts) > 1 and rel.parts[0] in FEEDS else LANDING
            out.append((feed, rel.as_posix(), _why_not(rel, path)))
    return sorted(out, key=lambda r: r[1])


def landing_fingerprint(landing_dir: str | Path, content: bool = False) -> str:
    """A digest of the landing folder: every taken file's name and either its size and modification time (cheap: the
    sensor looks every minute) or, with `content`, its bytes (a build: a file fixed in place at the same size is a
    change), and every file the ingest does not take, with the reason."""
    h = hashlib.sha256()
    for feed in FEEDS:
        for p in landing_files(landing_dir, feed):
            h.update(f"{feed}/{p.name}:{_content_mark(p) if content else _stat_mark(p)}\n".encode())
    for _, rel, why in untaken_files(landing_dir):
        h.update(f"untaken {rel}: {why}\n".encode())
    return h.hexdigest()


def _stat_mark(p: Path) -> str:
    st = p.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def _content_mark(p: Path) -> str:
    """sha256 of the file's bytes, read 1 MiB at a time (the file is only hashed here, never held whole)."""
    h = hashlib.sha256()
    try:
        with open(p, "rb", buffering=0) as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
    except OSError as e:  # the ingest reports it; the digest only needs to differ from a readable file's
        return f"unreadable: {e.strerror}"
    return h.hexdigest()
