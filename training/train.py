"""Fit the match and sustainability models on the recorded history and write a bundle.

Evaluation is a time split, as the models will be used: fit on the older placements (proposals),
evaluate on the newest ``holdout`` share (20 %). For the sustainability model two candidates are
compared on the same held-out placements: the additive spline-logistic model (exact per-feature
explanations) and gradient boosting. The additive model is kept unless boosting wins **clearly**:
held-out AUC at least ``BOOSTING_MARGIN`` (0.01) higher *and* an expected calibration error no
worse. The match model is additive (same estimator, its own feature subset). After the choice both
are refitted on all rows (``refit``), so the bundle uses the newest data too; the held-out figures
in the manifest are those of the models fitted on the older part.

Metrics: AUC; Brier score; expected calibration error (ECE) over 10 equal-frequency bins of the
predicted probability: Σ_b (n_b / n) · |mean(p in b) − mean(y in b)|.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score

from matcher.errors import PassgenauError
from matcher.geo import load_directory
from models.bundle import write_bundle
from models.pair_scorer import MATCH_FEATURES, SUSTAIN_FEATURES, binary_columns, select
from models.scorer import SustainabilityScorer
from training.dataset import (
    FeatureContext,
    PairSet,
    cached_grounder,
    match_set,
    read_store,
    sustain_set,
    time_split,
)

if TYPE_CHECKING:
    from pathlib import Path

    from matcher.domain import Claimant, Outcome, Proposal, Vacancy
    from matcher.settings import Settings
    from matcher.store import Store
    from models.encoding import RecordEncoder

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]

HOLDOUT = 0.2
BOOSTING_MARGIN = 0.01  # AUC points boosting must gain (with no worse ECE) to replace the additive model
N_KNOTS = 5
C = 1.0
ECE_BINS = 10


# -- metrics ---------------------------------------------------------------------------------------
def ece(y: npt.ArrayLike, p: npt.ArrayLike, bins: int = ECE_BINS) -> float:
    """Expected calibration error over ``bins`` equal-frequency bins (sorted by p, ties by position)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if len(p) == 0:
        return float("nan")
    order = np.argsort(p, kind="stable")
    total = 0.0
    for part in np.array_split(order, bins):
        if len(part):
            total += len(part) / len(p) * abs(float(p[part].mean() - y[part].mean()))
    return total


def binary_metrics(y: npt.ArrayLike, p: npt.ArrayLike) -> dict[str, float]:
    y = np.asarray(y)
    p = np.asarray(p, dtype=np.float64)
    ok = len(np.unique(y)) == 2
    return {
        "auc": float(roc_auc_score(y, p)) if ok else float("nan"),
        "brier": float(np.mean((p - y) ** 2)),
        "ece": ece(y, p),
        "rate": float(np.mean(y)),
        "mean_p": float(np.mean(p)),
        "n": len(y),
    }


# -- fitting ---------------------------------------------------------------------------------------
def make_model(kind: str, features: Sequence[str]) -> SustainabilityScorer:
    return SustainabilityScorer(
        kind=kind, binary=binary_columns(features), n_knots=N_KNOTS, C=C, max_iter=2000
    )


def _fit(kind: str, features: Sequence[str], s: PairSet) -> SustainabilityScorer:
    return make_model(kind, features).fit(select(s.X, features), s.y)


def _p(model: SustainabilityScorer, features: Sequence[str], s: PairSet) -> F64:
    return np.asarray(model.predict_proba(select(s.X, features))[:, 1], dtype=np.float64)


def choose(additive: dict[str, float], boosting: dict[str, float]) -> tuple[str, str]:
    """ "boosting" only if it wins clearly on held-out AUC and calibrates no worse; with the reason."""
    gain = boosting["auc"] - additive["auc"]
    if gain >= BOOSTING_MARGIN and boosting["ece"] <= additive["ece"]:
        return (
            "boosting",
            f"boosting gains {gain:+.3f} AUC with ECE {boosting['ece']:.3f} <= {additive['ece']:.3f}",
        )
    return "additive", (
        f"boosting {gain:+.3f} AUC (needs >= +{BOOSTING_MARGIN}) and ECE {boosting['ece']:.3f} vs "
        f"{additive['ece']:.3f}: the additive model stays (exact explanations)"
    )


@dataclass
class TrainResult:
    match: SustainabilityScorer
    sustain: SustainabilityScorer
    choice: str
    reason: str
    metrics: dict[str, Any]
    snapshot: dict[str, Any]
    sustain_set: PairSet
    match_set: PairSet
    holdout: npt.NDArray[np.intp]  # positions in sustain_set of the held-out placements
    holdout_p: F64  # P(sustain) of the chosen kind, fitted on the older part, on those placements
    extra: dict[str, Any] = field(default_factory=dict)


def fit_models(
    sustain: PairSet,
    match: PairSet,
    *,
    holdout: float = HOLDOUT,
    refit: bool = True,
    compare: bool = True,
) -> TrainResult:
    """Fit, compare and evaluate on the time split; refit the chosen models on everything."""
    t0 = time.perf_counter()
    s_train, s_test = time_split(sustain.when, holdout)
    m_train, m_test = time_split(match.when, holdout)
    st, sh = sustain.take(s_train), sustain.take(s_test)
    add = _fit("additive", SUSTAIN_FEATURES, st)
    p_add = _p(add, SUSTAIN_FEATURES, sh)
    metrics: dict[str, Any] = {"sustain": {"additive": binary_metrics(sh.y, p_add)}}
    choice, reason, p_hold = "additive", "no comparison run", p_add
    if compare:
        boost = _fit("boosting", SUSTAIN_FEATURES, st)
        p_boost = _p(boost, SUSTAIN_FEATURES, sh)
        metrics["sustain"]["boosting"] = binary_metrics(sh.y, p_boost)
        choice, reason = choose(metrics["sustain"]["additive"], metrics["sustain"]["boosting"])
        if choice == "boosting":
            p_hold = p_boost
    metrics["sustain"]["chosen"] = choice
    mt, mh = match.take(m_train), match.take(m_test)
    match_model = _fit("additive", MATCH_FEATURES, mt)
    metrics["match"] = binary_metrics(mh.y, _p(match_model, MATCH_FEATURES, mh))
    log.info("held-out: sustain %s, match %s (%s)", metrics["sustain"][choice], metrics["match"], reason)
    sustain_model = add if choice == "additive" else boost
    if refit:
        sustain_model = _fit(choice, SUSTAIN_FEATURES, sustain)
        match_model = _fit("additive", MATCH_FEATURES, match)
    snapshot = {
        "placements": len(sustain),
        "placement_starts": sustain.date_range(),
        "proposals": len(match),
        "proposal_dates": match.date_range(),
        "holdout_share": holdout,
        "holdout_placements_from": sh.date_range()[0] if len(sh) else None,
        "holdout_proposals_from": mh.date_range()[0] if len(mh) else None,
        "dropped": {"placements": sustain.dropped, "proposals": match.dropped},
        "refit_on_all": refit,
    }
    metrics["fit_seconds"] = round(time.perf_counter() - t0, 2)
    return TrainResult(
        match=match_model,
        sustain=sustain_model,
        choice=choice,
        reason=reason,
        metrics=metrics,
        snapshot=snapshot,
        sustain_set=sustain,
        match_set=match,
        holdout=s_test,
        holdout_p=p_hold,
    )


def train_from_records(
    outcomes: Sequence[Outcome],
    proposals: Sequence[Proposal],
    claimants: Sequence[Claimant],
    vacancies: Sequence[Vacancy],
    ctx: FeatureContext,
    *,
    holdout: float = HOLDOUT,
    refit: bool = True,
    compare: bool = True,
) -> TrainResult:
    """Build both training sets from records and fit (see ``fit_models``)."""
    t0 = time.perf_counter()
    s = sustain_set(outcomes, ctx)
    m = match_set(proposals, claimants, vacancies, ctx)
    log.info("training sets: %d placements, %d proposals (%.1f s)", len(s), len(m), time.perf_counter() - t0)
    if len(s) == 0 or len(m) == 0:
        raise PassgenauError("no placements or no proposals to train on: import the history first")
    return fit_models(s, m, holdout=holdout, refit=refit, compare=compare)


def manifest_for(result: TrainResult, embedder_id: str) -> dict[str, Any]:
    """The caller's part of a bundle manifest (``models.bundle.write_bundle`` adds the rest)."""
    return {
        "features": {"match": list(MATCH_FEATURES), "sustain": list(SUSTAIN_FEATURES)},
        "labels": {"match": "proposal led to a hire", "sustain": "employed 12 months after start"},
        "kinds": {"match": "additive", "sustain": result.choice},
        "choice_reason": result.reason,
        "params": {"n_knots": N_KNOTS, "C": C, "boosting_margin": BOOSTING_MARGIN},
        "embedder": embedder_id,  # the grounding of wish texts (KldB depth) depends on it
        "training": result.snapshot,
        "metrics": result.metrics,
    }


def train_from_store(settings: Settings, store: Store, encoder: RecordEncoder) -> Path:
    """Fit both models on the imported history and write a bundle made current; returns its path."""
    outcomes, proposals, claimants, vacancies = read_store(store)
    wishes = [w for c in claimants for w in c.desired_occupations]
    wishes += [w for o in outcomes for w in o.claimant_snapshot.get("desired_occupations", [])]
    ctx = FeatureContext(
        geo=load_directory(),
        grounder=cached_grounder(settings, encoder, wishes),
        commute=settings.commute,
        household=settings.household,
    )
    result = train_from_records(outcomes, proposals, claimants, vacancies, ctx)
    return write_bundle(
        settings.layout.scorer_bundles,
        {"match": result.match, "sustain": result.sustain},
        manifest_for(result, encoder.model_id),
    )
