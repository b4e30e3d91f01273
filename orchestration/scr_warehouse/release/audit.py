"""The disclosure audit (contract 2.6) of one time period of a release (relations.Period): for every suppressed count,
the values consistent with everything published (every relation of the period, whole numbers, a `c` never 0,
hidden counts never negative) must span at least `width` whole numbers, and a primary cell's range (1..threshold)
must reach past the threshold. The same holds for a hidden count that is itself 1..threshold (the late
notifications behind a percentage), and a published small count fails at once.

Linear programmes (HiGHS, warm-started) find each cell's smallest and largest value, block by block of connected
suppressed cells. Feasible points found on the way certify many cells at once (the true values are feasible, and so
is every optimum): the whole block at once (every cell at its lowest, then up to BLOCK_ROUNDS capped rounds), then
each remaining cell in its neighbourhood (a part of the block with the rest held at the true values: what it
certifies holds for the whole block), and only then the whole block, exactly (_BlockAudit's three phases).
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .relations import Period

EPS = 1e-6
BLOCK_ROUNDS = 8  # capped rounds over a whole block before cells are checked one by one
# open cells a block needs before phase 1 pays: a round over a block of thousands of cells costs as much as dozens of
# cells checked in parts, and a repair round leaves few cells open (docs/benchmarks.md, eleventh session)
ROUNDS_FROM = 64


@dataclass
class Audit:
    failing: list[tuple[int, float, float]] = field(default_factory=list)  # (variable, lowest, highest)
    narrowest: float = math.inf   # fewest whole numbers a suppressed count's range spans (exact where solved)
    lps: int = 0
    seconds: float = 0.0
    checked: int = 0
    binding: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # failing cell -> relations proving it


def _whole_numbers(lo: float, hi: float) -> float:
    if math.isinf(hi):
        return math.inf
    return math.floor(hi + EPS) - math.ceil(lo - EPS) + 1


class Rules:
    """Which variables carry a requirement, and what it is. `hidden`: the variables suppressed (None: every one, as
    the suppressor asks of the cells it hides). A headline count (p.fixed) is published exactly and never primary; a
    regional count published rounded needs only the span, and only when it is 1..threshold; a cell the published
    headline alone bounds more tightly (p.allowed) needs only to span every value the headline allows."""

    def __init__(self, p: Period, threshold: int, width: int, hidden: np.ndarray | None = None):
        self.p, self.t, self.width = p, threshold, width
        v = p.values
        self.small = (v >= 1) & (v <= threshold)
        # a regional count of 1..threshold is published rounded instead (contract 2.6): never primary; hidden as a
        # secondary cell, it needs the span only
        self.primary = self.small & ~p.fixed & ~p.rounded
        hv = np.ones(len(v), dtype=bool) if hidden is None else hidden
        self.shown_rounded = p.rounded & ~hv
        # published counts, and hidden counts that are small; a rounded count shown only when it is small
        self.required = np.where(self.shown_rounded, self.small, p.is_count | self.primary)

    def lower_bound(self, i: int) -> float:
        """A `c` is at least 1 (zeros are published, contract 2.6); a hidden count behind a percentage at least 0; a
        rounded count the bottom of its rounding interval."""
        if self.shown_rounded[i]:
            return float(self.p.round_lo[i])
        return 1.0 if self.p.is_count[i] else 0.0

    def upper_bound(self, i: int) -> float:
        return float(self.p.round_hi[i]) if self.shown_rounded[i] else math.inf

    def ok(self, i: int, lo: float, hi: float) -> bool:
        if not self.required[i]:
            return True
        allowed = self.p.allowed.get(i)
        if allowed is not None and lo <= allowed[0] + EPS and hi >= allowed[1] - EPS:
            return True
        if _whole_numbers(lo, hi) < self.width:
            return False
        return not self.primary[i] or bool(self.shown_rounded[i]) or hi + EPS >= self.t + 1


def certified_key(rules: Rules, c: int) -> int:
    """How an audit's cache remembers that cell c passed: as itself when hidden, as -1 - c when shown rounded (a
    rounded count that passed within its rounding interval must be checked again once it is hidden: it is then at
    least 1, and required whatever its value). Either way, hiding more cells only widens its range (but see
    narrows_when_hidden), so it holds while the cell stays as it was."""
    return -1 - c if rules.shown_rounded[c] else c


def forget_certificates(certified: set[int], cells) -> None:
    """Drop what the cache holds of these cells, shown or hidden (certified_key)."""
    certified.difference_update(cells)
    certified.difference_update(-1 - c for c in cells)


def narrows_when_hidden(p: Period, c: int) -> bool:
    """A rounded count of 0..4 (published 0: 0..4) that is hidden is at least 1 (a `c` is never 0), which narrows
    what its neighbours can be; hiding any other cell only widens ranges. The certificates of its block no longer
    hold."""
    return bool(p.rounded[c] and p.round_lo[c] < 1)


def _components(p: Period, hidden_var: np.ndarray) -> list[tuple[list[int], list[int], list[int]]]:
    """(hidden variables, equality relations, inequality relations) of each connected block of hidden variables."""
    parent = {int(i): int(i) for i in np.flatnonzero(hidden_var)}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    eq_of, le_of = [], []
    for r, (t, parts) in enumerate(p.eqs):
        h = [c for c in (t, *parts) if hidden_var[c]]
        if h:
            eq_of.append((r, h[0]))
            for c in h[1:]:
                a, b = find(h[0]), find(c)
                if a != b:
                    parent[b] = a
    for r, (lo, hi) in enumerate(p.les):
        h = [c for c in (lo, hi) if hidden_var[c]]
        if h:
            le_of.append((r, h[0]))
            if len(h) == 2 and find(h[0]) != find(h[1]):
                parent[find(h[1])] = find(h[0])
    comps: dict[int, tuple[list, list, list]] = {}
    for i in parent:
        comps.setdefault(find(i), ([], [], []))[0].append(i)
    for r, c in eq_of:
        comps[find(c)][1].append(r)
    for r, c in le_of:
        comps[find(c)][2].append(r)
    return list(comps.values())


class _Rows:
    """The rows of an LP gathered in compressed-row form and added in one call (adding them one at a time was a
    seventh of the audit's time): each relation with its hidden cells as variables and the published ones moved to
    the right-hand side; a relation with no hidden cell adds no row."""

    def __init__(self):
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.starts: list[int] = []
        self.index: list[int] = []
        self.value: list[float] = []

    def add(self, pos: dict, v: np.ndarray, terms, equal: bool) -> bool:
        idx, val, rhs = [], [], 0.0
        for c, coef in terms:
            if c in pos:
                idx.append(pos[c])
                val.append(coef)
            else:
                rhs -= coef * v[c]
        if not idx:
            return False
        self.starts.append(len(self.index))
        self.index += idx
        self.value += val
        self.lower.append(rhs if equal else -math.inf)
        self.upper.append(rhs)
        return True

    def into(self, h, inf: float) -> None:
        if self.starts:
            h.addRows(len(self.starts), np.array(self.lower).clip(-inf, inf), np.array(self.upper),
                      len(self.index), np.array(self.starts, dtype=np.int32), np.array(self.index, dtype=np.int32),
                      np.array(self.value, dtype=np.float64))


class _Block:
    """The LP of one connected block of hidden cells, or of part of it: cells outside `free` keep their true
    values. A feasible point of a part is feasible for the whole block (every relation it leaves out holds at the
    true values), so a part can certify a cell; only the whole block can fail one."""

    def __init__(self, p: Period, rules: Rules, hidden_var: np.ndarray, free: list[int], eqs: list[int],
                 les: list[int]):
        import highspy

        self.hs = highspy
        v = p.values
        self.free = free
        pos = {c: k for k, c in enumerate(free)}
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")  # only objective and bounds change between solves: keep the basis warm
        h.setOptionValue("simplex_strategy", 4)  # primal simplex: a new objective leaves the basis primal feasible
        inf = highspy.kHighsInf
        n = len(free)
        self.lbs = np.array([rules.lower_bound(c) for c in free])
        self.ubs = np.array([rules.upper_bound(c) for c in free]).clip(max=inf)
        h.addVars(n, self.lbs, self.ubs)
        self.row_rel: list[tuple[str, int]] = []  # the relation each row of the LP states
        rows = _Rows()
        for r in eqs:
            t, parts = p.eqs[r]
            if rows.add(pos, v, ((t, 1.0), *((q, -1.0) for q in parts)), equal=True):
                self.row_rel.append(("eq", r))
        for r in les:
            lo_c, hi_c = p.les[r]  # x_lo - x_hi <= 0
            if rows.add(pos, v, ((lo_c, 1.0), (hi_c, -1.0)), equal=False):
                self.row_rel.append(("le", r))
        rows.into(h, inf)
        self.h, self.n, self.inf = h, n, inf
        self.idx = np.arange(n, dtype=np.int32)
        self.lps = 0

    def binding(self) -> list[tuple[str, int]]:
        """The relations whose duals are not zero in the last optimum: together they prove the bound found, so a
        published cell in one of them is what to hide to widen it."""
        duals = np.asarray(self.h.getSolution().row_dual)
        return [self.row_rel[i] for i in np.flatnonzero(np.abs(duals) > EPS)]

    def bounds(self, idx: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        self.h.changeColsBounds(len(idx), idx.astype(np.int32), lo, hi)

    def solve(self, cost: np.ndarray) -> tuple[float | None, np.ndarray | None]:
        """Minimise cost . x: (objective, point); objective -inf when unbounded, None when it failed."""
        self.lps += 1
        self.h.changeColsCost(self.n, self.idx, cost)
        self.h.run()
        status = self.h.getModelStatus()
        if status == self.hs.HighsModelStatus.kOptimal:
            return float(self.h.getInfo().objective_function_value), np.asarray(self.h.getSolution().col_value)
        if status in (self.hs.HighsModelStatus.kUnbounded, self.hs.HighsModelStatus.kUnboundedOrInfeasible):
            return -math.inf, None
        return None, None


class _Neighbours:
    """Hidden cells that share a relation, for the parts of a block a cell is first checked in."""

    def __init__(self, p: Period, hidden_var: np.ndarray, eqs: list[int], les: list[int]):
        self.p = p
        self.rels_of: dict[int, list[tuple[str, int]]] = {}
        for r in eqs:
            t, parts = p.eqs[r]
            for c in (t, *parts):
                if hidden_var[c]:
                    self.rels_of.setdefault(c, []).append(("eq", r))
        for r in les:
            for c in p.les[r]:
                if hidden_var[c]:
                    self.rels_of.setdefault(c, []).append(("le", r))
        self.hidden_var = hidden_var

    def cells_of(self, rel: tuple[str, int]) -> list[int]:
        kind, r = rel
        t = self.p.eqs[r] if kind == "eq" else (self.p.les[r][0], [self.p.les[r][1]])
        return [c for c in (t[0], *t[1]) if self.hidden_var[c]]

    def part(self, cell: int, radius: int, cap: int) -> tuple[list[int], list[int], list[int]]:
        free, frontier = {cell}, [cell]
        for _ in range(radius):
            nxt = []
            for c in frontier:
                for rel in self.rels_of.get(c, []):
                    for x in self.cells_of(rel):
                        if x not in free and len(free) < cap:
                            free.add(x)
                            nxt.append(x)
            frontier = nxt
        rels = {rel for c in free for rel in self.rels_of.get(c, [])}
        return (sorted(free), sorted(r for k, r in rels if k == "eq"), sorted(r for k, r in rels if k == "le"))


LOCAL_PARTS = ((2, 400),)  # (radius, cap): the parts of a block a cell is checked in before the whole block


@dataclass
class _Relaxed:
    proved: bool
    lo: float
    hi: float
    lps: int
    binding: list[tuple[str, int]]


def _relaxed_failure(p: Period, rules: Rules, hidden_var: np.ndarray, c: int, free: list[int], eqs: list[int],
                     les: list[int]) -> _Relaxed:
    """The range of cell c under only the relations of a part whose unknowns all lie in it (the others are left
    out, not held at their true values): a relaxation of the block, so its range holds the block's range, and a
    cell that fails here fails in the whole block. Proves most failures of a round of suppression with two small LPs
    instead of two over the whole block; its binding relations prove the bound as the block's would."""
    inside = set(free)

    def closed(cells) -> bool:
        return all(not hidden_var[x] or x in inside for x in cells)

    block = _Block(p, rules, hidden_var, free, [r for r in eqs if closed((p.eqs[r][0], *p.eqs[r][1]))],
                   [r for r in les if closed(p.les[r])])
    cost = np.zeros(len(free))
    at, binding, lo, hi = free.index(c), [], math.nan, math.nan
    for sign in (1.0, -1.0):
        cost[at] = sign
        obj, _ = block.solve(cost)
        if obj is None:
            return _Relaxed(False, lo, hi, block.lps, [])
        if obj == -math.inf:
            hi = math.inf
            continue
        binding += block.binding()
        if sign > 0:
            lo = obj
        else:
            hi = -obj
    return _Relaxed(not rules.ok(c, lo, hi), lo, hi, block.lps, binding)


class _BlockAudit:
    """The audit of one block of hidden cells, in its three solve phases (`rounds`: the whole block at once;
    `in_parts`: one cell in parts of the block; `exactly`: one cell over the whole block). It keeps what the
    feasible points found so far show of each cell's range (obs_lo..obs_hi: the true values are feasible), the
    exact ranges of the cells a phase settled (`exact`) and the relations binding each bound found (`binding`).
    Cells in known_ok were certified by an earlier audit with fewer cells hidden (hiding more only widens ranges)."""

    def __init__(self, p: Period, rules: Rules, hidden_var: np.ndarray, cells: list[int], eqs: list[int],
                 les: list[int], known_ok: set[int]):
        self.p, self.rules, self.hidden_var = p, rules, hidden_var
        self.cells, self.eqs, self.les, self.known_ok = cells, eqs, les, known_ok
        self.n = len(cells)
        self.pos = {c: k for k, c in enumerate(cells)}
        self.obs_lo = p.values[cells].astype(float).copy()  # the true values are feasible
        self.obs_hi = self.obs_lo.copy()
        self.req = np.array([rules.required[c] and certified_key(rules, c) not in known_ok for c in cells])
        self.block: _Block | None = None
        self.lps = 0  # LPs of the parts (the whole block's LP counts its own)
        self.exact: dict[int, list[float]] = {}
        self.binding: dict[int, list[tuple[str, int]]] = {}

    def seen(self, free: list[int], x: np.ndarray) -> None:
        pos = self.pos
        k = np.array([pos[c] for c in free])
        np.minimum.at(self.obs_lo, k, x)
        np.maximum.at(self.obs_hi, k, x)

    def certified(self, k: int) -> bool:
        return self.rules.ok(self.cells[k], self.obs_lo[k], self.obs_hi[k])

    def settled(self, k: int) -> bool:
        return self.certified(k) or k in self.exact

    def open_cells(self) -> np.ndarray:
        """The cells still to certify (required here and not yet certified)."""
        req, ok, cells, lo, hi = self.req, self.rules.ok, self.cells, self.obs_lo, self.obs_hi
        return np.array([req[k] and not ok(cells[k], lo[k], hi[k]) for k in range(self.n)], dtype=bool)

    def whole(self) -> _Block:
        """The LP of the whole block, built when first needed."""
        if self.block is None:
            self.block = _Block(self.p, self.rules, self.hidden_var, self.cells, self.eqs, self.les)
        return self.block

    def rounds(self) -> None:
        """Phase 1, the whole block at once: every cell at its lowest, then capped rounds. In a round a random half
        of the uncertified cells is pushed up, each capped at the value that would certify it (so no cell takes the
        room the others need), the rest down; cells that get there are certified. The order is seeded: the same
        release gives the same audit."""
        rules, cells, n, req, obs_lo = self.rules, self.cells, self.n, self.req, self.obs_lo
        v = self.p.values
        block = self.whole()
        _, x = block.solve(np.where(req, 1.0, 0.0))  # every cell at its lowest at once
        if x is not None:
            self.seen(cells, x)
        primary = np.array([rules.primary[c] for c in cells])
        rng = np.random.default_rng(n)
        cell_arr = np.array(cells)
        for _ in range(BLOCK_ROUNDS):
            todo = self.open_cells()
            if not todo.any():
                break
            up = todo & (rng.random(n) < 0.5)
            idx = np.flatnonzero(up)
            target = np.maximum(np.ceil(obs_lo[idx] - EPS) + rules.width - 1, np.where(primary[idx], rules.t + 1, 0))
            block.bounds(idx, block.lbs[idx], np.minimum(np.maximum(target, v[cell_arr[idx]]), block.ubs[idx]))
            _, x = block.solve(np.where(up, -1.0, np.where(todo, 1.0, 0.0)))
            block.bounds(idx, block.lbs[idx], block.ubs[idx])
            if x is not None:
                self.seen(cells, x)

    def in_parts(self, k: int, neighbours: _Neighbours) -> None:
        """Phase 2, cell k in the parts of the block around it (LOCAL_PARTS), smallest first: fast, and enough for
        most cells."""
        c, size = self.cells[k], 0
        for radius, cap in LOCAL_PARTS:
            if self.settled(k):
                break
            free, part_eqs, part_les = neighbours.part(c, radius, cap)
            if len(free) >= self.n:
                break
            if len(free) > size:  # a part no larger than the last one settles nothing new
                self.lps += self._in_part(k, free, part_eqs, part_les)
            size = len(free)

    def _in_part(self, k: int, free: list[int], part_eqs: list[int], part_les: list[int]) -> int:
        """Cell k in a part of the block: certified with the rest at its true values (a restriction), or proved
        failing with the relations reaching outside left out (a relaxation). LPs solved."""
        c = self.cells[k]
        local = _Block(self.p, self.rules, self.hidden_var, free, part_eqs, part_les)
        for sign in (-1.0, 1.0):
            cost = np.zeros(len(free))
            cost[free.index(c)] = sign
            obj, x = local.solve(cost)
            if obj == -math.inf and sign < 0:
                self.obs_hi[k] = math.inf
            elif x is not None:
                self.seen(free, x)
            if self.certified(k):
                return local.lps
        failed = _relaxed_failure(self.p, self.rules, self.hidden_var, c, free, part_eqs, part_les)
        if failed.proved:  # the part's own relations already pin it: no need for the whole block
            self.exact[k] = [failed.lo, failed.hi]
            self.binding.setdefault(c, []).extend(failed.binding)
        return local.lps + failed.lps

    def exactly(self, k: int) -> None:
        """Phase 3, cell k over the whole block: its exact range (the highest first; the lowest unless the highest
        already certified it)."""
        block, bounds = self.whole(), {}
        for sign in (-1.0, 1.0):
            cost = np.zeros(self.n)
            cost[k] = sign
            obj, x = block.solve(cost)
            if x is not None:
                self.seen(self.cells, x)
                self.binding.setdefault(self.cells[k], []).extend(block.binding())
            if obj == -math.inf:
                self.obs_hi[k] = math.inf
            bounds[sign] = math.inf if obj == -math.inf else math.nan if obj is None else abs(obj)
            if self.certified(k):
                break
        self.exact[k] = [bounds.get(1.0, math.nan), bounds[-1.0]]

    def result(self) -> tuple[list[tuple[int, float, float]], float, int, dict[int, list[tuple[str, int]]]]:
        """See _audit_component. Cells certified here are added to known_ok (certified_key)."""
        rules, cells, known_ok, req, exact = self.rules, self.cells, self.known_ok, self.req, self.exact
        obs_lo, obs_hi = self.obs_lo, self.obs_hi
        failing, narrowest = [], math.inf
        for k in range(self.n):
            if not req[k]:
                continue
            lo, hi = exact.get(k, [obs_lo[k], obs_hi[k]])
            lo = obs_lo[k] if math.isnan(lo) else lo
            hi = obs_hi[k] if math.isnan(hi) else hi
            if cells[k] not in self.p.allowed:  # a cell the headline bounds spans what it allows, however few
                narrowest = min(narrowest, _whole_numbers(lo, hi))
            if rules.ok(cells[k], lo, hi):
                known_ok.add(certified_key(rules, cells[k]))  # holds while more is hidden
            else:
                failing.append((cells[k], float(lo), float(hi)))
        lps = self.lps + (self.block.lps if self.block else 0)
        return failing, narrowest, lps, {c: self.binding.get(c, []) for c, _, _ in failing}


def _audit_component(p: Period, rules: Rules, hidden_var: np.ndarray, cells: list[int], eqs: list[int],
                     les: list[int], known_ok: set[int]) -> tuple[list, float, int, dict]:
    """(failing cells with their ranges, narrowest whole-number span seen, LPs solved, the relations binding each
    failing cell's bounds) of one block. Cells in known_ok were certified by an earlier audit with fewer cells hidden
    (hiding more only widens ranges); cells certified here are added to it. The block as a whole first (when
    ROUNDS_FROM cells or more are open); each cell still open then in parts of the block, and only then, if they
    settle nothing, over the whole block."""
    a = _BlockAudit(p, rules, hidden_var, cells, eqs, les, known_ok)
    todo = np.flatnonzero(a.open_cells())
    if len(todo) >= min(ROUNDS_FROM, a.n):
        a.rounds()
        todo = np.flatnonzero(a.open_cells())
    neighbours = _Neighbours(p, hidden_var, eqs, les) if len(todo) else None
    for k in todo:
        a.in_parts(k, neighbours)
        if not a.settled(k):
            a.exactly(k)
    return a.result()


def block_key(p: Period, rules: Rules, cells: list[int], eqs: list[int], les: list[int], known: set[int]) -> str:
    """What the audit of one block depends on, hashed: its hidden cells (their variables, values and kinds), its
    relations (each one's variables and their values, in order), the threshold and width, and which of its cells an
    earlier audit certified. Two blocks with the same key have the same audit, whatever else the period holds."""
    members: list[int] = []
    for r in eqs:
        t, parts = p.eqs[r]
        members += [-1, t, *parts]
    for r in les:
        members += [-2, *p.les[r]]
    m = np.array(members, dtype=np.int64)
    c = np.array(cells, dtype=np.int64)
    h = hashlib.sha256(f"{rules.t}/{rules.width}/{len(cells)}/{len(eqs)}/{len(les)}".encode())
    allowed = np.array([p.allowed.get(x, (np.nan, np.nan)) for x in cells], dtype=np.float64).reshape(-1)
    for part in (c, p.values[c].astype(np.float64), p.is_count[c].astype(np.int8), m,
                 rules.shown_rounded[c].astype(np.int8), p.round_lo[c], p.round_hi[c], p.fixed[c].astype(np.int8),
                 allowed,
                 np.where(m >= 0, p.values[np.maximum(m, 0)], 0).astype(np.float64),
                 np.array([k for k in (certified_key(rules, x) for x in cells) if k in known], dtype=np.int64)):
        h.update(part.tobytes())
        h.update(b"|")
    return h.hexdigest()


def _members(p: Period) -> tuple[np.ndarray, np.ndarray]:
    """(relation, variable) of every cell of every relation (equalities, then inequalities), kept on the period."""
    key = (len(p.eqs), len(p.les))
    cached = getattr(p, "_members_cache", None)
    if cached is None or cached[0] != key:
        rel = [r for r, (t, parts) in enumerate(p.eqs) for _ in range(1 + len(parts))]
        var = [c for t, parts in p.eqs for c in (t, *parts)]
        rel += [len(p.eqs) + r for r, pair in enumerate(p.les) for _ in pair]
        var += [c for pair in p.les for c in pair]
        cached = (key, np.array(rel, dtype=np.int64), np.array(var, dtype=np.int64))
        p._members_cache = cached
    return cached[1], cached[2]


def rounded_unknowns(p: Period, hidden: np.ndarray, rules: Rules) -> np.ndarray:
    """The rounded published counts the LPs treat as unknown within their rounding interval: those that are small
    (they are audited) and those sharing a relation with a hidden or small rounded cell. Every other rounded count
    is taken to be known exactly: an attacker who knew it would know more, so the audit only gets stricter, and its
    LPs stay the size of the hidden cells' neighbourhoods instead of the whole regional level."""
    soft = rules.shown_rounded
    if not soft.any():
        return soft
    rel, var = _members(p)
    seeds = hidden | (soft & rules.small)
    touched = np.zeros(len(p.eqs) + len(p.les), dtype=bool)
    touched[rel[seeds[var]]] = True
    near = np.zeros(len(p.values), dtype=bool)
    near[var[touched[rel]]] = True
    return soft & (rules.small | near)


def hidden_vars(p: Period, hidden_units: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(p.values), dtype=bool)
    for u in np.flatnonzero(hidden_units):
        mask[p.unit_vars[u]] = True
    return mask


def _unknowns(p: Period, hidden_units: np.ndarray, threshold: int, width: int,
              pins: set[int] | None) -> tuple[Rules, np.ndarray, np.ndarray]:
    """(the rules, the unknowns of the LPs, the small counts published exactly) of an audit: hidden are the
    variables of the hidden units, less the pinned ones, and those no cell shows; the LPs' unknowns are those and
    the rounded counts near them (rounded_unknowns)."""
    hv = hidden_vars(p, hidden_units)
    if pins:
        hv[list(pins)] = False
    hv |= p.always_unknown
    rules = Rules(p, threshold, width, hv)
    shown = np.flatnonzero(rules.primary & ~hv & ~p.rounded)
    return rules, hv | rounded_unknowns(p, hv, rules), shown


def _touches(p: Period, revealed: np.ndarray, eqs: list[int], les: list[int]) -> bool:
    """Whether one of these relations holds a revealed count."""
    return any(revealed[p.eqs[r][0]] or revealed[p.eqs[r][1]].any() for r in eqs) or \
        any(revealed[list(p.les[r])].any() for r in les)


def _audit_cached(p: Period, rules: Rules, hv: np.ndarray, comp: tuple[list[int], list[int], list[int]],
                  known: set[int], blocks: dict, cache: dict) -> tuple[list, float, int, dict]:
    """_audit_component of one block, or the result kept in `blocks` (cache["blocks"]) for its block_key; the key is
    marked used (cache["blocks_used"]), and the cells a kept result certified are added to `known`. A result is kept
    with each binding relation as its place in the block's relations (equalities, then inequalities)."""
    cells, eqs, les = comp
    key = block_key(p, rules, cells, eqs, les, known)
    hit = blocks.get(key)
    if hit is None:
        failing, narrowest, lps, binding = _audit_component(p, rules, hv, cells, eqs, les, known)
        where = {("eq", r): j for j, r in enumerate(eqs)} | {("le", r): len(eqs) + j for j, r in enumerate(les)}
        hit = blocks[key] = {"failing": [list(f) for f in failing], "narrowest": narrowest, "lps": lps,
                             "binding": [[c, [where[tuple(b)] for b in bs]] for c, bs in binding.items()]}
    cache.setdefault("blocks_used", set()).add(key)
    rels = [("eq", r) for r in eqs] + [("le", r) for r in les]
    failing = [(int(c), float(lo), float(hi)) for c, lo, hi in hit["failing"]]
    bad = {c for c, _, _ in failing}
    known.update(certified_key(rules, c) for c in cells if rules.required[c] and c not in bad)
    return failing, hit["narrowest"], hit["lps"], {int(c): [rels[j] for j in js] for c, js in hit["binding"]}


def _each_block(one, comps: list, threads: int) -> list:
    """one(block) of every block, in the blocks' order; with threads > 1, that many at once, the largest first."""
    if threads > 1 and len(comps) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:  # largest first, results in the blocks' order
            order = sorted(range(len(comps)), key=lambda k: -len(comps[k][0]))
            futures = {k: pool.submit(one, comps[k]) for k in order}
            return [futures[k].result() for k in range(len(comps))]
    return [one(comp) for comp in comps]


def audit(p: Period, hidden_units: np.ndarray, threshold: int, width: int, cache: dict | None = None,
          pins: set[int] | None = None, threads: int = 1, void: set[int] | None = None) -> Audit:
    """Check every suppressed count of the period against everything published (see the module docstring).
    `pins`: hidden variables something else published gives away (a percentage beside a hidden count): they count
    as published. A small count that is published (or pinned) fails at once. `cache` holds the cells earlier audits
    of the period certified (hiding more only widens a range); they are not checked again, except in a block one
    of whose relations holds a pinned count or a count in `void` (hidden when they were certified, published now:
    their witnesses may have moved it). `threads`: blocks audited at once
    (HiGHS lets go of the interpreter while it solves; each block has its own LPs, its own seeded order and its own
    cells in `cache`, so the result is the same whatever the number). Returns the Audit: the failing cells with
    their ranges (the small counts published first, then block by block), the narrowest span of a suppressed count
    (1 when a small count is published), the LPs solved (kept results count the LPs they took), the seconds, the
    required cells of the blocks (`checked`) and the relations binding each failing cell of a block."""
    start = time.perf_counter()
    rules, hv, shown = _unknowns(p, hidden_units, threshold, width, pins)
    out = Audit()
    out.failing += [(int(c), float(p.values[c]), float(p.values[c])) for c in shown]
    if len(shown):
        out.narrowest = 1
    cache = {} if cache is None else cache
    known_ok = cache.setdefault("certified", set())
    comps = _components(p, hv)
    revealed = np.zeros(len(p.values), dtype=bool)
    revealed[list((pins or set()) | (void or set()))] = True
    blocks = cache.get("blocks")  # results of blocks audited before (this build or earlier ones), by block_key

    def one(comp):
        cells, eqs, les = comp
        cells = sorted(cells)
        known = set() if revealed.any() and _touches(p, revealed, eqs, les) else known_ok
        if blocks is None:
            return _audit_component(p, rules, hv, cells, eqs, les, known)
        return _audit_cached(p, rules, hv, (cells, eqs, les), known, blocks, cache)

    for (cells, _, _), (failing, narrowest, lps, binding) in zip(comps, _each_block(one, comps, threads)):
        out.binding.update(binding)
        out.failing += failing
        out.narrowest = min(out.narrowest, narrowest)
        out.lps += lps
        out.checked += int(sum(rules.required[c] for c in cells))
    out.seconds = time.perf_counter() - start
    return out
