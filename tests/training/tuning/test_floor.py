"""The grounding floor of a tuned model: as precise as the base model at its floor, on dev queries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.tuning.floor import GRID, TopOne, matching_floor, top_one


def _top(sims: list[float], correct: list[bool]) -> TopOne:
    return TopOne(np.array(sims, dtype=np.float64), np.array(correct, dtype=bool))


def test_top_one_takes_each_querys_nearest_document() -> None:
    scores = [[0.2, 0.9, 0.1], [0.5, 0.4, 0.6], [0.3, 0.3, 0.1]]
    top = top_one(scores, ["a", "b", "c"], [{"b": 1}, {"a": 1}, {"a": 1}])
    assert top.similarity.tolist() == [0.9, 0.6, 0.3]
    assert top.correct.tolist() == [True, False, True]  # the tie goes to the earlier document


def test_precision_and_coverage_at_a_floor() -> None:
    top = _top([0.9, 0.8, 0.7, 0.6], [True, False, True, False])
    assert top.at(0.75) == (0.5, 0.5)
    assert top.at(0.65) == pytest.approx((2 / 3, 0.75))
    assert top.at(0.95) == (1.0, 0.0)  # nothing accepted: nothing wrong


def test_the_tuned_floor_is_the_lowest_that_is_as_precise_as_the_base() -> None:
    base = _top([0.95, 0.9, 0.86, 0.8], [True, True, False, True])  # at 0.85: 2 of 3 right
    tuned = _top([0.80, 0.72, 0.70, 0.66, 0.60], [True, True, False, False, True])
    choice = matching_floor(base, tuned)
    assert choice.target_precision == pytest.approx(2 / 3)
    assert choice.base_coverage == 0.75
    # 0.61-0.66: 2 of 4 right; 0.67-0.70: 2 of 3 right, which reaches the target
    assert choice.floor == 0.67
    assert choice.precision == pytest.approx(2 / 3)
    assert choice.coverage == 0.6
    assert choice.as_manifest()["grounding_floor"] == 0.67


def test_no_floor_as_precise_gives_the_highest_of_the_grid() -> None:
    base = _top([0.9], [True])
    tuned = _top([0.99, 0.7], [False, True])
    assert matching_floor(base, tuned).floor == GRID[-1] == 0.95


SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"


@pytest.mark.skipif(not (SHARED / "esco_de").is_dir(), reason="needs ../shared/data")
def test_the_dev_floor_of_two_fake_models_on_the_german_dev_concepts() -> None:
    from tests.fakes import TrigramEmbedder
    from training.retrieval.heldout import read_esco_labels
    from training.tuning.floor import dev_floor

    german = read_esco_labels(SHARED, "de")
    choice = dev_floor(german, TrigramEmbedder(), TrigramEmbedder(128))
    # 1,476 queries: 738 of dev occupations, as many train labels whose answer is not in the corpus
    assert choice.target_precision == pytest.approx(0.63077, abs=1e-5)
    assert choice.base_coverage == pytest.approx(0.13211, abs=1e-5)
    assert (choice.floor, round(choice.precision, 5), round(choice.coverage, 5)) == (0.79, 0.63846, 0.17615)
