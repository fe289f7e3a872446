"""The sustainability scorer: P(still employed 12 months after start) for a claimant–vacancy pair.

Two candidate models behind one scikit-learn estimator:

- ``kind="additive"`` (the default): each continuous feature through a cubic spline basis, flags
  as they are, into an L2-regularised logistic regression. The logit is a sum of one term per
  feature, so every explanation is exact: ``contributions(X)`` returns those terms (centred on
  the training mean) and they add up, with ``base_logit_``, to the model's logit.
- ``kind="ga2m"``: the additive model plus a few pairwise terms (a GA2M), found on the data by the
  method (``models.interactions``: FAST-style ranking of every pair by the gain of a binned 2-D
  term on the additive model's residual, then forward selection by held-out log-loss on the newest
  ``validation_fraction`` of the rows, which the caller passes in time order). Each pair term is a
  tensor product of centred piecewise-linear bases of its two features, so the logit is still an
  exact sum: ``contributions(X)`` has one column per feature and then one per pair term
  (``interactions_``), and ``decision_function`` is computed as ``base_logit_`` plus their row sums.
- ``monotone`` (both kinds): a direction per input column, +1, -1 or 0; a feature's curve then only
  rises (falls), solved as a bounded ridge logistic regression (``models.monotone``). Pair terms
  are free. Without directions the curves are unconstrained and can bend where the data are thin.
- ``kind="boosting"``: ``HistGradientBoostingClassifier``, for comparison; its explanations would
  need SHAP and are approximate.

``platt_slope`` / ``platt_intercept`` (parameters, default the identity) recalibrate the logit
linearly (Platt scaling decided by the caller on a calibration fold, ``training.train``): the terms
and the base are scaled with it, so the explanation stays exact.

The estimator keeps scikit-learn's contract (parameters stored untouched in ``__init__``, fitted
state ending in ``_``, ``validate_data``), which ``parametrize_with_checks`` guards in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import SplineTransformer, StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from models.interactions import PairBasis, find_interactions, fit_pair_basis
from models.monotone import fit_monotone_logistic

F64 = npt.NDArray[np.float64]


def row_sums(M: F64) -> F64:
    """Each row's sum, column after column: the same bits for a row whatever else is in the batch.

    A BLAS matrix-vector product or ``M.sum(axis=1)`` may add a row's terms in an order that depends
    on the number of rows (kernel blocking, numpy's choice of loop): scored alone or among 200
    others, 26 of 160 P(match) values differed in their last bits (tests/models/test_scorer_rows.py).
    Elementwise additions, one column at a time, leave each row's arithmetic to that row; ~25 columns
    of a lookup's ~200 rows cost microseconds.
    """
    out = np.zeros(M.shape[0], dtype=np.float64)
    for j in range(M.shape[1]):
        out = out + M[:, j]
    return out


def main_basis_fit(
    X: F64, binary: set[int], n_knots: int, sample_weight: Any
) -> tuple[dict[int, SplineTransformer], list[slice], F64]:
    """Each feature's columns of the additive design: a cubic spline basis, or the column itself
    (flags and two-valued columns); returns the splines, each feature's slice and the design."""
    splines: dict[int, SplineTransformer] = {}
    blocks: list[F64] = []
    columns: list[slice] = []
    start = 0
    for j in range(X.shape[1]):
        col = X[:, [j]]
        if j in binary or np.unique(col).size <= 2:
            block = col
        else:
            spline = SplineTransformer(n_knots=n_knots, degree=3, knots="quantile", extrapolation="linear")
            # Quantile knots collapse on heavily tied features; uniform knots are the fallback.
            try:
                block = spline.fit_transform(col, sample_weight=sample_weight)
            except ValueError:
                spline = SplineTransformer(n_knots=n_knots, degree=3, extrapolation="linear")
                block = spline.fit_transform(col, sample_weight=sample_weight)
            splines[j] = spline
        blocks.append(block)
        columns.append(slice(start, start + block.shape[1]))
        start += block.shape[1]
    return splines, columns, np.hstack(blocks)


def main_basis(X: F64, splines: dict[int, SplineTransformer]) -> F64:
    blocks = []
    for j in range(X.shape[1]):
        col = X[:, [j]]
        blocks.append(splines[j].transform(col) if j in splines else col)
    return np.hstack(blocks)


class LinearSplineBasis:
    """``SplineTransformer.transform`` of one fitted feature with ``extrapolation="linear"``, the
    same arithmetic on the same values, without sklearn's per-call validation and the boundary
    values and slopes it evaluates again on every call.

    A lookup with a value beyond a spline's boundary knots is scored through the model's own path
    (``contributions``): ~30 ``transform`` calls, each validating its input and evaluating the
    spline four times at the knots, cost ~20 ms, a lookup's p99 (bench/README.md, issue 15). This is
    sklearn 1.9's dense branch for one column: zeros, the B-spline at the values within
    [xmin, xmax], then the first and last ``degree`` bases continued linearly beyond them with the
    boundary value plus the distance times the slope, in sklearn's order of operations (each an
    elementwise numpy operation, so every element gets the bits sklearn gives it);
    ``tests/models/test_scorer_extrapolation.py`` holds it equal to ``transform`` bit for bit, on
    randomised values within and beyond both knots. ``applies`` says which splines it copies
    (otherwise the caller keeps sklearn's path)."""

    def __init__(self, spline: SplineTransformer) -> None:
        spl = spline.bsplines_[0]
        degree = int(spline.degree)
        self.spl = spl
        self.xmin, self.xmax = spl.t[degree], spl.t[-degree - 1]
        self.f_min, self.f_max = spl(self.xmin), spl(self.xmax)
        self.fp_min, self.fp_max = spl(self.xmin, nu=1), spl(self.xmax, nu=1)
        self.n_splines = int(spl.c.shape[1])
        # For degree 1 the second basis has a slope at the boundary too; degree 0 is "constant".
        self.n_linear = degree + 1 if degree <= 1 else degree

    @staticmethod
    def applies(spline: SplineTransformer) -> bool:
        """Whether ``transform`` of this fitted spline takes the branch copied here."""
        return (
            spline.extrapolation == "linear"
            and bool(spline.include_bias)
            and not spline.sparse_output
            and getattr(spline, "handle_missing", "error") == "error"
            and getattr(spline, "n_features_in_", 0) == 1
            and len(spline.bsplines_) == 1
        )

    def __call__(self, x: F64) -> F64:
        """The basis of the finite values ``x`` (1-D), as ``transform(x[:, None])``."""
        xmin, xmax = self.xmin, self.xmax
        out = np.zeros((x.shape[0], self.n_splines), dtype=np.float64)
        inside = (xmin <= x) & (x <= xmax)
        out[inside, :] = self.spl(x[inside])
        for j in range(self.n_linear):
            below = x < xmin
            if np.any(below):
                out[below, j] = self.f_min[j] + (x[below] - xmin) * self.fp_min[j]
            above = x > xmax
            if np.any(above):
                k = self.n_splines - 1 - j
                out[above, k] = self.f_max[k] + (x[above] - xmax) * self.fp_max[k]
        return out


class MainTerms:
    """``SustainabilityScorer.contributions(X)[:, :p]`` (the features' own terms, not a ga2m model's
    pair terms) bit for bit, without validation: for finite rows of the model's width (the serving
    path, whose rows the feature builder made). Each feature's block of the design is made as in
    ``main_basis`` (``LinearSplineBasis``), standardised as ``StandardScaler.transform`` does
    (subtract the mean, divide by the scale: elementwise, so a block alone gets the bits the whole
    design gets), and summed as ``_terms`` sums it. ``of`` gives None for a model this does not
    copy (another extrapolation, a scaler without mean or scale)."""

    def __init__(self, model: SustainabilityScorer) -> None:
        self.model = model
        self.bases = {j: LinearSplineBasis(s) for j, s in model.splines_.items()}
        self.n_features = len(model.block_columns_)

    @classmethod
    def of(cls, model: SustainabilityScorer) -> MainTerms | None:
        if model.kind not in ("additive", "ga2m"):
            return None
        scaler = model.scaler_
        if not (scaler.with_mean and scaler.with_std and scaler.scale_ is not None):
            return None
        if not all(LinearSplineBasis.applies(s) for s in model.splines_.values()):
            return None
        return cls(model)

    def __call__(self, X: F64) -> F64:
        m = self.model
        if X.ndim != 2 or X.shape[1] != m.n_features_in_ or not np.isfinite(X).all():
            # What sklearn refuses, it refuses with its own message.
            return m.contributions(X)[:, : self.n_features]
        coef = m.model_.coef_[0]
        mean, scale = m.scaler_.mean_, m.scaler_.scale_
        slope = m.platt_slope
        out = np.empty((X.shape[0], self.n_features), dtype=np.float64)
        for j, s in enumerate(m.block_columns_):
            basis = self.bases.get(j)
            x = np.ascontiguousarray(X[:, j], dtype=np.float64)
            block = basis(x) if basis is not None else x[:, None].copy()
            block -= mean[s]
            block /= scale[s]
            t = row_sums(block * coef[s]) - m.term_means_[j]
            out[:, j] = t * slope if slope != 1.0 else t
        return out


# Parameters added after bundles were first written, with the values those bundles were fitted with.
_ADDED_LATER: dict[str, Any] = {
    "max_interactions": 5,
    "validation_fraction": 0.2,
    "platt_slope": 1.0,
    "platt_intercept": 0.0,
    "monotone": (),
}


class SustainabilityScorer(ClassifierMixin, BaseEstimator):
    """Binary classifier for lasting placements; see the module docstring.

    Parameters
    ----------
    kind : "additive", "ga2m" or "boosting".
    binary : indices of columns used as they are (flags); others get a spline basis.
    n_knots : knots of each feature's spline (additive model).
    C : inverse regularisation strength of the logistic regression.
    max_iter : iterations of the solver or boosting rounds.
    random_state : seed for the boosting model.
    max_interactions : most pair terms the ga2m model keeps (0: none).
    validation_fraction : share of the last rows the ga2m search judges pairs on.
    platt_slope, platt_intercept : linear recalibration of the logit (identity by default).
    monotone : per input column +1 (the curve may only rise), -1 (only fall) or 0 (free); empty: all
        free. Additive and ga2m models (``models.monotone``); pair terms stay free.
    """

    def __init__(
        self,
        kind: str = "additive",
        binary: Sequence[int] = (),
        n_knots: int = 5,
        C: float = 1.0,
        max_iter: int = 1000,
        random_state: int = 0,
        max_interactions: int = 5,
        validation_fraction: float = 0.2,
        platt_slope: float = 1.0,
        platt_intercept: float = 0.0,
        monotone: Sequence[int] = (),
    ) -> None:
        self.kind = kind
        self.binary = binary
        self.n_knots = n_knots
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state
        self.max_interactions = max_interactions
        self.validation_fraction = validation_fraction
        self.platt_slope = platt_slope
        self.platt_intercept = platt_intercept
        self.monotone = monotone

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A model pickled before the ga2m candidate and the Platt step (a bundle whose logged lookups
        # are replayed) has neither: it is the additive model it was, on the identity calibration.
        for name, default in _ADDED_LATER.items():
            state.setdefault(name, default)
        if "model_" in state and state.get("kind") == "additive":
            state.setdefault("interactions_", ())
            state.setdefault("pair_bases_", [])
            state.setdefault("pair_columns_", [])
        super().__setstate__(state)

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SustainabilityScorer:
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"need samples of two classes, got {len(self.classes_)} class")
        if len(self.classes_) > 2:
            raise ValueError("Only binary classification is supported.")
        target = (y == self.classes_[1]).astype(np.int64)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if self.kind == "additive":
            self._fit_additive(X, target, sample_weight)
        elif self.kind == "ga2m":
            self._fit_ga2m(X, target, sample_weight)
        elif self.kind == "boosting":
            self.model_ = HistGradientBoostingClassifier(
                max_iter=min(self.max_iter, 300),
                learning_rate=0.06,
                max_leaf_nodes=15,
                l2_regularization=1.0,
                early_stopping=False,
                random_state=self.random_state,
            ).fit(X, target, sample_weight=sample_weight)
            self.n_iter_ = np.array([self.model_.n_iter_])
        else:
            raise ValueError(f"kind must be 'additive', 'ga2m' or 'boosting', got {self.kind!r}")
        return self

    def _fit_additive(
        self, X: F64, y: npt.NDArray[np.int64], sample_weight: Any, pairs: Sequence[tuple[int, int]] = ()
    ) -> None:
        binary = set(int(i) for i in self.binary)
        bad = [i for i in binary if not 0 <= i < X.shape[1]]
        if bad:
            raise ValueError(f"binary column indices out of range: {bad}")
        self.splines_, self.block_columns_, Z = main_basis_fit(X, binary, self.n_knots, sample_weight)
        # Pair terms (ga2m): their columns follow the features' columns, one block per pair.
        self.interactions_ = tuple((int(i), int(j)) for i, j in pairs)
        self.pair_bases_: list[tuple[PairBasis, PairBasis]] = []
        self.pair_columns_: list[slice] = []
        start = Z.shape[1]
        blocks = [Z]
        for i, j in self.interactions_:
            bi = fit_pair_basis(X[:, i], i in binary, sample_weight)
            bj = fit_pair_basis(X[:, j], j in binary, sample_weight)
            block = bi.product(bj, X[:, i], X[:, j])
            self.pair_bases_.append((bi, bj))
            self.pair_columns_.append(slice(start, start + block.shape[1]))
            start += block.shape[1]
            blocks.append(block)
        Z = np.hstack(blocks)
        self.scaler_ = StandardScaler().fit(Z, sample_weight=sample_weight)
        Zs = self.scaler_.transform(Z)
        self.model_ = self._logistic(Zs, y, sample_weight, X.shape[1])
        self.n_iter_ = np.asarray(self.model_.n_iter_)
        terms = self._terms(Zs)
        self.term_means_ = np.average(terms, axis=0, weights=sample_weight)
        raw_base = float(self.model_.intercept_[0] + self.term_means_.sum())
        self.base_logit_ = float(self.platt_slope * raw_base + self.platt_intercept)

    def _logistic(
        self, Zs: F64, y: npt.NDArray[np.int64], sample_weight: Any, n_inputs: int
    ) -> LogisticRegression:
        """The ridge logistic regression on the standardised design; with directions
        (``monotone``) solved under them and kept as a ``LogisticRegression`` with those weights."""
        directions = [int(d) for d in self.monotone]
        if directions and len(directions) != n_inputs:
            raise ValueError(f"monotone has {len(directions)} directions for {n_inputs} columns")
        model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        if not any(directions):
            return model.fit(Zs, y, sample_weight=sample_weight)
        coef, intercept, n_iter = fit_monotone_logistic(
            Zs,
            y,
            self.block_columns_,
            directions,
            self.scaler_.scale_,
            C=self.C,
            sample_weight=sample_weight,
            max_iter=min(self.max_iter, 100),
        )
        model.classes_ = np.array([0, 1])
        model.coef_ = coef[None, :]
        model.intercept_ = np.array([intercept])
        model.n_features_in_ = Zs.shape[1]
        model.n_iter_ = np.array([n_iter], dtype=np.int32)
        return model

    def _fit_ga2m(self, X: F64, y: npt.NDArray[np.int64], sample_weight: Any) -> None:
        binary = set(int(i) for i in self.binary)
        n = X.shape[0]
        n_val = round(n * self.validation_fraction)
        self.interaction_search_: list[dict[str, Any]] = []
        pairs: list[tuple[int, int]] = []
        if self.max_interactions > 0 and X.shape[1] >= 2 and n_val >= 20 and n - n_val >= 20:
            inner = SustainabilityScorer(
                kind="additive",
                binary=self.binary,
                n_knots=self.n_knots,
                C=self.C,
                max_iter=self.max_iter,
                monotone=self.monotone,
            )
            w = None if sample_weight is None else sample_weight[: n - n_val]
            y_in = y[: n - n_val]
            if np.unique(y_in).size == 2:
                inner._fit_additive(X[: n - n_val], y_in, w)
                offset = inner._raw_logit(X)
                pairs, self.interaction_search_ = find_interactions(
                    X,
                    y,
                    offset,
                    n_val=n_val,
                    binary=binary,
                    max_pairs=self.max_interactions,
                    C=self.C,
                    sample_weight=sample_weight,
                )
        self._fit_additive(X, y, sample_weight, pairs)

    # -- prediction ------------------------------------------------------------------------------
    def _design(self, X: F64) -> F64:
        blocks = [main_basis(X, self.splines_)]
        for (i, j), (bi, bj) in zip(self.interactions_, self.pair_bases_, strict=True):
            blocks.append(bi.product(bj, X[:, i], X[:, j]))
        out: F64 = self.scaler_.transform(np.hstack(blocks))
        return out

    def _terms(self, Zs: F64) -> F64:
        coef = self.model_.coef_[0]
        blocks = [*self.block_columns_, *self.pair_columns_]
        return np.column_stack([row_sums(Zs[:, s] * coef[s]) for s in blocks])

    def _raw_logit(self, X: F64) -> F64:
        """The fitted logistic regression's logit, before the Platt step (validated ``X``)."""
        out: F64 = self.model_.decision_function(self._design(X))
        return out

    def decision_function(self, X: Any) -> F64:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.kind == "additive":
            z = self._raw_logit(X)
            if self.platt_slope == 1.0 and self.platt_intercept == 0.0:
                return z
            return np.asarray(self.platt_slope * z + self.platt_intercept, dtype=np.float64)
        if self.kind == "ga2m":
            # By definition the base plus the terms' row sums: the explanation adds up bit for bit.
            out: F64 = self.base_logit_ + row_sums(self._contributions(X))
            return out
        p = self.model_.predict_proba(X)[:, 1]
        p = np.clip(p, 1e-12, 1 - 1e-12)
        z = np.asarray(np.log(p / (1 - p)), dtype=np.float64)
        return np.asarray(self.platt_slope * z + self.platt_intercept, dtype=np.float64)

    def predict_proba(self, X: Any) -> F64:
        z = self.decision_function(X)
        p1 = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X: Any) -> npt.NDArray[Any]:
        positive = self.decision_function(X) > 0
        return np.asarray(self.classes_[positive.astype(int)])

    def contributions(self, X: Any) -> F64:
        """Logit contributions, centred on the training mean: one column per feature, then (ga2m) one
        per pair term in ``interactions_`` order.

        ``base_logit_ + contributions(X).sum(axis=1)`` equals ``decision_function(X)``: to rounding
        for the additive model, bit for bit (as ``row_sums``) for ga2m.
        """
        check_is_fitted(self)
        if self.kind not in ("additive", "ga2m"):
            raise ValueError("exact contributions exist for the additive and ga2m models only")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._contributions(X)

    def _contributions(self, X: F64) -> F64:
        out: F64 = self._terms(self._design(X)) - self.term_means_
        if self.platt_slope != 1.0:
            out = out * self.platt_slope
        return out

    def pair_contributions(self, X: F64) -> F64:
        """Only the pair terms' columns of ``contributions`` (validated ``X``; serving path)."""
        p = len(self.block_columns_)
        if not self.interactions_:
            return np.zeros((X.shape[0], 0), dtype=np.float64)
        coef = self.model_.coef_[0]
        mean, scale = self.scaler_.mean_, self.scaler_.scale_
        cols = []
        for k, ((i, j), (bi, bj), s) in enumerate(
            zip(self.interactions_, self.pair_bases_, self.pair_columns_, strict=True)
        ):
            Zs = (bi.product(bj, X[:, i], X[:, j]) - mean[s]) / scale[s]
            t = row_sums(Zs * coef[s]) - self.term_means_[p + k]
            cols.append(t * self.platt_slope if self.platt_slope != 1.0 else t)
        return np.column_stack(cols)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
