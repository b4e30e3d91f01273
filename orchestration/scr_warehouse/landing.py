"""Listing landing files: shared by the ingest (what to load) and the sensor (what changed)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .paths import FEEDS


def landing_files(landing_dir: str | Path, feed: str) -> list[Path]:
    """The CSV files of one feed, in file-name order (the order in which resubmissions supersede)."""
    folder = Path(landing_dir) / feed
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")), key=lambda p: p.name)


def landing_fingerprint(landing_dir: str | Path) -> str:
    """A short digest of every landing file's name, size and modification time."""
    h = hashlib.sha256()
    for feed in FEEDS:
        for p in landing_files(landing_dir, feed):
            st = p.stat()
            h.update(f"{feed}/{p.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]
