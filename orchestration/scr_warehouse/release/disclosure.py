"""Disclosure control over linked tables (contract 2.6) for one time period of a release (relations.Period).

Requirement, for every suppressed count: the values consistent with everything published (every relation of the
period, whole numbers, a `c` never 0, hidden counts never negative) span at least `width` whole numbers, and for a
primary cell (1..threshold) the range reaches past the threshold. The same holds for a hidden count that is itself
1..threshold (the late notifications behind a percentage).

`audit` (audit.py) proves it with linear programmes.

`protect` suppresses: primary cells first, then, repeated until the audit passes, one more published cell for each
relation that pins or narrows a suppressed cell (checked cheaply relation by relation) and for the cells the audit
fails: the cheapest published cell of the relations that prove the failing cell's bound (the LP duals), else of
its neighbourhood; a failing rounded count that is shown is hidden itself. A cell's cost is its value, times its
level's weight (config `suppression_cost`: England's and the regions' cells are the last chosen), times one plus the
relations it would leave with a lone hidden cell.
"""
from __future__ import annotations

import numpy as np

from .audit import (
    Audit,
    Rules,
    _Block,
    _components,
    _unknowns,
    audit,
    forget_certificates,
    hidden_vars,
    narrows_when_hidden,
)
from .relations import Period, observed_equalities, published_whatever_hidden

__all__ = ["Audit", "audit", "hidden_vars", "protect"]


# a cell that failed STUCK audits in a row gets a hidden unit in up to STUCK_CELLS relations of its proof at once,
# the cheapest first (one a round left a tail of rounds that each opened one path of many; one in every relation hid
# a tenth more cells: docs/benchmarks.md, eleventh session)
STUCK, STUCK_CELLS = 5, 2
# rounds spare cells (one per failing cell whose proof holds no cell hidden this round) while each leaves fewer than
# SPARE_WHILE times the failing cells of the round before; then one round adds a cell for every failing cell
SPARE_WHILE = 0.97


class _Suppressor:
    def __init__(self, p: Period, threshold: int, width: int):
        self.p, self.rules = p, Rules(p, threshold, width)
        self.hidden = np.zeros(len(p.unit_vars), dtype=bool)
        self.rel_of: dict[int, list[int]] = {}
        self.index_eqs(0)
        self.le_of: dict[int, list[int]] = {}
        self.streak: dict[int, int] = {}  # failing cell -> audits in a row it failed
        self.reopen: set[int] = set()  # variables whose blocks' certificates no longer hold (see _forget_reached)
        for r, (lo, hi) in enumerate(p.les):
            self.le_of.setdefault(lo, []).append(r)
            self.le_of.setdefault(hi, []).append(r)

    def index_eqs(self, start: int) -> None:
        """Index the equality relations from `start` on (relations an attacker learns from the pattern are added as
        suppression goes on)."""
        for r in range(start, len(self.p.eqs)):
            t, parts = self.p.eqs[r]
            for c in (t, *parts):
                self.rel_of.setdefault(c, []).append(r)

    def is_hidden(self, c: int) -> bool:
        return bool(self.hidden[self.p.unit_of[c]])

    def hide(self, u: int) -> list[int]:
        """Hide a unit and the units that go with its variables; the variables newly hidden."""
        out, todo = [], [u]
        while todo:
            u = todo.pop()
            if self.hidden[u]:
                continue
            self.hidden[u] = True
            for c in self.p.unit_vars[u]:
                out.append(c)
                if narrows_when_hidden(self.p, c):
                    self.reopen.add(c)
                todo += self.p.depends.get(c, [])
        return out

    def _given_back(self, c: int) -> int:
        """How many relations of c have every other cell published: hiding c would leave it alone in each, and each
        would need one more suppression (the cascade a careless choice starts)."""
        n = 0
        for r in self.rel_of.get(c, []):
            t, parts = self.p.eqs[r]
            if all(not self.is_hidden(x) for x in (t, *parts) if x != c):
                n += 1
        return n

    def candidate(self, cells: list[int]) -> int | None:
        """The unit to hide among cells: the published non-zero count (or percentage) of least cost: its value times
        its level's weight times one plus the relations it would leave with a lone hidden cell."""
        best = self.costed_candidate(cells)
        return None if best is None else best[1]

    def costed_candidate(self, cells: list[int]) -> tuple[tuple, int] | None:
        """(cost, unit) of candidate()."""
        v, p = self.p.values, self.p
        best = None
        for c in cells:
            if self.is_hidden(c) or p.fixed[c] or (p.is_count[c] and v[c] <= 0):
                continue
            # its value (weighted by level), and again for each relation it would leave with a lone hidden cell
            weight = float(p.weight[c]) if p.weight is not None else 1.0
            # last of all a regional count of 1..threshold: shown rounded (0 or 10) it spans more than a `c` would
            last = bool(p.rounded[c] and v[c] <= self.rules.t)
            cost = (last, (float(v[c]) if p.is_count[c] else 0.5) * weight * (1 + self._given_back(c)), c)
            if best is None or cost < best[0]:
                best = (cost, int(p.unit_of[c]))
        return best

    def _related(self, c: int) -> set[int]:
        return ({x for r in self.rel_of.get(c, []) for x in (self.p.eqs[r][0], *self.p.eqs[r][1])}
                | {x for r in self.le_of.get(c, []) for x in self.p.les[r]})

    def _nearest_candidate(self, c: int, hops: int = 8) -> int | None:
        """A cell to hide for a failing cell: from the relations holding it, else from the relations of the hidden
        cells next to it (a cell pinned through other hidden cells), out to `hops` relations away."""
        seen, frontier = {c}, {c}
        for _ in range(hops):
            near = set().union(*(self._related(x) for x in frontier)) - seen
            u = self.candidate(sorted(near))
            if u is not None:
                return u
            seen |= near
            frontier = {x for x in near if self.is_hidden(x)}
            if not frontier:
                return None
        return None

    def relation_needs(self, r: int) -> bool:
        """A relation that pins a hidden cell, or leaves a hidden part too little room (checked on its own)."""
        t, parts = self.p.eqs[r]
        h = [c for c in (t, *parts) if self.is_hidden(c)]
        if not h:
            return False
        if any(self.p.rounded[c] for c in (t, *parts) if not self.is_hidden(c)):
            return False  # a rounded cell leaves room: the audit decides
        if len(h) == 1:
            return True
        if self.is_hidden(t):
            return False
        total = float(sum(self.p.values[c] for c in h))
        lbs = {c: self.rules.lower_bound(c) for c in h}
        low = sum(lbs.values())
        return any(not self.rules.ok(c, lbs[c], total - (low - lbs[c])) for c in h)

    def le_needs(self, r: int) -> bool:
        lo, hi = self.p.les[r]
        if self.is_hidden(lo) and not self.is_hidden(hi) and not self.p.rounded[hi]:
            return not self.rules.ok(lo, self.rules.lower_bound(lo), float(self.p.values[hi]))
        return False

    def propagate(self, queue: set[int], le_queue: set[int]) -> None:
        while queue or le_queue:
            if queue:
                r = queue.pop()
                if not self.relation_needs(r):
                    continue
                t, parts = self.p.eqs[r]
                u = self.candidate([t, *parts])
            else:
                r = le_queue.pop()
                if not self.le_needs(r):
                    continue
                u = self.candidate([self.p.les[r][1]])
            if u is not None:
                for c in self.hide(u):
                    queue.update(self.rel_of.get(c, []))
                    le_queue.update(self.le_of.get(c, []))

    def _cells_of(self, kind: str, r: int) -> tuple[int, ...]:
        return (self.p.eqs[r][0], *self.p.eqs[r][1]) if kind == "eq" else self.p.les[r]

    def fix(self, failing: list[tuple[int, float, float]], binding: dict | None = None, spare: bool = True) -> bool:
        """One more hidden unit per failing cell; False when nothing is left to hide. With `spare`, a failing cell
        whose proof already holds a cell hidden this round is left for the next audit (one suppression often opens
        many cells: adding one per failing cell at once hid twice what was needed). A failing rounded count that is
        shown is hidden itself. A cell that failed STUCK audits in a row gets a hidden unit in up to STUCK_CELLS
        relations of its proof instead."""
        added = False
        queue, le_queue = set(), set()
        hidden_now: set[int] = set()
        self.streak = {c: self.streak.get(c, 0) + 1 for c, _, _ in failing}
        for c, _, _ in failing:
            groups = [sorted(self._cells_of(*rel)) for rel in sorted(set((binding or {}).get(c, [])))]
            if self.streak[c] >= STUCK and groups:
                groups = [g for g in groups if not hidden_now.intersection(g)]
                if not groups:
                    continue  # every relation of its proof already holds a cell hidden this round
                costed = sorted(x for x in (self.costed_candidate(g) for g in groups) if x is not None)
                units = list(dict.fromkeys(u for _, u in costed))[:STUCK_CELLS]
            else:
                cells = sorted({x for g in groups for x in g})
                if spare and hidden_now.intersection(cells):
                    continue  # a cell hidden for an earlier failing cell this round already opens this one's proof
                if self.p.rounded[c] and not self.is_hidden(c):
                    # a rounded count of 1..threshold shown, pinned by exact figures around it (a region's parts
                    # of an exact total, each shown as 0): its own `c` opens it, where hiding the total it is
                    # pinned by starts a cascade through the figures that give the total away
                    units = [int(self.p.unit_of[c])]
                else:
                    units = [self.candidate(cells)] if cells else []
            # a published cell in the relations that prove the bound, else the nearest published cell
            units = [u for u in units if u is not None] or [self._nearest_candidate(c)]
            for u in units:
                if u is None:
                    continue
                for x in self.hide(u):
                    hidden_now.add(x)
                    queue.update(self.rel_of.get(x, []))
                    le_queue.update(self.le_of.get(x, []))
                added = True
        self.propagate(queue, le_queue)
        return added


class _HeadlineBounds:
    """The range of a cell when everything that may be hidden is hidden: what the published headline figures (and
    the zeros and rounded counts, which are published whatever is hidden) alone allow (contract 2.6: a region's part
    of a national figure of 3 can never exceed 3; such a cell must span every value that figure allows). One LP per
    block of that system, built when a cell first needs it; two solves per cell."""

    def __init__(self, p: Period, threshold: int, width: int):
        self.p = p
        hv = ~published_whatever_hidden(p)
        self.rules = Rules(p, threshold, width, hv)
        self.unknown = hv | self.rules.shown_rounded
        self.comps = None
        self.blocks: dict[int, tuple[_Block, dict[int, int]]] = {}
        self.lps = 0
        self.cap = self._caps(threshold + width + 2)
        self.failed: dict[int, int] = {}  # cell -> consecutive audits it failed

    def _caps(self, limit: float) -> np.ndarray:
        """An upper bound of each cell from the headline figures alone, carried down from totals to their parts
        and from upper to lower bounds: a cell whose bound is small may be one the headline bounds tightly."""
        p = self.p
        cap = np.where(p.fixed, p.values, np.inf)
        if not p.fixed.any():
            return cap
        tot = np.array([t for t, parts in p.eqs for _ in parts] + [hi for _, hi in p.les], dtype=np.int64)
        part = np.array([q for _, parts in p.eqs for q in parts] + [lo for lo, _ in p.les], dtype=np.int64)
        for _ in range(8):
            before = cap.copy()
            np.minimum.at(cap, part, cap[tot])
            if np.array_equal(before, cap):
                break
        return np.where(cap < limit, cap, np.inf)

    def worth_solving(self, c: int) -> bool:
        """A failing cell is checked against the headline when the headline bounds it by a small number, or when it
        failed three audits running (more hiding has not opened it)."""
        self.failed[c] = self.failed.get(c, 0) + 1
        return bool(np.isfinite(self.cap[c])) or self.failed[c] >= 3

    def range(self, c: int) -> tuple[float, float]:
        if self.comps is None:
            self.comps = _components(self.p, self.unknown)
            self.comp_of = {x: k for k, (cells, _, _) in enumerate(self.comps) for x in cells}
        k = self.comp_of[c]
        if k not in self.blocks:
            cells, eqs, les = self.comps[k]
            cells = sorted(cells)
            self.blocks[k] = (_Block(self.p, self.rules, self.unknown, cells, eqs, les),
                              {x: i for i, x in enumerate(cells)})
        block, pos = self.blocks[k]
        out = []
        for sign in (1.0, -1.0):
            cost = np.zeros(block.n)
            cost[pos[c]] = sign
            obj, _ = block.solve(cost)
            self.lps += 1
            out.append(np.inf if obj == -np.inf else np.nan if obj is None else abs(obj))
        return out[0], out[1]


def allow_headline_bounds(p: Period, result: Audit, threshold: int, width: int, hidden_units: np.ndarray,
                          bounds: _HeadlineBounds) -> int:
    """For each failing cell not seen before, the range the headline alone allows, kept in p.allowed where it is
    narrower than the contract's rule (there the rule becomes: span all of it); the failing cells that now pass are
    dropped from result. LPs solved."""
    before = bounds.lps
    failing_now = {c for c, _, _ in result.failing}
    bounds.failed = {c: n for c, n in bounds.failed.items() if c in failing_now}
    for c, _, _ in result.failing:
        if c in p.allowed or p.fixed[c] or not bounds.worth_solving(c):
            continue
        lo, hi = bounds.range(c)
        if not np.isnan(lo) and not np.isnan(hi) and not bounds.rules.ok(c, lo, hi):
            p.allowed[c] = (float(lo), float(hi))
    hv = hidden_vars(p, hidden_units) | p.always_unknown
    rules = Rules(p, threshold, width, hv)
    result.failing = [f for f in result.failing if not (f[0] in p.allowed and rules.ok(*f))]
    return bounds.lps - before


def _forget_reached(p: Period, hidden_units: np.ndarray, threshold: int, width: int, certified: set[int],
                    new: set[int]) -> None:
    """Forget what the audits certified in the blocks holding a variable of `new`: the variables of relations
    added since (certified without them), or counts hidden since that narrow their neighbours
    (audit.narrows_when_hidden). A block holding none keeps its certificates (its cells' ranges depend on its own
    relations and bounds)."""
    if not new:
        return
    _, hv, _ = _unknowns(p, hidden_units, threshold, width, None)
    for cells, _, _ in _components(p, hv):
        if new.intersection(cells):
            forget_certificates(certified, cells)


def protect(p: Period, threshold: int, width: int, max_rounds: int = 200, threads: int = 1,
            cache: dict | None = None) -> tuple[np.ndarray, Audit]:
    """The units to suppress, and the audit of the result (its `failing` is empty unless no more cells could be
    suppressed). `threads`: blocks audited at once (the result does not depend on it). `cache` (given, it is
    filled) keeps the cells the audits certified, for a later audit of the same cells or more hidden, and the
    audits of blocks by audit.block_key (a block a round of suppression left alone is not solved again; the writer
    seeds them from the period's last build)."""
    s = _Suppressor(p, threshold, width)
    primary = s.rules.primary
    for u, vs in enumerate(p.unit_vars):
        if any(primary[c] for c in vs):
            s.hide(u)
    s.propagate(set(range(len(p.eqs))), set(range(len(p.les))))
    cache = {} if cache is None else cache
    cache.setdefault("blocks", {})
    bounds = _HeadlineBounds(p, threshold, width)
    result = audit(p, s.hidden, threshold, width, cache, threads=threads)
    lps, seconds = result.lps + allow_headline_bounds(p, result, threshold, width, s.hidden, bounds), result.seconds
    before = None
    for _ in range(max_rounds):
        if not result.failing:
            # relations an attacker learns from the pattern itself (an equality that holds in every row he sees)
            start = len(p.eqs)
            p.eqs += observed_equalities(p, s.hidden)
            if len(p.eqs) == start:
                break
            s.reopen |= {c for t, parts in p.eqs[start:] for c in (t, *parts)}  # certified without them
            s.index_eqs(start)
            s.propagate(set(range(start, len(p.eqs))), set())
        else:
            # spare cells while each round fixes some; once a round fixes none, one more cell for every failing cell
            spare = before is None or len(result.failing) < SPARE_WHILE * before
            before = len(result.failing)
            if not s.fix(result.failing, result.binding, spare):
                break
        _forget_reached(p, s.hidden, threshold, width, cache.setdefault("certified", set()), s.reopen)
        s.reopen = set()
        result = audit(p, s.hidden, threshold, width, cache, threads=threads)
        lps += result.lps + allow_headline_bounds(p, result, threshold, width, s.hidden, bounds)
        seconds += result.seconds
    result.lps, result.seconds = lps, seconds
    return s.hidden, result
