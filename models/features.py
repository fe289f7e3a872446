"""Pair features for the sustainability and match models (pure numpy).

One row per claimant–vacancy pair, built from the two records and what the lookup measured of the
pair (similarity, KldB match depth, commute). The columns are named in ``FEATURES``; each says why
it may bear on whether a placement lasts (IAB research on SGB II integrations: temp agency work,
fixed-term contracts, long commutes without a car and hours that clash with childcare shorten
placements; firm size, collective agreements and training offers lengthen them).

Protected attributes (sex, nationality group, age, disability) are never features: the builder
takes ``Claimant`` records, which do not hold them (they live in ``ProtectedAttributes``), and a
test fails if a feature name or value can be traced to one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.domain import Claimant, Contract, Shifts, SizeBand, Vacancy
from matcher.household_pairs import assess_pairs
from matcher.pairs import childcare_clash, experience_years
from matcher.settings import HouseholdSettings

F64 = npt.NDArray[np.float64]

# The column order of every feature matrix (and of a bundle's models). German labels and units for
# explanations: ``matcher.explain_text``.
FEATURES: tuple[str, ...] = (
    "similarity",
    "kldb_depth",
    "experience_years",
    "commute_minutes",
    "commute_ratio",
    "no_car",
    "commute_no_car",
    "hours_ratio",
    "young_children",
    "childcare_clash",
    "single_parent_clash",
    "shift_work",
    "fixed_term",
    "contract_months",
    "temp_agency",
    "need_covered",
    "ends_need",
    "employer_size",
    "collective_agreement",
    "offers_training",
    "german_gap",
    "health_strain",
    "short_spells",
    "months_unemployed",
    "skill_gap",
    "hourly_wage",
)

# Features an additive model treats as categories or flags rather than smooth curves.
BINARY: frozenset[str] = frozenset(
    {
        "no_car",
        "shift_work",
        "fixed_term",
        "temp_agency",
        "ends_need",
        "collective_agreement",
        "offers_training",
    }
)

_SIZE = {SizeBand.MICRO: 0.0, SizeBand.SMALL: 1.0, SizeBand.MEDIUM: 2.0, SizeBand.LARGE: 3.0}


@dataclass(frozen=True)
class PairInputs:
    """Per-pair measurements the lookup made; aligned with the record sequences."""

    claimants: Sequence[Claimant]
    vacancies: Sequence[Vacancy]
    similarity: npt.ArrayLike
    depth: npt.ArrayLike
    commute_minutes: npt.ArrayLike
    commute_limit: npt.ArrayLike


def _col(values: list[float]) -> F64:
    return np.asarray(values, dtype=np.float64)


def household_cover(
    claimants: Sequence[Claimant], vacancies: Sequence[Vacancy], s: HouseholdSettings
) -> tuple[F64, F64]:
    """Share of the household's need the job's wage covers (capped at 2) and whether it ends it."""
    if not claimants:
        return np.zeros(0), np.zeros(0)
    gross = np.array([v.monthly_wage for v in vacancies], dtype=np.float64)
    # All pairs in one assessment per tax situation (``matcher.household_pairs``), not per claimant.
    effect = assess_pairs([c.household for c in claimants], gross, s)
    need_total = effect["remaining_need"] + effect["countable"]
    share = np.where(need_total > 0, effect["countable"] / np.maximum(need_total, 1.0), 2.0)
    return np.clip(share, 0.0, 2.0), effect["ends_need"].astype(np.float64)


def build_features(p: PairInputs, household: HouseholdSettings) -> F64:
    """The feature matrix (n pairs × len(FEATURES)), columns in ``FEATURES`` order."""
    cs, vs = p.claimants, p.vacancies
    n = len(cs)
    if len(vs) != n:
        raise ValueError("claimants and vacancies must be aligned")
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    minutes = np.asarray(p.commute_minutes, dtype=np.float64)
    limit = np.asarray(p.commute_limit, dtype=np.float64)
    no_car = _col([0.0 if c.has_car else 1.0 for c in cs])
    young = _col([float(c.household.children_0_5) for c in cs])
    shift = _col([0.0 if v.shifts is Shifts.DAY else 1.0 for v in vs])
    hours = _col([v.hours_per_week for v in vs])
    # Graded, and separately for single parents who have no one to cover (``childcare_clash``).
    clash = childcare_clash(cs, vs)
    single = _col([1.0 if c.household.single_parent else 0.0 for c in cs])
    # Physical load of the job beyond the claimant's health limit (0 at or below it): the filter
    # keeps such jobs out of lookups, but recorded placements have them. A flag "at the limit" instead
    # scored people with a restriction too low in jobs they can do (calibration gap by severe
    # disability 0.092 on the demo region, now 0.071; the truth's own is 0.065 there).
    excess = _col([
        float(max(int(v.physical_load) - int(c.health_max_load), 0)) if c.health_max_load is not None else 0.0
        for c, v in zip(cs, vs, strict=True)
    ])  # fmt: skip
    covered, ends = household_cover(cs, vs, household)
    cols = {
        "similarity": np.asarray(p.similarity, dtype=np.float64),
        "kldb_depth": np.asarray(p.depth, dtype=np.float64),
        "experience_years": experience_years(cs, vs),
        "commute_minutes": minutes,
        "commute_ratio": minutes / np.maximum(limit, 1.0),
        "no_car": no_car,
        "commute_no_car": minutes * no_car,
        "hours_ratio": hours / _col([c.available_hours for c in cs]),
        "young_children": young,
        "childcare_clash": clash,
        "single_parent_clash": single * clash,
        "shift_work": shift,
        "fixed_term": _col([1.0 if v.contract is Contract.FIXED_TERM else 0.0 for v in vs]),
        "contract_months": _col([float(v.contract_months or 0) for v in vs]),
        "temp_agency": _col([1.0 if v.employer.temp_agency else 0.0 for v in vs]),
        "need_covered": covered,
        "ends_need": ends,
        "employer_size": _col([_SIZE[v.employer.size_band] for v in vs]),
        "collective_agreement": _col([1.0 if v.employer.collective_agreement else 0.0 for v in vs]),
        "offers_training": _col([1.0 if v.employer.offers_training else 0.0 for v in vs]),
        "german_gap": _col([float(c.german_level - v.german_level) for c, v in zip(cs, vs, strict=True)]),
        "health_strain": excess,
        "short_spells": _col([float(c.short_spells) for c in cs]),
        "months_unemployed": _col([float(c.months_unemployed) for c in cs]),
        "skill_gap": _col([float(c.skill_level - v.skill_level) for c, v in zip(cs, vs, strict=True)]),
        "hourly_wage": _col([v.hourly_wage for v in vs]),
    }
    return np.column_stack([cols[name] for name in FEATURES])
