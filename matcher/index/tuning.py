"""IVF for large indexes: k-means lists, and the smallest nprobe that meets the recall bar.

``nprobe`` is raised until recall@50 against exact search reaches the target on a tuning sample *and*
on a held-out sample of queries. The held-out figure goes into the manifest; if no ``nprobe`` up to a
quarter of the lists meets the bar, the index falls back to exact search and the manifest says so.
IVF is chosen over HNSW because vacancies must be removable.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from matcher.index.contract import EXACT, F32, I64, IVF, faiss_module

log = logging.getLogger(__name__)

RECALL_K = 50
_RECALL_SAMPLE = 500  # queries in each of the tuning and the held-out sample
_HIT_EPS = 1e-5  # a result scoring within this of the exact 50th score counts as a hit (ties)


def default_nlist(n: int) -> int:
    """How many IVF lists for ``n`` vectors."""
    # About 2·sqrt(n) lists: ~300 vectors a list at 100k, cheap k-means, few lists scanned per query.
    # faiss wants at least 39 training points per centroid.
    return int(max(1, min(round(2 * math.sqrt(n)), n // 39)))


def drop_self(d: F32, i: I64, self_labels: I64 | None, k: int) -> tuple[F32, I64]:
    """Remove each query's own label (queries sampled from the index) and keep k columns."""
    if self_labels is None:
        return d[:, :k], i[:, :k]
    keep = i != self_labels[:, None]
    order = np.argsort(~keep, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(d, order, 1), np.take_along_axis(i, order, 1)


def recall(ann_d: F32, ann_i: I64, exact_kth: F32, k: int) -> float:
    """Mean recall@k of ANN results against the exact k-th score of each query."""
    # Tie-aware recall@k: an ANN result counts when it scores at least the exact k-th score, so
    # duplicate vacancies (same text posted twice) do not count as misses.
    hits = (ann_i >= 0) & (ann_d >= exact_kth[:, None] - _HIT_EPS)
    return float(np.minimum(hits.sum(axis=1), k).mean() / k)


def train_ivf(x: F32, labels: I64, nlist: int, seed: int) -> Any:
    """An ``IndexIVFFlat`` with ``nlist`` spherical k-means lists holding ``x`` under ``labels``."""
    faiss = faiss_module()

    dim = x.shape[1]
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.seed = seed  # k-means sampling and initialisation: the same seed gives the same lists
    ivf.cp.spherical = True  # unit centroids suit inner-product assignment of unit vectors
    ivf.cp.niter = 15
    ivf.train(x)
    ivf.add_with_ids(x, labels)
    return ivf


def tune_nprobe(
    ivf: Any, x: F32, queries: F32 | None, *, start: int, nlist: int, target: float, seed: int
) -> tuple[int | None, dict[str, Any]]:
    """Smallest nprobe (start, 2·start, ... up to nlist/4) meeting the recall bar on both samples."""
    faiss = faiss_module()

    n = x.shape[0]
    rng = np.random.default_rng(seed)
    if queries is None:
        take = rng.choice(n, size=min(2 * _RECALL_SAMPLE, n), replace=False)
        q, self_labels = x[take], take.astype(np.int64)  # labels are positions right after build
        source = "held-out sample of indexed vacancies, each query's own match excluded"
    else:
        q, self_labels = queries[rng.permutation(len(queries))], None
        source = "caller-supplied queries"
    k = min(RECALL_K, n - (1 if self_labels is not None else 0))
    half = len(q) // 2
    samples = []
    for sl in (slice(0, half), slice(half, len(q))):
        qs = np.ascontiguousarray(q[sl])
        own = None if self_labels is None else self_labels[sl]
        # faiss.knn is an exact blocked inner-product search; positions equal labels here.
        d, i = faiss.knn(qs, x, k + 1, metric=faiss.METRIC_INNER_PRODUCT)
        d, _ = drop_self(d, i.astype(np.int64), own, k)
        samples.append((qs, own, d[:, k - 1].copy()))
    tried: list[tuple[int, float, float | None]] = []
    cap = max(1, nlist // 4)
    probe = max(1, min(start, cap))
    while True:
        ivf.nprobe = probe
        got = []
        for qs, own, kth in samples:
            d, i = ivf.search(qs, k + 1)
            d, i = drop_self(d, i, own, k)
            got.append(recall(d, i, kth, k))
            if got[-1] < target:
                break
        tried.append((probe, round(got[0], 4), round(got[1], 4) if len(got) > 1 else None))
        log.info("nprobe %d: recall@%d tuning %.4f held-out %s", probe, k, got[0], tried[-1][2])
        if len(got) == 2 and got[1] >= target:
            detail = {
                "k": k,
                "tuning": round(got[0], 4),
                "held_out": round(got[1], 4),
                "queries": [half, len(q) - half],
                "source": source,
                "target": target,
                "tried": tried,
                "ties": "a result scoring at least the exact k-th score counts as a hit",
            }
            return probe, detail
        if probe >= cap:
            return None, {"k": k, "target": target, "source": source, "tried": tried}
        probe = min(cap, probe * 2)


def choose_structure(
    x: F32,
    labels: I64,
    queries: F32 | None,
    info: dict[str, Any],
    *,
    exact_below: int,
    nprobe: int,
    recall_target: float,
    seed: int,
    nlist: int | None,
) -> tuple[str, Any, int | None, int | None]:
    """Exact below ``exact_below`` vectors, else a tuned IVF (or exact when IVF misses the bar).

    Returns ``(kind, faiss index, nprobe, nlist)`` and writes the recall facts into ``info``.
    """
    faiss = faiss_module()

    n, dim = x.shape
    kind, index, used_nprobe, used_nlist = EXACT, None, None, None
    info["recall_at_50"] = 1.0
    info["recall"] = {"method": "exact search (recall 1 by construction)"}
    if n >= exact_below and n > 1:
        nl = nlist or default_nlist(n)
        ivf = train_ivf(x, labels, nl, seed)
        found, detail = tune_nprobe(ivf, x, queries, start=nprobe, nlist=nl, target=recall_target, seed=seed)
        if found is not None:
            kind, index, used_nprobe, used_nlist = IVF, ivf, found, nl
            info["recall_at_50"] = detail["held_out"]
            info["recall"] = detail
        else:
            info["recall"] = {"method": "exact search (IVF fallback)", "ivf_attempt": detail}
            info["note"] = (
                f"IVF with {nl} lists did not reach recall@50 {recall_target} at nprobe up to "
                f"{detail['tried'][-1][0]}; falling back to exact search"
            )
            log.warning("index %s", info["note"])
    if index is None:
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        if n:
            index.add_with_ids(x, labels)
    return kind, index, used_nprobe, used_nlist
