"""Drift: do recent claimants, vacancies and scores still look like the training snapshot?

The **population stability index** compares a recent sample of a variable with the sample the
model was trained on, over bins cut at the training sample's quantiles:

    PSI = Σ_b (a_b − e_b) · ln(a_b / e_b)

with e_b, a_b the shares of the expected (training) and actual (recent) sample in bin b. Usual
reading (credit-scoring practice, where PSI comes from): below 0.1 stable; 0.1–0.25 a moderate
shift worth watching; above 0.25 a major shift: the model is scoring a population it was not
trained on, retrain or investigate. Empty bins get a share of ``EPSILON`` so the logarithm stays
finite (it caps how much one empty bin can add).

Where realised outcomes exist for recent scores (placements started 12 months ago or more), the
report also compares them with the predictions: calibration gap (mean predicted − observed rate)
and expected calibration error (the project's definition, ``training.train.ece``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from training.fairness import jsonable
from training.train import ece

F64 = npt.NDArray[np.float64]

EPSILON = 1e-4
PSI_WATCH = 0.1
PSI_ACT = 0.25
CALIBRATION_LIMIT = 0.05
# Below this many realised outcomes their calibration is reported, not judged: with 400 the standard
# error of an observed rate near 0.4 is ≈ 0.025, so the 0.05 limit sits two standard errors out.
MIN_OUTCOMES = 400


def psi_level(value: float) -> str:
    """'stabil' (< 0.1), 'beobachten' (0.1–0.25) or 'handeln' (> 0.25)."""
    if value != value:
        return "unbekannt"
    return "stabil" if value < PSI_WATCH else ("beobachten" if value <= PSI_ACT else "handeln")


def _finite(x: npt.ArrayLike, name: str) -> F64:
    a = np.asarray(x, dtype=np.float64).ravel()
    a = a[np.isfinite(a)]
    if a.size == 0:
        raise ValueError(f"{name}: no finite values")
    return a


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` (see the module docstring).

    Bins are cut at the quantiles of ``expected``; tied quantiles merge (a flag gets two bins),
    and a value equal to an edge falls in the bin that ends there. Non-finite values are ignored.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    e = _finite(expected, "expected")
    a = _finite(actual, "actual")
    edges = np.unique(np.quantile(e, np.linspace(0.0, 1.0, bins + 1))[1:-1])
    # Bin i holds (edges[i-1], edges[i]]: searchsorted(side="left") counts the edges below a value.
    e_share = np.bincount(np.searchsorted(edges, e, side="left"), minlength=edges.size + 1) / e.size
    a_share = np.bincount(np.searchsorted(edges, a, side="left"), minlength=edges.size + 1) / a.size
    e_share = np.maximum(e_share, EPSILON)
    a_share = np.maximum(a_share, EPSILON)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


@dataclass(frozen=True)
class DriftReport:
    n_train: int
    n_recent: int
    features: dict[str, float]  # feature → PSI
    score_psi: float
    outcomes_n: int  # recent rows with a realised outcome
    mean_predicted: float  # over those rows (NaN without outcomes)
    observed_rate: float
    calibration_gap: float  # mean predicted − observed rate
    ece: float

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))


def drift_report(
    train_X: npt.ArrayLike,
    recent_X: npt.ArrayLike,
    feature_names: Sequence[str],
    *,
    train_scores: npt.ArrayLike,
    recent_scores: npt.ArrayLike,
    outcomes: npt.ArrayLike | None = None,
    bins: int = 10,
) -> DriftReport:
    """PSI per feature and of the score; calibration of realised outcomes where given.

    ``outcomes`` is aligned with ``recent_scores``: 1 (lasted), 0 (did not), NaN (not known yet).
    """
    tx = np.asarray(train_X, dtype=np.float64)
    rx = np.asarray(recent_X, dtype=np.float64)
    names = tuple(feature_names)
    for label, m in (("train_X", tx), ("recent_X", rx)):
        if m.ndim != 2 or m.shape[1] != len(names):
            raise ValueError(f"{label} must have {len(names)} columns, got shape {m.shape}")
    features = {f: psi(tx[:, j], rx[:, j], bins) for j, f in enumerate(names)}
    score_psi = psi(train_scores, recent_scores, bins)
    p = np.asarray(recent_scores, dtype=np.float64).ravel()
    n_out, mean_p, observed, gap, err = 0, math.nan, math.nan, math.nan, math.nan
    if outcomes is not None:
        y = np.asarray(outcomes, dtype=np.float64).ravel()
        if y.shape != p.shape:
            raise ValueError(f"outcomes has {y.size} values, recent_scores {p.size}")
        known = np.isfinite(y)
        if not np.isin(y[known], (0.0, 1.0)).all():
            raise ValueError("outcomes must be 0, 1 or NaN (not known yet)")
        n_out = int(known.sum())
        if n_out:
            mean_p = float(p[known].mean())
            observed = float(y[known].mean())
            gap = mean_p - observed
            err = float(ece(y[known], p[known]))
    return DriftReport(
        n_train=int(tx.shape[0]),
        n_recent=int(rx.shape[0]),
        features=features,
        score_psi=score_psi,
        outcomes_n=n_out,
        mean_predicted=mean_p,
        observed_rate=observed,
        calibration_gap=gap,
        ece=err,
    )


def exceeded(
    report: DriftReport,
    psi_limit: float = PSI_ACT,
    calibration_limit: float = CALIBRATION_LIMIT,
    *,
    min_outcomes: int = MIN_OUTCOMES,
) -> list[str]:
    """Reasons for a non-zero exit of ``passgenau drift``; empty when nothing is over its limit.

    The calibration gap is judged only with at least ``min_outcomes`` realised outcomes (see
    ``MIN_OUTCOMES``); with fewer it is reported in the report only.
    """
    out = [f"feature {f}: PSI {v:.3f} > {psi_limit}" for f, v in report.features.items() if v > psi_limit]
    if report.score_psi > psi_limit:
        out.append(f"score: PSI {report.score_psi:.3f} > {psi_limit}")
    if report.outcomes_n >= min_outcomes and abs(report.calibration_gap) > calibration_limit:
        out.append(
            f"calibration: mean predicted {report.mean_predicted:.3f} vs observed {report.observed_rate:.3f} "
            f"over {report.outcomes_n} outcomes "
            f"(gap {report.calibration_gap:+.3f}, limit {calibration_limit})"
        )
    return out
