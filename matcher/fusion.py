"""Fusing two rankings of one corpus (dense and lexical) into one: weighted reciprocal rank fusion.

Cosine similarities and BM25 scores live on different scales (0.8–0.95 against 0–60), so they are
not added; their ranks are (Cormack, Clarke & Büttcher 2009): a document's fused score is
``w / (k + rank_dense) + (1 − w) / (k + rank_lexical)`` with 1-based ranks. ``k`` damps the
difference between the very first ranks; ``w`` says how much the dense ranking counts. Both are
settings chosen on the development split of the ESCO concepts, never on a reported set.

Ranks break ties by corpus position (the caller's documents in id order), as every ranking of the
evaluation does, so a fusion is reproducible. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FusionParams:
    dense_weight: float = 0.6
    k: float = 5.0


DEFAULT_FUSION = FusionParams()


def ranks(scores: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """1-based rank of every document in each row (higher score first, ties by position)."""
    s = np.asarray(scores)
    order = np.argsort(-s, axis=1, kind="stable")
    out = np.empty_like(order)
    rows = np.arange(s.shape[0])[:, None]
    out[rows, order] = np.arange(1, s.shape[1] + 1)[None, :]
    return out


def fuse(dense: npt.ArrayLike, lexical: npt.ArrayLike, params: FusionParams = DEFAULT_FUSION) -> F64:
    """Fused scores (rows: queries, columns: documents) of two score matrices of the same shape."""
    d, lx = np.asarray(dense), np.asarray(lexical)
    if d.shape != lx.shape:
        raise ValueError(f"score matrices differ in shape: {d.shape} vs {lx.shape}")
    w = params.dense_weight
    out: F64 = w / (params.k + ranks(d)) + (1.0 - w) / (params.k + ranks(lx))
    return out
