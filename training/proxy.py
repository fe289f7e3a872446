"""Proxy check: how well do the model's features reveal the protected attributes?

Sex, nationality group, age band and severe disability are never features, but leaving them out
does not make a model blind to them ("fairness through unawareness" fails): a feature that moves
with a protected attribute lets the model reproduce, and a training history teach it, differences
between the groups. Among passgenau's features, German level above the requirement moves with
nationality group, young children and childcare clashes with sex, a health restriction at its
limit with disability, months without work with age. Such features are often legitimate (a
childcare clash does shorten placements), so the check does not remove them; it makes them
visible, so that the by-group results in the fairness report can be read against them and a
decision to keep a strong proxy is a documented one (model card, section "Proxy-Prüfung").

Two measures:

- per feature × attribute the **normalised mutual information** I(feature; attribute) / H(attribute):
  the share of the attribute's uncertainty (in nats) that knowing the feature removes, 0 for
  independence, 1 when the feature determines the attribute. Estimated with scikit-learn's
  ``mutual_info_classif``: discrete features (flags and small integer codes) by counting,
  continuous ones with its k-nearest-neighbour estimator (slightly noisy, can dip below 0: clipped).
- per attribute the **cross-validated AUC** of a small classifier (gradient boosting, 60 shallow
  trees) predicting it from all features together: combinations can reveal what no single feature
  does. Multi-class attributes: one-vs-rest AUC per group, macro average. Groups with fewer rows
  than folds are left out of the classifier (named in the report).

A feature is flagged as a strong proxy at NMI ≥ ``nmi_flag`` (0.1), an attribute as recoverable at
AUC ≥ ``auc_flag`` (0.75; 0.5 is chance). Both thresholds are conventions, settable per call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_selection import mutual_info_classif
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from training.fairness import group_labels, jsonable

F64 = npt.NDArray[np.float64]

NMI_FLAG = 0.1
AUC_FLAG = 0.75
MAX_ROWS = 10_000  # a seeded subsample above this keeps the check to seconds on two cores (AUC SE ≈ 0.005)
FOLDS = 3
DISCRETE_MAX_VALUES = 20  # integer-valued columns with at most this many values count as discrete


@dataclass(frozen=True)
class AttributeProxies:
    attribute: str
    entropy: float  # H(attribute) in nats, over the rows used
    nmi: dict[str, float]  # feature → I(feature; attribute) / H(attribute)
    auc: float  # macro one-vs-rest AUC of the classifier (NaN when fewer than two groups are left)
    auc_by_group: dict[str, float]  # group → one-vs-rest AUC
    left_out: tuple[str, ...]  # groups too small for the cross-validation
    strong: tuple[str, ...]  # features with NMI ≥ nmi_flag, strongest first
    recoverable: bool  # auc ≥ auc_flag


@dataclass(frozen=True)
class ProxyReport:
    n: int  # rows used (after subsampling)
    features: tuple[str, ...]
    discrete: tuple[str, ...]
    nmi_flag: float
    auc_flag: float
    attributes: dict[str, AttributeProxies]

    def flags(self) -> list[str]:
        """One line per strong proxy or recoverable attribute; empty when there is none."""
        out = []
        for a in self.attributes.values():
            out += [f"{a.attribute}: {f} NMI {a.nmi[f]:.3f} ≥ {self.nmi_flag}" for f in a.strong]
            if a.recoverable:
                out.append(f"{a.attribute}: classifier AUC {a.auc:.3f} ≥ {self.auc_flag}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))


def discrete_columns(X: F64) -> npt.NDArray[np.bool_]:
    """Columns treated as discrete: integer-valued with at most ``DISCRETE_MAX_VALUES`` values."""
    out = np.zeros(X.shape[1], dtype=bool)
    for j in range(X.shape[1]):
        col = X[:, j]
        out[j] = bool(np.all(col == np.round(col))) and np.unique(col).size <= DISCRETE_MAX_VALUES
    return out


def _entropy(codes: npt.NDArray[np.intp]) -> float:
    p = np.bincount(codes) / codes.size
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _classifier_auc(
    X: F64, codes: npt.NDArray[np.intp], names: npt.NDArray[np.str_], seed: int
) -> tuple[float, dict[str, float], tuple[str, ...]]:
    counts = np.bincount(codes, minlength=len(names))
    kept = np.flatnonzero(counts >= FOLDS)
    left_out = tuple(str(names[k]) for k in np.flatnonzero(counts < FOLDS) if counts[k] > 0)
    if kept.size < 2:
        return float("nan"), {}, left_out
    rows = np.isin(codes, kept)
    Xk, yk = X[rows], codes[rows]
    model = HistGradientBoostingClassifier(
        max_iter=60, max_leaf_nodes=8, learning_rate=0.1, early_stopping=False, random_state=seed
    )
    cv = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    # One OpenMP thread: on a busy two-core machine the boosting's threads spin against other work
    # (measured: 0.5 s single-threaded vs 42 s with two threads under load, 600 rows, 4 classes).
    with threadpool_limits(limits=1, user_api="openmp"):
        proba = cross_val_predict(model, Xk, yk, cv=cv, method="predict_proba")
    classes = np.unique(yk)  # column order of predict_proba
    by_group = {str(names[c]): float(roc_auc_score(yk == c, proba[:, i])) for i, c in enumerate(classes)}
    if classes.size == 2:  # both one-vs-rest AUCs are the same number
        auc = by_group[str(names[classes[1]])]
    else:
        auc = float(roc_auc_score(yk, proba, multi_class="ovr", average="macro", labels=classes))
    return auc, by_group, left_out


def proxy_check(
    X: npt.ArrayLike,
    feature_names: Sequence[str],
    protected: Mapping[str, npt.ArrayLike],
    *,
    seed: int = 0,
    discrete: Sequence[str] | None = None,
    nmi_flag: float = NMI_FLAG,
    auc_flag: float = AUC_FLAG,
    max_rows: int = MAX_ROWS,
) -> ProxyReport:
    """NMI of each feature with each protected attribute and a classifier's AUC per attribute.

    ``X`` is the feature matrix (rows × ``feature_names``), ``protected`` one array of group values
    per attribute aligned with its rows. ``discrete`` names the discrete features (default: those
    ``discrete_columns`` finds). Deterministic for a given ``seed``.
    """
    X = np.asarray(X, dtype=np.float64)
    names = tuple(feature_names)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise ValueError(f"X must have {len(names)} columns (one per feature name), got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X holds non-finite values")
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=max_rows, replace=False)) if n > max_rows else np.arange(n)
    X = X[rows]
    if discrete is None:
        mask = discrete_columns(X)
    else:
        unknown = sorted(set(discrete) - set(names))
        if unknown:
            raise ValueError(f"unknown discrete features: {unknown}")
        mask = np.array([f in set(discrete) for f in names])
    attributes: dict[str, AttributeProxies] = {}
    for attr, values in protected.items():
        labels = group_labels(values)
        if labels.size != n:
            raise ValueError(f"protected[{attr!r}] has {labels.size} values, expected {n}")
        group_names, codes = np.unique(labels[rows], return_inverse=True)
        h = _entropy(codes)
        if h > 0:
            mi = mutual_info_classif(X, codes, discrete_features=mask, random_state=seed)
            nmi = {f: float(np.clip(m / h, 0.0, 1.0)) for f, m in zip(names, mi, strict=True)}
        else:  # one group only: nothing to reveal
            nmi = dict.fromkeys(names, 0.0)
        auc, auc_by_group, left_out = _classifier_auc(X, codes, group_names, seed)
        strong = tuple(sorted((f for f in names if nmi[f] >= nmi_flag), key=lambda f: (-nmi[f], f)))
        attributes[attr] = AttributeProxies(
            attribute=attr,
            entropy=h,
            nmi=nmi,
            auc=auc,
            auc_by_group=auc_by_group,
            left_out=left_out,
            strong=strong,
            recoverable=bool(auc >= auc_flag),
        )
    return ProxyReport(
        n=int(rows.size),
        features=names,
        discrete=tuple(f for f, d in zip(names, mask, strict=True) if d),
        nmi_flag=nmi_flag,
        auc_flag=auc_flag,
        attributes=attributes,
    )
