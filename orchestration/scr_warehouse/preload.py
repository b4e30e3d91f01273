"""Modules a build imports late, imported early on a thread while dbt works in its own process (issue 14).

Importing Great Expectations takes 3 to 4 s, and the GX step used to start with it. During the dbt step this
process only reads dbt's event stream, so the import is done beside it. Nothing here runs code of ours or reads
data: it only fills `sys.modules`.

A fork while the thread holds an import lock would leave the child a half-imported module, so `fork_map` waits for
the thread (`wait`) before it forks. A module that fails to import is left alone here; its real import raises
where it is used, with the real message.
"""
from __future__ import annotations

import importlib
import threading

MODULES = ("great_expectations",)
_thread: threading.Thread | None = None


def _import() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - imported again where it is used, which says what is wrong
            pass


def start() -> None:
    """Start importing MODULES on a thread (once per process)."""
    global _thread
    if _thread is None:
        _thread = threading.Thread(target=_import, name="preload", daemon=True)
        _thread.start()


def wait() -> None:
    """Return once the imports started by `start` are done (at once if none were started)."""
    if _thread is not None:
        _thread.join()
