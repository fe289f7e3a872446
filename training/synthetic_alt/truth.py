"""The second generator's outcome truth: P(employed 12 months after start), its own functional form.

Written apart from the project's truth (``training.synthetic.truth``) and from the model's features,
so that the model is judged on a shape it was not designed around. Hires still follow the project's
P(hire | proposal); only whether a placement lasts is different. Steps and thresholds instead of
smooth curves, effects that exist mostly in combination, and a hidden employer factor (``hidden``).

Own commute: road km = 1.25 × straight-line km + 1.5; by car 6 min + road km at 55 km/h; without
car road km at 28 km/h plus waiting at both ends (origin city / town / village 6 / 14 / 28 min,
destination 4 / 8 / 18 min).

Own household need: Regelbedarf 2026 (563 single, 506 per adult in a couple; 357 / 390 / 471 per
child 0-5 / 6-13 / 14-17) + rent + Mehrbedarf for single parents (§21(3) SGB II: 36 % of 563 with a
child under 7 or two or more children, else 12 % per child, at most 60 %) − Kindergeld 259 per
child. Net pay = 0.8 × gross monthly − 0.14 × (gross − 1,400)+; coverage = net / need.

logit = B0 (0.25)
  commute   with car − 0.012 (t − 50)+ ; without car − 0.35 [40 < t ≤ 60] − 1.2 [t > 60]
  children  − 0.1 [child 0-5] − 0.05 [shifts] − 0.15 [nights or three shifts]
            − 1.3 [child 0-5 and shifts] × (1.25 single parent, else 0.8) × (0.4 supportive, else 1)
            − 0.35 [child 6-13, single parent, > 35 h]
  need      − 0.35 [coverage < 0.6] + 0.55 [coverage ≥ 1] + 0.35 [coverage ≥ 1.25]
  contract  fixed term: − 1.6 (< 12 months), − 0.7 (12), − 0.3 (longer);
            − 0.5 temp agency − 0.4 [temp agency without collective agreement]
  fit       − 0.45 min(under-qualified levels, 2) − 0.6 [over-qualified by ≥ 2]
            − 0.2 [German 1 level short] − 0.8 [≥ 2 short]
            − 1.1 [health limit exceeded] − 0.25 [load exactly at the limit]
            + 0.35 [occupation match ≥ 4 digits] − 0.5 [no match even at 2 digits]
            + 0.5 [≥ 12 months' experience in the 4-digit occupation]
            − 0.7 [hours > available + 5] − 0.3 [hours < available − 15] − 0.6 [shifts not accepted]
  history   − 0.25 [1 short spell] − 0.75 [≥ 2]; − 0.2 [12-24 months out of work] − 0.55 [> 24]
  employer  size (−0.15, 0, 0.1, 0.2) + 0.2 training
            + hidden type: strained − 0.75, ordinary 0, supportive + 0.6
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

import training.synthetic.truth as T
from matcher.domain import Claimant, Shifts, Vacancy
from training.synthetic.places import CITY, RURAL, TOWN
from training.synthetic_alt.hidden import vacancy_types

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

B0 = 0.25
TYPE_EFFECT = np.array([-0.75, 0.0, 0.6])  # strained, ordinary, supportive
SUPPORTIVE_RELIEF = 0.4  # share of the child × shift penalty left at a supportive workplace
CHILD_SHIFT = 1.3
SIZE_EFFECT = np.array([-0.15, 0.0, 0.1, 0.2])
MEHRBEDARF_BASE = 563.0
_WAIT_FROM = {CITY: 6.0, TOWN: 14.0, RURAL: 28.0}
_WAIT_TO = {CITY: 4.0, TOWN: 8.0, RURAL: 18.0}


@dataclass(frozen=True)
class AltVacancies:
    """The project's vacancy arrays plus what the second truth also reads: night work, and the
    employer's hidden type (drawn) with its prior given the recorded employer fields."""

    base: T.VacancyArrays
    nights: npt.NDArray[np.bool_]
    prior: F64  # (n, 3)
    kind: I64  # 0 strained, 1 ordinary, 2 supportive


def alt_vacancies(seed: int, vacancies: Sequence[Vacancy]) -> AltVacancies:
    """The second truth's inputs of ``vacancies`` under the hidden types of ``seed``."""
    prior, kind = vacancy_types(seed, vacancies)
    nights = np.array([v.shifts in (Shifts.NIGHT, Shifts.THREE_SHIFT) for v in vacancies], bool)
    return AltVacancies(T.vacancy_arrays(vacancies), nights, prior, kind)


def commute_minutes(ca: T.ClaimantArrays, va: T.VacancyArrays, ci: I64, vi: I64) -> F64:
    """The second truth's one-way commute in minutes (module doc)."""
    km = T.straight_km(ca.lat[ci], ca.lon[ci], va.lat[vi], va.lon[vi])
    road = 1.25 * km + 1.5
    car = 6.0 + road * 60.0 / 55.0
    wait = np.vectorize(_WAIT_FROM.__getitem__, otypes=[float])(ca.urban[ci]) + np.vectorize(
        _WAIT_TO.__getitem__, otypes=[float]
    )(va.urban[vi])
    public = wait + road * 60.0 / 28.0
    return np.asarray(np.where(ca.has_car[ci], car, public), dtype=np.float64)


def household_need(ca: T.ClaimantArrays) -> F64:
    """The second truth's monthly need of the household (module doc), euro."""
    kids = ca.children_0_5 + ca.children_6_13 + ca.children_14_17
    single = (ca.adults <= 1) & (kids > 0)
    mehr_share = np.where(
        (ca.children_0_5 > 0) | (kids >= 2), np.maximum(0.36, np.minimum(0.12 * kids, 0.6)), 0.12 * kids
    )
    need = (
        np.where(ca.adults <= 1, 563.0, 506.0 * ca.adults)
        + 357.0 * ca.children_0_5
        + 390.0 * ca.children_6_13
        + 471.0 * ca.children_14_17
        + ca.rent
        + np.where(single, MEHRBEDARF_BASE * mehr_share, 0.0)
        - 259.0 * kids
    )
    return np.asarray(np.maximum(need, 100.0), dtype=np.float64)


def coverage(ca: T.ClaimantArrays, va: T.VacancyArrays, ci: I64, vi: I64) -> F64:
    """Net monthly pay over the household's need (module doc)."""
    gross = va.monthly_wage[vi]
    net = 0.8 * gross - 0.14 * np.maximum(gross - 1400.0, 0.0)
    return np.asarray(net / household_need(ca)[ci], dtype=np.float64)


def _f(x: npt.ArrayLike) -> F64:
    return np.asarray(x, dtype=np.float64)


def observed_logit(
    ca: T.ClaimantArrays, av: AltVacancies, ci: npt.ArrayLike, vi: npt.ArrayLike
) -> tuple[F64, F64]:
    """(logit without the hidden type, the child × shift penalty that a supportive workplace eases)."""
    ci = np.asarray(ci, np.int64)
    vi = np.asarray(vi, np.int64)
    va = av.base
    t = T.pair_terms(ca, va, ci, vi)
    car = ca.has_car[ci]
    minutes = commute_minutes(ca, va, ci, vi)
    commute = np.where(
        car,
        -0.012 * np.maximum(minutes - 50.0, 0.0),
        -0.35 * _f((minutes > 40.0) & (minutes <= 60.0)) - 1.2 * _f(minutes > 60.0),
    )
    kids = ca.children_0_5[ci] + ca.children_6_13[ci] + ca.children_14_17[ci]
    single = (ca.adults[ci] <= 1) & (kids > 0)
    young = ca.children_0_5[ci] > 0
    shifted = va.shifted[vi]
    child_shift = -CHILD_SHIFT * _f(young & shifted) * np.where(single, 1.25, 0.8)
    children = (
        -0.1 * _f(young)
        - 0.05 * _f(shifted)
        - 0.15 * _f(av.nights[vi])
        - 0.35 * _f((ca.children_6_13[ci] > 0) & single & (va.hours[vi] > 35.0))
    )
    cov = coverage(ca, va, ci, vi)
    need = -0.35 * _f(cov < 0.6) + 0.55 * _f(cov >= 1.0) + 0.35 * _f(cov >= 1.25)
    fixed = va.fixed_term[vi]
    months = va.contract_months[vi]
    contract = np.where(fixed, np.where(months < 12, -1.6, np.where(months == 12, -0.7, -0.3)), 0.0)
    temp = va.temp_agency[vi]
    contract = contract - 0.5 * _f(temp) - 0.4 * _f(temp & ~va.collective_agreement[vi])
    restricted = ca.health_max_load[ci] > 0
    load = va.load[vi]
    limit = ca.health_max_load[ci]
    fit = (
        -0.45 * np.minimum(t.under, 2.0)
        - 0.6 * _f(t.over >= 2)
        - 0.2 * _f(t.german_gap == 1)
        - 0.8 * _f(t.german_gap >= 2)
        - 1.1 * _f(restricted & (load > limit))
        - 0.25 * _f(restricted & (load == limit))
        + 0.35 * _f(t.match >= 0.8)
        - 0.5 * _f(t.match == 0.0)
        + 0.5 * _f(t.exp_months >= 12.0)
        - 0.7 * _f(t.hours_short > 5.0)
        - 0.3 * _f(va.hours[vi] < ca.available_hours[ci] - 15.0)
        - 0.6 * t.shift_clash
    )
    spells = ca.short_spells[ci]
    out = ca.months_unemployed[ci]
    history = (
        -0.25 * _f(spells == 1)
        - 0.75 * _f(spells >= 2)
        - 0.2 * _f((out > 12.0) & (out <= 24.0))
        - 0.55 * _f(out > 24.0)
    )
    employer = SIZE_EFFECT[va.size[vi]] + 0.2 * _f(va.training[vi])
    logit = B0 + commute + children + need + contract + fit + history + employer
    return _f(logit), _f(child_shift)


def type_logits(ca: T.ClaimantArrays, av: AltVacancies, ci: npt.ArrayLike, vi: npt.ArrayLike) -> F64:
    """(n, 3) logits of P(sustain) had the employer each hidden type (strained, ordinary, supportive)."""
    base, child_shift = observed_logit(ca, av, ci, vi)
    relief = np.array([1.0, 1.0, SUPPORTIVE_RELIEF])
    return base[:, None] + TYPE_EFFECT[None, :] + child_shift[:, None] * relief[None, :]


def _sigmoid(x: F64) -> F64:
    return _f(1.0 / (1.0 + np.exp(-x)))


def p_sustain_true(ca: T.ClaimantArrays, av: AltVacancies, ci: npt.ArrayLike, vi: npt.ArrayLike) -> F64:
    """P(sustain) with the employer's hidden type: the generator's own (Bayes-optimal) probability."""
    vi = np.asarray(vi, np.int64)
    logits = type_logits(ca, av, ci, vi)
    return _sigmoid(np.take_along_axis(logits, av.kind[vi][:, None], axis=1)[:, 0])


def p_sustain_observed(ca: T.ClaimantArrays, av: AltVacancies, ci: npt.ArrayLike, vi: npt.ArrayLike) -> F64:
    """E[P(sustain) | recorded fields]: the three types weighted by their prior (exact; ``hidden``)."""
    vi = np.asarray(vi, np.int64)
    return _f((_sigmoid(type_logits(ca, av, ci, vi)) * av.prior[vi]).sum(axis=1))


class AltGroundTruth(T.GroundTruth):
    """The truth handle of a second-generator region: hires as the project's, outcomes its own."""

    version = "truth-alt-1"

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def sustain_for(self, vacancies: Sequence[Vacancy]) -> T.SustainFn:  # type: ignore[override]
        """P(sustain) of pairs over ``vacancies`` (the hidden types of this seed)."""
        av = alt_vacancies(self.seed, vacancies)
        return lambda ca, va, ci, vi: p_sustain_true(ca, av, ci, vi)

    def observed_for(self, vacancies: Sequence[Vacancy]) -> T.SustainFn:  # type: ignore[override]
        """E[P(sustain) | recorded fields] of pairs over ``vacancies``."""
        av = alt_vacancies(self.seed, vacancies)
        return lambda ca, va, ci, vi: p_sustain_observed(ca, av, ci, vi)

    def true_p_sustain(  # type: ignore[override]
        self, claimants: Sequence[Claimant], vacancies: Sequence[Vacancy], pairs: np.ndarray | None = None
    ) -> F64:
        """P(sustain) with the hidden types; records only (the types hang on the employer ids).
        ``pairs``: (n, 2) indices (claimant, vacancy); None pairs the two sequences by position."""
        if pairs is None:
            if len(claimants) != len(vacancies):
                raise ValueError("without pairs, claimants and vacancies are paired by position: same length")
            ci = vi = np.arange(len(claimants))
        else:
            p = np.asarray(pairs, np.int64).reshape(-1, 2)
            ci, vi = p[:, 0], p[:, 1]
        return p_sustain_true(T.claimant_arrays(claimants), alt_vacancies(self.seed, vacancies), ci, vi)

    def p_sustain(self, c: Claimant, v: Vacancy) -> float:
        return float(self.true_p_sustain([c], [v])[0])
