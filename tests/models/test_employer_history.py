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


def test_beyond_the_expected_an_employer_reads_lasting_minus_expected_shrunk() -> None:
    ids = ["A"] * 4 + ["B"] * 2
    lasted = [1, 1, 1, 0, 0, 0]
    expected = [0.5, 0.5, 0.25, 0.25, 0.75, 0.25]  # A: 3 lasted of 1.5 expected; B: 0 of 1.0
    h = EmployerHistory.from_outcomes(ids, lasted, expected)
    a, b, new = h.values(["A", "B", "C"])
    assert a == pytest.approx((3 - 1.5) / (4 + PRIOR_WEIGHT))
    assert b == pytest.approx((0 - 1.0) / (2 + PRIOR_WEIGHT))
    assert new == 0.0


def test_a_low_share_that_the_jobs_explain_is_no_mark_against_the_employer() -> None:
    # Both employers kept 1 of 4; A's were jobs expected to last (0.75 each), B's not (0.25 each).
    ids = ["A"] * 4 + ["B"] * 4
    lasted = [1, 0, 0, 0] * 2
    expected = [0.75] * 4 + [0.25] * 4
    plain = EmployerHistory.from_outcomes(ids, lasted).values(["A", "B"])
    beyond = EmployerHistory.from_outcomes(ids, lasted, expected).values(["A", "B"])
    assert plain[0] == plain[1]
    assert beyond[0] < 0 and beyond[1] == pytest.approx(0.0)


def test_beyond_the_expected_survives_json_and_old_files_keep_the_plain_share() -> None:
    h = EmployerHistory.from_outcomes(["A", "B", "A"], [1, 0, 0], [0.5, 0.25, 0.75])
    again = EmployerHistory.from_json(h.to_json())
    assert again == h
    np.testing.assert_array_equal(again.values(["A", "B", "X"]), h.values(["A", "B", "X"]))
    old = '{"employers": {"A": [2, 1]}, "share": 0.5, "weight": 5.0}'  # as bundles wrote it before
    legacy = EmployerHistory.from_json(old)
    assert legacy.expected is None
    assert legacy.values(["A"])[0] == pytest.approx((1 + 5 * 0.5) / (2 + 5) - 0.5)


def test_out_of_fold_beyond_the_expected_never_reads_the_row_itself() -> None:
    rng = np.random.default_rng(5)
    ids = [f"E{i}" for i in rng.integers(0, 30, 600).tolist()]
    y = rng.integers(0, 2, 600)
    p = rng.uniform(0.2, 0.8, 600)
    before = out_of_fold(ids, y, expected=p)
    for row in (3, 250):
        flipped, moved = y.copy(), p.copy()
        flipped[row] = 1 - flipped[row]
        moved[row] = 0.5 if moved[row] != 0.5 else 0.6
        after = out_of_fold(ids, flipped, expected=moved)
        assert after[row] == before[row]


def test_expected_must_align() -> None:
    with pytest.raises(ValueError, match="expected probabilities must be aligned"):
        EmployerHistory.from_outcomes(["A", "B"], [1, 0], [0.5])
