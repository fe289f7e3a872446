"""What the second generator (``training.synthetic_alt``) adds to ``evaluate_ranking``.

Beside the model's held-out AUC and ECE and the generator's own (Bayes-optimal, with the hidden
employer type), the best that is achievable from the recorded fields: the truth's probability
averaged over the hidden type given those fields (exact, ``synthetic_alt.truth.p_sustain_observed``),
scored on the same held-out placements. The gap of the model to it comes with a paired bootstrap
interval (the same resampled rows for both, ``BOOTSTRAP`` draws, seeded).

The bound is per record: the employer's id is not among the recorded fields it conditions on, as it
is not among the model's features. A model that learned each employer's outcomes could exceed it; how
far is shown by a second bound (``history_p``): the hidden type's posterior given also the outcomes
of the employer's older (training) placements, exact by Bayes' rule over the three types.

``cells``: the interactions the truth builds in, on the held-out rows: for each pair of conditions
the rows with both, with the first only and with the second only; mean model probability, mean of
the fields' best probability and the observed rate, to see where an additive model spreads an effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
BOOTSTRAP = 1000


def _positions(
    region: Any, outcome_ids: Sequence[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(historic claimant, historic vacancy) positions of the placements ``outcome_ids``."""
    c_pos = {c.id: i for i, c in enumerate(region.history_claimants)}
    v_pos = {v.id: i for i, v in enumerate(region.history_vacancies)}
    by_id = {o.id: o for o in region.outcomes}
    ci = np.array([c_pos[by_id[i].claimant_id] for i in outcome_ids], np.int64)
    vi = np.array([v_pos[by_id[i].vacancy_id] for i in outcome_ids], np.int64)
    return ci, vi


def observed_p(region: Any, outcome_ids: Sequence[str]) -> F64:
    """E[P(sustain) | recorded fields] of the region's placements ``outcome_ids``."""
    from training.synthetic import truth as T

    ci, vi = _positions(region, outcome_ids)
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


def history_p(
    region: Any, hold_ids: Sequence[str], train_ids: Sequence[str], train_y: npt.ArrayLike
) -> tuple[F64, float]:
    """E[P(sustain) | recorded fields and the outcomes of the employer's training placements] of the
    held-out placements, and the share of them whose employer has training placements."""
    from training.synthetic import truth as T
    from training.synthetic_alt import truth as A

    ca = T.claimant_arrays(region.history_claimants)
    av = A.alt_vacancies(region.seed, region.history_vacancies)
    employer = {e: k for k, e in enumerate(sorted({v.employer.id for v in region.history_vacancies}))}
    emp_of = np.array([employer[v.employer.id] for v in region.history_vacancies], np.int64)
    ci, vi = _positions(region, train_ids)
    p = 1.0 / (1.0 + np.exp(-A.type_logits(ca, av, ci, vi)))
    y = np.asarray(train_y, np.float64)[:, None]
    loglik = np.zeros((len(employer), 3))
    np.add.at(loglik, emp_of[vi], y * np.log(p) + (1.0 - y) * np.log1p(-p))
    seen = np.zeros(len(employer), bool)
    seen[emp_of[vi]] = True
    hi, hv = _positions(region, hold_ids)
    post = np.log(av.prior[hv]) + loglik[emp_of[hv]]
    post = np.exp(post - post.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    p_hold = 1.0 / (1.0 + np.exp(-A.type_logits(ca, av, hi, hv)))
    return np.asarray((p_hold * post).sum(axis=1), np.float64), float(seen[emp_of[hv]].mean())


def cells(
    region: Any, hold_ids: Sequence[str], y: npt.ArrayLike, p_model: F64, p_obs: F64
) -> list[dict[str, Any]]:
    """The truth's interaction cells on the held-out rows (module doc)."""
    from training.synthetic import truth as T
    from training.synthetic_alt import truth as A

    ca = T.claimant_arrays(region.history_claimants)
    av = A.alt_vacancies(region.seed, region.history_vacancies)
    ci, vi = _positions(region, hold_ids)
    no_car = ~ca.has_car[ci]
    pairs = (
        ("child 0-5", ca.children_0_5[ci] > 0, "shift work", av.base.shifted[vi]),
        ("no car", no_car, "commute > 60 min", A.commute_minutes(ca, av.base, ci, vi) > 60.0),
        (
            "temp agency",
            av.base.temp_agency[vi],
            "no collective agreement",
            ~av.base.collective_agreement[vi],
        ),
    )
    y = np.asarray(y, np.float64)
    out = []
    for a_name, a, b_name, b in pairs:
        for label, mask in (
            (f"{a_name} & {b_name}", a & b),
            (f"{a_name} only", a & ~b),
            (f"{b_name} only", ~a & b),
        ):
            n = int(mask.sum())
            out.append(
                {
                    "cell": label,
                    "n": n,
                    "model": float(p_model[mask].mean()) if n else float("nan"),
                    "fields": float(p_obs[mask].mean()) if n else float("nan"),
                    "rate": float(y[mask].mean()) if n else float("nan"),
                }
            )
    return out


def alt_figures(
    region: Any,
    hold_ids: Sequence[str],
    y: npt.ArrayLike,
    p_model: F64,
    train_ids: Sequence[str],
    train_y: npt.ArrayLike,
) -> dict[str, Any]:
    """The observed-fields bounds on the held-out rows, the model's gaps to them and to the truth,
    and the interaction cells."""
    from training.train import binary_metrics

    p_obs = observed_p(region, hold_ids)
    p_hist, seen = history_p(region, hold_ids, train_ids, train_y)
    truth_by_id = {o.id: float(p) for o, p in zip(region.outcomes, region.outcome_p_sustain, strict=True)}
    p_true = np.array([truth_by_id[i] for i in hold_ids])
    return {
        "observed": binary_metrics(y, p_obs),
        "observed_history": binary_metrics(y, p_hist) | {"employer_seen_share": seen},
        "gap_to_observed": paired_auc_gap(y, p_obs, p_model, region.seed),
        "gap_to_bayes": paired_auc_gap(y, p_true, p_model, region.seed),
        "cells": cells(region, hold_ids, y, p_model, p_obs),
        "placements_by_hidden_type": region.params["truth"]["placements_by_hidden_type"],
    }


def format_alt_lines(result: dict[str, Any]) -> list[str]:
    """The report lines the second generator adds (below the truth's line)."""
    a = result["alt"]
    o, h, g, b = a["observed"], a["observed_history"], a["gap_to_observed"], a["gap_to_bayes"]
    lines = [
        f"    fields  AUC {o['auc']:.4f}  Brier {o['brier']:.4f}  ECE {o['ece']:.4f}"
        "  (truth averaged over the hidden employer type: best from the recorded fields)",
        f"    + employer history  AUC {h['auc']:.4f}  ECE {h['ece']:.4f}  (also the outcomes of the "
        f"employer's training placements; {h['employer_seen_share']:.0%} of the held-out rows have some)",
        f"    gap of the model: {g['gap']:+.4f} AUC to the fields' best (95 % {g['lo']:+.4f} to "
        f"{g['hi']:+.4f}), {b['gap']:+.4f} to Bayes-optimal (95 % {b['lo']:+.4f} to {b['hi']:+.4f})",
        "    interaction cells (held out): n, mean model p, mean fields' best p, observed rate",
    ]
    for c in a["cells"]:
        lines.append(
            f"      {c['cell']:<42} n={c['n']:<5} model {c['model']:.3f}  fields {c['fields']:.3f}  "
            f"rate {c['rate']:.3f}"
        )
    return lines
