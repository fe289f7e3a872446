"""Capacity-aware allocation of the nightly lists (pure numpy; scipy only for the exact reference).

Input: candidate pairs (claimant, vacancy, score = expected lasting placements p_match × p_sustain),
each claimant's top K from the lookup's pipeline. Output: at most N pairs per claimant and at most
``cap[v] = ⌊c × m_v⌋`` per vacancy (m openings), so that no vacancy reaches sixty lists.

Three solvers are implemented and were measured (``bench/nightly_bench.py --compare 20000``:
20,000 claimants × top 30 of 20,000 vacancies, log-normal popularity, N = 10, c = 5):

- ``allocate_greedy``: every pair by score descending (ties by claimant, then vacancy order), taken
  while its claimant has fewer than N and its vacancy has capacity left. O(P log P), a handful of
  numpy sorts and one tight loop; deterministic by construction. A claimant whose best vacancies
  are full is filled from their lower-ranked candidates as the loop reaches them.
  Measured: 0.29 s, 55,910 expected lasting placements.
- ``allocate_flow``: the exact maximum-score b-matching (min-cost flow: source → claimant
  capacity N → vacancy capacity cap → sink), solved as its linear programme with HiGHS. The
  constraint matrix is a bipartite incidence matrix, totally unimodular, so the simplex vertex is
  integral. Measured: 6.5 s, 56,302 (the optimum).
- ``allocate_sinkhorn``: entropic optimal transport on the candidate pairs, rounded under the hard
  capacities. Measured: 2.4 s, 54,379; spreads more (fewer short lists) but loses 3.4 %.

Chosen: **greedy**. It reaches 99.3 % of the optimum's expected lasting placements in 1/22 of the
time, is exactly reproducible (an LP with tied optima may return any of them, which would break
"a resumed run gives the same lists"), and needs nothing beyond numpy. Greedy is maximal (no pair
could be added), so a claimant is short of N only when every one of their K candidates is full;
its worst case is half the optimum (a test checks the bound on random instances). The exact
solver stays as the yardstick.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def capacities(openings: npt.ArrayLike, c: float) -> I64:
    """⌊c × m⌋ lists per vacancy (a tiny epsilon so that 3 × 1.0 is 3, not 2.999…)."""
    m = np.asarray(openings, dtype=np.float64)
    return np.floor(c * m + 1e-9).astype(np.int64)


def _check(claimant: I64, vacancy: I64, score: F64, cap: I64) -> None:
    if not (len(claimant) == len(vacancy) == len(score)):
        raise ValueError("claimant, vacancy and score must be aligned")
    if len(vacancy) and (vacancy.min() < 0 or vacancy.max() >= len(cap)):
        raise ValueError("a vacancy position is outside the capacities")


def allocate_greedy(
    claimant: I64,
    vacancy: I64,
    score: F64,
    *,
    n: int,
    cap: I64,
    vacancy_key: I64 | None = None,
) -> Mask:
    """Chosen pairs (mask over the candidates); see module doc. ``vacancy_key`` orders ties (ids)."""
    _check(claimant, vacancy, score, cap)
    vkey = vacancy if vacancy_key is None else vacancy_key[vacancy]
    order = np.lexsort((vkey, claimant, -score))
    left_v = cap.astype(np.int64).copy()
    n_claimants = int(claimant.max()) + 1 if len(claimant) else 0
    left_c = np.full(n_claimants, n, dtype=np.int64)
    chosen = np.zeros(len(score), dtype=bool)
    # Plain lists: a Python loop over numpy scalars is several times slower.
    lv, lc = left_v.tolist(), left_c.tolist()
    cl, va = claimant[order].tolist(), vacancy[order].tolist()
    take: list[int] = []
    for i, (ci, vi) in enumerate(zip(cl, va, strict=True)):
        if lc[ci] > 0 and lv[vi] > 0:
            lc[ci] -= 1
            lv[vi] -= 1
            take.append(i)
    chosen[order[np.asarray(take, dtype=np.int64)]] = True
    return chosen


def allocate_flow(claimant: I64, vacancy: I64, score: F64, *, n: int, cap: I64) -> Mask:
    """The exact maximum-score allocation (min-cost flow as an LP, HiGHS dual simplex)."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, vstack

    _check(claimant, vacancy, score, cap)
    p = len(score)
    if p == 0:
        return np.zeros(0, dtype=bool)
    n_c = int(claimant.max()) + 1
    cols = np.arange(p)
    a_c = csr_matrix((np.ones(p), (claimant, cols)), shape=(n_c, p))
    a_v = csr_matrix((np.ones(p), (vacancy, cols)), shape=(len(cap), p))
    b = np.concatenate([np.full(n_c, n, dtype=np.float64), cap.astype(np.float64)])
    res = linprog(
        -np.asarray(score, dtype=np.float64),
        A_ub=vstack([a_c, a_v]).tocsr(),
        b_ub=b,
        bounds=(0.0, 1.0),
        method="highs-ds",
    )
    if res.status != 0:
        raise RuntimeError(f"allocation LP failed: {res.message}")
    return np.asarray(res.x > 0.5)


def allocate_sinkhorn(
    claimant: I64,
    vacancy: I64,
    score: F64,
    *,
    n: int,
    cap: I64,
    epsilon: float = 0.02,
    iterations: int = 200,
    vacancy_key: I64 | None = None,
) -> Mask:
    """Entropic OT (Sinkhorn on the sparse candidate pairs, with a slack row and column for the
    unallocated mass), rounded by taking pairs in order of their transport plan under the hard
    capacities (the greedy pass, keyed by the plan instead of the score)."""
    _check(claimant, vacancy, score, cap)
    p = len(score)
    if p == 0:
        return np.zeros(0, dtype=bool)
    n_c = int(claimant.max()) + 1
    n_v = len(cap)
    # Kernel of the real pairs; slack pairs (claimant→nowhere, nowhere→vacancy) have score 0.
    k_pair = np.exp((np.asarray(score) - score.max()) / epsilon)
    k_slack = math.exp(-float(score.max()) / epsilon)
    row_mass = np.full(n_c, float(n))
    col_mass = cap.astype(np.float64)
    # A slack row takes the vacancies' unused capacity and a slack column the claimants' unfilled
    # places, so that both marginals hold with equality: total = ΣN + Σcap on either side.
    slack_row, slack_col = float(col_mass.sum()), float(row_mass.sum())
    u, v = np.ones(n_c), np.ones(n_v)
    us, vs = 1.0, 1.0
    for _ in range(iterations):
        # Row sums: real pairs plus the pair to the slack column.
        rs = np.bincount(claimant, weights=k_pair * v[vacancy], minlength=n_c) + k_slack * vs
        u = row_mass / np.maximum(rs, 1e-300)
        us = slack_row / max(k_slack * float(v.sum()) + k_slack * vs, 1e-300)
        cs = np.bincount(vacancy, weights=k_pair * u[claimant], minlength=n_v) + k_slack * us
        v = col_mass / np.maximum(cs, 1e-300)
        vs = slack_col / max(k_slack * float(u.sum()) + k_slack * us, 1e-300)
    plan = u[claimant] * k_pair * v[vacancy]
    return allocate_greedy(claimant, vacancy, plan, n=n, cap=cap, vacancy_key=vacancy_key)


def top_n(claimant: I64, rank: I64, n: int) -> Mask:
    """The unconstrained lists: each claimant's first N candidates by the pipeline's rank."""
    del claimant
    return np.asarray(rank <= n)
