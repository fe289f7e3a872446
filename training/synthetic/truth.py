"""Hidden ground truth of the synthetic region: P(hire | proposal) and P(employed 12 months later).

Both are logistic functions of OBSERVABLE record fields of one claimant and one vacancy (the fields
of `Claimant` and `Vacancy`); the generator draws hires and outcomes as Bernoulli variables from them.
Protected attributes (sex, nationality group, age band, disability) never enter: the inputs below
(`ClaimantArrays`, `VacancyArrays`) have no such fields. They correlate with observable fields
(German level, licence, household, health), as in reality.

Shared pair terms
- occupation match ``m`` in [0, 1]: the best prefix match of the vacancy's KldB code (or, without
  one, the code its title names) against the claimant's desired codes (recorded ``desired_kldb`` and
  desired titles that name an occupation; 5/4/3/2 digits → 1.0/0.8/0.5/0.25) and experience codes
  (→ 0.9/0.85/0.45/0.2).
- true commute minutes ``t`` (own hidden travel model): road km = 1.3 × max(straight-line km, 2);
  by car 5 min + road km at 35-70 km/h (faster on long trips); without car 12 min + road km at
  22-45 km/h + 10 min per village end + 4 min per town end.
- commute limit: the claimant's ``max_commute_minutes``, else §140(4) SGB III (75 min one way for
  more than 6 h a day, else 60).
- skill gap (vacancy level − claimant level, split into under/over-qualified), German gap (CEFR
  steps missing), missing licence (required classes not covered, with the implied classes).
- household need = Regelbedarf 2026 (563 single, 506 per partner, 471/390/357 per child 14-17 /
  6-13 / 0-5) + rent − child benefit 259 per child; ``r`` = 0.7 × gross monthly wage / need.

p_hire: logit = HIRE_B0 (0.8) + 2.8 m − 0.8 under − 0.3 over − 0.7 German gap − 1.8 missing licence
  − 0.025 (t−20)+ − 0.08 (t−limit)+ + 0.35 clip((€/h − 14.5)/3, −1, 1.5) − 0.5 log(1 + months/12)
  − 0.06 (hours − available)+ − 0.9 [shifts, not ok] − 0.9 (load − health limit)+.

p_sustain: logit = SUSTAIN_B0 (−0.45) − 0.55 temp − fixed·(0.25 + 1.1 (12 − months)+/12)
  − [no car] 0.03 (t−30)+ − [car] 0.008 (t−45)+                          (interaction: car)
  − 0.7 · care · clash · (1 if single parent else 0.3)                      (interaction)
      care = min(children 0-5 + ½ children 6-13, 2); clash = (hours−25)+/15 + 0.8 [shifts]
  − [health restriction] (0.15 + 1.0 (load − limit)+) − 0.3 min(short spells, 4)
  − 0.3 log(1 + months unemployed/12) − 0.4 German gap − 0.4 under − 0.3 over
  + size (0, .15, .3, .45) + 0.3 collective agreement + 0.3 training + 0.45 min(exp months/24, 1)
  + 0.8 σ(6 (r − 1)) + 0.5 m − 0.04 (hours − available)+ − 0.5 [shifts, not ok],
  all times SUSTAIN_SCALE (1.4; sets the noise level: Bayes-optimal AUC ≈ 0.78-0.79 on the
  generated placements, about 40 % of which last 12 months).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matcher.domain import Claimant, Vacancy
from training.synthetic.places import RURAL, TOWN
from training.synthetic.truth_inputs import (
    ClaimantArrays,
    VacancyArrays,
    claimant_arrays,
    vacancy_arrays,
)

# The arrays and their builders are part of this module's interface (evaluation code reads
# ``truth.claimant_arrays``); they live in ``truth_inputs``.
__all__ = [
    "HIRE_B0",
    "KINDERGELD",
    "NET_SHARE",
    "REGELBEDARF_CHILD",
    "REGELBEDARF_PARTNER",
    "REGELBEDARF_SINGLE",
    "SIZE_EFFECT",
    "SUSTAIN_B0",
    "SUSTAIN_SCALE",
    "ClaimantArrays",
    "GroundTruth",
    "PairTerms",
    "SustainFn",
    "VacancyArrays",
    "claimant_arrays",
    "household_need",
    "need_ratio",
    "p_hire",
    "p_hire_arrays",
    "p_sustain",
    "p_sustain_arrays",
    "pair_terms",
    "straight_km",
    "sustain_logit",
    "travel_minutes",
    "true_p_hire",
    "true_p_sustain",
    "vacancy_arrays",
]

REGELBEDARF_SINGLE, REGELBEDARF_PARTNER = 563.0, 506.0
REGELBEDARF_CHILD = {"14_17": 471.0, "6_13": 390.0, "0_5": 357.0}
KINDERGELD = 259.0
NET_SHARE = 0.7

HIRE_B0 = 0.8
SUSTAIN_B0 = -0.45
SUSTAIN_SCALE = 1.4
SIZE_EFFECT = np.array([0.0, 0.15, 0.30, 0.45])


# P(sustain) of pairs (claimant arrays, vacancy arrays, claimant idx, vacancy idx): what a history
# draws its outcomes from (``GroundTruth.sustain_for``).
SustainFn = Callable[[ClaimantArrays, VacancyArrays, np.ndarray, np.ndarray], np.ndarray]


def straight_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def travel_minutes(
    km: np.ndarray, has_car: np.ndarray, urban_from: np.ndarray, urban_to: np.ndarray
) -> np.ndarray:
    """The hidden one-way commute in minutes (not the matcher's estimate)."""
    road = 1.3 * np.maximum(km, 2.0)
    car = 5.0 + road * 60.0 / (35.0 + 35.0 * (1.0 - np.exp(-road / 25.0)))
    penalty = 10.0 * ((urban_from == RURAL).astype(float) + (urban_to == RURAL)) + 4.0 * (
        (urban_from == TOWN).astype(float) + (urban_to == TOWN)
    )
    public = 12.0 + road * 60.0 / (22.0 + 23.0 * (1.0 - np.exp(-road / 30.0))) + penalty
    return np.where(has_car, car, public)


def household_need(ca: ClaimantArrays) -> np.ndarray:
    """Monthly SGB II need of the household net of child benefit (euro)."""
    adults = np.where(ca.adults <= 1, REGELBEDARF_SINGLE, REGELBEDARF_PARTNER * ca.adults)
    kids = ca.children_0_5 + ca.children_6_13 + ca.children_14_17
    need = (
        adults
        + REGELBEDARF_CHILD["0_5"] * ca.children_0_5
        + REGELBEDARF_CHILD["6_13"] * ca.children_6_13
        + REGELBEDARF_CHILD["14_17"] * ca.children_14_17
        + ca.rent
        - KINDERGELD * kids
    )
    return np.maximum(need, 100.0)


def _prefix_value(a: np.ndarray, b: np.ndarray, values: tuple[float, float, float, float]) -> np.ndarray:
    """(n, K) codes a against (n,) codes b → best value for a 5/4/3/2-digit common prefix."""
    ok = (a >= 0) & (b[:, None] >= 0)
    bb = b[:, None]
    v = np.where(a == bb, values[0], 0.0)
    v = np.maximum(v, np.where(a // 10 == bb // 10, values[1], 0.0))
    v = np.maximum(v, np.where(a // 100 == bb // 100, values[2], 0.0))
    v = np.maximum(v, np.where(a // 1000 == bb // 1000, values[3], 0.0))
    return np.where(ok, v, 0.0).max(axis=1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class PairTerms:
    """The shared terms of both logits for pairs (module doc)."""

    match: np.ndarray
    exp_months: np.ndarray
    minutes: np.ndarray
    limit: np.ndarray
    under: np.ndarray
    over: np.ndarray
    german_gap: np.ndarray
    licence_missing: np.ndarray
    hours_short: np.ndarray
    shift_clash: np.ndarray
    load_excess: np.ndarray
    need_ratio: np.ndarray


def pair_terms(ca: ClaimantArrays, va: VacancyArrays, ci: np.ndarray, vi: np.ndarray) -> PairTerms:
    """The shared terms for pairs (ci[j], vi[j])."""
    ci = np.asarray(ci, np.int64)
    vi = np.asarray(vi, np.int64)
    code = va.code[vi]
    match = np.maximum(
        _prefix_value(ca.desired[ci], code, (1.0, 0.8, 0.5, 0.25)),
        _prefix_value(ca.exp_codes[ci], code, (0.9, 0.85, 0.45, 0.2)),
    )
    ec = ca.exp_codes[ci]
    same4 = (ec >= 0) & (code[:, None] >= 0) & (ec // 10 == code[:, None] // 10)
    exp_months = (ca.exp_months[ci] * same4).sum(axis=1)
    km = straight_km(ca.lat[ci], ca.lon[ci], va.lat[vi], va.lon[vi])
    minutes = travel_minutes(km, ca.has_car[ci], ca.urban[ci], va.urban[vi])
    default = np.where(va.hours[vi] / 5.0 > 6.0, 75.0, 60.0)
    mc = ca.max_commute[ci]
    limit = np.where(np.isnan(mc), default, mc)
    gap = va.skill[vi] - ca.skill[ci]
    health = ca.health_max_load[ci]
    need = household_need(ca)[ci]
    return PairTerms(
        match=match,
        exp_months=exp_months,
        minutes=minutes,
        limit=limit,
        under=np.maximum(gap, 0).astype(float),
        over=np.maximum(-gap, 0).astype(float),
        german_gap=np.maximum(va.german[vi] - ca.german[ci], 0).astype(float),
        licence_missing=((va.licences[vi] & ~ca.licences[ci]) != 0).astype(float),
        hours_short=np.maximum(va.hours[vi] - ca.available_hours[ci], 0.0),
        shift_clash=(va.shifted[vi] & ~ca.shifts_ok[ci]).astype(float),
        load_excess=np.where(health > 0, np.maximum(va.load[vi] - health, 0), 0).astype(float),
        need_ratio=NET_SHARE * va.monthly_wage[vi] / need,
    )


def p_hire_arrays(ca: ClaimantArrays, va: VacancyArrays, ci: np.ndarray, vi: np.ndarray) -> np.ndarray:
    """P(hire | proposal) for pairs (ci[j], vi[j])."""
    t = pair_terms(ca, va, ci, vi)
    ci = np.asarray(ci, np.int64)
    vi = np.asarray(vi, np.int64)
    logit = (
        HIRE_B0
        + 2.8 * t.match
        - 0.8 * t.under
        - 0.3 * t.over
        - 0.7 * t.german_gap
        - 1.8 * t.licence_missing
        - 0.025 * np.maximum(t.minutes - 20.0, 0.0)
        - 0.08 * np.maximum(t.minutes - t.limit, 0.0)
        + 0.35 * np.clip((va.hourly_wage[vi] - 14.5) / 3.0, -1.0, 1.5)
        - 0.5 * np.log1p(ca.months_unemployed[ci] / 12.0)
        - 0.06 * t.hours_short
        - 0.9 * t.shift_clash
        - 0.9 * t.load_excess
    )
    return _sigmoid(logit)


def sustain_logit(ca: ClaimantArrays, va: VacancyArrays, ci: np.ndarray, vi: np.ndarray) -> np.ndarray:
    """The logit of P(sustain) for pairs (ci[j], vi[j]), scaled by SUSTAIN_SCALE."""
    t = pair_terms(ca, va, ci, vi)
    ci = np.asarray(ci, np.int64)
    vi = np.asarray(vi, np.int64)
    car = ca.has_car[ci]
    fixed = va.fixed_term[vi]
    months = va.contract_months[vi]
    single = (ca.adults[ci] == 1) & ((ca.children_0_5[ci] + ca.children_6_13[ci] + ca.children_14_17[ci]) > 0)
    care = np.minimum(ca.children_0_5[ci] + 0.5 * ca.children_6_13[ci], 2.0)
    clash = np.maximum(va.hours[vi] - 25.0, 0.0) / 15.0 + 0.8 * va.shifted[vi]
    restricted = ca.health_max_load[ci] > 0
    logit = (
        SUSTAIN_B0
        - 0.55 * va.temp_agency[vi]
        - np.where(fixed, 0.25 + 1.1 * np.maximum(12.0 - months, 0.0) / 12.0, 0.0)
        - np.where(car, 0.008 * np.maximum(t.minutes - 45.0, 0.0), 0.03 * np.maximum(t.minutes - 30.0, 0.0))
        - 0.7 * care * clash * np.where(single, 1.0, 0.3)
        - np.where(restricted, 0.15 + 1.0 * t.load_excess, 0.0)
        - 0.3 * np.minimum(ca.short_spells[ci], 4.0)
        - 0.3 * np.log1p(ca.months_unemployed[ci] / 12.0)
        - 0.4 * t.german_gap
        - 0.4 * t.under
        - 0.3 * t.over
        + SIZE_EFFECT[va.size[vi]]
        + 0.3 * va.collective_agreement[vi]
        + 0.3 * va.training[vi]
        + 0.45 * np.minimum(t.exp_months / 24.0, 1.0)
        + 0.8 * _sigmoid(6.0 * (t.need_ratio - 1.0))
        + 0.5 * t.match
        - 0.04 * t.hours_short
        - 0.5 * t.shift_clash
    )
    return SUSTAIN_SCALE * logit


def p_sustain_arrays(ca: ClaimantArrays, va: VacancyArrays, ci: np.ndarray, vi: np.ndarray) -> np.ndarray:
    """P(employed 12 months after start) for pairs (ci[j], vi[j])."""
    return _sigmoid(sustain_logit(ca, va, ci, vi))


def need_ratio(c: Claimant, v: Vacancy) -> float:
    """0.7 × gross monthly wage over the household's need: ≥ 1 means the job ends the need."""
    return float(
        pair_terms(
            claimant_arrays([c]), vacancy_arrays([v]), np.zeros(1, np.int64), np.zeros(1, np.int64)
        ).need_ratio[0]
    )


def _pairs(
    claimants: Sequence[Claimant] | ClaimantArrays,
    vacancies: Sequence[Vacancy] | VacancyArrays,
    pairs: np.ndarray | None,
) -> tuple[ClaimantArrays, VacancyArrays, np.ndarray, np.ndarray]:
    ca = claimants if isinstance(claimants, ClaimantArrays) else claimant_arrays(claimants)
    va = vacancies if isinstance(vacancies, VacancyArrays) else vacancy_arrays(vacancies)
    if pairs is None:
        n = len(ca.lat)
        if n != len(va.lat):
            raise ValueError("without pairs, claimants and vacancies are paired by position: same length")
        idx = np.arange(n)
        return ca, va, idx, idx
    p = np.asarray(pairs, np.int64).reshape(-1, 2)
    return ca, va, p[:, 0], p[:, 1]


def true_p_hire(
    claimants: Sequence[Claimant] | ClaimantArrays,
    vacancies: Sequence[Vacancy] | VacancyArrays,
    pairs: np.ndarray | None = None,
) -> np.ndarray:
    """Vectorised P(hire | proposal). ``pairs``: (n, 2) indices (claimant, vacancy); None pairs the
    two sequences by position. Pass `claimant_arrays`/`vacancy_arrays` results to reuse them."""
    return p_hire_arrays(*_pairs(claimants, vacancies, pairs))


def true_p_sustain(
    claimants: Sequence[Claimant] | ClaimantArrays,
    vacancies: Sequence[Vacancy] | VacancyArrays,
    pairs: np.ndarray | None = None,
) -> np.ndarray:
    """Vectorised P(employed 12 months after start), same conventions as `true_p_hire`."""
    return p_sustain_arrays(*_pairs(claimants, vacancies, pairs))


def p_hire(c: Claimant, v: Vacancy) -> float:
    """P(hire | proposal) of one claimant for one vacancy."""
    return float(true_p_hire([c], [v])[0])


def p_sustain(c: Claimant, v: Vacancy) -> float:
    """P(employed 12 months after start) of one placement."""
    return float(true_p_sustain([c], [v])[0])


class GroundTruth:
    """The truth handle a `Region` carries (for evaluation only)."""

    version = "truth-1"
    p_hire = staticmethod(p_hire)
    p_sustain = staticmethod(p_sustain)
    true_p_hire = staticmethod(true_p_hire)
    true_p_sustain = staticmethod(true_p_sustain)
    claimant_arrays = staticmethod(claimant_arrays)
    vacancy_arrays = staticmethod(vacancy_arrays)

    @staticmethod
    def sustain_for(vacancies: Sequence[Vacancy]) -> SustainFn:
        """P(sustain) of pairs over ``vacancies`` (``vacancy_arrays(vacancies)`` indexed by position);
        this truth reads recorded fields only, so it needs nothing beyond the arrays."""
        return p_sustain_arrays

    @staticmethod
    def observed_for(vacancies: Sequence[Vacancy]) -> SustainFn:
        """E[P(sustain) | recorded fields]: nothing is hidden here, so the truth itself."""
        return p_sustain_arrays
