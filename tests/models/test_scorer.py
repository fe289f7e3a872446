from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from models.interactions import rank_pairs
from models.scorer import SustainabilityScorer, row_sums


def _expected_failures(estimator):
    if estimator.kind in ("additive", "ga2m"):
        # Quantile spline knots come from weighted percentiles, which interpolate differently from
        # the percentiles of repeated rows; predictions agree to about 1e-3, not the check's 1e-7.
        # (ga2m: repeated rows also move the boundary of the rows its pair search judges on.)
        return {"check_sample_weight_equivalence_on_dense_data": "weighted quantile knots"}
    return {}


@parametrize_with_checks(
    [
        SustainabilityScorer(),
        SustainabilityScorer(kind="ga2m"),
        SustainabilityScorer(kind="boosting", max_iter=20),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_estimator_contract(estimator, check) -> None:
    check(estimator)


def data(n: int = 4000, seed: int = 0):
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0, 90, n)  # commute minutes: effect only beyond 45
    x1 = rng.integers(0, 2, n).astype(float)  # temp agency flag
    x2 = rng.normal(0, 1, n)  # pure noise
    logit = -0.3 - 0.05 * np.maximum(x0 - 45, 0) - 0.8 * x1
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return np.column_stack([x0, x1, x2]), y, logit


def test_additive_contributions_add_up_to_the_logit() -> None:
    X, y, _ = data()
    model = SustainabilityScorer(binary=[1]).fit(X, y)
    contrib = model.contributions(X[:50])
    assert contrib.shape == (50, 3)
    np.testing.assert_allclose(
        model.base_logit_ + contrib.sum(axis=1), model.decision_function(X[:50]), atol=1e-9
    )
    p = model.predict_proba(X[:50])[:, 1]
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(model.base_logit_ + contrib.sum(axis=1)))), atol=1e-12)


def test_additive_model_finds_the_shape_of_the_effects() -> None:
    X, y, logit = data(20_000)
    model = SustainabilityScorer(binary=[1]).fit(X, y)
    grid = np.column_stack([np.linspace(0, 90, 10), np.zeros(10), np.zeros(10)])
    c = model.contributions(grid)[:, 0]
    assert c[0] - c[4] < 0.2  # flat below 45 minutes
    assert c[4] - c[9] > 1.5  # falls beyond: 0.05/min over 45 minutes is 2.25 logits at 90
    temp = (
        model.contributions(np.array([[30.0, 1.0, 0.0]]))[0, 1]
        - model.contributions(np.array([[30, 0, 0]]))[0, 1]
    )
    assert -1.1 < temp < -0.5
    assert roc_auc_score(y, model.predict_proba(X)[:, 1]) > roc_auc_score(y, logit) - 0.01


def test_boosting_has_no_exact_contributions() -> None:
    X, y, _ = data(500)
    model = SustainabilityScorer(kind="boosting", max_iter=10).fit(X, y)
    with pytest.raises(ValueError):
        model.contributions(X)


def interaction_data(n: int = 6000, seed: int = 0):
    """A long commute hurts only without a car (a step in combination), plus a smooth product."""
    rng = np.random.default_rng(seed)
    minutes = rng.uniform(0, 90, n)
    no_car = rng.integers(0, 2, n).astype(float)
    a, b = rng.normal(0, 1, n), rng.normal(0, 1, n)
    noise = rng.normal(0, 1, n)
    logit = -0.2 - 0.4 * no_car - 1.2 * ((minutes > 45) & (no_car == 1)) + 0.6 * a * b
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return np.column_stack([minutes, no_car, a, b, noise]), y, logit


def test_ga2m_finds_the_pairs_and_its_terms_add_up_exactly() -> None:
    X, y, _logit = interaction_data()
    model = SustainabilityScorer(kind="ga2m", binary=[1]).fit(X[:5000], y[:5000])
    # Found by the search, not given (a third, spurious pair of the noise column may pass its test).
    assert {(0, 1), (2, 3)} <= set(model.interactions_) and len(model.interactions_) <= 5
    c = model.contributions(X[5000:])
    n_terms = 5 + len(model.interactions_)
    assert c.shape == (1000, n_terms)
    # Bit for bit, as the pair scorer computes the logit: base + the terms added column by column.
    np.testing.assert_array_equal(model.base_logit_ + row_sums(c), model.decision_function(X[5000:]))
    np.testing.assert_allclose(
        model.base_logit_ + c.sum(axis=1), model.decision_function(X[5000:]), atol=1e-12
    )
    add = SustainabilityScorer(binary=[1]).fit(X[:5000], y[:5000])
    auc_add = roc_auc_score(y[5000:], add.decision_function(X[5000:]))
    auc_ga2m = roc_auc_score(y[5000:], model.decision_function(X[5000:]))
    assert auc_ga2m > auc_add + 0.02
    # The commute × car term: long commutes without a car lower the chance beyond both main terms.
    k = model.interactions_.index((0, 1))
    grid = np.array([[80.0, 1.0, 0, 0, 0], [80.0, 0.0, 0, 0, 0], [20.0, 1.0, 0, 0, 0], [20.0, 0.0, 0, 0, 0]])
    t = model.contributions(grid)[:, 5 + k]
    assert model.contributions(grid).shape == (4, n_terms)
    assert (t[0] - t[1]) - (t[2] - t[3]) < -0.6


def test_pair_ranking_weighs_the_gain_against_its_degrees_of_freedom() -> None:
    """A flag × flag interaction (4 cells) outranks pairs of pure-noise continuous columns (64 cells),
    whose raw gain is larger by chance alone (module doc of ``models.interactions``, step 1)."""
    rng = np.random.default_rng(3)
    n = 4000
    young, shift = (rng.random(n) < 0.1).astype(float), (rng.random(n) < 0.3).astype(float)
    u, v, w = rng.normal(size=(3, n))
    y = (rng.random(n) < 1 / (1 + np.exp(0.3 + 1.3 * young * shift))).astype(float)
    p0 = np.full(n, y.mean())
    ranked = rank_pairs(np.column_stack([young, shift, u, v, w]), y - p0, p0 * (1 - p0))
    assert [(i, j) for _, i, j in ranked[:3]] == [(0, 1), (0, 3), (0, 4)]
    assert round(ranked[0][0], 3) == 11.037
    # The noise pairs' raw gains (44.4 for u × v) are below their 49 degrees of freedom.
    assert dict(((i, j), g) for g, i, j in ranked)[(2, 3)] == pytest.approx(-0.466, abs=1e-3)


def test_a_plainly_ranked_pair_needs_only_a_positive_heldout_saving(monkeypatch) -> None:
    import models.interactions as MI

    X, y, _ = interaction_data()
    monkeypatch.setattr(MI, "MIN_Z", 1e9)  # no saving passes the standard-error test
    model = SustainabilityScorer(kind="ga2m", binary=[1]).fit(X[:5000], y[:5000])
    by_pair = {tuple(r["pair"]): r for r in model.interaction_search_}
    assert set(model.interactions_) == {(0, 1), (2, 3)}
    assert all(by_pair[p]["rank_gain"] >= MI.RANK_Z for p in model.interactions_)
    monkeypatch.setattr(MI, "RANK_Z", float("inf"))
    assert SustainabilityScorer(kind="ga2m", binary=[1]).fit(X[:5000], y[:5000]).interactions_ == ()


def test_a_failing_larger_saving_does_not_end_the_search_before_a_passing_one(monkeypatch) -> None:
    import models.interactions as MI

    X, y, _ = interaction_data(3000)
    # Two candidates below RANK_Z: (0, 1) saves more but within its standard error, (2, 3) less but
    # at two standard errors. The savings are given per call, in the candidates' order.
    monkeypatch.setattr(MI, "rank_pairs", lambda *a, **k: [(1.0, 0, 1), (0.5, 2, 3)])
    savings = iter([(0.002, 0.003), (0.001, 0.0005), (0.002, 0.003)])
    monkeypatch.setattr(MI, "_saving", lambda *a: next(savings))
    offset = np.zeros(len(X))
    kept, record = MI.find_interactions(X, y, offset, n_val=600, binary={1}, max_pairs=3, C=1.0)
    assert kept == [(2, 3)]
    assert [r["kept"] for r in record] == [False, True]
    assert next(savings, None) is None  # the second step judged the one left, and stopped


def test_ga2m_is_deterministic_and_plain_additive_without_pairs() -> None:
    X, y, _ = interaction_data(3000)
    a = SustainabilityScorer(kind="ga2m", binary=[1]).fit(X, y)
    b = SustainabilityScorer(kind="ga2m", binary=[1]).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    none = SustainabilityScorer(kind="ga2m", binary=[1], max_interactions=0).fit(X, y)
    add = SustainabilityScorer(binary=[1]).fit(X, y)
    assert none.interactions_ == () and none.contributions(X).shape == (3000, 5)
    np.testing.assert_allclose(none.decision_function(X), add.decision_function(X), atol=1e-9)


def test_platt_step_scales_the_terms_and_keeps_them_exact() -> None:
    X, y, _ = data(2000)
    plain = SustainabilityScorer(binary=[1]).fit(X, y)
    scaled = SustainabilityScorer(binary=[1], platt_slope=0.8, platt_intercept=0.1).fit(X, y)
    np.testing.assert_allclose(scaled.decision_function(X), 0.8 * plain.decision_function(X) + 0.1, atol=1e-9)
    np.testing.assert_allclose(
        scaled.base_logit_ + scaled.contributions(X).sum(axis=1), scaled.decision_function(X), atol=1e-9
    )
