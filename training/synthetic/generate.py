"""`generate_region`: one seed, three independent streams (current claimants, current vacancies, history)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np

import training.synthetic.truth as T
from matcher.domain import Claimant, ProtectedAttributes, Vacancy
from training.synthetic.claimants import make_claimants
from training.synthetic.histories import HISTORY_MONTHS, SHARE_ENDING_EARLY, make_history, months_before
from training.synthetic.places import (
    JOBCENTERS,
)
from training.synthetic.region import GENERATOR_VERSION, REFERENCE_DATE, Region
from training.synthetic.vacancies import make_vacancies


def default_placements(claimants: int) -> int:
    """Enough placements for a model to learn: 4 per current claimant, within [6,000, 24,000]."""
    return min(max(4 * claimants, 6000), 24000)


def current_records(
    seeds: np.random.SeedSequence, claimants: int, vacancies: int, reference_date: date
) -> tuple[list[Claimant], list[ProtectedAttributes], list[Vacancy], np.random.Generator]:
    """The current claimants (with their protected attributes) and vacancies from the first two of
    three streams spawned from ``seeds``, and the third stream for the history."""
    rc, rv, rh = (np.random.Generator(np.random.PCG64(s)) for s in seeds.spawn(3))
    cs, ps, _ = make_claimants(rc, claimants, "K-")
    # In the current spell for months_unemployed months (derived, no draw: the records stay as they were).
    cs = [replace(c, activated=months_before(reference_date, c.months_unemployed)) for c in cs]
    vs = make_vacancies(
        rv,
        vacancies,
        "V-",
        "E-",
        reference_date - timedelta(days=120),
        reference_date,
        recent=1.6,
        open_on=reference_date,
    )
    return cs, list(ps), vs, rh


def generate_region(
    seed: int,
    claimants: int,
    vacancies: int,
    placements: int | None = None,
    reference_date: date = REFERENCE_DATE,
) -> Region:
    """Generate a region: current claimants and vacancies, a placement history with outcomes, the
    proposals behind it, and the hidden truth. Same arguments → same records."""
    if claimants < 1 or vacancies < 1:
        raise ValueError("claimants and vacancies must be at least 1")
    n_pl = default_placements(claimants) if placements is None else placements
    if n_pl < 1:
        raise ValueError("placements must be at least 1")
    cs, ps, vs, rh = current_records(np.random.SeedSequence(seed), claimants, vacancies, reference_date)
    hc, hp, hv, outcomes, props, ps_true = make_history(rh, n_pl, reference_date)
    params = {
        "generator_version": GENERATOR_VERSION,
        "truth_version": T.GroundTruth.version,
        "seed": seed,
        "claimants": claimants,
        "vacancies": vacancies,
        "placements": n_pl,
        "reference_date": reference_date.isoformat(),
        "history_window_months": list(HISTORY_MONTHS),
        "truth": {
            "hire_intercept": T.HIRE_B0,
            "sustain_intercept": T.SUSTAIN_B0,
            "sustain_scale": T.SUSTAIN_SCALE,
            "net_share": T.NET_SHARE,
            "regelbedarf": {
                "single": T.REGELBEDARF_SINGLE,
                "partner": T.REGELBEDARF_PARTNER,
                **T.REGELBEDARF_CHILD,
            },
            "kindergeld": T.KINDERGELD,
            "share_ending_early": SHARE_ENDING_EARLY,
        },
        "jobcenters": JOBCENTERS,
    }
    return Region(seed, reference_date, cs, ps, vs, hc, hp, hv, outcomes, props, ps_true, params)
