"""The direction-keeping ridge logistic regression and the scorer built on it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from models.monotone import fit_monotone_logistic
from models.scorer import SustainabilityScorer


def _region(seed: int, n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 90, n), rng.integers(0, 2, n).astype(float), rng.normal(size=n)])
    # Falls with the first column except for a bump at 55-75 that a free curve follows.
    z = 0.8 - 0.03 * X[:, 0] + 1.5 * ((X[:, 0] > 55) & (X[:, 0] < 75)) - 0.5 * X[:, 1] + 0.2 * X[:, 2]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(np.int64)
    return X, y


def test_without_directions_it_is_the_ridge_logistic_regression() -> None:
    X, y = _region(3)
    Z = StandardScaler().fit_transform(X)
    coef, intercept, _ = fit_monotone_logistic(
        Z, y, [slice(0, 1), slice(1, 2), slice(2, 3)], [0, 0, 0], np.ones(3), C=0.5
    )
    ref = LogisticRegression(C=0.5, tol=1e-10, max_iter=5000).fit(Z, y)
    np.testing.assert_allclose(coef, ref.coef_[0], atol=1e-5)
    assert intercept == pytest.approx(ref.intercept_[0], abs=1e-5)


def test_a_flag_keeps_its_sign_and_a_curve_its_direction() -> None:
    X, y = _region(5)
    free = SustainabilityScorer(binary=[1]).fit(X, y)
    kept = SustainabilityScorer(binary=[1], monotone=[-1, 1, 0]).fit(X, y)
    grid = np.column_stack([np.linspace(0, 90, 181), np.zeros(181), np.zeros(181)])
    assert np.all(np.diff(kept.decision_function(grid)) <= 1e-12)
    assert np.any(np.diff(free.decision_function(grid)) > 1e-3)  # the bump, followed when free
    flag = (
        kept.contributions(np.array([[10.0, 1.0, 0.0]]))[0, 1]
        - kept.contributions(np.array([[10.0, 0.0, 0.0]]))[0, 1]
    )
    assert flag >= 0.0  # the data say -0.5: the constraint holds it at 0
    assert flag == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("kind", ["additive", "ga2m"])
def test_constrained_explanations_stay_exact(kind: str) -> None:
    X, y = _region(11)
    model = SustainabilityScorer(kind=kind, binary=[1], monotone=[-1, -1, 1]).fit(X, y)
    terms = model.contributions(X[:50])
    np.testing.assert_allclose(
        model.base_logit_ + terms.sum(axis=1), model.decision_function(X[:50]), atol=1e-9
    )


def test_directions_must_match_the_columns() -> None:
    X, y = _region(2, 500)
    with pytest.raises(ValueError, match="3 columns"):
        SustainabilityScorer(monotone=[1, -1]).fit(X, y)
    with pytest.raises(ValueError, match="-1, 0 or \\+1"):
        SustainabilityScorer(monotone=[2, 0, 0]).fit(X, y)
