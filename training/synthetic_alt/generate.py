"""`generate_alt_region`: the project's records and hires, the second truth's outcomes.

The records (claimants, vacancies, households, proposals, hires) come from the project's generator
modules, but from streams seeded by ``(ALT_ENTROPY, seed)``, so seed S here is not the project's
region of seed S. Whether a placement lasts is drawn from ``truth.p_sustain_true`` (with each
employer's hidden type) instead of the project's P(sustain). The outcome's other fields (end date,
back on benefits) are drawn as the project's history draws them, given the label; the benefits flag
still reads the project's need ratio (no model is trained on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from matcher.domain import Vacancy
from training.synthetic.generate import current_records, default_placements
from training.synthetic.histories import HISTORY_MONTHS, make_history
from training.synthetic.places import JOBCENTERS
from training.synthetic.region import GENERATOR_VERSION, REFERENCE_DATE, Region
from training.synthetic.truth import SustainFn
from training.synthetic_alt import truth as A
from training.synthetic_alt.hidden import TYPES

ALT_ENTROPY = 0x5A17  # mixed into the seed: the second generator's streams differ from the project's
# The evaluation default: 6,300 older placements to train on and the newest 1,575 (20 %) held out.
DEFAULT_PLACEMENTS = 7875


def generate_alt_region(
    seed: int,
    claimants: int,
    vacancies: int,
    placements: int | None = None,
    reference_date: date = REFERENCE_DATE,
) -> Region:
    """A region whose placement outcomes follow the second truth (module doc). Same arguments →
    same records, outcomes and hidden types."""
    if claimants < 1 or vacancies < 1:
        raise ValueError("claimants and vacancies must be at least 1")
    n_pl = default_placements(claimants) if placements is None else placements
    if n_pl < 1:
        raise ValueError("placements must be at least 1")
    truth = A.AltGroundTruth(seed)
    seeds = np.random.SeedSequence([ALT_ENTROPY, seed])
    cs, ps, vs, rh = current_records(seeds, claimants, vacancies, reference_date)

    def sustain_for(hv: Sequence[Vacancy]) -> SustainFn:
        return truth.sustain_for(hv)

    hc, hp, hv, outcomes, props, ps_true = make_history(rh, n_pl, reference_date, sustain_for)
    kinds = A.alt_vacancies(seed, hv).kind
    by_id = {v.id: int(k) for v, k in zip(hv, kinds, strict=True)}
    placed = np.bincount([by_id[o.vacancy_id] for o in outcomes], minlength=3)
    params = {
        "generator_version": GENERATOR_VERSION + "+alt",
        "truth_version": truth.version,
        "seed": seed,
        "claimants": claimants,
        "vacancies": vacancies,
        "placements": n_pl,
        "reference_date": reference_date.isoformat(),
        "history_window_months": list(HISTORY_MONTHS),
        "truth": {
            "sustain_intercept": A.B0,
            "hidden_type_effect": dict(zip(TYPES, A.TYPE_EFFECT.tolist(), strict=True)),
            "placements_by_hidden_type": dict(zip(TYPES, placed.tolist(), strict=True)),
        },
        "jobcenters": JOBCENTERS,
    }
    return Region(seed, reference_date, cs, ps, vs, hc, hp, hv, outcomes, props, ps_true, params, truth)
