"""models.scorer.LinearSplineBasis / MainTerms: sklearn's linear extrapolation without its validation,
bit for bit ``SplineTransformer.transform`` and ``SustainabilityScorer.contributions``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import SplineTransformer

from models.pair_scorer import AdditiveTerms, InteractionTerms
from models.scorer import LinearSplineBasis, MainTerms, SustainabilityScorer

RNG_SEED = 20261207


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=np.float64).tobytes()


def _spline(degree: int, knots: str, seed: int) -> tuple[SplineTransformer, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.gamma(2.0, 15.0, 400), rng.integers(0, 5, 100).astype(float)])
    spline = SplineTransformer(n_knots=5, degree=degree, knots=knots, extrapolation="linear")
    return spline.fit(x[:, None]), x


SPLINES = {(d, k): _spline(d, k, 7 + d) for d in (1, 2, 3) for k in ("quantile", "uniform")}


def _values(spline: SplineTransformer, u: list[float]) -> np.ndarray:
    """Positions u (0 = the first knot, 1 = the last) as values, with the knots themselves."""
    spl = spline.bsplines_[0]
    lo, hi = float(spl.t[spline.degree]), float(spl.t[-spline.degree - 1])
    knots = spl.t[spline.degree : len(spl.t) - spline.degree]
    return np.concatenate([lo + np.asarray(u, dtype=np.float64) * (hi - lo), knots, [-0.0, 0.0]])


@settings(max_examples=120, deadline=None)
@given(
    key=st.sampled_from(sorted(SPLINES)),
    u=st.lists(st.floats(-4.0, 5.0, allow_nan=False, allow_infinity=False), min_size=0, max_size=60),
)
def test_the_basis_is_sklearns_transform_bit_for_bit(key: tuple[int, str], u: list[float]) -> None:
    """Random values within the knots and beyond both of them (up to four spans out), the knots
    themselves and both zeros, for degrees 1 to 3 and quantile and uniform knots."""
    spline, _ = SPLINES[key]
    assert LinearSplineBasis.applies(spline)
    x = _values(spline, u)
    assert _bits(LinearSplineBasis(spline)(x)) == _bits(spline.transform(x[:, None]))


def test_the_basis_differs_from_a_slightly_different_extrapolation() -> None:
    """The comparison above can fail: the boundary value plus slope × distance computed in another
    order (distance × slope + value is the same; (value − slope·xmin) + slope·x is not) changes bits."""
    spline, _ = SPLINES[(3, "quantile")]
    basis = LinearSplineBasis(spline)
    x = basis.xmax + np.random.default_rng(RNG_SEED).uniform(0.1, 300.0, 400)
    k = basis.n_splines - 1
    other = (basis.f_max[k] - basis.fp_max[k] * basis.xmax) + basis.fp_max[k] * x
    assert _bits(other) != _bits(spline.transform(x[:, None])[:, k])


def test_splines_of_other_kinds_are_left_to_sklearn() -> None:
    x = np.linspace(0.0, 10.0, 50)[:, None]
    for kw in ({"extrapolation": "constant"}, {"include_bias": False}, {"sparse_output": True}):
        assert not LinearSplineBasis.applies(SplineTransformer(n_knots=4, **kw).fit(x))


def _data(seed: int, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.gamma(2.0, 12.0, n),  # minutes
            rng.integers(0, 2, n).astype(float),  # a flag
            rng.normal(0.0, 1.0, n),
            rng.integers(0, 6, n).astype(float),  # a whole-number feature
            rng.uniform(8.0, 30.0, n),  # a wage
        ]
    )
    z = 0.04 * X[:, 0] - 0.8 * X[:, 1] + 0.5 * np.sin(X[:, 2]) + 0.2 * X[:, 3] - 0.05 * X[:, 4]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(z - z.mean())))).astype(int)
    return X, y


MODELS = {
    "additive": dict(kind="additive", binary=(1,)),
    "additive-platt-monotone": dict(
        kind="additive", binary=(1,), platt_slope=0.83, platt_intercept=0.12, monotone=(1, -1, 0, 1, -1)
    ),
    "ga2m": dict(kind="ga2m", binary=(1,), max_interactions=2, platt_slope=1.17),
}


@pytest.fixture(scope="module")
def fitted() -> dict[str, SustainabilityScorer]:
    X, y = _data(RNG_SEED)
    return {name: SustainabilityScorer(**kw).fit(X, y) for name, kw in MODELS.items()}


@pytest.fixture(params=sorted(MODELS))
def model(request: Any, fitted: dict[str, SustainabilityScorer]) -> SustainabilityScorer:
    return fitted[request.param]


def _wild(seed: int, n: int) -> np.ndarray:
    """Rows with values within and far beyond both knots of every spline feature."""
    X, _ = _data(seed, n)
    rng = np.random.default_rng(seed + 1)
    return X * rng.uniform(-3.0, 4.0, size=X.shape) + rng.normal(0.0, 5.0, size=X.shape) * (
        rng.uniform(size=X.shape) < 0.3
    )


def test_main_terms_are_the_models_contributions_bit_for_bit(model: SustainabilityScorer) -> None:
    exact = MainTerms.of(model)
    assert exact is not None
    p = len(model.block_columns_)
    for seed in range(5):
        X = _wild(seed, 250)
        assert _bits(exact(X)) == _bits(model.contributions(X)[:, :p])
        one = X[3:4]  # one row alone, as a lookup with a single row beyond a knot
        assert _bits(exact(one)) == _bits(model.contributions(one)[:, :p])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.floats(-500.0, 800.0, allow_nan=False, allow_infinity=False), min_size=5, max_size=5),
        min_size=1,
        max_size=12,
    )
)
def test_main_terms_on_random_rows(fitted: dict[str, SustainabilityScorer], rows: list[list[float]]) -> None:
    """Hypothesis' rows: any values of the width, most beyond some knot."""
    for name in ("additive-platt-monotone", "ga2m"):
        m = fitted[name]
        X = np.array(rows, dtype=np.float64)
        X[:, 1] = np.round(X[:, 1]) % 2  # the flag stays a flag
        got = MainTerms(m)(X)
        assert _bits(got) == _bits(m.contributions(X)[:, : len(m.block_columns_)])


def test_rows_sklearn_refuses_are_refused_as_before(model: SustainabilityScorer) -> None:
    exact = MainTerms.of(model)
    assert exact is not None
    X = _wild(1, 4)
    X[2, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        exact(X)
    with pytest.raises(ValueError, match="features"):
        exact(_wild(1, 4)[:, :4])


def test_the_fast_terms_take_the_exact_rows_beyond_the_knots(model: SustainabilityScorer) -> None:
    """``AdditiveTerms.terms``: a row with a value beyond a knot has the model's own terms bit for
    bit; the other rows are the fast spline's, equal to rounding."""
    fast = (InteractionTerms if model.kind == "ga2m" else AdditiveTerms)(model)
    X = np.vstack([_data(5, 60)[0], _wild(6, 60)])
    got = fast.terms(X)
    want = model.contributions(X)
    outside = np.zeros(len(X), dtype=bool)
    for j, (f, lo, hi, _) in enumerate(fast._parts):
        if f is not None:
            outside |= (X[:, j] < lo) | (X[:, j] > hi)
    assert 0 < outside.sum() < len(X)
    assert _bits(got[outside]) == _bits(want[outside])
    np.testing.assert_allclose(got[~outside], want[~outside], rtol=0, atol=1e-9)
