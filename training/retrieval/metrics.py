"""Ranking metrics (MRR, MAP, Acc@k) from ranks, ranked lists or a score matrix: pure numpy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from matcher.errors import ValidationError

Qrels = dict[str, dict[str, int]]

KS = (1, 5, 10)
METRIC_KEYS = ("mrr", "map", "acc@1", "acc@5", "acc@10")
# Bound on the (pairs x corpus) comparison matrix built when ranking relevant documents.
_RANK_CELLS = 1 << 24


def relevant_docs(qrels: Mapping[str, Mapping[str, int]]) -> dict[str, set[str]]:
    """``{qid: {docid with rel > 0}}``, leaving out queries that have none."""
    out = {qid: {d for d, rel in judged.items() if rel > 0} for qid, judged in qrels.items()}
    return {qid: docs for qid, docs in out.items() if docs}


def reciprocal_rank(ranks: Sequence[int]) -> float:
    """1 / the smallest 1-based rank of a relevant document; 0.0 when none was retrieved."""
    return 1.0 / min(ranks) if len(ranks) else 0.0


def average_precision(ranks: Sequence[int], n_relevant: int) -> float:
    """(1/n_relevant) * sum of precision@r over the 1-based ranks r of the retrieved relevant documents."""
    if n_relevant <= 0:
        raise ValueError("average precision needs at least one relevant document")
    ordered = sorted(ranks)
    return sum((i + 1) / r for i, r in enumerate(ordered)) / n_relevant


def hit_at_k(ranks: Sequence[int], k: int) -> float:
    """1.0 if some relevant document is ranked within the top ``k``, else 0.0."""
    return 1.0 if any(r <= k for r in ranks) else 0.0


def metrics_from_ranks(
    ranks: Sequence[Sequence[int]], n_relevant: Sequence[int], ks: Sequence[int] = KS
) -> dict[str, float]:
    """Mean MRR, MAP and Acc@k over queries, given each query's relevant-document ranks.

    ``ranks[i]`` holds the 1-based ranks of the *retrieved* relevant documents of query i (a relevant
    document missing from a truncated list is simply absent); ``n_relevant[i]`` counts all of them.
    """
    if len(ranks) != len(n_relevant):
        raise ValueError("ranks and n_relevant must have one entry per query")
    if not ranks:
        raise ValidationError("qrels", "no query has a relevant document (rel > 0)")
    n = len(ranks)
    out = {
        "mrr": sum(reciprocal_rank(r) for r in ranks) / n,
        "map": sum(average_precision(r, m) for r, m in zip(ranks, n_relevant, strict=True)) / n,
    }
    for k in ks:
        out[f"acc@{k}"] = sum(hit_at_k(r, k) for r in ranks) / n
    return out


def evaluate_ranked_lists(
    ranked: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]], ks: Sequence[int] = KS
) -> dict[str, float]:
    """Metrics of explicit rankings ``{qid: [docid, ...]}`` (best first, possibly truncated).

    Every query with a relevant judgement counts; a query missing from ``ranked`` retrieved nothing.
    """
    rel = relevant_docs(qrels)
    all_ranks: list[list[int]] = []
    for qid in sorted(rel):
        docs = rel[qid]
        all_ranks.append([i + 1 for i, d in enumerate(ranked.get(qid, ())) if d in docs])
    return metrics_from_ranks(all_ranks, [len(rel[q]) for q in sorted(rel)], ks)


def top_k(scores: npt.ArrayLike, doc_ids: Sequence[str], k: int) -> list[str]:
    """The ``k`` best document ids for one score row: higher score first, ties by smaller id."""
    row = np.asarray(scores)
    # lexsort sorts by the last key first: descending score, then ascending id
    order = np.lexsort((np.asarray(doc_ids, dtype=object).astype(str), -row))
    return [doc_ids[i] for i in order[:k]]


def relevant_ranks(
    scores: npt.ArrayLike, doc_ids: Sequence[str], relevant: Sequence[Sequence[str]]
) -> list[list[int]]:
    """1-based ranks of each query's relevant documents in its full ranking of the corpus.

    ``scores`` is (n_queries, n_docs); ``relevant[i]`` lists the relevant doc ids of query i. The rank of
    document d is 1 + #(score > score_d) + #(score == score_d and id < id_d), i.e. the position it would
    have in a full sort with ties broken by id, computed without sorting the whole row.
    """
    s = np.asarray(scores)
    if s.ndim != 2 or s.shape[0] != len(relevant) or s.shape[1] != len(doc_ids):
        raise ValueError(
            f"scores shape {s.shape} does not match {len(relevant)} queries x {len(doc_ids)} docs"
        )
    col = {d: j for j, d in enumerate(doc_ids)}
    if len(col) != len(doc_ids):
        raise ValueError("doc_ids must be unique")
    # id_rank[j] = position of doc j in id order, so "id smaller" is an integer comparison
    id_rank = np.empty(len(doc_ids), dtype=np.int64)
    id_rank[np.argsort(np.asarray(doc_ids, dtype=object).astype(str), kind="stable")] = np.arange(
        len(doc_ids)
    )
    pair_q = np.array([i for i, docs in enumerate(relevant) for _ in docs], dtype=np.int64)
    pair_d = np.array([col[d] for docs in relevant for d in docs], dtype=np.int64)
    pair_rank = np.empty(len(pair_q), dtype=np.int64)
    step = max(1, _RANK_CELLS // max(1, len(doc_ids)))
    for start in range(0, len(pair_q), step):
        q, d = pair_q[start : start + step], pair_d[start : start + step]
        rows = s[q]
        own = s[q, d][:, None]
        before = (rows > own) | ((rows == own) & (id_rank[None, :] < id_rank[d][:, None]))
        pair_rank[start : start + step] = 1 + before.sum(axis=1)
    out: list[list[int]] = [[] for _ in relevant]
    for qi, r in zip(pair_q.tolist(), pair_rank.tolist(), strict=True):
        out[qi].append(r)
    return out


def evaluate_scores(
    scores: npt.ArrayLike,
    query_ids: Sequence[str],
    doc_ids: Sequence[str],
    qrels: Mapping[str, Mapping[str, int]],
    ks: Sequence[int] = KS,
) -> dict[str, float]:
    """Metrics of a full score matrix (n_queries, n_docs): every document is ranked for every query.

    Queries of ``qrels`` with a relevant judgement must all be rows of ``scores``; a relevant doc id that
    is not a column raises :class:`ValidationError`.
    """
    rel = relevant_docs(qrels)
    row = {q: i for i, q in enumerate(query_ids)}
    missing = sorted(set(rel) - set(row))
    if missing:
        raise ValidationError("qrels", f"{len(missing)} judged queries have no scores, e.g. {missing[0]!r}")
    known = set(doc_ids)
    qids = sorted(rel)
    for qid in qids:
        unknown = sorted(rel[qid] - known)
        if unknown:
            raise ValidationError("qrels", f"query {qid!r}: document {unknown[0]!r} is not in the corpus")
    s = np.asarray(scores)[[row[q] for q in qids]]
    ranks = relevant_ranks(s, doc_ids, [sorted(rel[q]) for q in qids])
    return metrics_from_ranks(ranks, [len(rel[q]) for q in qids], ks)
