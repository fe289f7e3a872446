"""Retrieval metrics on hand-computed cases, the file readers' errors, and a fake embedder end to end."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import PassgenauError, ValidationError
from training.retrieval import (
    METRIC_KEYS,
    RetrievalInputError,
    average_precision,
    evaluate_ranked_lists,
    evaluate_retrieval,
    evaluate_scores,
    format_report,
    load_retrieval_set,
    read_qrels,
    read_tsv,
    relevant_ranks,
    top_k,
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


def test_ranks_one_two_none() -> None:
    # first relevant doc at rank 1, rank 2, and not retrieved at all
    ranked = {"q1": ["a", "x", "y"], "q2": ["x", "b", "y"], "q3": ["x", "y", "z"]}
    m = evaluate_ranked_lists(ranked, QRELS_3)
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert m["map"] == pytest.approx((1 + 0.5 + 0) / 3)  # one relevant doc each: AP = RR
    assert m["acc@1"] == pytest.approx(1 / 3)
    assert m["acc@5"] == pytest.approx(2 / 3)
    assert m["acc@10"] == pytest.approx(2 / 3)
    assert set(m) == set(METRIC_KEYS)


def test_map_with_several_relevant_and_an_unretrieved_one() -> None:
    # relevant a, c, d; retrieved at ranks 1 and 3, d never: AP = (1/1 + 2/3) / 3
    qrels = {"q": {"a": 1, "c": 2, "d": 1, "b": 0}}
    m = evaluate_ranked_lists({"q": ["a", "b", "c", "e"]}, qrels)
    assert m["map"] == pytest.approx((1 + 2 / 3) / 3)
    assert m["mrr"] == 1.0
    assert average_precision([3, 1], 3) == pytest.approx(5 / 9)


def test_acc_at_k_boundary() -> None:
    ranked = {"q": [f"x{i}" for i in range(5)] + ["a"]}  # relevant at rank 6
    m = evaluate_ranked_lists(ranked, {"q": {"a": 1}})
    assert (m["acc@1"], m["acc@5"], m["acc@10"]) == (0.0, 0.0, 1.0)
    assert m["mrr"] == pytest.approx(1 / 6)


def test_graded_relevance_is_binary_and_unjudged_queries_are_skipped() -> None:
    qrels = {"q1": {"a": 3}, "q2": {"b": 0}}  # q2 has no relevant doc: not counted
    m = evaluate_ranked_lists({"q1": ["x", "a"], "q2": ["b"]}, qrels)
    assert m["mrr"] == 0.5 and m["map"] == 0.5 and m["acc@1"] == 0.0


def test_no_relevant_judgement_at_all_is_an_error() -> None:
    with pytest.raises(ValidationError, match="no query has a relevant"):
        evaluate_ranked_lists({"q": ["a"]}, {"q": {"a": 0}})


def test_score_ties_are_broken_by_doc_id() -> None:
    doc_ids = ["b", "a", "c"]
    scores = np.array([[0.5, 0.5, 0.9]], dtype=np.float32)
    assert top_k(scores[0], doc_ids, 3) == ["c", "a", "b"]
    assert relevant_ranks(scores, doc_ids, [["b", "a"]]) == [[3, 2]]
    m = evaluate_scores(scores, ["q"], doc_ids, {"q": {"b": 1}})
    assert m["mrr"] == pytest.approx(1 / 3)


def test_score_matrix_agrees_with_sorted_lists() -> None:
    rng = np.random.default_rng(7)
    # rounded scores force many ties, so the tie-break is exercised
    scores = np.round(rng.random((40, 60)), 1).astype(np.float32)
    doc_ids = [f"d{j}" for j in rng.permutation(60)]
    qids = [f"q{i}" for i in range(40)]
    qrels = {q: {doc_ids[j]: int(rng.integers(0, 3)) for j in rng.choice(60, 3, replace=False)} for q in qids}
    ranked = {q: top_k(scores[i], doc_ids, 60) for i, q in enumerate(qids)}
    full = evaluate_scores(scores, qids, doc_ids, qrels)
    lists = evaluate_ranked_lists(ranked, qrels)
    assert full == pytest.approx(lists)


def test_unknown_doc_in_scores_is_an_error() -> None:
    with pytest.raises(ValidationError, match="'z' is not in the corpus"):
        evaluate_scores(np.zeros((1, 2)), ["q"], ["a", "b"], {"q": {"z": 1}})


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


@pytest.mark.parametrize("header", ["id\ttext\n", "qid\ttext\n", "\ufeffID\tTitle\n", ""])
def test_tsv_header_is_optional(tmp_path: Path, header: str) -> None:
    p = _write(tmp_path / "q.tsv", f"{header}q1\tKoch\n\nq2\t Lagerhelfer \n")
    assert read_tsv(p) == {"q1": "Koch", "q2": "Lagerhelfer"}


def test_tsv_header_only_on_the_first_line(tmp_path: Path) -> None:
    p = _write(tmp_path / "c.tsv", "d1\tKoch\nid\tKöchin\n")
    assert read_tsv(p) == {"d1": "Koch", "id": "Köchin"}


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("id\ttext\nq1\tKoch\nq2\tzu\tviel\n", 3, "line"),
        ("q1\tKoch\nq2\n", 2, "line"),
        ("q1\tKoch\n\t Maler\n", 2, "id"),
        ("q1\tKoch\nq2\t  \n", 2, "text"),
        ("q1\tKoch\nq2\tMaler\nq1\tBäcker\n", 3, "id"),
    ],
)
def test_tsv_errors_name_file_and_line(tmp_path: Path, body: str, line: int, field: str) -> None:
    p = _write(tmp_path / "queries.tsv", body)
    with pytest.raises(RetrievalInputError) as err:
        read_tsv(p)
    assert str(err.value).startswith(f"{p}:{line}: {field}:")
    assert isinstance(err.value, PassgenauError)


def test_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(PassgenauError, match="file not found"):
        read_tsv(tmp_path / "nope.tsv")
    with pytest.raises(PassgenauError, match="no records"):
        read_tsv(_write(tmp_path / "e.tsv", "id\ttext\n"))


def test_qrels_reading(tmp_path: Path) -> None:
    p = _write(tmp_path / "qrels.txt", "q1 0 d1 1\nq1\t0\td2\t0\n\nq2 0 d1 2\nq2 0 d1 2\n")
    assert read_qrels(p) == {"q1": {"d1": 1, "d2": 0}, "q2": {"d1": 2}}


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("q1 0 d1 1\nq2 0 d2\n", 2, "line"),
        ("q1 0 d1 1\nq2 0 d2 yes\n", 2, "rel"),
        ("q1 0 d1 1\nq1 0 d1 0\n", 2, "rel"),
    ],
)
def test_malformed_qrels_line_names_file_and_line(tmp_path: Path, body: str, line: int, field: str) -> None:
    p = _write(tmp_path / "qrels.txt", body)
    with pytest.raises(RetrievalInputError) as err:
        read_qrels(p)
    assert str(err.value).startswith(f"{p}:{line}: {field}:")
    assert err.value.row.line == line


def test_qrels_must_name_known_ids(tmp_path: Path) -> None:
    q = _write(tmp_path / "q.tsv", "id\ttext\nq1\tKoch\n")
    c = _write(tmp_path / "c.tsv", "id\ttext\nd1\tKoch/Köchin\n")
    bad_doc = _write(tmp_path / "r1.txt", "q1 0 d1 1\nq1 0 d9 1\n")
    with pytest.raises(RetrievalInputError, match=r"r1\.txt:2: docid: 'd9' is not in"):
        load_retrieval_set(q, c, bad_doc)
    bad_query = _write(tmp_path / "r2.txt", "q7 0 d1 1\n")
    with pytest.raises(RetrievalInputError, match=r"r2\.txt:1: qid: 'q7' is not in"):
        load_retrieval_set(q, c, bad_query)


# ------------------------------------------------------------------------------------------ end to end

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
    import training.retrieval as retrieval

    queries = {f"q{i}": text for i, text in enumerate(["Koch", "Bäcker", "Fahrer", "Pflege", "Lager"])}
    qrels = {"q0": {"d1": 1}, "q1": {"d5": 1, "d1": 1}, "q2": {"d3": 1}, "q3": {"d4": 1}, "q4": {"d2": 1}}
    whole = evaluate_retrieval(queries, CORPUS, qrels, TrigramEmbedder())
    monkeypatch.setattr(retrieval, "_SCORE_CELLS", 2 * len(CORPUS))  # two queries per block
    monkeypatch.setattr(retrieval, "_RANK_CELLS", len(CORPUS))  # one relevant pair per block
    assert evaluate_retrieval(queries, CORPUS, qrels, TrigramEmbedder()) == pytest.approx(whole)
    assert whole["map"] < 1.0  # not a trivial all-perfect case
