"""Disclosure control over linked tables (scr_warehouse/release/disclosure.py): the audit catches each known leak
of the contract (2.6) on small hand-made systems, a safe pattern passes, and `protect` on random tables gives
patterns that the audit passes and a brute-force enumeration of whole numbers confirms."""
from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from scr_warehouse.release.disclosure import audit, protect
from scr_warehouse.release.relations import Period

T, W = 5, 4  # the contract's default threshold and whole-number span


def period(values, eqs, les=(), hidden_counts=(), shown_together=()) -> Period:
    """A system with one publication unit per variable, except `shown_together` (lists of variables one cell
    shows, as the on-time percentage shows the on-time and late counts); `hidden_counts` may be 0."""
    n = len(values)
    together = {v: k for k, group in enumerate(shown_together) for v in group}
    unit_vars, unit_of = [], np.zeros(n, dtype=int)
    for group in shown_together:
        unit_of[group] = len(unit_vars)
        unit_vars.append(list(group))
    for v in range(n):
        if v not in together:
            unit_of[v] = len(unit_vars)
            unit_vars.append([v])
    return Period(values=np.array(values, dtype=float), is_count=np.array([v not in hidden_counts for v in range(n)]),
                  unit_of=unit_of, unit_vars=unit_vars, unit_cell=[("t", u, "x") for u in range(len(unit_vars))],
                  eqs=list(eqs), les=list(les), var_cell=[("t", v, "x") for v in range(n)])


def hide(p: Period, variables) -> np.ndarray:
    mask = np.zeros(len(p.unit_vars), dtype=bool)
    for v in variables:
        mask[p.unit_of[v]] = True
    return mask


def failing(p, variables, pins=None):
    return {c for c, _, _ in audit(p, hide(p, variables), T, W, pins=pins).failing}


def test_one_hidden_cell_in_a_group_is_caught():
    p = period([10, 3, 7], [(0, [1, 2])])
    assert failing(p, [1]) == {1}
    assert failing(p, [1, 2]) == set()  # 3 + 7 = 10: 3 can be 1..9


def test_one_hidden_la_in_a_region_is_caught():
    # England = regions; a region = its LAs: one LA hidden alone is the region less the others
    p = period([40, 20, 20, 2, 8, 10, 12, 8], [(0, [1, 2]), (1, [3, 4, 5]), (2, [6, 7])])
    assert failing(p, [3]) == {3}
    assert failing(p, [3, 4]) == set()


def test_a_percentage_beside_a_hidden_count_is_caught():
    # the count is `c` but a published percentage of a published total gives it back: the writer reads that from
    # the files and pins the count
    p = period([10, 3, 7], [(0, [1, 2])])
    assert failing(p, [1, 2]) == set()
    assert failing(p, [1, 2], pins={1}) == {1, 2}


def test_the_same_children_hidden_in_one_dataset_and_shown_in_another_are_caught():
    # dataset A: total 20 = 7 + 13 (both hidden, safe on their own); dataset B shows the same 7 as its cell 3
    values = [20, 7, 13, 7, 6, 13]
    within = [(0, [1, 2]), (5, [3, 4])]
    assert failing(period(values, within), [1, 2]) == set()
    linked = within + [(3, [1])]
    assert failing(period(values, linked), [1, 2]) == {1, 2}
    assert failing(period(values, linked), [1, 2, 3, 4]) == set()


def test_a_hidden_complement_of_a_published_percentage_is_caught():
    # children 9 = on time 7 + late 2: a published on-time percentage beside published children gives the late 2
    p = period([9, 7, 2], [(0, [1, 2])], hidden_counts=(1, 2), shown_together=[[1, 2]])
    assert failing(p, []) == {2}
    assert failing(p, [1]) == set()  # the percentage is `c`: late is 0..9


def test_a_two_by_two_of_small_hidden_cells_that_can_move_by_one_is_caught():
    # cells 1 2 / 2 1 with margins 3 3 / 3 3: each cell is 1 or 2 only
    values = [1, 2, 2, 1, 3, 3, 3, 3]
    rels = [(4, [0, 1]), (5, [2, 3]), (6, [0, 2]), (7, [1, 3])]
    assert {0, 1, 2, 3} <= failing(period(values, rels), [0, 1, 2, 3])


def test_a_two_by_two_of_hidden_cells_with_room_to_move_passes():
    values = [3, 9, 8, 2, 12, 10, 11, 11]
    rels = [(4, [0, 1]), (5, [2, 3]), (6, [0, 2]), (7, [1, 3])]
    result = audit(period(values, rels), hide(period(values, rels), [0, 1, 2, 3]), T, W)
    assert result.failing == [] and result.narrowest >= W


def test_a_published_small_count_fails_and_bounds_narrow_ranges():
    p = period([8, 3], [], les=[(1, 0)])  # 3 <= 8: hidden 3 is 1..8
    assert failing(p, []) == {1}
    assert failing(p, [1]) == set()
    p = period([6, 3], [], les=[(1, 0)])  # 3 <= 6: 1..6 just reaches past the threshold
    assert failing(p, [1]) == set()


def table_values(inner: np.ndarray) -> np.ndarray:
    """Rows of the cells of two-by-three tables from rows of their six inner cells: total, the three column totals,
    the two row totals, then the inner cells (the order of `two_by_three`)."""
    rows = inner.reshape(-1, 2, 3)
    return np.concatenate([rows.sum(axis=(1, 2))[:, None], rows.sum(axis=1), rows.sum(axis=2), inner], axis=1)


def two_by_three(seed: int, offset: int = 0, bump: bool = False) -> tuple[list[int], list[tuple[int, list[int]]]]:
    """The random two-by-three table of one seed: its cells (`table_values` order) and its relations, numbered from
    `offset`; `bump`: one more in its first inner cell (and its totals), as a correction does."""
    rng = random.Random(seed)
    inner = np.array([rng.choice([0, 1, 2, 3, 4, 6, 9]) for _ in range(6)])
    inner[0] += bump
    o = offset
    eqs = [(o, [o + 1, o + 2, o + 3]), (o, [o + 4, o + 5]), (o + 4, [o + 6, o + 7, o + 8]),
           (o + 5, [o + 9, o + 10, o + 11])] + [(o + 1 + j, [o + 6 + j, o + 9 + j]) for j in range(3)]
    return [int(x) for x in table_values(inner[None, :])[0]], eqs


def _row_options(values: list[int], hidden: list[int], row: int, cap: int) -> np.ndarray:
    """The inner cells one row of a two-by-three table can hold: each hidden one 1..cap (zeros are published), each
    published one as published, adding up to the row total when that is published (at least 1 when hidden)."""
    cells = [6 + 3 * row + j for j in range(3)]
    choices = [range(1, cap + 1) if c in hidden else [values[c]] for c in cells]
    rows = np.array(list(itertools.product(*choices)), dtype=int)
    total = rows.sum(axis=1)
    return rows[total == values[4 + row]] if 4 + row not in hidden else rows[total >= 1]


def brute_ranges(values: list[int], hidden: list[int], cap: int) -> dict[int, tuple[int, int]]:
    """Every two-by-three table of whole numbers consistent with what is published, and the range of each hidden
    cell over them. Whole tables are enumerated (the totals follow from the inner cells), so any number of hidden
    cells is brute-forced: each row's possible inner cells, then every pair of them."""
    top, bottom = _row_options(values, hidden, 0, cap), _row_options(values, hidden, 1, cap)
    inner = np.concatenate([np.repeat(top, len(bottom), axis=0), np.tile(bottom, (len(top), 1))], axis=1)
    t = table_values(inner)
    shown = [v for v in range(len(values)) if v not in hidden]
    t = t[(t[:, shown] == np.array(values)[shown]).all(axis=1) & (t[:, hidden] >= 1).all(axis=1)]
    return {h: (int(t[:, h].min()), int(t[:, h].max())) for h in hidden}


@pytest.mark.parametrize("seed", range(12))
def test_protect_on_random_two_by_three_tables_is_confirmed_by_brute_force(seed):
    values, eqs = two_by_three(seed)
    p = period(values, eqs)
    units, result = protect(p, T, W)
    assert result.failing == []
    hidden = [v for v in range(len(values)) if units[p.unit_of[v]]]
    assert all(v in hidden for v in range(len(values)) if 1 <= values[v] <= T)
    assert hidden, "every seed's table has a small count to protect"
    # cap: past every inner value by the span, so a cell whose range is unbounded above still shows W values
    ranges = brute_ranges(values, hidden, cap=max(*values[6:], T) + W)
    assert all(lo <= values[h] <= hi for h, (lo, hi) in ranges.items())  # the true table is among them
    for h, (lo, hi) in ranges.items():
        assert hi - lo + 1 >= W, f"cell {h} ({values[h]}) spans {lo}..{hi}"
        if values[h] <= T:
            assert hi > T, f"primary cell {h} ({values[h]}) never passes the threshold: {lo}..{hi}"


def test_secondary_suppression_spares_the_cells_of_costly_levels():
    """config `suppression_cost`: a cell's cost is its value times its level's weight, so England's cells (weight
    25) are chosen after a larger LA cell (weight 1); without weights the smaller cell would go."""
    p = period([40, 3, 12, 25], [(0, [1, 2, 3])])
    units, result = protect(p, T, W)
    assert not result.failing and units[p.unit_of[2]] and not units[p.unit_of[3]]
    p.weight = np.array([1.0, 1.0, 25.0, 1.0])
    units, result = protect(p, T, W)
    assert not result.failing and units[p.unit_of[3]] and not units[p.unit_of[2]]


def test_a_tables_total_for_its_area_costs_more_than_its_parts():
    """config `suppression_cost` `Total`: England's reviews (measure and band Total) cost more to hide than a band
    of the same size, so a small band's sibling goes before the total every reader looks for first. The demo release
    hid England's number of reviews in 6 of 10 years."""
    from scr_warehouse.release import load_datasets
    from scr_warehouse.release.datasets import suppression_cost
    from scr_warehouse.release.relations import cost_weights

    ds = load_datasets()["review_timeliness"]
    rows = pd.DataFrame({"geographic_level": ["National", "National", "Local authority", "Local authority"],
                         "measure": ["Total", "Decision within one month", "Total", "Total"],
                         "band": ["Total", "Total", "Total", "Yes"]})
    cost = suppression_cost()
    w = cost_weights(rows, ds, cost)
    assert cost["Total"] > 1
    assert w.tolist() == [cost["National"] * cost["Total"], cost["National"], cost["Local authority"] * cost["Total"],
                          cost["Local authority"]]
    # England's total (261) = decided within a month (260) + not (1, primary); the 260 is also two LAs' 200 + 60, so
    # hiding it costs a second cell: by value alone the total goes, with the Total multiple the part does
    p = period([261, 260, 1, 200, 60], [(0, [1, 2]), (1, [3, 4])])
    p.weight = np.array([cost["National"], cost["National"], cost["National"], 1.0, 1.0])
    units, result = protect(p, T, W)
    assert not result.failing and units[p.unit_of[0]] and not units[p.unit_of[1]]
    p.weight[0] *= cost["Total"]
    units, result = protect(p, T, W)
    assert not result.failing and units[p.unit_of[1]] and not units[p.unit_of[0]]


def test_blocks_audited_on_threads_give_the_same_protection_and_audit():
    """A period of twelve unlinked two-by-three tables (twelve blocks): protected and audited with its blocks on
    three threads, it gets the same cells hidden, the same failing cells and the same LPs as on one."""
    p = _tables(range(12))
    values = p.values
    one, three = protect(p, T, W, threads=1), protect(p, T, W, threads=3)
    assert np.array_equal(one[0], three[0]) and one[0].sum() > 12
    assert (one[1].failing, one[1].lps, one[1].narrowest) == (three[1].failing, three[1].lps, three[1].narrowest)
    # a pattern that leaks in several blocks: the same failing cells, in the same order
    small = [v for v in range(len(values)) if 1 <= values[v] <= T]
    a1, a3 = (audit(p, hide(p, small), T, W, threads=n) for n in (1, 3))
    assert a1.failing and a1.failing == a3.failing and a1.binding == a3.binding and a1.lps == a3.lps


def test_an_audit_that_reuses_what_protection_certified_still_catches_a_pinned_count():
    """The writer audits what the files show with the cells protect's audits certified (hiding more only widens a
    range), but a count the files give away (pinned) voids them in its block: the percentage case is still caught,
    and on random tables hiding one cell more gives the same verdict as an audit from scratch, with fewer LPs."""
    p = period([10, 3, 7], [(0, [1, 2])])
    certified: dict = {}
    units, result = protect(p, T, W, cache=certified)
    assert result.failing == [] and units[p.unit_of[2]] and 2 in certified["certified"]
    assert {c for c, _, _ in audit(p, units, T, W, cache=certified, pins={1}).failing} == {1, 2}
    # the same when the files show a count protect had hidden (void): its block is checked from scratch
    assert {c for c, _, _ in audit(p, hide(p, [2]), T, W, cache=certified, void={1}).failing} == {1, 2}
    saved = 0
    for seed in range(12):
        p = period(*two_by_three(seed))
        certified = {}
        units, _ = protect(p, T, W, cache=certified)
        more = units.copy()
        more[[u for u in range(len(more)) if not more[u]][:1]] = True  # one cell more hidden, as a derived `c`
        fresh, reused = audit(p, more, T, W), audit(p, more, T, W, cache=certified)
        assert fresh.failing == reused.failing
        saved += fresh.lps - reused.lps
    assert saved > 0


def _tables(seeds, bump=None) -> Period:
    """Unlinked two-by-three tables, one per seed (a block or more each); `bump`: the seed whose table gets one
    more in its first cell (and its totals), as a correction does."""
    values, eqs = [], []
    for seed in seeds:
        v, e = two_by_three(seed, offset=len(values), bump=seed == bump)
        values += v
        eqs += e
    return period(values, eqs)


def test_a_correction_reuses_the_audits_of_the_blocks_it_leaves_alone_and_protects_as_a_fresh_build(tmp_path):
    """The writer keeps a period's block audits between builds (period_cache.BlockMemo). After a correction to one
    of twelve tables, protection with the kept audits hides the same cells, with the same audit (failing cells,
    narrowest span, LPs, the relations behind each failing cell), as protection from nothing, and audits again
    only the blocks the correction changed."""
    from scr_warehouse.release.period_cache import BlockMemo

    memo = BlockMemo(tmp_path / "blocks" / "201617.json.gz", "settings")
    first: dict = {"blocks": memo.load()}
    protect(_tables(range(12)), T, W, cache=first)
    memo.save(first["blocks"], first["blocks_used"])
    corrected = _tables(range(12), bump=3)
    again: dict = {"blocks": memo.load()}
    kept = set(again["blocks"])
    assert kept and kept == first["blocks_used"]
    units, result = protect(corrected, T, W, cache=again)
    fresh_units, fresh = protect(corrected, T, W)
    assert np.array_equal(units, fresh_units)
    assert (result.failing, result.narrowest, result.lps) == (fresh.failing, fresh.narrowest, fresh.lps)
    reused = again["blocks_used"] & kept
    assert len(reused) >= 11 and len(set(again["blocks"]) - kept) >= 1  # the other tables' blocks reused
    # a leaking pattern: the same failing cells and the relations that prove them
    small = [v for v in range(len(corrected.values)) if 1 <= corrected.values[v] <= T]
    leaky, leaky_fresh = audit(corrected, hide(corrected, small), T, W, cache={"blocks": memo.load()}), \
        audit(corrected, hide(corrected, small), T, W)
    assert leaky.failing and leaky.failing == leaky_fresh.failing and leaky.binding == leaky_fresh.binding
    # settings changed (another threshold, another release method): nothing is reused
    assert BlockMemo(memo.path, "other settings").load() == {}


def test_a_kept_block_audit_is_not_reused_when_a_published_value_of_its_relations_changed():
    """Hidden counts of 3 and 8 with a published total of 11: the 3 is at most a published 20 (it spans 1..10), or
    at most a published 3 (1..3: too narrow, and never past the threshold). The hidden values and the relations are
    the same; only a published value moved, and the audit kept from the first must not pass the second."""
    blocks: dict = {}
    wide = period([11, 3, 8, 20], [(0, [1, 2])], les=[(1, 3)])
    assert audit(wide, hide(wide, [1, 2]), T, W, cache={"blocks": blocks}).failing == []
    narrow = period([11, 3, 8, 3], [(0, [1, 2])], les=[(1, 3)])
    assert {c for c, _, _ in audit(narrow, hide(narrow, [1, 2]), T, W, cache={"blocks": blocks}).failing} >= {1}
    assert len(blocks) == 2
