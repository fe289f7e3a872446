"""Similarity that does not depend on how the arithmetic was split (pure numpy).

The fast search (FAISS, the nightly run's blocked float32 matrix products) finds the candidates; its
float32 scores depend on the BLAS kernel, the thread count, the blocking and the CPU's vector width
(an AVX-512 kernel sums a 384-term dot product in another order than an AVX2 one, a 1-row product
in another order than a 64-row block), so two runs can differ in the last bits, and a near-tie can
swap two suggestions. Only the few candidates the search returns are therefore scored again here,
in a way that has one answer:

- every product of two float32 numbers is exact in float64 (24 + 24 significand bits ≤ 53);
- the products are summed in a fixed pairwise tree over the dimension (column i with column
  i + half, level by level), each level one elementwise numpy addition: IEEE addition of two
  numbers has one correctly rounded result on every CPU, whatever the SIMD width, and no BLAS,
  ``einsum`` or reduction loop chooses the order (``np.sum`` and ``einsum`` pick their order by
  memory layout and SIMD path);
- the sum is rounded to a grid of 2^-32 (``GRID``), so that the score is a short, comparable
  number; ties (equal grid values) are broken by id.

A candidate's similarity is a function of its two vectors alone: not of the other candidates, of
their order, or of how they were split into blocks (``tests/matcher/test_similarity.py`` checks
the bits under permutations and splits).

Cost, measured on this project's machine (AMD EPYC, AVX2 + FMA, no AVX-512; 2 cores shared with
other jobs, load 1.8; numpy 2 with OpenBLAS 0.3.31 Haswell kernels): re-scoring 216 candidates
(fetch 200 + ``MARGIN``) × dim 384 takes ~0.32 ms (the float32 gather 0.02 ms, a float32 dot
0.03 ms), ~3 % of a 10.6 ms lookup (``bench/lookup_bench.py``); ``math.fsum`` per candidate took
6.3 ms, float64 ``einsum`` 0.08 ms but with an order chosen by numpy's SIMD path, not by us. A
nightly run of 3,000 × 3,000 re-scores ~3,000 × 216 pairs, ~1 s of a ~30 s run. The elementwise
levels are memory-bound; row blocks were measured slower (more numpy calls), so one block it is.
Since 2026-12-02 the products are laid out (dim, n), so that each level adds two contiguous blocks
(same tree, same bits): 216 × 384 in 0.17 ms instead of 0.22 ms (Intel Xeon, AVX-512, idle), and
the caller gathers the vectors by position (``FaissIndex.vectors_at``), not by id.

The cut: the fast search fetches ``MARGIN`` more than needed; after re-scoring, the first n by
(exact similarity descending, id ascending) are kept. ``certified`` says whether that set is
provably the exact top n of *all* eligible candidates: a candidate the fast search did not
return has a float32 score ≤ the lowest one it returned (t), so an exact similarity
≤ t + ``fast_error_bound(dim)`` (the float32 rounding bound for any summation order,
γ_d = d·u / (1 − d·u), u = 2^-24, for vectors of norm ≤ 1.001); if the n-th exact similarity is
above that, no unseen candidate can enter. Otherwise ``nearest`` asks the fast search for twice as
many, until certified or every eligible candidate was fetched. Guarantee: for an exact (flat)
search, the candidate set, their similarities and their order are the exact top n, identical on
every engine, thread count, block size and CPU. (An IVF index is approximate by design: which
lists it probes is its own float32 decision; the similarities and order of what it returns are
still exact.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

GRID_BITS = 32
GRID = 2.0**-GRID_BITS
# Extra candidates fetched beyond the n kept, so that the cut is decided on exact scores. At
# 1,500-100,000 vacancies the 16 extra lie ~1e-4-1e-2 below the n-th, far above the float32 error
# bound (2.3e-5 at dim 384): a second, wider search is rare (see ``nearest``).
MARGIN = 16
# The index accepts vectors with |norm² − 1| ≤ 2e-3 (``matcher.index``): norms ≤ 1.001.
_NORM = 1.001
_U32 = 2.0**-24


def _tree_sum(p: F64) -> F64:
    """Column sums of ``p`` (dim, n; overwritten) by a fixed pairwise tree over the rows (see module
    doc): row i plus row i + half, in place; an odd row out is carried to the next level.

    The dimension runs down the rows so that every level adds two contiguous blocks; the tree (which
    term is added to which) is the same as over the columns of (n, dim), so are the bits.
    """
    w = p.shape[0]
    if w == 0:
        return np.zeros(p.shape[1], dtype=np.float64)
    while w > 1:
        h = w // 2
        np.add(p[:h], p[h : 2 * h], out=p[:h])
        if w % 2:
            p[h] = p[w - 1]
            w = h + 1
        else:
            w = h
    # + 0.0 turns a -0.0 into 0.0: one bit pattern for zero.
    out: F64 = p[0] + 0.0
    return out


def to_grid(x: npt.ArrayLike) -> F64:
    """``x`` rounded to the nearest multiple of ``GRID`` (halves to even): exact in float64."""
    return np.round(np.asarray(x, dtype=np.float64) * 2.0**GRID_BITS) / 2.0**GRID_BITS


def exact_similarity(query: npt.ArrayLike, vectors: npt.ArrayLike) -> F64:
    """Inner product of ``query`` (dim,) with each row of ``vectors`` (n, dim), on the ``GRID``.

    Inputs are taken as float32 (as stored); the result depends on the two vectors of a row only.
    """
    q = np.asarray(query, dtype=np.float32).astype(np.float64).reshape(-1, 1)
    v = np.asarray(vectors, dtype=np.float32).reshape(-1, q.shape[0])
    p = v.T.astype(np.float64, order="C")  # (dim, n): one copy, widened and transposed
    np.multiply(p, q, out=p)  # exact: float32 × float32 fits in float64
    return to_grid(_tree_sum(p))


def exact_pairs(queries: npt.ArrayLike, vectors: npt.ArrayLike, qi: npt.ArrayLike, vi: npt.ArrayLike) -> F64:
    """``exact_similarity`` of many (query, vector) pairs at once: pair j is ``queries[qi[j]]`` with
    ``vectors[vi[j]]``. The same products and the same tree per pair, so the same bits as
    ``exact_similarity(queries[qi[j]], vectors[vi[j]][None])`` (the nightly run re-scores the pairs
    of a whole block of claimants in one tree)."""
    q = np.asarray(queries, dtype=np.float32)
    v = np.asarray(vectors, dtype=np.float32)
    qi, vi = np.asarray(qi, dtype=np.intp), np.asarray(vi, dtype=np.intp)
    p = v[vi].T.astype(np.float64, order="C")  # (dim, n)
    np.multiply(p, q[qi].T, out=p)  # exact, as in exact_similarity
    return to_grid(_tree_sum(p))


def fast_error_bound(dim: int) -> float:
    """How far a float32 inner product of two stored vectors can be from the exact one, plus a grid
    step: γ_dim · 1.001² for any summation order, blocking or FMA use (see module doc)."""
    du = dim * _U32
    return du / (1.0 - du) * _NORM * _NORM + GRID


@dataclass(frozen=True)
class Rescored:
    keys: I64  # the kept candidates (the caller's positions), best first
    similarity: F64  # their exact similarity, aligned with ``keys``
    certified: bool  # the kept ones are provably the exact top n of every eligible candidate


def rescore(
    query: npt.ArrayLike,
    vectors: npt.ArrayLike,
    keys: npt.ArrayLike,
    ids: npt.NDArray[np.str_],
    fast: npt.ArrayLike,
    n: int,
    *,
    complete: bool,
) -> Rescored:
    """Re-score fetched candidates exactly and keep the first ``n`` by (similarity desc, id asc).

    ``vectors``, ``keys``, ``ids`` and ``fast`` (the fast search's scores) are aligned over the
    fetched candidates; ``complete`` says that they are every eligible candidate. Pure; the result
    does not depend on the order of the fetched candidates.
    """
    keys = np.asarray(keys, dtype=np.int64)
    sims = exact_similarity(query, vectors)
    order = np.lexsort((np.asarray(ids), -sims))[:n]
    certified = complete
    if not certified and len(order) == n and n > 0:
        dim = int(np.asarray(query).size)
        floor = float(np.min(np.asarray(fast, dtype=np.float64)))
        certified = bool(sims[order[-1]] > floor + fast_error_bound(dim))
    return Rescored(keys[order], sims[order], certified)


Search = Callable[[int], tuple[npt.NDArray[np.integer], npt.NDArray[np.floating]]]


def nearest(
    query: npt.ArrayLike,
    n: int,
    available: int,
    search: Search,
    vectors: Callable[[I64], F32],
    ids: npt.NDArray[np.str_],
) -> tuple[I64, F64]:
    """The ``n`` nearest of ``available`` eligible candidates by exact similarity, ties by id.

    ``search(m)`` is the fast search: the caller's positions of its top m and their fast scores;
    ``vectors(positions)`` their stored vectors; ``ids`` the tie-break ids by position. Fetches
    n + ``MARGIN``, then twice as many until the cut is certified (see module doc).
    """
    m = min(available, n + MARGIN)
    while True:
        found, fast = search(m)
        keys: I64 = np.asarray(found, dtype=np.int64)
        r = rescore(query, vectors(keys), keys, ids[keys], fast, n, complete=m >= available)
        if r.certified:
            return r.keys, r.similarity
        m = min(available, 2 * m)
