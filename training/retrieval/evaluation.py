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
from matcher.fusion import DEFAULT_FUSION, FusionParams, fuse
from matcher.lexical import DEFAULT_BM25, BM25Params, LexicalIndex
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


METHODS = ("dense", "lexical", "hybrid")


class CorpusRanker:
    """Scores of query texts against one fixed corpus by ``dense`` (inner product of the embedder's
    L2-normalised vectors), ``lexical`` (``matcher.lexical`` BM25) or ``hybrid`` (their rank fusion,
    ``matcher.fusion``). The corpus is embedded and indexed once, on first use of each method."""

    def __init__(
        self,
        corpus: Mapping[str, str],
        embedder: TextEmbedder | None,
        *,
        bm25: BM25Params = DEFAULT_BM25,
        fusion: FusionParams = DEFAULT_FUSION,
    ) -> None:
        if not corpus:
            raise ValidationError("corpus", "empty")
        self.doc_ids = list(corpus)
        self._texts = [corpus[d] for d in self.doc_ids]
        self.embedder = embedder
        self.bm25, self.fusion = bm25, fusion
        self._docs: F32 | None = None
        self._lexical: LexicalIndex | None = None

    def _dense(self, texts: Sequence[str]) -> F32:
        if self.embedder is None:
            raise PassgenauError("the dense and hybrid methods need an embedding model")
        if self._docs is None:
            t0 = time.perf_counter()
            self._docs = _embed("encode_passages", self.embedder, self._texts)
            logger.info(
                "embedded %d passages in %.1f s with %s",
                len(self._texts),
                time.perf_counter() - t0,
                self.embedder.model_id,
            )
        q = _embed("encode_queries", self.embedder, list(texts))
        if q.shape[1] != self._docs.shape[1]:
            raise PassgenauError(
                f"embedder {self.embedder.model_id}: query dim {q.shape[1]} "
                f"!= passage dim {self._docs.shape[1]}"
            )
        # inner product equals cosine: the embedder returns L2-normalised rows
        out: F32 = q @ self._docs.T
        return out

    def _bm25(self, texts: Sequence[str]) -> F32:
        if self._lexical is None:
            self._lexical = LexicalIndex(self._texts, self.bm25)
        return self._lexical.scores(texts)

    def scores(self, texts: Sequence[str], method: str) -> npt.NDArray[np.floating]:
        """(len(texts), corpus size) scores, higher is better, columns in corpus order."""
        if method == "dense":
            return self._dense(texts)
        if method == "lexical":
            return self._bm25(texts)
        if method == "hybrid":
            return fuse(self._dense(texts), self._bm25(texts), self.fusion)
        raise ValidationError("method", f"one of {', '.join(METHODS)}, not {method!r}")

    def evaluate(
        self, queries: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]], method: str = "dense"
    ) -> dict[str, float]:
        """Rank the whole corpus for every judged query and score the ranking (module doc of
        ``training.retrieval``). Raises :class:`ValidationError` on unknown query or document ids."""
        rel = relevant_docs(qrels)
        unknown_q = sorted(set(rel) - set(queries))
        if unknown_q:
            raise ValidationError(
                "qrels", f"{len(unknown_q)} judged queries are not in the queries, e.g. {unknown_q[0]!r}"
            )
        skipped = len(queries) - len(rel)
        if skipped:
            logger.info("%d of %d queries have no relevant judgement and are skipped", skipped, len(queries))
        known = set(self.doc_ids)
        unknown_d = sorted(d for q in rel for d in rel[q] if d not in known)
        if unknown_d:
            raise ValidationError("qrels", f"document {unknown_d[0]!r} is not in the corpus")
        qids = sorted(rel)
        ranks: list[list[int]] = []
        # score a block of queries at a time: the full matrix of a large set would not fit in memory
        step = max(1, _SCORE_CELLS // len(self.doc_ids))
        for start in range(0, len(qids), step):
            block = qids[start : start + step]
            scores = self.scores([queries[q] for q in block], method)
            ranks += relevant_ranks(scores, self.doc_ids, [sorted(rel[q]) for q in block])
        return metrics_from_ranks(ranks, [len(rel[q]) for q in qids])

    def fusion_grid(
        self,
        queries: Mapping[str, str],
        qrels: Mapping[str, Mapping[str, int]],
        grid: Sequence[FusionParams],
    ) -> list[dict[str, float]]:
        """The metrics of ``hybrid`` for each fusion setting of ``grid``, from one dense and one
        lexical scoring of the queries (for choosing the setting on a development split)."""
        rel = relevant_docs(qrels)
        qids = sorted(rel)
        texts = [queries[q] for q in qids]
        dense, lexical = self._dense(texts), self._bm25(texts)
        relevant = [sorted(rel[q]) for q in qids]
        out = []
        for params in grid:
            ranks = relevant_ranks(fuse(dense, lexical, params), self.doc_ids, relevant)
            out.append(metrics_from_ranks(ranks, [len(r) for r in relevant]))
        return out


def evaluate_retrieval(
    queries: Mapping[str, str],
    corpus: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, int]],
    embedder: TextEmbedder | None,
    *,
    method: str = "dense",
    bm25: BM25Params = DEFAULT_BM25,
    fusion: FusionParams = DEFAULT_FUSION,
) -> dict[str, float]:
    """Rank the whole corpus for every judged query by ``method`` and score the ranking.

    Queries go through ``embedder.encode_queries`` and documents through ``encode_passages`` (asymmetric
    models such as e5 use different prompts). Returns ``{"mrr", "map", "acc@1", "acc@5", "acc@10"}``
    as floats in [0, 1]; definitions in the module docstring. Raises :class:`ValidationError` when the
    qrels name unknown queries or documents.
    """
    if method not in METHODS:
        raise ValidationError("method", f"one of {', '.join(METHODS)}, not {method!r}")
    ranker = CorpusRanker(corpus, embedder, bm25=bm25, fusion=fusion)
    return ranker.evaluate(queries, qrels, method)


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
