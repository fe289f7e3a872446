"""The employers' placement history: shrunk shares, out of fold, through the bundle."""

from __future__ import annotations

import numpy as np
import pytest

from models.employer_history import PRIOR_WEIGHT, EmployerHistory, out_of_fold


def test_an_employer_share_is_shrunk_towards_the_overall_one() -> None:
    ids = ["A"] * 8 + ["B"] * 2
    lasted = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]  # A: 6 of 8, B: 0 of 2; overall 0.6
    h = EmployerHistory.from_outcomes(ids, lasted)
    assert h.share == pytest.approx(0.6)
    a, b, new = h.values(["A", "B", "C"])
    assert a == pytest.approx((6 + PRIOR_WEIGHT * 0.6) / (8 + PRIOR_WEIGHT) - 0.6)
    assert b == pytest.approx((0 + PRIOR_WEIGHT * 0.6) / (2 + PRIOR_WEIGHT) - 0.6)
    assert new == 0.0  # no history: the average, nothing for or against
    assert a > 0 > b


def test_a_row_never_reads_its_own_outcome() -> None:
    rng = np.random.default_rng(4)
    ids = [f"E{i}" for i in rng.integers(0, 30, 600).tolist()]
    y = rng.integers(0, 2, 600)
    before = out_of_fold(ids, y)
    for row in (0, 7, 311):
        flipped = y.copy()
        flipped[row] = 1 - flipped[row]
        after = out_of_fold(ids, flipped)
        assert after[row] == before[row]
        # ... while rows of the same employer in the other folds do read it.
        same = [i for i, e in enumerate(ids) if e == ids[row] and i % 5 != row % 5]
        assert same and all(after[i] != before[i] for i in same)


def test_the_history_survives_json() -> None:
    h = EmployerHistory.from_outcomes(["A", "B", "A"], [1, 0, 0])
    again = EmployerHistory.from_json(h.to_json())
    assert again == h
    np.testing.assert_array_equal(again.values(["A", "B", "X"]), h.values(["A", "B", "X"]))


def test_outcomes_must_align() -> None:
    with pytest.raises(ValueError, match="aligned"):
        EmployerHistory.from_outcomes(["A"], [1, 0])
