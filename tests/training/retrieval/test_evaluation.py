"""Evaluating an embedder end to end with a small deterministic fake; the report format."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import PassgenauError, ValidationError
from matcher.fusion import FusionParams
from training.retrieval import evaluation, metrics
from training.retrieval.evaluation import evaluate_retrieval, format_report
from training.retrieval.readers import (
    load_retrieval_set,
)


class TrigramEmbedder:
    """Character-trigram hashing vectors: similar spellings get similar unit vectors. No model needed."""

    model_id = "fake-trigram"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls: list[tuple[str, int]] = []

    def _vec(self, text: str) -> np.ndarray:
        padded = f"  {text.casefold()} "
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(padded) - 2):
            v[zlib.crc32(padded[i : i + 3].encode()) % self.dim] += 1.0
        return v / max(float(np.linalg.norm(v)), 1e-12)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(("queries", len(texts)))
        return np.stack([self._vec(t) for t in texts]).astype(np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(("passages", len(texts)))
        return np.stack([self._vec(t) for t in texts]).astype(np.float32)


# ----------------------------------------------------------------------------------------------- metrics

QRELS_3 = {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 1}}


def test_format_report_last_line_is_the_json_object() -> None:
    m = {"mrr": 0.123456, "map": 0.5, "acc@1": 1 / 3, "acc@5": 2 / 3, "acc@10": 1.0, "extra": 9.0}
    report = format_report(m, title="fake")
    last = json.loads(report.splitlines()[-1])
    assert list(last) == ["mrr", "map", "acc@1", "acc@5", "acc@10"]
    assert last == {"mrr": 0.1235, "map": 0.5, "acc@1": 0.3333, "acc@5": 0.6667, "acc@10": 1.0}
    assert report.splitlines()[0] == "fake"
    assert "MRR" in report and "Acc@10" in report


# ----------------------------------------------------------------------------------------------- readers


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


CORPUS = {
    "d1": "Koch/Köchin",
    "d2": "Lagerhelfer/Lagerhelferin",
    "d3": "Berufskraftfahrer/Berufskraftfahrerin",
    "d4": "Pflegefachkraft",
    "d5": "Bäcker/Bäckerin",
}
QUERIES = {"q1": "Köchin", "q2": "Lagerhelfer", "q3": "Kraftfahrer", "q4": "Bäckerin", "q5": "unjudged"}
QRELS = {"q1": {"d1": 1}, "q2": {"d2": 1}, "q3": {"d3": 1}, "q4": {"d5": 1, "d4": 0}}


def test_fake_embedder_end_to_end(tmp_path: Path) -> None:
    q = _write(tmp_path / "q.tsv", "id\ttext\n" + "".join(f"{k}\t{v}\n" for k, v in QUERIES.items()))
    c = _write(tmp_path / "c.tsv", "".join(f"{k}\t{v}\n" for k, v in CORPUS.items()))
    r = _write(
        tmp_path / "r.txt", "".join(f"{q} 0 {d} {s}\n" for q, ds in QRELS.items() for d, s in ds.items())
    )
    data = load_retrieval_set(q, c, r)
    emb = TrigramEmbedder()
    m = evaluate_retrieval(data.queries, data.corpus, data.qrels, emb)
    assert m == {"mrr": 1.0, "map": 1.0, "acc@1": 1.0, "acc@5": 1.0, "acc@10": 1.0}
    # corpus through encode_passages, only the 4 judged queries through encode_queries
    assert sorted(emb.calls) == [("passages", 5), ("queries", 4)]
    assert json.loads(format_report(m).splitlines()[-1])["acc@1"] == 1.0


def test_evaluate_retrieval_rejects_unknown_ids() -> None:
    with pytest.raises(ValidationError, match="not in the queries"):
        evaluate_retrieval(QUERIES, CORPUS, {"q9": {"d1": 1}}, TrigramEmbedder())
    with pytest.raises(ValidationError, match="not in the corpus"):
        evaluate_retrieval(QUERIES, CORPUS, {"q1": {"d9": 1}}, TrigramEmbedder())


def test_blocked_scoring_gives_the_same_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    queries = {f"q{i}": text for i, text in enumerate(["Koch", "Bäcker", "Fahrer", "Pflege", "Lager"])}
    qrels = {"q0": {"d1": 1}, "q1": {"d5": 1, "d1": 1}, "q2": {"d3": 1}, "q3": {"d4": 1}, "q4": {"d2": 1}}
    whole = evaluate_retrieval(queries, CORPUS, qrels, TrigramEmbedder())
    monkeypatch.setattr(evaluation, "_SCORE_CELLS", 2 * len(CORPUS))  # two queries per block
    monkeypatch.setattr(metrics, "_RANK_CELLS", len(CORPUS))  # one relevant pair per block
    assert evaluate_retrieval(queries, CORPUS, qrels, TrigramEmbedder()) == pytest.approx(whole)
    assert whole["map"] < 1.0  # not a trivial all-perfect case


class _Reversed(TrigramEmbedder):
    """A dense model that is wrong on purpose: it ranks the corpus backwards for every query."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return -super().encode_queries(texts)


def test_lexical_needs_no_embedder_and_hybrid_fuses_both() -> None:
    queries = {"q1": "Köchin", "q2": "Lagerhelfer", "q3": "Kraftfahrer", "q4": "Bäckerin"}
    qrels = {q: r for q, r in QRELS.items()}
    lexical = evaluate_retrieval(queries, CORPUS, qrels, None, method="lexical")
    assert lexical == {"mrr": 1.0, "map": 1.0, "acc@1": 1.0, "acc@5": 1.0, "acc@10": 1.0}
    wrong = evaluate_retrieval(queries, CORPUS, qrels, _Reversed(), method="dense")
    assert wrong["mrr"] < 0.5
    # with the dense ranking weighted low, the lexical one decides
    fused = evaluate_retrieval(
        queries, CORPUS, qrels, _Reversed(), method="hybrid", fusion=FusionParams(dense_weight=0.2, k=1)
    )
    assert fused["acc@1"] == 1.0
    with pytest.raises(PassgenauError, match="embedding model"):
        evaluate_retrieval(queries, CORPUS, qrels, None, method="dense")
    with pytest.raises(ValidationError, match="method"):
        evaluate_retrieval(queries, CORPUS, qrels, None, method="sparse")
