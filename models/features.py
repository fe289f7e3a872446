"""Pair features for the sustainability and match models (pure numpy).

One row per claimant–vacancy pair, built from the two records and what the lookup measured of the
pair (similarity, KldB match depth, commute). The columns are named in ``FEATURES``; each says why
it may bear on whether a placement lasts (IAB research on SGB II integrations: temp agency work,
fixed-term contracts, long commutes without a car and hours that clash with childcare shorten
placements; firm size, collective agreements and training offers lengthen them).

Every column is a plain measurement a case manager could name: children by age band, the job's
weekly hours, shift work, minutes of commute, whether there is a car, levels of German or
qualification below (or above) the requirement, minutes beyond the reasonable commute. No column is
a graded formula such as the former childcare clash ("children under 6 count fully, school children
half, capped at 2, times hours over 25 / 15 plus 0.8 for shifts"): such a formula is one
generator's shape, written by the hands that wrote the synthetic region, and a model fitted on it
is judged on its own assumptions. The model learns each input's curve (splines) and, where the data
show one, their interplay.

Shortfalls are one-sided: German levels below the job's requirement, hours beyond what the claimant
can work, shift work the claimant cannot do, commute minutes beyond the reasonable limit. German
above the requirement, hours or minutes to spare are no shortfall; as signed gaps or ratios (to the
available hours, to the commute limit) they moved every pair's score when a measure
(``matcher.measures``) raised the claimant's German level, freed hours or lifted the commute limit,
also for the jobs it changed nothing for. Over- and under-qualification are two columns, since they
bear on a placement differently.

Protected attributes (sex, nationality group, age, disability) are never features: the builder
takes ``Claimant`` records, which do not hold them (they live in ``ProtectedAttributes``), and a
test fails if a feature name or value can be traced to one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.domain import Claimant, Contract, Shifts, SizeBand, Vacancy
from matcher.household_pairs import WageTable, assess_gathered, assess_pairs
from matcher.pairs import childcare_clash, experience_years
from matcher.settings import HouseholdSettings
from models.employer_history import EmployerHistory

F64 = npt.NDArray[np.float64]

# The column order of every feature matrix (and of a bundle's models). German labels and units for
# explanations: ``matcher.explain_text``.
FEATURES: tuple[str, ...] = (
    "similarity",
    "kldb_depth",
    "experience_years",
    "commute_minutes",
    "commute_over_limit",
    "no_car",
    "commute_no_car",
    "hours_per_week",
    "hours_over_available",
    "young_children",
    "school_children",
    "single_parent",
    "shift_work",
    "shift_not_possible",
    "fixed_term",
    "contract_months",
    "temp_agency",
    "need_covered",
    "ends_need",
    "employer_size",
    "collective_agreement",
    "offers_training",
    "german_shortfall",
    "health_strain",
    "short_spells",
    "months_unemployed",
    "skill_under",
    "skill_over",
    "hourly_wage",
    "employer_lasting",
)

# Features an additive model treats as categories or flags rather than smooth curves.
BINARY: frozenset[str] = frozenset(
    {
        "no_car",
        "single_parent",
        "shift_work",
        "shift_not_possible",
        "fixed_term",
        "temp_agency",
        "ends_need",
        "collective_agreement",
        "offers_training",
    }
)

# The direction in which each feature can only move whether a placement lasts, where research and
# a case manager agree on it (``models.monotone``): +1 the more, the likelier it lasts; -1 the less.
# Free (absent): the job's hours (too few and too many both end jobs), single parent (it matters in
# combination, with hours and shifts, not alone) and contract months (0 for a permanent contract,
# the best of all, so not ordered).
MONOTONE: dict[str, int] = {
    "kldb_depth": 1,  # the job is in the claimant's occupation, to more digits
    "experience_years": 1,
    "commute_minutes": -1,
    "commute_over_limit": -1,
    "no_car": -1,
    "commute_no_car": -1,
    "hours_over_available": -1,  # hours the claimant cannot work
    "young_children": -1,
    "school_children": -1,
    "shift_work": -1,
    "shift_not_possible": -1,
    "fixed_term": -1,
    "temp_agency": -1,
    "need_covered": 1,  # the wage ends dependence on benefits (IAB: the strongest single factor)
    "ends_need": 1,
    "employer_size": 1,
    "collective_agreement": 1,
    "offers_training": 1,
    "german_shortfall": -1,
    "health_strain": -1,
    "short_spells": -1,  # the revolving door so far
    "months_unemployed": -1,
    "skill_under": -1,
    "skill_over": -1,  # over-qualified people leave for better jobs
    "hourly_wage": 1,
    "employer_lasting": 1,  # the employer's earlier placements lasted (``models.employer_history``)
}

# The columns of the feature sets before the plain ones (2026-12-03), as they were computed then. Built
# only for a bundle trained on them, so that a lookup logged with it replays identical (audit replay);
# training never builds them, and a new bundle cannot be trained on them.
RETIRED: tuple[str, ...] = (
    "commute_ratio",
    "hours_ratio",
    "childcare_clash",
    "single_parent_clash",
    "german_gap",
    "skill_gap",
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


def employer_column(vacancies: Sequence[Vacancy], employers: EmployerHistory | None) -> F64:
    """``employer_lasting`` of the vacancies: 0 (no history) without an ``EmployerHistory``."""
    if employers is None:
        return np.zeros(len(vacancies), dtype=np.float64)
    return employers.values([v.employer.id for v in vacancies])


def build_features(
    p: PairInputs, household: HouseholdSettings, employers: EmployerHistory | None = None
) -> F64:
    """The feature matrix (n pairs × len(FEATURES)), columns in ``FEATURES`` order; the employers'
    history from ``employers`` (training fills that column itself)."""
    cs, vs = p.claimants, p.vacancies
    n = len(cs)
    if len(vs) != n:
        raise ValueError("claimants and vacancies must be aligned")
    if n == 0:
        return np.zeros((0, len(FEATURES)))
    minutes = np.asarray(p.commute_minutes, dtype=np.float64)
    limit = np.asarray(p.commute_limit, dtype=np.float64)
    no_car = _col([0.0 if c.has_car else 1.0 for c in cs])
    shift = _col([0.0 if v.shifts is Shifts.DAY else 1.0 for v in vs])
    hours = _col([v.hours_per_week for v in vs])
    available = _col([c.available_hours for c in cs])
    shifts_ok = _col([1.0 if c.shifts_ok else 0.0 for c in cs])
    # Physical load of the job beyond the claimant's health limit (0 at or below it): the filter
    # keeps such jobs out of lookups, but recorded placements have them. A flag "at the limit" instead
    # scored people with a restriction too low in jobs they can do (calibration gap by severe
    # disability 0.092 on the demo region, now 0.071; the truth's own is 0.065 there).
    excess = _col([
        float(max(int(v.physical_load) - int(c.health_max_load), 0)) if c.health_max_load is not None else 0.0
        for c, v in zip(cs, vs, strict=True)
    ])  # fmt: skip
    german = _col([float(int(v.german_level) - int(c.german_level)) for c, v in zip(cs, vs, strict=True)])
    skill = _col([float(int(v.skill_level) - int(c.skill_level)) for c, v in zip(cs, vs, strict=True)])
    covered, ends = household_cover(cs, vs, household)
    cols = {
        "similarity": np.asarray(p.similarity, dtype=np.float64),
        "kldb_depth": np.asarray(p.depth, dtype=np.float64),
        "experience_years": experience_years(cs, vs),
        "commute_minutes": minutes,
        "commute_over_limit": np.maximum(minutes - limit, 0.0),
        "no_car": no_car,
        "commute_no_car": minutes * no_car,
        "hours_per_week": hours,
        "hours_over_available": np.maximum(hours - available, 0.0),
        "young_children": _col([float(c.household.children_0_5) for c in cs]),
        "school_children": _col([float(c.household.children_6_13) for c in cs]),
        "single_parent": _col([1.0 if c.household.single_parent else 0.0 for c in cs]),
        "shift_work": shift,
        "shift_not_possible": shift * (1.0 - shifts_ok),
        "fixed_term": _col([1.0 if v.contract is Contract.FIXED_TERM else 0.0 for v in vs]),
        "contract_months": _col([float(v.contract_months or 0) for v in vs]),
        "temp_agency": _col([1.0 if v.employer.temp_agency else 0.0 for v in vs]),
        "need_covered": covered,
        "ends_need": ends,
        "employer_size": _col([_SIZE[v.employer.size_band] for v in vs]),
        "collective_agreement": _col([1.0 if v.employer.collective_agreement else 0.0 for v in vs]),
        "offers_training": _col([1.0 if v.employer.offers_training else 0.0 for v in vs]),
        "german_shortfall": np.maximum(german, 0.0),
        "health_strain": excess,
        "short_spells": _col([float(c.short_spells) for c in cs]),
        "months_unemployed": _col([float(c.months_unemployed) for c in cs]),
        "skill_under": np.maximum(skill, 0.0),
        "skill_over": np.maximum(-skill, 0.0),
        "hourly_wage": _col([v.hourly_wage for v in vs]),
        "employer_lasting": employer_column(vs, employers),
    }
    return np.column_stack([cols[name] for name in FEATURES])


def retired_features(p: PairInputs) -> F64:
    """The ``RETIRED`` columns of the pairs (n × len(RETIRED)), in that order."""
    cs, vs = p.claimants, p.vacancies
    if len(cs) == 0:
        return np.zeros((0, len(RETIRED)))
    minutes = np.asarray(p.commute_minutes, dtype=np.float64)
    limit = np.asarray(p.commute_limit, dtype=np.float64)
    clash = childcare_clash(cs, vs)
    single = _col([1.0 if c.household.single_parent else 0.0 for c in cs])
    cols = {
        "commute_ratio": minutes / np.maximum(limit, 1.0),
        "hours_ratio": _col([v.hours_per_week for v in vs]) / _col([c.available_hours for c in cs]),
        "childcare_clash": clash,
        "single_parent_clash": single * clash,
        "german_gap": _col([float(c.german_level - v.german_level) for c, v in zip(cs, vs, strict=True)]),
        "skill_gap": _col([float(c.skill_level - v.skill_level) for c, v in zip(cs, vs, strict=True)]),
    }
    return np.column_stack([cols[name] for name in RETIRED])


class VacancyColumns:
    """What ``FeatureTables`` reads of each vacancy of a fixed sequence, as arrays, read once.

    Shared by the tables of any claimants against the same vacancies: the nightly run builds one per
    run, a lookup one per vacancy catalog (``ModelScorer.score_lookup``), so that a lookup's ~200
    candidates are gathered from these arrays instead of read off 200 records. ``cache`` holds a
    scorer's terms of the vacancies' own features (``AdditiveTerms.terms_at``), keyed by the terms
    object itself (its identity: a scorer replaced meanwhile cannot be confused with a new one).
    """

    def __init__(self, vacancies: Sequence[Vacancy], employers: EmployerHistory | None = None) -> None:
        vs = tuple(vacancies)
        self.vacancies = vs
        self.employers = employers
        self.employer_lasting = employer_column(vs, employers)
        self.shift = _col([0.0 if v.shifts is Shifts.DAY else 1.0 for v in vs])
        self.hours = _col([v.hours_per_week for v in vs])
        self.load = np.array([int(v.physical_load) for v in vs], dtype=np.int64)
        self.german = np.array([int(v.german_level) for v in vs], dtype=np.int64)
        self.skill = np.array([int(v.skill_level) for v in vs], dtype=np.int64)
        self.fixed_term = _col([1.0 if v.contract is Contract.FIXED_TERM else 0.0 for v in vs])
        self.contract_months = _col([float(v.contract_months or 0) for v in vs])
        self.temp_agency = _col([1.0 if v.employer.temp_agency else 0.0 for v in vs])
        self.employer_size = _col([_SIZE[v.employer.size_band] for v in vs])
        self.collective = _col([1.0 if v.employer.collective_agreement else 0.0 for v in vs])
        self.training = _col([1.0 if v.employer.offers_training else 0.0 for v in vs])
        self.hourly_wage = _col([v.hourly_wage for v in vs])
        self.monthly_wage = np.array([v.monthly_wage for v in vs], dtype=np.float64)
        # Each tax situation's net pay and countable income of these wages, computed once.
        self.wages = WageTable(self.monthly_wage)
        # The vacancies' 4-digit codes (Berufsgattung, ``experience_years``) numbered; a claimant's
        # experience in a code no vacancy has is never read.
        codes = sorted({v.kldb[:4] for v in vs if v.kldb is not None})
        self.code_number = {code: i for i, code in enumerate(codes)}
        self.code = np.array(
            [-1 if v.kldb is None else self.code_number[v.kldb[:4]] for v in vs], dtype=np.int64
        )
        self.side = {
            "hours_per_week": self.hours,
            "shift_work": self.shift,
            "fixed_term": self.fixed_term,
            "contract_months": self.contract_months,
            "temp_agency": self.temp_agency,
            "employer_size": self.employer_size,
            "collective_agreement": self.collective,
            "offers_training": self.training,
            "hourly_wage": self.hourly_wage,
            "employer_lasting": self.employer_lasting,
        }
        self.cache: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.vacancies)


class FeatureTables:
    """``build_features`` for pairs given as positions into fixed claimant and vacancy sequences.

    The nightly run scores ~300 vacancies for each of 100,000 claimants: reading each pair's
    attributes off the two records costs more than the arithmetic. Here every attribute is read
    once per claimant and once per vacancy (``VacancyColumns``, which may be shared), and a pair's
    row is gathered from those arrays. Each column is the same elementwise IEEE operations on the
    same values as in ``build_features``, so the matrix is the same bit for bit
    (``tests/models/test_pair_scorer.py``, ``tests/matcher/nightly/test_fused.py``).
    """

    def __init__(
        self,
        claimants: Sequence[Claimant],
        vacancies: Sequence[Vacancy] | VacancyColumns,
        s: HouseholdSettings,
        employers: EmployerHistory | None = None,
    ) -> None:
        vc = vacancies if isinstance(vacancies, VacancyColumns) else VacancyColumns(vacancies, employers)
        self.columns = vc
        self.claimants = tuple(claimants)
        self.vacancies = vc.vacancies
        self.household = s
        cs = self.claimants
        self.households = [c.household for c in cs]
        self.no_car = _col([0.0 if c.has_car else 1.0 for c in cs])
        self.young = _col([float(c.household.children_0_5) for c in cs])
        self.school = _col([float(c.household.children_6_13) for c in cs])
        self.single = _col([1.0 if c.household.single_parent else 0.0 for c in cs])
        self.available = _col([c.available_hours for c in cs])
        self.shifts_ok = _col([1.0 if c.shifts_ok else 0.0 for c in cs])
        self.health = np.array([-1 if c.health_max_load is None else int(c.health_max_load) for c in cs])
        self.c_german = np.array([int(c.german_level) for c in cs], dtype=np.int64)
        self.c_skill = np.array([int(c.skill_level) for c in cs], dtype=np.int64)
        self.short_spells = _col([float(c.short_spells) for c in cs])
        self.months_unemployed = _col([float(c.months_unemployed) for c in cs])
        self.shift, self.hours, self.load = vc.shift, vc.hours, vc.load
        self.v_german, self.v_skill = vc.german, vc.skill
        self.fixed_term, self.contract_months = vc.fixed_term, vc.contract_months
        self.temp_agency = vc.temp_agency
        self.employer_size, self.collective, self.training = vc.employer_size, vc.collective, vc.training
        self.hourly_wage, self.monthly_wage = vc.hourly_wage, vc.monthly_wage
        self.employer_lasting = vc.employer_lasting
        # Experience by Berufsgattung (``experience_years``): each claimant's months per vacancy code
        # as sorted (claimant, code) keys.
        number = vc.code_number
        self._codes = len(number) + 1
        self.v_code = vc.code
        months: dict[int, int] = {}
        for i, c in enumerate(cs):
            for code, m in c.experience:
                at = number.get(code[:4])
                if at is None:
                    continue  # no vacancy of the sequence is in this occupation
                key = i * self._codes + at
                months[key] = months.get(key, 0) + m
        self._exp_keys = np.array(sorted(months), dtype=np.int64)
        self._exp_months = np.array([months[k] for k in self._exp_keys.tolist()], dtype=np.int64)
        self._claimant_side = {
            "no_car": self.no_car,
            "young_children": self.young,
            "school_children": self.school,
            "single_parent": self.single,
            "short_spells": self.short_spells,
            "months_unemployed": self.months_unemployed,
        }
        # A scorer's terms of the claimant's own features, evaluated once (``terms_at``; the
        # vacancies' are in ``columns.cache``).
        self.cache: dict[Any, Any] = {}

    def side(self, name: str) -> tuple[str, F64] | None:
        """A feature of the claimant alone or of the vacancy alone: ("claimant" or "vacancy", its value
        for each of them); None for a feature of the pair."""
        if name in self._claimant_side:
            return "claimant", self._claimant_side[name]
        if name in self.columns.side:
            return "vacancy", self.columns.side[name]
        return None

    def experience_years(self, cpos: npt.NDArray[np.intp], vpos: npt.NDArray[np.intp]) -> F64:
        code = self.v_code[vpos]
        key = cpos.astype(np.int64) * self._codes + code
        at = np.minimum(np.searchsorted(self._exp_keys, key), max(len(self._exp_keys) - 1, 0))
        found = (code >= 0) & (len(self._exp_keys) > 0)
        if len(self._exp_keys):
            found &= self._exp_keys[at] == key
        months = np.where(found, self._exp_months[at] if len(self._exp_keys) else 0, 0)
        return months.astype(np.float64) / 12.0

    def matrix(
        self,
        cpos: npt.NDArray[np.intp],
        vpos: npt.NDArray[np.intp],
        *,
        similarity: npt.ArrayLike,
        depth: npt.ArrayLike,
        commute_minutes: npt.ArrayLike,
        commute_limit: npt.ArrayLike,
    ) -> F64:
        """The feature matrix of the pairs (claimants[cpos[i]], vacancies[vpos[i]]), as build_features."""
        n = len(cpos)
        if n == 0:
            return np.zeros((0, len(FEATURES)))
        minutes = np.asarray(commute_minutes, dtype=np.float64)
        limit = np.asarray(commute_limit, dtype=np.float64)
        no_car = self.no_car[cpos]
        hours = self.hours[vpos]
        shift = self.shift[vpos]
        h = self.health[cpos]
        excess = np.where(h >= 0, np.maximum(self.load[vpos] - h, 0), 0).astype(np.float64)
        german = (self.v_german[vpos] - self.c_german[cpos]).astype(np.float64)
        skill = (self.v_skill[vpos] - self.c_skill[cpos]).astype(np.float64)
        # The pairs' distinct households by claimant position, as ``assess_pairs`` groups them.
        homes_at, which = np.unique(cpos, return_inverse=True)
        effect = assess_gathered(
            [self.households[i] for i in homes_at.tolist()],
            which.astype(np.intp),
            vpos,
            self.columns.wages,
            self.household,
        )
        need_total = effect["remaining_need"] + effect["countable"]
        share = np.where(need_total > 0, effect["countable"] / np.maximum(need_total, 1.0), 2.0)
        cols = {
            "similarity": np.asarray(similarity, dtype=np.float64),
            "kldb_depth": np.asarray(depth, dtype=np.float64),
            "experience_years": self.experience_years(cpos, vpos),
            "commute_minutes": minutes,
            "commute_over_limit": np.maximum(minutes - limit, 0.0),
            "no_car": no_car,
            "commute_no_car": minutes * no_car,
            "hours_per_week": hours,
            "hours_over_available": np.maximum(hours - self.available[cpos], 0.0),
            "young_children": self.young[cpos],
            "school_children": self.school[cpos],
            "single_parent": self.single[cpos],
            "shift_work": shift,
            "shift_not_possible": shift * (1.0 - self.shifts_ok[cpos]),
            "fixed_term": self.fixed_term[vpos],
            "contract_months": self.contract_months[vpos],
            "temp_agency": self.temp_agency[vpos],
            "need_covered": np.clip(share, 0.0, 2.0),
            "ends_need": effect["ends_need"].astype(np.float64),
            "employer_size": self.employer_size[vpos],
            "collective_agreement": self.collective[vpos],
            "offers_training": self.training[vpos],
            "german_shortfall": np.maximum(german, 0.0),
            "health_strain": excess,
            "short_spells": self.short_spells[cpos],
            "months_unemployed": self.months_unemployed[cpos],
            "skill_under": np.maximum(skill, 0.0),
            "skill_over": np.maximum(-skill, 0.0),
            "hourly_wage": self.hourly_wage[vpos],
            "employer_lasting": self.employer_lasting[vpos],
        }
        return np.column_stack([cols[name] for name in FEATURES])
