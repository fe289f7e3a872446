"""The exact re-scoring (issue 23): bits that do not depend on order, blocks or the fast search."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.similarity import (
    GRID,
    MARGIN,
    exact_similarity,
    fast_error_bound,
    nearest,
    rescore,
    to_grid,
)

DIM = 384


def unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def near_ties(rng: np.random.Generator, n: int) -> np.ndarray:
    """Vectors in a few tight clusters, with exact duplicates: near-ties and ties everywhere."""
    centres = unit(rng, 4)
    x = centres[rng.integers(0, 4, n)] + 1e-4 * rng.standard_normal((n, DIM)).astype(np.float32)
    x[n // 2 : n // 2 + 5] = x[0]
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 300), cuts=st.lists(st.integers(0, 300), max_size=6))
def test_bits_do_not_depend_on_order_or_blocks(seed: int, n: int, cuts: list[int]) -> None:
    rng = np.random.default_rng(seed)
    v = near_ties(rng, n) if seed % 2 else unit(rng, n)
    q = v[rng.integers(0, n)]
    whole = exact_similarity(q, v)
    perm = rng.permutation(n)
    assert exact_similarity(q, v[perm]).tobytes() == whole[perm].tobytes()
    bounds = sorted({0, n, *(c % (n + 1) for c in cuts)})
    blocks = np.concatenate([exact_similarity(q, v[a:b]) for a, b in itertools.pairwise(bounds)])
    assert blocks.tobytes() == whole.tobytes()
    one = np.array([exact_similarity(q, v[i : i + 1])[0] for i in range(min(n, 5))])
    assert one.tobytes() == whole[: len(one)].tobytes()
    # On the grid, and within a grid step of the correctly rounded exact value (math.fsum).
    assert np.array_equal(to_grid(whole), whole)
    q64 = q.astype(np.float64)
    exact = np.array([math.fsum((row.astype(np.float64) * q64).tolist()) for row in v[:20]])
    assert np.abs(whole[:20] - exact).max() <= GRID


@settings(max_examples=40, deadline=None)
@given(seed=seeds, n=st.integers(1, 200), extra=st.integers(0, 40))
def test_rescored_cut_does_not_depend_on_the_fetch_order(seed: int, n: int, extra: int) -> None:
    rng = np.random.default_rng(seed)
    m = n + extra
    v = near_ties(rng, m)
    q = v[0]
    ids = np.array([f"V-{i:05d}" for i in rng.permutation(m)])
    keys = np.arange(m, dtype=np.int64) + 1000
    fast = v @ q
    a = rescore(q, v, keys, ids, fast, n, complete=True)
    perm = rng.permutation(m)
    b = rescore(q, v[perm], keys[perm], ids[perm], fast[perm], n, complete=True)
    assert a.keys.tolist() == b.keys.tolist() and a.similarity.tobytes() == b.similarity.tobytes()
    assert a.certified and len(a.keys) == min(n, m)
    # Sorted by similarity descending, ties by id.
    order = list(zip((-a.similarity).tolist(), ids[a.keys - 1000].tolist(), strict=True))
    assert order == sorted(order)


def _fast_search(v: np.ndarray, q: np.ndarray, ids: np.ndarray, noise: np.ndarray):  # type: ignore[no-untyped-def]
    """A stand-in for another kernel: float32 scores off by up to the error bound, own tie order."""
    fast = (v @ q).astype(np.float64) + noise
    order = np.lexsort((ids, -fast))

    def search(m: int) -> tuple[np.ndarray, np.ndarray]:
        return order[:m].astype(np.int64), fast[order[:m]]

    return search


@settings(max_examples=40, deadline=None)
@given(seed=seeds, nv=st.integers(1, 400), n=st.integers(1, 250))
def test_nearest_is_the_exact_top_n_whatever_the_fast_scores(seed: int, nv: int, n: int) -> None:
    """Two fast searches with different float32 errors (≤ the bound) give the same exact top n."""
    rng = np.random.default_rng(seed)
    v = near_ties(rng, nv) if seed % 3 else unit(rng, nv)
    q = v[rng.integers(0, nv)]
    ids = np.array([f"V-{i:05d}" for i in rng.permutation(nv)])
    n = min(n, nv)
    bound = 0.9 * (fast_error_bound(DIM) - GRID)  # the rest covers the float32 rounding itself
    exact_all = exact_similarity(q, v)
    truth = np.lexsort((ids, -exact_all))[:n]
    results = []
    for k in range(3):
        noise = rng.uniform(-bound, bound, nv) * (k > 0)
        keys, sims = nearest(q, n, nv, _fast_search(v, q, ids, noise), lambda at: v[at], ids)
        results.append((keys.tolist(), sims.tobytes()))
    assert results[0] == results[1] == results[2]
    assert results[0][0] == truth.tolist()
    assert results[0][1] == exact_all[truth].tobytes()


def test_a_cut_that_cannot_be_certified_widens_the_search() -> None:
    """All vectors equal: the n-th exact score equals the fast floor, so ``nearest`` fetches all."""
    v = np.tile(unit(np.random.default_rng(1), 1), (100, 1))
    ids = np.array([f"V-{i:03d}" for i in range(100)][::-1])
    asked: list[int] = []
    order = np.arange(100, dtype=np.int64)

    def search(m: int) -> tuple[np.ndarray, np.ndarray]:
        asked.append(m)
        return order[:m], np.ones(m)

    keys, _ = nearest(v[0], 10, 100, search, lambda at: v[at], ids)
    assert asked == [10 + MARGIN, 52, 100]
    assert ids[keys].tolist() == [f"V-{i:03d}" for i in range(10)]  # ties by id, over all 100


def test_nothing_eligible() -> None:
    keys, sims = nearest(
        np.ones(4, np.float32) / 2,
        0,
        0,
        lambda m: (np.zeros(0, np.int64), np.zeros(0)),
        lambda at: np.zeros((0, 4), np.float32),
        np.zeros(0, dtype="<U1"),
    )
    assert keys.shape == sims.shape == (0,)


@pytest.mark.parametrize("dim", [1, 2, 3, 7, 64, 384, 1000])
def test_tree_sum_handles_every_dimension(dim: int) -> None:
    rng = np.random.default_rng(dim)
    v = unit(rng, 5, dim)
    q = v[0]
    exact = [math.fsum((row.astype(np.float64) * q.astype(np.float64)).tolist()) for row in v]
    assert np.abs(exact_similarity(q, v) - exact).max() <= GRID
