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

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from matcher.errors import PassgenauError, RowError, ValidationError

logger = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
Qrels = dict[str, dict[str, int]]

KS = (1, 5, 10)
METRIC_KEYS = ("mrr", "map", "acc@1", "acc@5", "acc@10")
_LABELS = {"mrr": "MRR", "map": "MAP", "acc@1": "Acc@1", "acc@5": "Acc@5", "acc@10": "Acc@10"}
# First column names that mark the first line of a TSV file as a header rather than a record.
_HEADER_IDS = frozenset({"id", "_id", "qid", "docid", "doc_id", "query_id", "query-id", "corpus-id"})
# Bound on the (pairs x corpus) comparison matrix built when ranking relevant documents.
_RANK_CELLS = 1 << 24
# Bound on the (queries x corpus) score block held at once in evaluate_retrieval (256 MB of float32).
_SCORE_CELLS = 1 << 26


class RetrievalInputError(PassgenauError):
    """A queries, corpus or qrels file has a bad line; the message names file, line and field."""

    def __init__(self, file: str | Path, line: int, field: str, reason: str) -> None:
        self.row = RowError(str(file), line, field, reason)
        super().__init__(str(self.row))


class TextEmbedder(Protocol):
    """The part of ``models.embedder.Embedder`` this module needs (rows L2-normalised, float32)."""

    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> F32: ...

    def encode_passages(self, texts: Sequence[str]) -> F32: ...


@dataclass(frozen=True)
class RetrievalSet:
    """Queries, corpus and qrels read from files and checked against each other."""

    queries: dict[str, str]
    corpus: dict[str, str]
    qrels: Qrels


# --------------------------------------------------------------------------------------------- readers


def _read_lines(path: Path) -> list[str]:
    try:
        # utf-8-sig: files saved by spreadsheet programs start with a BOM that must not become part of an id
        return Path(path).read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise PassgenauError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise PassgenauError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise PassgenauError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_tsv(path: str | Path) -> dict[str, str]:
    """Read an ``id<TAB>text`` file into an insertion-ordered ``{id: text}``.

    The first line is skipped as a header when its first field is a column name such as ``id``, ``qid``
    or ``docid`` (case-insensitive). Blank lines are ignored. Raises :class:`RetrievalInputError` naming
    the file and line for a line without exactly two fields, an empty id or text, or a repeated id, and
    :class:`PassgenauError` when the file is missing, unreadable or holds no records.
    """
    path = Path(path)
    out: dict[str, str] = {}
    first_line: dict[str, int] = {}
    seen_line = False
    for lineno, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        is_header = not seen_line and fields[0].strip().lower() in _HEADER_IDS
        seen_line = True
        if is_header:
            continue
        if len(fields) != 2:
            raise RetrievalInputError(
                path, lineno, "line", f"expected 2 tab-separated fields (id, text), found {len(fields)}"
            )
        doc_id, text = fields[0].strip(), fields[1].strip()
        if not doc_id:
            raise RetrievalInputError(path, lineno, "id", "empty")
        if not text:
            raise RetrievalInputError(path, lineno, "text", f"empty for id {doc_id!r}")
        if doc_id in out:
            raise RetrievalInputError(
                path, lineno, "id", f"{doc_id!r} repeated (first on line {first_line[doc_id]})"
            )
        out[doc_id] = text
        first_line[doc_id] = lineno
    if not out:
        raise PassgenauError(f"{path}: no records (expected lines 'id<TAB>text')")
    return out


def _read_qrels_lines(path: Path) -> tuple[Qrels, dict[tuple[str, str], int]]:
    qrels: Qrels = {}
    where: dict[tuple[str, str], int] = {}
    for lineno, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4:
            raise RetrievalInputError(
                path, lineno, "line", f"expected 4 fields 'qid 0 docid rel' (TREC qrels), found {len(fields)}"
            )
        qid, _iteration, doc_id, rel_text = fields
        try:
            rel = int(rel_text)
        except ValueError:
            raise RetrievalInputError(path, lineno, "rel", f"{rel_text!r} is not an integer") from None
        judged = qrels.setdefault(qid, {})
        if doc_id in judged and judged[doc_id] != rel:
            raise RetrievalInputError(
                path,
                lineno,
                "rel",
                f"({qid}, {doc_id}) judged {rel} here but {judged[doc_id]} on line {where[(qid, doc_id)]}",
            )
        judged[doc_id] = rel
        where.setdefault((qid, doc_id), lineno)
    if not qrels:
        raise PassgenauError(f"{path}: no judgements (expected lines 'qid 0 docid rel')")
    return qrels, where


def read_qrels(path: str | Path) -> Qrels:
    """Read a TREC qrels file (``qid 0 docid rel``, whitespace-separated) into ``{qid: {docid: rel}}``.

    The second column (TREC's iteration) is ignored. Raises :class:`RetrievalInputError` naming the file
    and line for a line without four fields, a non-integer ``rel`` or a pair judged twice differently.
    """
    return _read_qrels_lines(Path(path))[0]


def load_retrieval_set(
    queries_path: str | Path, corpus_path: str | Path, qrels_path: str | Path
) -> RetrievalSet:
    """Read the three files and check that every judgement names a known query and document.

    An unknown id in the qrels raises :class:`RetrievalInputError` with the qrels file and line: a qrels
    file that does not belong to the corpus would otherwise silently score zero.
    """
    queries = read_tsv(queries_path)
    corpus = read_tsv(corpus_path)
    qrels, where = _read_qrels_lines(Path(qrels_path))
    for (qid, doc_id), lineno in sorted(where.items(), key=lambda item: item[1]):
        if qid not in queries:
            raise RetrievalInputError(qrels_path, lineno, "qid", f"{qid!r} is not in {queries_path}")
        if doc_id not in corpus:
            raise RetrievalInputError(qrels_path, lineno, "docid", f"{doc_id!r} is not in {corpus_path}")
    return RetrievalSet(queries=queries, corpus=corpus, qrels=qrels)


# --------------------------------------------------------------------------------------------- metrics


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


# ------------------------------------------------------------------------------------------ evaluation


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
