"""Ranking metrics on tiny hand-computed cases; score ties broken by document id."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.errors import ValidationError
from training.retrieval.metrics import (
    METRIC_KEYS,
    average_precision,
    evaluate_ranked_lists,
    evaluate_scores,
    relevant_ranks,
    top_k,
)

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
