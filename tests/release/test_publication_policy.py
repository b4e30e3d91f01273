"""The publication policy of contract 2.6 on small hand-made systems: England's headline is published exactly and a
cell it alone bounds must span what it allows (no more); equalities an attacker sees in every row, the same reviews
in two measures, and rounding intervals are held against; rounding itself."""
from __future__ import annotations

import numpy as np
import pandas as pd

from scr_warehouse.release.audit import audit
from scr_warehouse.release.disclosure import protect
from scr_warehouse.release.relations import observed_equalities, round_half_up, rounding_interval

from tests.release.test_disclosure import T, W, hide, period


def _fixed(p, variables):
    p.fixed = np.zeros(len(p.values), dtype=bool)
    p.fixed[list(variables)] = True
    return p


def test_a_small_headline_is_published_and_its_parts_span_what_it_allows():
    # England 3 = region A 1 + region B 2 + region C 0 (zeros are published): A and B can only be 1..2
    p = _fixed(period([3, 1, 2, 0], [(0, [1, 2, 3])]), [0])
    units, result = protect(p, T, W)
    assert not units[p.unit_of[0]], "the headline is never hidden"
    assert units[p.unit_of[1]] and units[p.unit_of[2]]
    assert result.failing == []
    assert p.allowed == {1: (1.0, 2.0), 2: (1.0, 2.0)}
    # without the headline's allowance the same pattern fails the rule: the allowance is what lets it pass
    bare = _fixed(period([3, 1, 2, 0], [(0, [1, 2, 3])]), [0])
    assert {c for c, _, _ in audit(bare, hide(bare, [1, 2]), T, W).failing} == {1, 2}


def test_a_small_headline_is_not_primary_but_the_old_rule_hid_it():
    p = period([3, 1, 2, 0], [(0, [1, 2, 3])])
    units, _ = protect(p, T, W)
    assert units[p.unit_of[0]], "without the headline rule England's 3 is a primary cell"


def test_the_headline_allowance_does_not_excuse_a_leak_below_it():
    # England 3 = A 1 + B 2; B = LA x 2 + LA y 0: with x published, B is pinned at 2 although England allows 1..2
    p = _fixed(period([3, 1, 2, 2, 0], [(0, [1, 2]), (2, [3, 4])]), [0])
    assert {c for c, _, _ in audit(p, hide(p, [1, 2]), T, W).failing} >= {2}
    units, result = protect(p, T, W)
    assert result.failing == [] and units[p.unit_of[3]]


def _pairs_period():
    # two counts a (cells 0-4) and b (cells 5-9) of the same five rows; a's rows add up to its total 24 (cell 10)
    a, b = [6, 7, 3, 8], [6, 7, 3, 8]  # rows 1 and 3 are the two rows of evidence
    values = a + [24] + b + [24]
    p = period(values, [(4, [0, 1, 2, 3]), (9, [5, 6, 7, 8])])
    rows = np.arange(4)
    p.pairs = [(rows, rows + 5, np.zeros(4, dtype=int))]
    p.display = p.values
    return p


def test_an_equality_seen_in_every_published_row_is_caught():
    # the attacker sees a == b in every row where both are published, and takes it where one is hidden
    p = _pairs_period()
    pattern = hide(p, [2, 7, 0, 5])  # the small pair and one pair more: safe without the equality
    assert audit(p, pattern, T, W).failing == []
    seen = observed_equalities(p, hide(p, [2, 7, 0]))  # b of row 0 published: a of row 0 is pinned through it
    assert (0, [5]) in seen
    p.eqs += seen
    assert 0 in {c for c, _, _ in audit(p, hide(p, [2, 7, 0]), T, W).failing}


def test_protect_holds_against_the_equalities_its_own_pattern_shows():
    p = _pairs_period()
    units, result = protect(p, T, W)
    assert result.failing == []
    assert observed_equalities(p, units) == [], "every equality the final pattern shows was audited"


def test_an_equality_contradicted_in_a_published_row_is_not_assumed():
    p = _pairs_period()
    p.values = p.values.copy()
    p.values[[1, 4]] += 1  # a row where a != b: the attacker cannot assume the equality
    p.display = p.values
    assert observed_equalities(p, hide(p, [2, 7, 0])) == []


def test_rounding_half_up_and_its_intervals():
    assert round_half_up(np.array([0, 4, 5, 14, 15, 25]), 10).tolist() == [0, 0, 10, 10, 20, 30]
    lo, hi = rounding_interval(np.array([0.0, 10.0, 20.0]), 10)
    assert lo.tolist() == [0, 5, 15] and hi.tolist() == [4, 14, 24]


def _rounded_period(ranges):
    # England 12 (headline) = regions 3 + 4 + 5 (published rounded: 0, 0, 10); region 1 = LA 1 + LA 2 (exact)
    p = _fixed(period([12, 3, 4, 5, 1, 2], [(0, [1, 2, 3]), (1, [4, 5])]), [0])
    p.round_lo = np.full(6, np.nan)
    p.round_hi = np.full(6, np.nan)
    for v, (lo, hi) in ranges.items():
        p.round_lo[v], p.round_hi[v] = lo, hi
    return p


def test_a_rounded_region_bounds_its_hidden_las_and_is_suppressed_when_it_must_be():
    p = _rounded_period({1: (0, 4), 2: (0, 4), 3: (5, 14)})
    # the LAs hidden alone: region 1 is at most 4 (its rounding interval), so LA 1 is 1..3, never past 5
    assert 4 in {c for c, _, _ in audit(p, hide(p, [4, 5]), T, W).failing}
    units, result = protect(p, T, W)
    assert result.failing == [] and units[p.unit_of[1]], "region 1 is suppressed as well as rounded"
    assert not units[p.unit_of[0]]


def test_a_small_rounded_region_is_published_rounded_not_suppressed():
    """Contract 2.6: regional counts of 1 to 5 are rounded instead of suppressed. England 12 (headline) = regions 3
    + 4 + 5, published 0, 0 and 10: each spans its whole rounding interval (5 or 10 whole numbers), so nothing is
    hidden."""
    p = _fixed(period([12, 3, 4, 5], [(0, [1, 2, 3])]), [0])
    p.round_lo = np.array([np.nan, 0.0, 0.0, 5.0])
    p.round_hi = np.array([np.nan, 4.0, 4.0, 14.0])
    units, result = protect(p, T, W)
    assert result.failing == [] and not units.any()


def test_a_rounded_count_certified_while_shown_is_checked_again_once_hidden():
    """An audit's cache keeps what it certified; a small rounded count certified while shown (its interval) must be
    checked again when it is hidden, where it may be narrower (a `c` is at least 1). England 4 (headline) = A 2 +
    B 2, A and B published rounded (0: 0..4): shown, each spans 0..4; both hidden, each is 1..3."""
    p = _fixed(period([4, 2, 2], [(0, [1, 2])]), [0])
    p.round_lo = np.array([np.nan, 0.0, 0.0])
    p.round_hi = np.array([np.nan, 4.0, 4.0])
    cache = {"blocks": {}}
    assert audit(p, hide(p, []), T, W, cache=cache).failing == []
    assert {c for c, _, _ in audit(p, hide(p, [1, 2]), T, W, cache=cache).failing} == {1, 2}


def test_a_rounding_interval_narrowed_by_exact_figures_is_caught():
    # region 1 (3, published rounded to 0: 0..4) is pinned by England 12 less the exact others
    p = _rounded_period({1: (0, 4)})
    assert 1 in {c for c, _, _ in audit(p, hide(p, [4, 5]), T, W).failing}


def test_a_rounded_part_pinned_by_an_exact_total_is_hidden_itself():
    """A region's 12 reviews (published rounded, 10) are known exactly from its LAs' published 6 + 6; its three parts,
    4 each, are published rounded as 0 (0..4) and so each is pinned at 4. The fix hides one part (a `c` is 1 or
    more, its siblings are then 0..4 again), not the LAs or the total: hiding an exact figure the total is given away
    by starts a cascade through every table that shows it (the demo's 2007-08 reviews by characteristic lost their
    whole national table that way)."""
    p = period([12, 4, 4, 4, 6, 6], [(0, [1, 2, 3]), (0, [4, 5])])
    p.round_lo = np.array([5.0, 0.0, 0.0, 0.0, np.nan, np.nan])
    p.round_hi = np.array([14.0, 4.0, 4.0, 4.0, np.nan, np.nan])
    assert {c for c, _, _ in audit(p, hide(p, []), T, W).failing} == {1, 2, 3}
    units, result = protect(p, T, W)
    assert result.failing == []
    assert sorted(v for u in np.flatnonzero(units) for v in p.unit_vars[u]) in ([1], [2], [3])


def test_a_count_the_headline_gives_exactly_is_published_not_hidden():
    """England's children by incident type (child_characteristics): seriously injured 6 is the headline's seriously
    injured children, and not known 3 the headline's not known; died 80 is split into 40 (excluding suicide) and 40
    (suicide). Not known is primary (3, below the headline); hiding the cheapest sibling, seriously injured, protects
    nothing since the headline publishes it: the demo release hid 86 such cells. It is published; not known stays
    hidden and spans what the headline allows."""
    from scr_warehouse.release.relations import fix_given_by_headline, given_by_headline

    def system():
        # 0 children (headline) = 1 death excl. suicide + 2 suicide + 3 serious injury + 4 not known;
        # 5 serious injury, 6 not known, 7 died: the headline (notifications_by_area)
        return _fixed(period([89, 40, 40, 6, 3, 6, 3, 80], [(0, [1, 2, 3, 4]), (5, [3]), (6, [4]), (7, [1, 2])]),
                      [0, 5, 6, 7])

    before = system()
    units, result = protect(before, T, W)
    assert result.failing == [] and units[before.unit_of[3]], "the old rule hid what the headline gives"
    p = system()
    p.headline = p.fixed.copy()
    assert np.flatnonzero(given_by_headline(p)).tolist() == [3, 4]
    fix_given_by_headline(p, T)
    units, result = protect(p, T, W)
    assert result.failing == [] and not units[p.unit_of[3]] and units[p.unit_of[4]]
    assert p.allowed[4] == (3.0, 3.0)


def _timeliness_frame(bands=None):
    from scr_warehouse.release.datasets import GEOGRAPHY

    bands = bands or {"Total": {"Total": 40},
             "Decision within one month": {"Total": 40, "Yes": 28, "No": 6, "Decision pending": 6},
             "Incident to completion": {"Total": 22, "6 months or less": 3, "Over 6 to 12 months": 7,
                                        "Over 12 to 18 months": 0, "Over 18 months": 0, "Completed, not dated": 12,
                                        "Not completed": 0},
             "Completed within timescale": {"Total": 22, "Yes": 10, "No": 0, "Completed, not dated": 12,
                                            "In progress, within timescale": 0, "In progress, overdue": 0}}
    rows = [{"measure": m, "band": b, "reviews": v, "reviews_percent": 100.0 * v / max(vals["Total"], 1)}
            for m, vals in bands.items() for b, v in vals.items()]
    d = pd.DataFrame(rows)
    for col in GEOGRAPHY:
        d[col] = None
    d["time_period"], d["geographic_level"] = 201213, "National"
    return d


def test_completed_reviews_with_no_date_are_the_same_in_both_completion_measures():
    """Issue 23's leak: `Completed, not dated` counts the same reviews in both completion measures. Hiding the
    small band and the not-dated band of one measure leaks through the other measure's published not-dated band;
    the release config links them, and protection holds against it."""
    from scr_warehouse.release.datasets import linked_relations, load_datasets
    from scr_warehouse.release.relations import build_period

    ds = {"review_timeliness": load_datasets()["review_timeliness"]}
    frames = {"review_timeliness": _timeliness_frame()}
    rows = frames["review_timeliness"]
    small = int(rows.index[(rows.measure == "Incident to completion") & (rows.band == "6 months or less")][0])
    undated = int(rows.index[(rows.measure == "Incident to completion") & (rows.band == "Completed, not dated")][0])
    naive = build_period(frames, ds, [])
    linked = build_period(frames, ds, linked_relations())
    pattern = hide(naive, [small, undated])
    assert audit(naive, pattern, T, W).failing == [], "without the link the pattern looks safe"
    assert small in {c for c, _, _ in audit(linked, pattern, T, W).failing}
    units, result = protect(linked, T, W)
    assert result.failing == [] and units[linked.unit_of[small]]


def test_primary_cells_are_those_the_rule_hides_not_the_headline_nor_rounded_regions():
    """The audit summary's `primary` (and so its secondary = suppressed - primary) counts only cells the primary
    rule hides: England's headline and rounded regional counts of 1 to 5 are published, so they are not primary."""
    from scr_warehouse.release.datasets import load_datasets
    from scr_warehouse.release.writer import _primary_cells

    ds = load_datasets()["notifications_by_area"]
    rows = pd.DataFrame({"geographic_level": ["National", "Regional", "Local authority", "Local authority"],
                         "incident_type": ["Total"] * 4})
    for c in ds.counts:
        rows[c] = [3, 4, 2, 0]
    n = len(ds.counts)
    assert _primary_cells(rows, ds, "notifications_by_area", T, rounding=10) == n  # the LA's 2s only
    assert _primary_cells(rows, ds, "notifications_by_area", T, rounding=0) == 2 * n  # exact regions: and the 4s


def test_new_equalities_forget_only_the_certificates_of_the_blocks_they_reach():
    """After protect adds the equalities an attacker sees, the cells of blocks those relations reach are audited
    again (certified without them); a block they do not reach keeps its certificates. Two blocks: 12 = 6 + 6 and
    20 = 8 + 12, each with both parts hidden; the equality of the first block's parts reaches only that block."""
    from scr_warehouse.release.disclosure import _forget_reached

    p = period([12, 6, 6, 20, 8, 12], [(0, [1, 2]), (3, [4, 5])])
    hidden = hide(p, [1, 2, 4, 5])
    cache = {}
    assert audit(p, hidden, T, W, cache=cache).failing == []
    assert cache["certified"] == {1, 2, 4, 5}
    p.eqs.append((1, [2]))
    _forget_reached(p, hidden, T, W, cache["certified"], {1, 2})
    assert cache["certified"] == {4, 5}


def test_hiding_a_small_rounded_count_forgets_the_certificates_of_its_block():
    """Hiding a cell only widens its neighbours' ranges, except a rounded count of 1..4: published 0 it is 0..4,
    hidden it is at least 1, which narrows them (issue 23: a region's count published rounded was certified, a
    neighbour was then hidden, and the written files failed the audit). England 8 (headline) = A 4 + B 1 + C 3, all
    published rounded (0: 0..4); hiding B forgets the certificates of A, B and C."""
    p = _fixed(period([8, 4, 1, 3], [(0, [1, 2, 3])]), [0])
    p.round_lo = np.array([np.nan, 0.0, 0.0, 0.0])
    p.round_hi = np.array([np.nan, 4.0, 4.0, 4.0])
    cache = {"blocks": {}}
    assert audit(p, hide(p, []), T, W, cache=cache).failing == []
    assert {-2, -3, -4} <= cache["certified"]
    from scr_warehouse.release.disclosure import _forget_reached, _Suppressor

    s = _Suppressor(p, T, W)
    s.hide(p.unit_of[2])
    assert s.reopen == {2}
    _forget_reached(p, s.hidden, T, W, cache["certified"], s.reopen)
    assert not {-2, -3, -4} & cache["certified"]


def test_a_review_measure_counts_no_more_reviews_than_the_total():
    """Issue 23 (an outside attacker's audit of the demo release): the reviews a measure counts are some of all the
    reviews, so its Total is at most the overall Total. With 7 reviews published and the completion measures'
    non-zero bands all `c`, each band is at most 7 less the others (1..4): a primary cell that cannot exceed 5. The
    audit holds against the bound (config `linked`: `lower` <= `upper`), and protect hides more."""
    from scr_warehouse.release.datasets import linked_relations, load_datasets
    from scr_warehouse.release.relations import build_period

    frames = {"review_timeliness": _timeliness_frame({
        "Total": {"Total": 7},
        "Decision within one month": {"Total": 7, "Yes": 7, "No": 0, "Decision pending": 0},
        "Incident to completion": {"Total": 6, "6 months or less": 1, "Over 6 to 12 months": 2,
                                   "Over 12 to 18 months": 1, "Over 18 months": 0, "Completed, not dated": 2,
                                   "Not completed": 0},
        "Completed within timescale": {"Total": 6, "Yes": 3, "No": 1, "Completed, not dated": 2,
                                       "In progress, within timescale": 0, "In progress, overdue": 0}})}
    ds = {"review_timeliness": load_datasets()["review_timeliness"]}
    rows = frames["review_timeliness"]
    small = [int(i) for i in rows.index[rows.measure.isin(["Incident to completion", "Completed within timescale"])
                                        & (rows.reviews > 0)]]
    bounded = build_period(frames, ds, linked_relations())
    unbounded = build_period(frames, ds, [r for r in linked_relations() if "lower" not in r])
    assert audit(unbounded, hide(unbounded, small), T, W).failing == [], "without the bound the pattern looks safe"
    one_to_two = int(rows.index[(rows.measure == "Incident to completion") & (rows.band == "6 months or less")][0])
    assert one_to_two in {c for c, _, _ in audit(bounded, hide(bounded, small), T, W).failing}
    units, result = protect(bounded, T, W)
    assert result.failing == []
