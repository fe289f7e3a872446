"""Capacity-aware allocation: hard limits hold on random instances; greedy is maximal and near the optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from matcher.nightly.allocation import (
    allocate_flow,
    allocate_greedy,
    allocate_sinkhorn,
    capacities,
    top_n,
)
from matcher.nightly.congestion import congestion, format_report, gini


def instance(seed: int, claimants: int, vacancies: int, k: int) -> tuple[np.ndarray, ...]:
    """Each claimant's k distinct candidates, popularity skewed (a few vacancies in many lists)."""
    rng = np.random.default_rng(seed)
    pop = rng.zipf(1.8, vacancies).astype(float)
    pop /= pop.sum()
    k = min(k, vacancies)
    cl = np.repeat(np.arange(claimants), k)
    va = np.concatenate([rng.choice(vacancies, k, replace=False, p=pop) for _ in range(claimants)])
    sc = np.round(rng.beta(2, 5, len(cl)), 2)  # rounded: many exact ties
    openings = rng.integers(1, 4, vacancies)
    return cl, va, sc, openings


def test_capacities_are_floor_of_c_times_openings() -> None:
    assert capacities([1, 2, 3], 3.0).tolist() == [3, 6, 9]
    assert capacities([1, 2, 3], 1.5).tolist() == [1, 3, 4]
    assert capacities([1], 0.1 * 3 / 0.3).tolist() == [1]  # 0.999… from rounding counts as 1


@pytest.mark.parametrize("seed", range(25))
def test_limits_hold_and_greedy_is_maximal(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n_c, n_v = int(rng.integers(1, 60)), int(rng.integers(1, 40))
    n, c = int(rng.integers(1, 6)), float(rng.choice([0.5, 1.0, 2.0, 3.0]))
    cl, va, sc, openings = instance(seed, n_c, n_v, int(rng.integers(1, 12)))
    cap = capacities(openings, c)
    for solve in (allocate_greedy, allocate_flow, allocate_sinkhorn):
        chosen = solve(cl, va, sc, n=n, cap=cap)
        exposure = np.bincount(va[chosen], minlength=n_v)
        assert (exposure <= cap).all(), solve.__name__
        assert (np.bincount(cl[chosen], minlength=n_c) <= n).all(), solve.__name__
        # Maximal: no unchosen pair has room on both sides (a claimant is short only when full up).
        room_c = np.bincount(cl[chosen], minlength=n_c) < n
        room_v = exposure < cap
        assert not (~chosen & room_c[cl] & room_v[va]).any(), solve.__name__
    greedy = sc[allocate_greedy(cl, va, sc, n=n, cap=cap)].sum()
    best = sc[allocate_flow(cl, va, sc, n=n, cap=cap)].sum()
    assert greedy <= best + 1e-9
    assert greedy >= 0.5 * best - 1e-9  # greedy b-matching is a 1/2-approximation


def test_flow_is_the_optimum_on_tiny_instances() -> None:
    for seed in range(8):
        cl, va, sc, openings = instance(seed, 4, 3, 2)
        cap = capacities(openings, 1.0)
        best = 0.0
        for bits in itertools.product([False, True], repeat=len(sc)):
            m = np.array(bits)
            if (np.bincount(va[m], minlength=3) <= cap).all() and (
                np.bincount(cl[m], minlength=4) <= 2
            ).all():
                best = max(best, float(sc[m].sum()))
        assert sc[allocate_flow(cl, va, sc, n=2, cap=cap)].sum() == pytest.approx(best)


def test_greedy_fills_lists_from_lower_ranked_candidates() -> None:
    # Both claimants love vacancy 0 (one place); the one who scores lower gets their 2nd and 3rd.
    cl = np.array([0, 0, 0, 1, 1, 1])
    va = np.array([0, 1, 2, 0, 3, 4])
    sc = np.array([0.9, 0.5, 0.4, 0.8, 0.3, 0.2])
    chosen = allocate_greedy(cl, va, sc, n=2, cap=np.array([1, 1, 1, 1, 1]))
    assert chosen.tolist() == [True, True, False, False, True, True]


def test_greedy_breaks_ties_by_claimant_then_vacancy_key() -> None:
    cl, va = np.array([1, 0, 0]), np.array([0, 0, 1])
    sc = np.array([0.5, 0.5, 0.5])
    # Claimant 0 goes first and takes vacancy 0 (lower key): claimant 1, who wanted only that, gets none.
    assert allocate_greedy(cl, va, sc, n=1, cap=np.array([1, 1])).tolist() == [False, True, False]
    # With a vacancy key that puts vacancy 1 first, claimant 0 takes it and claimant 1 gets vacancy 0.
    chosen = allocate_greedy(cl, va, sc, n=1, cap=np.array([1, 1]), vacancy_key=np.array([1, 0]))
    assert chosen.tolist() == [True, False, True]


def test_greedy_is_independent_of_input_order() -> None:
    cl, va, sc, openings = instance(5, 80, 50, 8)
    cap = capacities(openings, 2.0)
    chosen = allocate_greedy(cl, va, sc, n=4, cap=cap)
    perm = np.random.default_rng(0).permutation(len(sc))
    again = allocate_greedy(cl[perm], va[perm], sc[perm], n=4, cap=cap)
    assert np.array_equal(again, chosen[perm])


def test_top_n_is_the_first_n_by_rank() -> None:
    rank = np.array([1, 2, 3, 1, 2])
    assert top_n(np.array([0, 0, 0, 1, 1]), rank, 2).tolist() == [True, True, False, True, True]


def test_congestion_report_before_and_after() -> None:
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert gini([]) == 0.0
    vac = np.array([0, 0, 0, 1])
    cl = np.array([0, 1, 2, 2])
    sc = np.array([0.5, 0.25, 0.25, 0.5])
    kw = dict(openings=np.array([1, 1, 2]), cap=np.array([2, 2, 4]), open_mask=np.array([True, True, True]))
    before = congestion(vac, cl, sc, n_claimants=3, n=2, **kw)  # type: ignore[arg-type]
    assert (before.max_exposure, before.over_capacity, before.short_lists) == (3, 1, 2)
    assert before.share_unseen == 0.3333 and before.expected_lasting == 1.5
    after = congestion(vac[1:], cl[1:], sc[1:], n_claimants=3, n=2, **kw)  # type: ignore[arg-type]
    text = format_report(before, after, 2.0)
    assert (
        "largest exposure of a vacancy" in text and "costs 0.5 expected lasting placements (33.33%)" in text
    )
