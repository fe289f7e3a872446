"""Realised rates of a generated region."""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.domain import (
    Contract,
    SkillLevel,
)
from training.synthetic.places import (
    PLACES,
)
from training.synthetic.region import GENERATOR_VERSION, Region


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties averaged)."""
    y = np.asarray(y, bool)
    score = np.asarray(score, float)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    _, inv, counts = np.unique(score, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    mid = ends - (counts - 1) / 2.0
    ranks = mid[inv]
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def summary(region: Region) -> dict[str, Any]:
    """Realised rates of a region (outcomes, hires, mixes), for truth.json and the CLI."""
    o = region.outcomes
    y = np.array([x.employed_12m for x in o], bool)
    early = np.array([x.end is not None and (x.end - x.start).days < 183 for x in o], bool)

    def count(items: Any) -> dict[str, int]:
        out: dict[str, int] = {}
        for k in items:
            out[k] = out.get(k, 0) + 1
        return dict(sorted(out.items()))

    jc_of = {p.postcode + p.name: p.jobcenter or "outside" for p in PLACES}
    helpers = [v for v in region.vacancies if v.skill_level == SkillLevel.HELPER]
    n_prop = len(region.proposals)
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": region.seed,
        "reference_date": region.reference_date.isoformat(),
        "claimants": len(region.claimants),
        "vacancies": len(region.vacancies),
        "history_claimants": len(region.history_claimants),
        "history_vacancies": len(region.history_vacancies),
        "placements": len(o),
        "proposals": n_prop,
        "hire_rate_per_proposal": round(sum(p.hired for p in region.proposals) / max(n_prop, 1), 4),
        "share_employed_12m": round(float(y.mean()), 4) if o else None,
        "share_ended_within_6m": round(float(early.mean()), 4) if o else None,
        "share_benefits_12m": round(float(np.mean([x.benefits_12m for x in o])), 4) if o else None,
        "mean_true_p_sustain": round(float(region.outcome_p_sustain.mean()), 4) if o else None,
        "bayes_auc_sustain": round(auc(y, region.outcome_p_sustain), 4) if o else None,
        "claimants_by_jobcenter": count(c.jobcenter for c in region.claimants),
        "vacancies_by_jobcenter": count(
            jc_of.get(v.postcode + v.municipality, "outside") for v in region.vacancies
        ),
        "share_temp_agency_helper_vacancies": round(
            sum(v.employer.temp_agency for v in helpers) / max(len(helpers), 1), 4
        ),
        "share_fixed_term_vacancies": round(
            sum(v.contract is Contract.FIXED_TERM for v in region.vacancies) / len(region.vacancies), 4
        ),
        "share_expired_vacancies": round(
            sum(not v.is_open(region.reference_date) for v in region.vacancies) / len(region.vacancies), 4
        ),
        "share_claimants_with_car": round(
            sum(c.has_car for c in region.claimants) / len(region.claimants), 4
        ),
        "share_long_term_unemployed": round(
            sum(c.months_unemployed >= 12 for c in region.claimants) / len(region.claimants), 4
        ),
        "nationality_groups": count(p.nationality_group.value for p in region.protected),
    }
