"""The smoothing weight of the spline terms: chosen on time folds of the older rows only."""

from __future__ import annotations

import numpy as np

from models.features import FEATURES
from models.pair_scorer import SUSTAIN_FEATURES
from training.dataset import PairSet
from training.train import choose_smoothing, time_folds


def pairset(n: int = 2400, seed: int = 7) -> PairSet:
    """Rows in the full ``FEATURES`` order: a smooth commute effect, a flag, the rest noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, len(FEATURES)))
    col = {f: i for i, f in enumerate(FEATURES)}
    for f in ("no_car", "temp_agency", "fixed_term", "shift_work", "single_parent"):
        X[:, col[f]] = rng.integers(0, 2, n)
    minutes = rng.uniform(0, 90, n)
    X[:, col["commute_minutes"]] = minutes
    logit = 0.3 - 0.02 * minutes - 0.7 * X[:, col["temp_agency"]]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    when = np.sort(rng.integers(738000, 739000, n))[rng.permutation(n)]
    return PairSet(X, y, when, [str(i) for i in range(n)], [None] * n, [None] * n, {})  # type: ignore[list-item]


def test_time_folds_fit_on_the_past_and_judge_the_next_period() -> None:
    s = pairset()
    folds = time_folds(s)
    assert [(len(a), len(b)) for a, b in folds] == [(1229, 307), (1536, 384), (1920, 480)]
    for fit, nxt in folds:
        assert fit.when.max() <= nxt.when.min()
        assert not set(fit.ids) & set(nxt.ids)
    assert set(folds[-1][0].ids) | set(folds[-1][1].ids) == set(s.ids)


def test_choose_smoothing_picks_the_lowest_fold_log_loss() -> None:
    out = choose_smoothing(pairset())
    assert out["weights"] == [0.0, 0.3, 1.0, 3.0, 10.0]
    assert out["folds"] == [[1229, 307], [1536, 384], [1920, 480]]
    assert out["chosen"] == out["weights"][int(np.argmin(out["log_loss"]))]
    # Mostly noise columns: the strongest smoothing wins, and by a plain margin over none.
    assert out["chosen"] == 10.0
    assert out["log_loss"] == [0.613505, 0.587835, 0.585247, 0.584063, 0.582915]
    assert [len(x) for x in out["log_loss_by_fold"]] == [3] * 5
    assert len(SUSTAIN_FEATURES) == len(FEATURES) - 1  # the rows are full FEATURES rows
