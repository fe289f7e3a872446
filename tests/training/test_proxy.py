"""Proxy check: a feature equal to a protected attribute is flagged, an independent one is not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from training.proxy import discrete_columns, proxy_check

N = 600
NAMES = ["is_female", "noise", "noise_count", "nat_shifted"]


def _data(seed: int = 5) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], N)
    nat = rng.choice(["de", "eu", "asylum"], N)
    X = np.column_stack(
        [
            (sex == "f").astype(float),  # the protected attribute itself, as a flag
            rng.normal(size=N),  # independent, continuous
            rng.integers(0, 4, N).astype(float),  # independent, discrete
            rng.normal(size=N) + 3.0 * (nat == "asylum"),  # strongly shifted for one nationality group
        ]
    )
    return X, {"sex": sex, "nationality_group": nat}


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    X, protected = _data()
    return proxy_check(X, NAMES, protected, seed=0)


def test_feature_equal_to_attribute_is_flagged_and_random_one_is_not(report) -> None:  # type: ignore[no-untyped-def]
    sex = report.attributes["sex"]
    assert sex.nmi["is_female"] == pytest.approx(1.0, abs=1e-9)  # determines it: I = H
    assert sex.strong == ("is_female",)
    assert sex.nmi["noise"] < 0.05 and sex.nmi["noise_count"] < 0.05
    assert sex.auc > 0.99 and sex.recoverable
    nat = report.attributes["nationality_group"]
    assert "noise" not in nat.strong and "noise_count" not in nat.strong and "is_female" not in nat.strong
    assert nat.strong == ("nat_shifted",)
    assert nat.auc_by_group["asylum"] > 0.9
    assert set(report.discrete) == {"is_female", "noise_count"}
    assert any("is_female" in line for line in report.flags())


def test_independent_attribute_is_not_recoverable() -> None:
    X, _ = _data()
    other = np.random.default_rng(99).choice(["u25", "25-34", "35-49", "50+"], N)
    r = proxy_check(X, NAMES, {"age_band": other}, seed=0)
    a = r.attributes["age_band"]
    assert a.strong == ()
    assert 0.35 < a.auc < 0.65 and not a.recoverable
    assert r.flags() == []


def test_deterministic_for_a_seed_and_json(report) -> None:  # type: ignore[no-untyped-def]
    X, protected = _data()
    again = proxy_check(X, NAMES, protected, seed=0)
    assert again.to_dict() == report.to_dict()
    json.dumps(report.to_dict(), allow_nan=False)


def test_thresholds_are_settable_and_tiny_groups_left_out() -> None:
    X, protected = _data()
    disability = np.array([True, True] + [False] * (N - 2))  # 2 rows: fewer than the 3 folds
    r = proxy_check(X, NAMES, {"sex": protected["sex"], "severe_disability": disability},
                    nmi_flag=1.01, auc_flag=1.01)  # fmt: skip
    assert r.flags() == []
    assert r.attributes["severe_disability"].left_out == ("ja",)
    assert np.isnan(r.attributes["severe_disability"].auc)


def test_discrete_columns_and_bad_input() -> None:
    X = np.array([[0.0, 0.5, 3.0], [1.0, 1.5, 7.0]])
    assert list(discrete_columns(X)) == [True, False, True]
    with pytest.raises(ValueError, match="columns"):
        proxy_check(X, ["a", "b"], {"sex": ["f", "m"]})
    with pytest.raises(ValueError, match="unknown discrete"):
        proxy_check(X, ["a", "b", "c"], {"sex": ["f", "m"]}, discrete=["z"])
