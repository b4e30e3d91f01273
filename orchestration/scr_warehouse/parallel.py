"""fork_map: run a function over items on forked worker processes (the build's two cores), results in item order.

Forked workers read the function and items from the parent's memory as it was at the fork, so large frames are not
pickled on the way in; only the (small) results come back. Work that is pure computation on data already in memory
(disclosure control of a time period, rendering a report page) is what belongs here: workers must not touch the
warehouse connection or Dagster. With one core, or where fork is unavailable, it runs in this process.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence

_PENDING: dict[int, tuple[Callable, object]] = {}


def _run(key: int):
    """In a forked worker: HiGHS's task scheduler is global and its threads are the parent's, which a fork does not
    copy; a worker whose parent had solved LPs (a test process) starts its own, not the parent's remains."""
    highspy = sys.modules.get("highspy")
    if highspy is not None:
        highspy.Highs.resetGlobalScheduler(False)
    fn, item = _PENDING[key]
    return fn(item)


def worker_count(workers: int | None = None) -> int:
    """The number of workers fork_map uses: `workers`, or the cores when None."""
    return (os.cpu_count() or 1) if workers is None else workers


def fork_map(fn: Callable, items: Sequence, workers: int | None = None, cost: Callable | None = None,
             beside: Callable[[], None] | None = None) -> list:
    """[fn(item) for item in items], on up to `workers` forked processes (default: the cores); `cost(item)` orders
    the work largest first so the last task to start is a small one. `beside()` runs in this process once the
    workers are started (forks happen here, before it, never from another thread)."""
    from . import preload

    preload.wait()  # never fork while another thread holds an import lock
    workers = worker_count(workers)
    if workers <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        if beside is not None:
            beside()
        return [fn(item) for item in items]
    order = sorted(range(len(items)), key=lambda i: -cost(items[i])) if cost else list(range(len(items)))
    base = max(_PENDING, default=-1) + 1  # nested or concurrent callers keep their own keys
    keys = {i: base + i for i in range(len(items))}
    _PENDING.update({keys[i]: (fn, items[i]) for i in range(len(items))})
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(items)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {i: pool.submit(_run, keys[i]) for i in order}
            if beside is not None:
                beside()
            return [futures[i].result() for i in range(len(items))]
    finally:
        for k in keys.values():
            _PENDING.pop(k, None)
