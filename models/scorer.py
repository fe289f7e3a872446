"""The sustainability scorer: P(still employed 12 months after start) for a claimant–vacancy pair.

Two candidate models behind one scikit-learn estimator:

- ``kind="additive"`` (the default): each continuous feature through a cubic spline basis, flags
  as they are, into an L2-regularised logistic regression. The logit is a sum of one term per
  feature, so every explanation is exact: ``contributions(X)`` returns those terms (centred on
  the training mean) and they add up, with ``base_logit_``, to the model's logit.
- ``kind="boosting"``: ``HistGradientBoostingClassifier``, for comparison; its explanations would
  need SHAP and are approximate.

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


class SustainabilityScorer(ClassifierMixin, BaseEstimator):
    """Binary classifier for lasting placements; see the module docstring.

    Parameters
    ----------
    kind : "additive" or "boosting".
    binary : indices of columns used as they are (flags); others get a spline basis.
    n_knots : knots of each feature's spline (additive model).
    C : inverse regularisation strength of the logistic regression.
    max_iter : iterations of the solver or boosting rounds.
    random_state : seed for the boosting model.
    """

    def __init__(
        self,
        kind: str = "additive",
        binary: Sequence[int] = (),
        n_knots: int = 5,
        C: float = 1.0,
        max_iter: int = 1000,
        random_state: int = 0,
    ) -> None:
        self.kind = kind
        self.binary = binary
        self.n_knots = n_knots
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

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
            raise ValueError(f"kind must be 'additive' or 'boosting', got {self.kind!r}")
        return self

    def _fit_additive(self, X: F64, y: npt.NDArray[np.int64], sample_weight: Any) -> None:
        binary = set(int(i) for i in self.binary)
        bad = [i for i in binary if not 0 <= i < X.shape[1]]
        if bad:
            raise ValueError(f"binary column indices out of range: {bad}")
        self.splines_: dict[int, SplineTransformer] = {}
        blocks: list[F64] = []
        self.block_columns_: list[slice] = []
        start = 0
        for j in range(X.shape[1]):
            col = X[:, [j]]
            if j in binary or np.unique(col).size <= 2:
                block = col
            else:
                spline = SplineTransformer(
                    n_knots=self.n_knots, degree=3, knots="quantile", extrapolation="linear"
                )
                # Quantile knots collapse on heavily tied features; uniform knots are the fallback.
                try:
                    block = spline.fit_transform(col, sample_weight=sample_weight)
                except ValueError:
                    spline = SplineTransformer(n_knots=self.n_knots, degree=3, extrapolation="linear")
                    block = spline.fit_transform(col, sample_weight=sample_weight)
                self.splines_[j] = spline
            blocks.append(block)
            self.block_columns_.append(slice(start, start + block.shape[1]))
            start += block.shape[1]
        Z = np.hstack(blocks)
        self.scaler_ = StandardScaler().fit(Z, sample_weight=sample_weight)
        Zs = self.scaler_.transform(Z)
        self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter)
        self.model_.fit(Zs, y, sample_weight=sample_weight)
        self.n_iter_ = np.asarray(self.model_.n_iter_)
        terms = self._terms(Zs)
        self.term_means_ = np.average(terms, axis=0, weights=sample_weight)
        self.base_logit_ = float(self.model_.intercept_[0] + self.term_means_.sum())

    # -- prediction ------------------------------------------------------------------------------
    def _design(self, X: F64) -> F64:
        blocks = []
        for j in range(X.shape[1]):
            col = X[:, [j]]
            blocks.append(self.splines_[j].transform(col) if j in self.splines_ else col)
        out: F64 = self.scaler_.transform(np.hstack(blocks))
        return out

    def _terms(self, Zs: F64) -> F64:
        coef = self.model_.coef_[0]
        return np.column_stack([row_sums(Zs[:, s] * coef[s]) for s in self.block_columns_])

    def decision_function(self, X: Any) -> F64:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.kind == "additive":
            out: F64 = self.model_.decision_function(self._design(X))
            return out
        p = self.model_.predict_proba(X)[:, 1]
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return np.asarray(np.log(p / (1 - p)), dtype=np.float64)

    def predict_proba(self, X: Any) -> F64:
        z = self.decision_function(X)
        p1 = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X: Any) -> npt.NDArray[Any]:
        positive = self.decision_function(X) > 0
        return np.asarray(self.classes_[positive.astype(int)])

    def contributions(self, X: Any) -> F64:
        """Per-feature logit contributions (additive model), centred on the training mean.

        ``base_logit_ + contributions(X).sum(axis=1)`` equals ``decision_function(X)`` exactly.
        """
        check_is_fitted(self)
        if self.kind != "additive":
            raise ValueError("exact contributions exist for the additive model only")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out: F64 = self._terms(self._design(X)) - self.term_means_
        return out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
