"""Embedding-retrieval evaluation: the embedder alone, no taxonomy, no filters.

Input is three plain files: queries and corpus as ``id<TAB>text`` (a header line ``id<TAB>text`` is
allowed) and relevance judgements in TREC qrels format (``qid 0 docid rel``). Every query is ranked
against the whole corpus by exact inner product of L2-normalised vectors (= cosine), and the ranking is
scored with these definitions (the usual trec_eval / BEIR ones):

* Only judgements with ``rel > 0`` count, and they all count the same (graded relevance is binarised).
* Queries without any relevant judgement are skipped, as trec_eval does; every other metric is a mean
  over the remaining queries.
* **MRR**: 1 / rank of the first relevant document, 0 if none is retrieved.
* **MAP**: mean of average precision, AP = (1/R) * sum over retrieved relevant documents d of
  precision@rank(d), where R is the number of relevant documents of the query (retrieved or not).
* **Acc@k**: 1 if at least one relevant document is among the top k, else 0 (a.k.a. hit rate or
  success@k; not recall@k).
* Ties in score are broken by document id (smaller id string first), so a run is reproducible.

The metric functions are pure (numpy only); reading files and calling the embedder sit at the edges.
"""

from __future__ import annotations

from training.retrieval.evaluation import TextEmbedder, evaluate_retrieval, format_report
from training.retrieval.metrics import (
    KS,
    METRIC_KEYS,
    Qrels,
    average_precision,
    evaluate_ranked_lists,
    evaluate_scores,
    hit_at_k,
    metrics_from_ranks,
    reciprocal_rank,
    relevant_docs,
    relevant_ranks,
    top_k,
)
from training.retrieval.readers import (
    RetrievalInputError,
    RetrievalSet,
    load_retrieval_set,
    read_qrels,
    read_tsv,
)

__all__ = [
    "KS",
    "METRIC_KEYS",
    "Qrels",
    "RetrievalInputError",
    "RetrievalSet",
    "TextEmbedder",
    "average_precision",
    "evaluate_ranked_lists",
    "evaluate_retrieval",
    "evaluate_scores",
    "format_report",
    "hit_at_k",
    "load_retrieval_set",
    "metrics_from_ranks",
    "read_qrels",
    "read_tsv",
    "reciprocal_rank",
    "relevant_docs",
    "relevant_ranks",
    "top_k",
]
