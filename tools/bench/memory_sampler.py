"""Memory of a process tree for the benchmark, read from /proc (no psutil), sampled from outside the process it
measures."""
from __future__ import annotations

import os
import threading
import time

# --------------------------------------------------------------------------------------------------------------
# Memory of a process tree, read from /proc (no psutil). The sampler must not slow what it measures: reading
# smaps_rollup walks a process's page tables (tens of milliseconds for a multi-GB DuckDB process, up to a second for
# a busy forked worker), which every 50 ms took 40% of a core at scale 100. So a process counts its resident set
# (VmRSS: a counter, microseconds), and only a forked worker (same command line as its parent) reads smaps_rollup,
# for its private pages (the pages it still shares with its parent are in the parent's resident set), at most
# once a second per worker and less often when that read is slow (1/SAMPLER_DUTY of the time); in between its last
# reading stands.
# --------------------------------------------------------------------------------------------------------------
SAMPLE_SECONDS = 0.05
SAMPLER_DUTY = 20
FORKED_INTERVAL = 1.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def _proc_kb(path: str, keys: tuple[str, ...]) -> int:
    total = 0
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(keys):
                    total += int(line.split()[1])
    except OSError:
        return 0
    return total * 1024


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def _mem_bytes(pid: int, forked: bool = False) -> int:
    """A process's resident set; for a forked worker only its private pages (its shared pages are its parent's)."""
    if forked:
        return _proc_kb(f"/proc/{pid}/smaps_rollup", ("Private_Clean:", "Private_Dirty:"))
    return _proc_kb(f"/proc/{pid}/status", ("VmRSS:",))


def tree_mem_bytes(pid: int, forked_cache: dict | None = None) -> int:
    """Memory of pid plus every descendant (dbt subprocesses, forked workers, Chromium), each page counted once.
    `forked_cache` (pid -> (bytes, next read time)) spaces out the slow reads of forked workers."""
    total, todo, seen = _mem_bytes(pid), [(pid, c) for c in _children(pid)], {pid}
    while todo:
        parent, p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        cmd = _cmdline(p)
        if cmd is None or cmd != _cmdline(parent):
            total += _mem_bytes(p)
        elif forked_cache is None:
            total += _mem_bytes(p, forked=True)
        else:
            value, due = forked_cache.get(p, (0, 0.0))
            if time.monotonic() >= due:
                t = time.monotonic()
                value = _mem_bytes(p, forked=True)
                took = time.monotonic() - t
                forked_cache[p] = (value, time.monotonic() + max(FORKED_INTERVAL, (SAMPLER_DUTY - 1) * took))
            total += value
        todo.extend((p, c) for c in _children(p))
    return total


class TreeSampler(threading.Thread):
    """Samples (wall-clock time, memory of the process tree) every `interval` seconds until stopped; `busy` is the
    time spent sampling (reported beside the results)."""

    def __init__(self, pid: int | None = None, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self.pid = pid or os.getpid()
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self.busy = 0.0
        self._forked: dict[int, tuple[int, float]] = {}
        self._stop_event = threading.Event()

    def _sample(self) -> None:
        t = time.perf_counter()
        self.samples.append((time.time(), tree_mem_bytes(self.pid, self._forked)))
        self.busy += time.perf_counter() - t

    def run(self) -> None:
        while not self._stop_event.is_set():
            self._sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> list[tuple[float, int]]:
        self._stop_event.set()
        self.join()
        self._sample()
        return self.samples

    @staticmethod
    def peak(samples, windows: list[tuple[float, float]] | None = None) -> int:
        if windows is None:
            return max((r for _, r in samples), default=0)
        return max((r for t, r in samples if any(a <= t <= b for a, b in windows)), default=0)


def _vm_hwm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0
