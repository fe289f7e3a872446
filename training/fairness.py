"""Fairness report and promotion gate: error rates and calibration by protected group.

For each protected attribute (sex, nationality group, age band, severe disability) the held-out
placements are split by group and, with fairlearn's ``MetricFrame``, measured per group:

- **TPR** (true positive rate): share of placements that lasted which the model scored ≥ threshold;
- **FPR** (false positive rate): share of placements that did *not* last scored ≥ threshold;
- **selection rate**: share scored ≥ threshold;
- **calibration gap**: mean predicted P(sustainable) − observed rate of lasting placements
  (positive: the model is too optimistic for the group);
- the counts behind them (rows, positives, negatives) and a binomial standard error of each rate.

The **gap** of a metric is its max − min over the attribute's groups. ``gate`` refuses promotion
when a gap over the limit in ``FairnessLimits`` is found among groups large enough to measure it:

- A group enters a metric's comparison only when the metric's *denominator* reaches
  ``min_group_size``: positives for TPR, negatives for FPR, rows for selection rate and
  calibration. Smaller groups are reported (table, card) but **not gated**: a TPR over a handful
  of positives is noise, and refusing a model for it would teach people to ignore the gate.
- With ``alpha`` set, a gap must also be statistically significant: larger than z standard errors
  of the difference between the two extreme groups, z the two-sided normal quantile for ``alpha``
  Bonferroni-corrected over **every comparison the gate makes**: the k(k−1)/2 group pairs of each
  attribute, summed over the attributes and gated metrics (max − min picks the extreme pair). The
  gate runs a dozen tests at once (four attributes × three gated metrics); corrected per attribute
  only, a model exactly as good as the truth was refused on noise: on the demo region (seed 2026,
  1,200 held-out placements) the *true* probabilities of the synthetic region failed it (FPR by
  severe disability 0.109 over 83 people, calibration by sex 0.044 against a limit of 0.05), and
  so did a model whose mean score per sex was within 0.005 of the truth's. With the family-wise
  correction the chance that a model as good as the truth is refused on noise is at most ``alpha``.
  Without this allowance, a calibration gap limit of 0.05 is breached by noise alone once a group
  has only a few hundred rows (standard error of an observed rate ≈ √(0.24 / n) ≈ 0.03 for
  n = 250). The price is power: with about 42 comparisons z is 3.24, so at the evaluation's default
  size (4,000 held-out placements, ~2,000 per sex) the allowance for a TPR/FPR gap between the two
  sexes is ~0.08 (under the 0.10 limit, which then decides) but for their calibration gap ~0.05,
  about the limit itself; smaller groups need larger gaps. Over-limit gaps that are not significant
  are listed in the model card to watch. ``alpha=None`` gives the plain rule "gap > limit".

Selection rates are reported but not gated by default: when the groups' real rates of lasting
placements differ, equal selection rates would require a model that is wrong for some of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate

F64 = npt.NDArray[np.float64]

METRICS = ("tpr", "fpr", "selection_rate", "calibration_gap")
# Denominator of each gated metric: the column of the by-group table that must reach min_group_size.
DENOMINATOR = {"tpr": "positives", "fpr": "negatives", "selection_rate": "n", "calibration_gap": "n"}
LABELS = {
    "tpr": "TPR",
    "fpr": "FPR",
    "selection_rate": "selection rate",
    "calibration_gap": "calibration gap",
}
MISSING = "unbekannt"


@dataclass(frozen=True)
class FairnessLimits:
    """Largest tolerated gap (max − min over groups) per metric; ``None`` reports without gating.

    Defaults: 0.10 for TPR and FPR (a lasting placement recognised ten points less often in one
    group than another is a difference a case manager would notice in the lists); 0.05 for the
    calibration gap (the quality bar for overall calibration error is 0.02; between groups more
    noise is unavoidable); selection rate not gated (see the module docstring); groups below 30
    rows in the metric's denominator not gated; alpha 0.05 (a gap must also be significant at
    5 %, see the module docstring).
    """

    tpr_gap: float | None = 0.10
    fpr_gap: float | None = 0.10
    calibration_gap: float | None = 0.05
    selection_rate_gap: float | None = None
    min_group_size: int = 30
    alpha: float | None = 0.05

    def z(self, comparisons: int) -> float:
        """Two-sided critical value when ``comparisons`` group pairs are tested together (Bonferroni);
        0 when ``alpha`` is None or nothing is compared."""
        if self.alpha is None or comparisons < 1:
            return 0.0
        return NormalDist().inv_cdf(1 - self.alpha / (2 * comparisons))

    def limit(self, metric: str) -> float | None:
        return {
            "tpr": self.tpr_gap,
            "fpr": self.fpr_gap,
            "calibration_gap": self.calibration_gap,
            "selection_rate": self.selection_rate_gap,
        }[metric]


@dataclass(frozen=True)
class AttributeReport:
    """One protected attribute: the by-group table and the gap of each metric over all groups."""

    attribute: str
    # group → {"n", "positives", "negatives", "tpr", "fpr", "selection_rate", "mean_score",
    #          "observed_rate", "calibration_gap", "tpr_se", "fpr_se", "selection_rate_se",
    #          "calibration_gap_se"}; NaN where a denominator is zero.
    by_group: dict[str, dict[str, float]]
    gaps: dict[str, float]  # metric → max − min over all groups (NaN-skipping)


@dataclass(frozen=True)
class FairnessReport:
    threshold: float
    n: int
    overall: dict[str, float]
    attributes: dict[str, AttributeReport] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form (NaN becomes None)."""
        return jsonable(asdict(self))


@dataclass(frozen=True)
class GapCheck:
    """One metric of one attribute compared with its limit, over the groups large enough to gate."""

    attribute: str
    metric: str
    gap: float  # max − min over the gated groups (NaN when fewer than two)
    low: str | None  # group with the smallest value
    high: str | None  # group with the largest value
    se: float  # standard error of the difference between the two
    z: float  # critical value the gap had to exceed in standard errors (0: no noise allowance)
    limit: float | None
    gated_groups: tuple[str, ...]
    small_groups: tuple[str, ...]  # reported, not gated
    exceeded: bool

    def reason(self) -> str:
        return (
            f"{self.attribute}: {LABELS[self.metric]} differs by {self.gap:.3f} between groups "
            f"{self.high} and {self.low} (standard error {self.se:.3f}, z {self.z:.2f}), "
            f"limit {self.limit:.3f}"
        )


def jsonable(obj: Any) -> Any:
    """Nested dicts, lists and numpy scalars as plain JSON values; NaN becomes None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, float | np.floating):
        return None if math.isnan(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def group_labels(values: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Group keys as strings: enums by value, booleans as "ja"/"nein", missing as "unbekannt"."""
    out = []
    for v in np.asarray(values, dtype=object).ravel():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(MISSING)
        elif isinstance(v, bool | np.bool_):
            out.append("ja" if v else "nein")
        else:
            out.append(str(getattr(v, "value", v)))
    return np.asarray(out, dtype=str)


def _metric_frame(y: F64, s: F64, sensitive: Any, threshold: float) -> MetricFrame:
    """All metrics in one MetricFrame over the scores; rate metrics threshold them first."""

    def pred(p: F64) -> npt.NDArray[np.int64]:
        return (np.asarray(p) >= threshold).astype(np.int64)

    def tpr(yt: Any, p: Any) -> float:
        yt = np.asarray(yt)
        # fairlearn returns 0.0 when a group has no positives; undefined is NaN here.
        return true_positive_rate(yt, pred(p), pos_label=1) if (yt == 1).any() else float("nan")

    def fpr(yt: Any, p: Any) -> float:
        yt = np.asarray(yt)
        return false_positive_rate(yt, pred(p), pos_label=1) if (yt == 0).any() else float("nan")

    metrics = {
        "n": count,
        "positives": lambda yt, p: float(np.sum(np.asarray(yt) == 1)),
        "negatives": lambda yt, p: float(np.sum(np.asarray(yt) == 0)),
        "tpr": tpr,
        "fpr": fpr,
        "selection_rate": lambda yt, p: selection_rate(yt, pred(p), pos_label=1),
        "mean_score": lambda yt, p: float(np.mean(p)),
        "observed_rate": lambda yt, p: float(np.mean(yt)),
        "calibration_gap": lambda yt, p: float(np.mean(p) - np.mean(yt)),
        # Standard error of mean(y − p) if the group were calibrated: Var(y − p) = p(1 − p).
        "calibration_gap_se": lambda yt, p: float(np.sqrt(np.mean(p * (1 - p)) / len(p))),
    }
    return MetricFrame(metrics=metrics, y_true=y, y_pred=s, sensitive_features=sensitive)


def _binomial_se(rate: float, n: float) -> float:
    if n <= 0 or rate != rate:
        return float("nan")
    return math.sqrt(rate * (1 - rate) / n)


def _with_se(row: dict[str, float]) -> dict[str, float]:
    row = {k: float(v) for k, v in row.items()}
    row["tpr_se"] = _binomial_se(row["tpr"], row["positives"])
    row["fpr_se"] = _binomial_se(row["fpr"], row["negatives"])
    row["selection_rate_se"] = _binomial_se(row["selection_rate"], row["n"])
    return row


def fairness_report(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    groups: Mapping[str, npt.ArrayLike],
    threshold: float = 0.5,
) -> FairnessReport:
    """By-group TPR, FPR, selection rate and calibration gap for each protected attribute.

    ``y_true`` holds 0/1 outcomes (1: employed 12 months after start), ``y_score`` P(sustainable),
    ``groups`` one array of group values per attribute, aligned with them. A score at or above
    ``threshold`` counts as a positive prediction.
    """
    y = np.asarray(y_true, dtype=np.float64).ravel()
    s = np.asarray(y_score, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"y_true has {y.size} values, y_score {s.size}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y_true must hold 0/1 outcomes")
    if not np.isfinite(s).all() or (s < 0).any() or (s > 1).any():
        raise ValueError("y_score must hold probabilities in [0, 1]")
    if y.size == 0:
        raise ValueError("no rows to report on")
    attributes: dict[str, AttributeReport] = {}
    overall: dict[str, float] = {}
    for name, values in groups.items():
        labels = group_labels(values)
        if labels.shape != y.shape:
            raise ValueError(f"groups[{name!r}] has {labels.size} values, expected {y.size}")
        mf = _metric_frame(y, s, pd.Series(labels, name=name), threshold)
        table = mf.by_group
        by_group = {str(g): _with_se(table.loc[g].to_dict()) for g in table.index}
        diff = mf.difference(method="between_groups")
        gaps = {m: float(diff[m]) for m in METRICS}
        attributes[name] = AttributeReport(name, by_group, gaps)
        if not overall:
            overall = _with_se({k: float(v) for k, v in mf.overall.to_dict().items()})
    if not overall:  # no attributes given: still report the overall figures
        mf = _metric_frame(y, s, pd.Series(np.full(y.size, "alle"), name="alle"), threshold)
        overall = _with_se({k: float(v) for k, v in mf.overall.to_dict().items()})
    return FairnessReport(threshold=float(threshold), n=int(y.size), overall=overall, attributes=attributes)


def check_gaps(report: FairnessReport, limits: FairnessLimits | None = None) -> list[GapCheck]:
    """Every attribute × metric compared with its limit (see the module docstring for the rule)."""
    limits = limits or FairnessLimits()
    plans: list[tuple[str, str, dict[str, dict[str, float]], tuple[str, ...]]] = []
    for name, attr in report.attributes.items():
        for metric in METRICS:
            denom = DENOMINATOR[metric]
            rows = {g: r for g, r in attr.by_group.items() if r[metric] == r[metric]}
            gated = {g: r for g, r in rows.items() if r[denom] >= limits.min_group_size}
            plans.append((name, metric, gated, tuple(sorted(set(attr.by_group) - set(gated)))))
    # One family of tests: every group pair of every gated metric of every attribute.
    comparisons = sum(
        len(gated) * (len(gated) - 1) // 2
        for _, metric, gated, _ in plans
        if limits.limit(metric) is not None
    )
    z = limits.z(comparisons)
    checks: list[GapCheck] = []
    for name, metric, gated, small in plans:
        limit = limits.limit(metric)
        if len(gated) < 2:
            checks.append(
                GapCheck(name, metric, float("nan"), None, None, float("nan"), 0.0, limit,
                         tuple(sorted(gated)), small, False)
            )  # fmt: skip
            continue
        low = min(gated, key=lambda g: (gated[g][metric], g))
        high = max(gated, key=lambda g: (gated[g][metric], g))
        gap = gated[high][metric] - gated[low][metric]
        se = math.hypot(gated[high][f"{metric}_se"], gated[low][f"{metric}_se"])
        exceeded = limit is not None and gap > limit and gap > z * se
        checks.append(
            GapCheck(name, metric, gap, low, high, se, z, limit, tuple(sorted(gated)), small, exceeded)
        )
    return checks


def gate(report: FairnessReport, limits: FairnessLimits | None = None) -> list[str]:
    """Reasons to refuse promotion; an empty list means the model passes the fairness gate."""
    return [c.reason() for c in check_gaps(report, limits) if c.exceeded]
