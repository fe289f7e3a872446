"""Top-k selection: score descending, ties broken by vacancy id, every tie at the cut seen.

Exact by a dot product with every eligible vector, or from faiss results whose ties at the cut are
put in id order.
"""

from __future__ import annotations

import numpy as np

from matcher.index.contract import F32, I64, Ids, Mask, faiss_module

# Up to this many queries, a search over a gathered subset scores each query against the eligible
# rows in place (``_scores_at``) instead of copying the rows out first; more queries share one copy
# and one matrix product.
IN_PLACE_QUERIES = 4


def _scores_at(q: F32, vectors: F32, cols: I64) -> F32:
    """``q @ vectors[cols].T`` for a few queries without the gathered copy: faiss reads each eligible
    row where it lies. A lookup at 100,000 vacancies with ~7,000 eligible spent 1.8 ms copying 11 MB
    and 0.6 ms in the product; this takes ~1.1 ms (Intel Xeon, one thread, bench/README.md). The
    float32 sums are in another order than BLAS's, which only the fast scores see: what a lookup
    shows is re-scored exactly (``matcher.similarity``) and the top k stays exhaustive."""
    faiss = faiss_module()
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    at = np.ascontiguousarray(cols, dtype=np.int64)
    out = np.empty((q.shape[0], len(at)), dtype=np.float32)
    for j in range(q.shape[0]):
        row = np.ascontiguousarray(q[j], dtype=np.float32)
        faiss.fvec_inner_products_by_idx(
            faiss.swig_ptr(out[j]), faiss.swig_ptr(row), faiss.swig_ptr(v), faiss.swig_ptr(at),
            v.shape[1], 1, len(at),
        )  # fmt: skip
    return out


def topk_row(s: F32, ids: Ids, k: int) -> I64:
    """Positions of the k highest scores in ``s``, descending, ties by id (all ties at the cut seen)."""
    m = s.shape[0]
    if k < m:
        thr = np.partition(s, m - k)[m - k]
        cand = np.flatnonzero(s >= thr)
    else:
        cand = np.arange(m)
    # np.lexsort sorts by the last key first: score descending, then vacancy id ascending.
    order = np.lexsort((ids[cand], -s[cand]))[:k]
    return cand[order].astype(np.int64)


def exact_search(q: F32, vectors: F32, ids: Ids, mask: Mask | None, kk: int) -> tuple[F32, I64]:
    """Exact top-kk by a dot product on the eligible vacancies (blocked over queries)."""
    cols: I64 | None = None
    mat = vectors
    if mask is not None and np.count_nonzero(mask) * 4 <= len(vectors):
        cols = np.flatnonzero(mask).astype(np.int64)
        if q.shape[0] <= IN_PLACE_QUERIES and len(cols):
            s = _scores_at(q, vectors, cols)
            eligible_ids = ids[cols]
            out_s = np.empty((q.shape[0], kk), dtype=np.float32)
            out_p = np.empty((q.shape[0], kk), dtype=np.int64)
            for j in range(q.shape[0]):
                top = topk_row(s[j], eligible_ids, kk)
                out_s[j], out_p[j] = s[j, top], cols[top]
            return out_s, out_p
        mat = vectors[cols]
    eligible_ids = ids if cols is None else ids[cols]
    drop = None if mask is None or cols is not None else ~mask
    nq = q.shape[0]
    out_s = np.empty((nq, kk), dtype=np.float32)
    out_p = np.empty((nq, kk), dtype=np.int64)
    block = max(1, (1 << 24) // max(1, mat.shape[0]))  # ~64 MB of scores at a time
    for start in range(0, nq, block):
        s = q[start : start + block] @ mat.T
        if drop is not None:
            s[:, drop] = -np.inf  # unit vectors score in [-1, 1]: never chosen while kk <= eligible
        for j in range(s.shape[0]):
            top = topk_row(s[j], eligible_ids, kk)
            out_s[start + j] = s[j, top]
            out_p[start + j] = top if cols is None else cols[top]
    return out_s, out_p


def order_ann_results(
    d: F32, lab: I64, labels: I64, ids: Ids, kk: int, *, exact: bool, eligible: int
) -> tuple[F32, I64, list[int]]:
    """Scores and positions of the top ``kk`` of faiss results (scores ``d``, labels ``lab``), ties by id.

    Also returns the rows only an exact pass can answer: fewer than ``kk`` results, or (``exact``
    index) a run of equal scores at the cut that continues past what faiss returned.
    """
    valid = lab >= 0
    pos = np.searchsorted(labels, np.where(valid, lab, 0))
    out_s = d[:, :kk].copy()
    out_p = pos[:, :kk].copy()
    short = valid.sum(axis=1) < kk
    tied = ((d[:, 1:] == d[:, :-1]) & valid[:, 1:]).any(axis=1)
    redo: list[int] = []
    for r in np.flatnonzero(tied & ~short):
        v = valid[r]
        s, p = d[r, v], pos[r, v]
        order = np.lexsort((ids[p], -s))
        # Exact search promises ties by id; if the cut falls inside a run of equal scores that
        # continues past what faiss returned, only a full exact pass can order it.
        if exact and len(s) < eligible and s[order[kk - 1]] == s[order[-1]]:
            redo.append(int(r))
            continue
        out_s[r], out_p[r] = s[order[:kk]], p[order[:kk]]
    redo.extend(np.flatnonzero(short).tolist())
    return out_s, out_p, redo
