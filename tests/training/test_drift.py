"""Drift: population stability index and the drift report's limits."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from training.drift import drift_report, exceeded, psi, psi_level


def test_identical_samples_have_zero_psi() -> None:
    x = np.random.default_rng(1).normal(size=2000)
    assert psi(x, x) == 0.0
    assert psi(x, x[::-1].copy()) == 0.0


def test_same_distribution_is_stable_and_shift_is_major() -> None:
    rng = np.random.default_rng(2)
    train, recent = rng.normal(size=5000), rng.normal(size=5000)
    assert psi(train, recent) < 0.1
    assert psi_level(psi(train, recent)) == "stabil"
    shifted = psi(train, rng.normal(loc=1.0, size=5000))
    assert shifted > 0.25 and psi_level(shifted) == "handeln"


def test_flag_psi_by_hand() -> None:
    # Tied quantiles merge: a 0/1 flag gets two bins. 70/30 in training, 50/50 recently.
    expected = np.r_[np.zeros(70), np.ones(30)]
    actual = np.r_[np.zeros(50), np.ones(50)]
    by_hand = (0.5 - 0.7) * math.log(0.5 / 0.7) + (0.5 - 0.3) * math.log(0.5 / 0.3)
    assert psi(expected, actual) == pytest.approx(by_hand, abs=1e-12)


def test_empty_bins_stay_finite() -> None:
    train = np.arange(100.0)
    recent = np.full(50, 1000.0)  # all beyond the training range: nine bins empty
    value = psi(train, recent)
    assert math.isfinite(value) and value > 0.25
    with pytest.raises(ValueError, match="no finite"):
        psi([np.nan], [1.0])


def test_drift_report_and_limits() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    train_X = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    recent_X = np.column_stack([rng.normal(loc=1.5, size=n), rng.integers(0, 2, n)])
    train_s = rng.uniform(0.1, 0.9, n)
    recent_s = rng.uniform(0.1, 0.9, n)
    outcomes = (rng.uniform(size=n) < recent_s - 0.1).astype(float)  # observed 0.1 below predicted
    outcomes[: n // 2] = np.nan  # not known yet
    report = drift_report(train_X, recent_X, ["commute_minutes", "no_car"], train_scores=train_s,
                          recent_scores=recent_s, outcomes=outcomes)  # fmt: skip
    assert report.features["commute_minutes"] > 0.25 and report.features["no_car"] < 0.1
    assert report.score_psi < 0.1
    assert report.outcomes_n == n // 2
    assert report.calibration_gap == pytest.approx(0.1, abs=0.03)
    assert report.ece > 0.05
    reasons = exceeded(report)
    assert len(reasons) == 2
    assert reasons[0].startswith("feature commute_minutes: PSI")
    assert reasons[1].startswith("calibration:")
    assert exceeded(report, psi_limit=10.0, calibration_limit=0.2) == []
    # Too few outcomes to judge calibration: reported, not a reason.
    assert len(exceeded(report, min_outcomes=n)) == 1
    json.dumps(report.to_dict(), allow_nan=False)


def test_drift_without_outcomes() -> None:
    x = np.random.default_rng(4).normal(size=(500, 1))
    s = np.linspace(0, 1, 500)
    report = drift_report(x, x, ["similarity"], train_scores=s, recent_scores=s)
    assert report.outcomes_n == 0 and math.isnan(report.calibration_gap)
    assert exceeded(report) == []
    assert report.to_dict()["calibration_gap"] is None
    with pytest.raises(ValueError, match="columns"):
        drift_report(x, x, ["a", "b"], train_scores=s, recent_scores=s)
