"""What the second generator (``training.synthetic_alt``) adds to ``evaluate_ranking``.

Beside the model's held-out AUC and ECE and the generator's own (Bayes-optimal, with the hidden
employer type), the best that is achievable from the recorded fields: the truth's probability
averaged over the hidden type given those fields (exact, ``synthetic_alt.truth.p_sustain_observed``),
scored on the same held-out placements. The gap of the model to it comes with a paired bootstrap
interval (the same resampled rows for both, ``BOOTSTRAP`` draws, seeded).

The bound is per record: the employer's id is not among the recorded fields it conditions on, as it
is not among the model's features. A model that learned each employer's outcomes could exceed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
BOOTSTRAP = 1000


def observed_p(region: Any, outcome_ids: Sequence[str]) -> F64:
    """E[P(sustain) | recorded fields] of the region's placements ``outcome_ids``."""
    from training.synthetic import truth as T

    c_pos = {c.id: i for i, c in enumerate(region.history_claimants)}
    v_pos = {v.id: i for i, v in enumerate(region.history_vacancies)}
    by_id = {o.id: o for o in region.outcomes}
    ci = np.array([c_pos[by_id[i].claimant_id] for i in outcome_ids], np.int64)
    vi = np.array([v_pos[by_id[i].vacancy_id] for i in outcome_ids], np.int64)
    ca = T.claimant_arrays(region.history_claimants)
    va = T.vacancy_arrays(region.history_vacancies)
    return np.asarray(region.truth.observed_for(region.history_vacancies)(ca, va, ci, vi), np.float64)


def resampled_auc(y: npt.ArrayLike, score: npt.ArrayLike, weights: F64) -> F64:
    """AUC (Mann-Whitney, ties half) of ``score`` under each row of ``weights`` (B, n): the row
    multiplicities of B bootstrap resamples, all at once (one sort, no per-resample call)."""
    y = np.asarray(y, bool)
    uniq, inv = np.unique(np.asarray(score, np.float64), return_inverse=True)
    order = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[order], np.arange(len(uniq)))
    w = weights[:, order]
    pos = np.add.reduceat(np.where(y[order], w, 0.0), starts, axis=1)
    neg = np.add.reduceat(np.where(y[order], 0.0, w), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    n_pairs = pos.sum(axis=1) * neg.sum(axis=1)
    return np.asarray((pos * (below + 0.5 * neg)).sum(axis=1) / n_pairs, np.float64)


def paired_auc_gap(y: npt.ArrayLike, p_ref: F64, p_model: F64, seed: int) -> dict[str, float]:
    """AUC(p_ref) − AUC(p_model) on the rows, and its 2.5 / 97.5 % paired bootstrap percentiles
    (the same ``BOOTSTRAP`` resamples of rows for both)."""
    from training.synthetic.summary import auc

    y = np.asarray(y, bool)
    n = len(y)
    rng = np.random.default_rng([seed, 18])
    weights = np.zeros((BOOTSTRAP, n))
    np.add.at(weights, (np.arange(BOOTSTRAP)[:, None], rng.integers(0, n, (BOOTSTRAP, n))), 1.0)
    gaps = resampled_auc(y, p_ref, weights) - resampled_auc(y, p_model, weights)
    lo, hi = np.nanpercentile(gaps, [2.5, 97.5])
    return {"gap": auc(y, p_ref) - auc(y, p_model), "lo": float(lo), "hi": float(hi)}


def alt_figures(region: Any, hold_ids: Sequence[str], y: npt.ArrayLike, p_model: F64) -> dict[str, Any]:
    """The observed-fields bound on the held-out rows, and the model's gaps to it and to the truth."""
    from training.train import binary_metrics

    p_obs = observed_p(region, hold_ids)
    truth_by_id = {o.id: float(p) for o, p in zip(region.outcomes, region.outcome_p_sustain, strict=True)}
    p_true = np.array([truth_by_id[i] for i in hold_ids])
    return {
        "observed": binary_metrics(y, p_obs),
        "gap_to_observed": paired_auc_gap(y, p_obs, p_model, region.seed),
        "gap_to_bayes": paired_auc_gap(y, p_true, p_model, region.seed),
        "placements_by_hidden_type": region.params["truth"]["placements_by_hidden_type"],
    }


def format_alt_lines(result: dict[str, Any]) -> list[str]:
    """The report lines the second generator adds (below the truth's line)."""
    a = result["alt"]
    o, g, b = a["observed"], a["gap_to_observed"], a["gap_to_bayes"]
    return [
        f"    fields  AUC {o['auc']:.4f}  Brier {o['brier']:.4f}  ECE {o['ece']:.4f}"
        "  (truth averaged over the hidden employer type: best from the recorded fields)",
        f"    gap of the model: {g['gap']:+.4f} AUC to the fields' best (95 % {g['lo']:+.4f} to "
        f"{g['hi']:+.4f}), {b['gap']:+.4f} to Bayes-optimal (95 % {b['lo']:+.4f} to {b['hi']:+.4f})",
    ]
