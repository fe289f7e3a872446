"""Embedding a retrieval set and scoring its rankings; the report printed for it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from matcher.errors import PassgenauError, ValidationError
from training.retrieval.metrics import (
    METRIC_KEYS,
    metrics_from_ranks,
    relevant_docs,
    relevant_ranks,
)

logger = logging.getLogger(__name__)


F32 = npt.NDArray[np.float32]
_LABELS = {"mrr": "MRR", "map": "MAP", "acc@1": "Acc@1", "acc@5": "Acc@5", "acc@10": "Acc@10"}
# Bound on the (queries x corpus) score block held at once in evaluate_retrieval (256 MB of float32).
_SCORE_CELLS = 1 << 26


class TextEmbedder(Protocol):
    """The part of ``models.embedder.Embedder`` this module needs (rows L2-normalised, float32)."""

    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> F32: ...

    def encode_passages(self, texts: Sequence[str]) -> F32: ...


def _embed(fn_name: str, embedder: TextEmbedder, texts: list[str]) -> F32:
    vectors = np.asarray(getattr(embedder, fn_name)(texts), dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise PassgenauError(
            f"embedder {embedder.model_id}: {fn_name} returned shape {vectors.shape} for {len(texts)} texts"
        )
    return vectors


def evaluate_retrieval(
    queries: Mapping[str, str],
    corpus: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, int]],
    embedder: TextEmbedder,
) -> dict[str, float]:
    """Embed, rank the whole corpus for every judged query by exact inner product, and score the ranking.

    Queries go through ``embedder.encode_queries`` and documents through ``encode_passages`` (asymmetric
    models such as e5 use different prompts). Only queries with a relevant judgement are embedded.
    Returns ``{"mrr", "map", "acc@1", "acc@5", "acc@10"}`` as floats in [0, 1]; definitions in the
    module docstring. Raises :class:`ValidationError` when the qrels name unknown queries or documents.
    """
    if not corpus:
        raise ValidationError("corpus", "empty")
    rel = relevant_docs(qrels)
    unknown_q = sorted(set(rel) - set(queries))
    if unknown_q:
        raise ValidationError(
            "qrels", f"{len(unknown_q)} judged queries are not in the queries, e.g. {unknown_q[0]!r}"
        )
    skipped = len(queries) - len(rel)
    if skipped:
        logger.info("%d of %d queries have no relevant judgement and are skipped", skipped, len(queries))
    qids = sorted(rel)
    doc_ids = list(corpus)
    t0 = time.perf_counter()
    docs = _embed("encode_passages", embedder, [corpus[d] for d in doc_ids])
    t1 = time.perf_counter()
    qvecs = _embed("encode_queries", embedder, [queries[q] for q in qids])
    t2 = time.perf_counter()
    if qvecs.shape[1] != docs.shape[1]:
        raise PassgenauError(
            f"embedder {embedder.model_id}: query dim {qvecs.shape[1]} != passage dim {docs.shape[1]}"
        )
    logger.info(
        "embedded %d passages in %.1f s and %d queries in %.1f s with %s",
        len(doc_ids),
        t1 - t0,
        len(qids),
        t2 - t1,
        embedder.model_id,
    )
    unknown_d = sorted(d for q in qids for d in rel[q] if d not in corpus)
    if unknown_d:
        raise ValidationError("qrels", f"document {unknown_d[0]!r} is not in the corpus")
    ranks: list[list[int]] = []
    # score a block of queries at a time: the full matrix of a large set would not fit in memory
    step = max(1, _SCORE_CELLS // len(doc_ids))
    for start in range(0, len(qids), step):
        block = qids[start : start + step]
        # inner product equals cosine: the embedder returns L2-normalised rows
        scores = qvecs[start : start + step] @ docs.T
        ranks += relevant_ranks(scores, doc_ids, [sorted(rel[q]) for q in block])
    return metrics_from_ranks(ranks, [len(rel[q]) for q in qids])


def format_report(metrics: Mapping[str, float], *, title: str | None = None) -> str:
    """Human-readable lines, then one JSON object with exactly the keys of :data:`METRIC_KEYS`.

    The JSON line comes last so a script can read it with ``json.loads(output.splitlines()[-1])``.
    Values are rounded to 4 decimals.
    """
    missing = [k for k in METRIC_KEYS if k not in metrics]
    if missing:
        raise ValueError(f"metrics lack {missing}")
    rounded = {k: round(float(metrics[k]), 4) for k in METRIC_KEYS}
    lines = [title] if title else []
    lines += [f"{_LABELS[k]:<7}{rounded[k]:.4f}" for k in METRIC_KEYS]
    lines.append(json.dumps(rounded))
    return "\n".join(lines)
