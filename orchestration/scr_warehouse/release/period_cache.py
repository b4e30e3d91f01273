"""Results of protecting one time period, kept between builds (issue 14: a correction to one year re-protects that
year only).

Disclosure control of a period depends only on that period's rows of every release mart, the dataset configuration,
the linked relations, the suppression costs, the threshold and the code of this package: relations never cross
periods. The key is a SHA-256 over all of them, so a period whose inputs are byte-for-byte the same gets the same
files and audit it got last time, and any change (a row, a setting, a line of the release code) protects it again
from scratch. Every period is still audited: a period is either re-protected or reuses the audit of exactly these
inputs.

The cache holds unsuppressed counts (the restricted tier), so it lives beside the warehouse, never in the release
folder. Entries not used by the latest build are removed.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pandas as pd

_CODE = Path(__file__).resolve().parent
# The modules that decide what a period's files hold: relations, suppression, audit, formatting, this cache.
METHOD = ("audit.py", "datasets.py", "disclosure.py", "period_cache.py", "relations.py", "writer.py")


def code_fingerprint() -> str:
    """SHA-256 of the modules of the method (a change to any of them protects every period again)."""
    h = hashlib.sha256()
    for name in METHOD:
        h.update(name.encode() + b"\0" + (_CODE / name).read_bytes() + b"\0")
    return h.hexdigest()


def period_key(frames: dict[str, pd.DataFrame], settings: str) -> str:
    """The key of one period: the settings (configuration, relations, costs, threshold, code) and its rows: each
    dataset's columns, dtypes and a 64-bit hash of every row (pandas' hash_pandas_object, vectorised: writing the
    rows out as CSV to hash them took 5 s of a 13 s release at scale 1)."""
    h = hashlib.sha256(settings.encode())
    for name in sorted(frames):
        df = frames[name]
        h.update(f"\0{name}\0{list(df.columns)}\0{[str(t) for t in df.dtypes]}\0{len(df)}\0".encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


class PeriodCache:
    """Gzipped JSON files <folder>/<key>.json.gz, one per protected period (about 0.4 MB for a year of the demo)."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder else None
        self.used: set[str] = set()

    def get(self, key: str):
        if self.folder is None:
            return None
        self.used.add(key)
        f = self.folder / f"{key}.json.gz"
        try:
            value = json.loads(gzip.decompress(f.read_bytes()))
        except (OSError, ValueError, EOFError):
            return None
        return value["lines"], value["summary"]

    def put(self, key: str, value):
        """Keep a period's (lines, summary); returns it as get() will (JSON types), so a reused period and a newly
        protected one are written the same way."""
        lines, summary = value
        text = json.dumps({"lines": lines, "summary": summary})
        if self.folder is not None:
            self.used.add(key)
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            tmp.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=1, mtime=0))
            tmp.replace(self.folder / f"{key}.json.gz")
        value = json.loads(text)
        return value["lines"], value["summary"]

    def blocks(self, period, settings: str) -> "BlockMemo | None":
        """The audits of the blocks of hidden cells of one period, kept from its last protection."""
        return None if self.folder is None else BlockMemo(self.folder / "blocks" / f"{period}.json.gz", settings)

    def prune(self, periods=()) -> None:
        """Remove the entries this build did not use, and the block audits of periods no longer released."""
        if self.folder is None or not self.folder.is_dir():
            return
        for f in self.folder.iterdir():
            if f.is_file() and f.name.lstrip(".").split(".")[0] not in self.used:
                f.unlink(missing_ok=True)
        keep = {f"{tp}.json.gz" for tp in periods}
        if (self.folder / "blocks").is_dir():
            for f in (self.folder / "blocks").iterdir():
                if f.name not in keep:
                    f.unlink(missing_ok=True)


class BlockMemo:
    """One period's audits of blocks of hidden cells (audit.block_key -> result), from the last time the period was
    protected. A block's audit depends only on its key (its cells, relations and values, and what was certified
    before), so a correction re-solves only the blocks it changes, and gets what a build from nothing gets. The
    file holds the settings it was made under (configuration, relations, costs, threshold, code): other settings,
    nothing is reused. Only the blocks the latest protection used are kept."""

    def __init__(self, path: Path, settings: str):
        self.path = path
        self.settings = hashlib.sha256(settings.encode()).hexdigest()

    def load(self) -> dict:
        try:
            value = json.loads(gzip.decompress(self.path.read_bytes()))
        except (OSError, ValueError, EOFError):
            return {}
        return value["blocks"] if value.get("settings") == self.settings else {}

    def save(self, blocks: dict, used: set[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"settings": self.settings, "blocks": {k: blocks[k] for k in sorted(used)}})
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=1, mtime=0))
        tmp.replace(self.path)
