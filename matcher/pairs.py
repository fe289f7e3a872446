"""What is measured and scored of claimant–vacancy pairs (pure: numpy and the core modules).

A pair's measurements — the commute by the claimant's mode (car if they have one, else public
transport), the commute limit it is judged on, the KldB match depth of the claimant's codes —
are made here, once, for every caller: a lookup (``MatchService``, from its catalogs), the
nightly batch (through the lookup), and training and evaluation (``measure_pairs``, from the
records of historic pairs that never went through a lookup). Train-time features are serve-time
features because both come from these functions.

``PairScores`` is what a ``PairScorer`` returns of a batch: numbers only (probabilities and, for
an explained batch of an additive model, the exact logit terms). ``matcher.explain`` turns
pairs and scores into what a case manager reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from matcher.catalog import rurality_of
from matcher.domain import Claimant, CommuteMode, Shifts, Vacancy
from matcher.filters import commute_limit
from matcher.geo import PostcodeDirectory, commute_minutes, haversine_km
from matcher.occupation import match_depth, vacancy_digits
from matcher.settings import CommuteSettings

F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]


class Grounder(Protocol):
    def codes_for(self, titles: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class PairBatch:
    """What is known of the candidate pairs of one lookup, aligned arrays over the candidates."""

    claimants: Sequence[Claimant]
    vacancies: Sequence[Vacancy]
    similarity: F64
    depth: I8
    commute_minutes: F64
    commute_limit: F64
    distance_km: F64

    def take(self, idx: Sequence[int]) -> PairBatch:
        """The pairs at these positions, in this order."""
        at = np.asarray(idx, dtype=np.intp)
        return PairBatch(
            claimants=[self.claimants[i] for i in at],
            vacancies=[self.vacancies[i] for i in at],
            similarity=self.similarity[at],
            depth=self.depth[at],
            commute_minutes=self.commute_minutes[at],
            commute_limit=self.commute_limit[at],
            distance_km=self.distance_km[at],
        )


@dataclass(frozen=True)
class LogitTerms:
    """The additive sustainability model's exact logit of each row: ``base + terms.sum(axis=1)``."""

    features: tuple[str, ...]  # the model's features, the columns of ``values`` and ``terms``
    values: F64  # (rows, features): the feature values the model saw
    terms: F64  # (rows, features): each feature's contribution in logit points
    logit: F64  # (rows,): the logit the probability was computed from
    base: float  # the logit of a row whose every term is 0


@dataclass(frozen=True)
class PairScores:
    """A scorer's numbers for a batch of pairs (aligned with it); ``terms`` only for explained rows."""

    p_match: F64
    p_sustain: F64
    model_version: str
    terms: LogitTerms | None = None

    def __len__(self) -> int:
        return int(self.p_match.shape[0])

    def take(self, idx: Sequence[int]) -> PairScores:
        """The scores (and terms, if any) of the pairs at these positions, in this order."""
        at = np.asarray(idx, dtype=np.intp)
        t = self.terms
        rows = None if t is None else LogitTerms(t.features, t.values[at], t.terms[at], t.logit[at], t.base)
        return PairScores(self.p_match[at], self.p_sustain[at], self.model_version, rows)


# -- measurements ----------------------------------------------------------------------------------
def claimant_codes(claimant: Claimant, grounder: Grounder | None) -> list[str]:
    """KldB codes of a claimant: recorded wishes, experience, and what the wish texts ground to."""
    grounded: Sequence[str] = ()
    if grounder is not None and claimant.desired_occupations:
        # A grounder that knows case managers' corrections of a reading (``matcher.readings``).
        of_claimant = getattr(grounder, "codes_of_claimant", None)
        grounded = of_claimant(claimant) if of_claimant else grounder.codes_for(claimant.desired_occupations)
    return list(codes_with(claimant, grounded))


def codes_with(claimant: Claimant, grounded: Sequence[str]) -> tuple[str, ...]:
    """A claimant's recorded codes (wishes, experience) with the codes its wish texts ground to,
    sorted (``claimant_codes`` when the grounding is already known, ``matcher.grounding``)."""
    codes = set(claimant.desired_kldb) | {code for code, _ in claimant.experience} | set(grounded)
    return tuple(sorted(codes))


def commute_for(mode: CommuteMode, distance_km: F64, rurality: F64) -> F64:
    """One-way minutes by one mode (``matcher.geo.commute_minutes``)."""
    return np.asarray(commute_minutes(distance_km, mode.value, rurality), dtype=np.float64)


def claimant_commute(has_car: bool | npt.NDArray[np.bool_], distance_km: F64, rurality: F64) -> F64:
    """One-way minutes by each claimant's mode: by car with a car, else by public transport.

    ``has_car`` is one claimant's (against many vacancies) or one per pair.
    """
    car = np.asarray(has_car, dtype=bool)
    if car.ndim == 0:
        # One claimant: only the mode they travel by (a lookup measures 100,000 vacancies).
        return commute_for(CommuteMode.CAR if bool(car) else CommuteMode.PUBLIC, distance_km, rurality)
    by_car = commute_for(CommuteMode.CAR, distance_km, rurality)
    return np.where(car, by_car, commute_for(CommuteMode.PUBLIC, distance_km, rurality))


def match_depths(
    claimants: Sequence[Claimant], digits: npt.NDArray[np.int8], grounder: Grounder | None
) -> I8:
    """KldB match depth (0-5) of aligned pairs; ``digits`` is the vacancies' ``vacancy_digits``.

    A claimant's codes (``claimant_codes``, which may ask the grounder) are computed once per claimant.
    """
    depth = np.zeros(len(claimants), dtype=np.int8)
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(claimants):
        rows.setdefault(c.id, []).append(i)
    for idx in rows.values():
        depth[idx] = match_depth(claimant_codes(claimants[idx[0]], grounder), digits[idx])
    return depth


def fetch_size(n_eligible: int, k: int) -> int:
    """How many nearest eligible vacancies a lookup scores for a list of k (the scorer reorders them)."""
    return min(n_eligible, max(10 * k, 200))


def measure_pairs(
    claimants: Sequence[Claimant],
    vacancies: Sequence[Vacancy],
    *,
    geo: PostcodeDirectory,
    grounder: Grounder | None,
    commute: CommuteSettings,
) -> PairBatch:
    """What a lookup measures of aligned pairs (c[i], v[i]), from the records alone.

    Distance from the claimant's coordinates (else the postcode's centre) to the vacancy's; commute
    by the claimant's mode with the larger rurality of both ends (an unknown postcode counts as
    rural); the claimant's own limit or the §140(4) SGB III default; the KldB match depth.
    ``similarity`` is zero: no model uses it. A pair whose places are unknown gets NaN minutes.
    """
    n = len(claimants)
    if len(vacancies) != n:
        raise ValueError("claimants and vacancies must be aligned")
    places: dict[str, tuple[float, float, float]] = {}

    def place(code: str) -> tuple[float, float, float]:
        if code not in places:
            if geo.is_known(code):
                p = geo.lookup(code)
                places[code] = (p.lat, p.lon, p.rurality)
            else:
                places[code] = (math.nan, math.nan, 1.0)
        return places[code]

    clat, clon, crur = np.empty(n), np.empty(n), np.empty(n)
    for i, c in enumerate(claimants):
        lat, lon, rurality = place(c.postcode)
        clat[i] = c.lat if c.lat is not None else lat
        clon[i] = c.lon if c.lon is not None else lon
        crur[i] = rurality
    vlat = np.array([v.lat if v.lat is not None else place(v.postcode)[0] for v in vacancies], np.float64)
    vlon = np.array([v.lon if v.lon is not None else place(v.postcode)[1] for v in vacancies], np.float64)
    vrur = rurality_of([v.postcode for v in vacancies], geo)
    dist: F64 = np.asarray(haversine_km(clat, clon, vlat, vlon), dtype=np.float64)
    car = np.array([c.has_car for c in claimants], dtype=bool)
    own = np.array(
        [math.nan if c.max_commute_minutes is None else c.max_commute_minutes for c in claimants], np.float64
    )
    hours = np.array([v.hours_per_week for v in vacancies], dtype=np.float64)
    return PairBatch(
        claimants=list(claimants),
        vacancies=list(vacancies),
        similarity=np.zeros(n),
        depth=match_depths(claimants, vacancy_digits([v.kldb for v in vacancies]), grounder),
        commute_minutes=claimant_commute(car, dist, np.maximum(crur, vrur)),
        commute_limit=commute_limit(own, hours, commute),
        distance_km=dist,
    )


# -- what the records say of a pair (features and reasons both read these) ----------------------------
def experience_years(claimants: Sequence[Claimant], vacancies: Sequence[Vacancy]) -> F64:
    """Years the claimant worked in the vacancy's occupation (``Claimant.experience_months``)."""
    # Months by Berufsgattung once per claimant object, then one dict lookup a pair: a lookup sees
    # ~200 pairs of one claimant, a nightly chunk ~200 pairs of each of hundreds.
    by_claimant: dict[int, dict[str, int]] = {}
    months: list[int] = []
    for c, v in zip(claimants, vacancies, strict=True):
        table = by_claimant.get(id(c))
        if table is None:
            table = by_claimant[id(c)] = {}
            for code, m in c.experience:
                table[code[:4]] = table.get(code[:4], 0) + m
        months.append(0 if v.kldb is None else table.get(v.kldb[:4], 0))
    return np.array(months, dtype=np.float64) / 12.0


def childcare_clash(claimants: Sequence[Claimant], vacancies: Sequence[Vacancy]) -> F64:
    """How hard the job's hours are to combine with the household's childcare (0: no clash).

    Childcare load (children under 6 count fully, school children half; capped at 2) times how far
    the job reaches beyond a half-day Kita or school place (~25 h a week) plus shift work. Only the
    reason line "Arbeitszeit schwer mit der Kinderbetreuung vereinbar" reads it (> 0: shown); the
    models take the plain inputs instead (children by age band, single parent, the job's hours and
    shifts: ``models.features``), since a graded formula is one generator's shape.
    """
    young = np.array([float(c.household.children_0_5) for c in claimants], np.float64)
    school = np.array([float(c.household.children_6_13) for c in claimants], np.float64)
    hours = np.array([v.hours_per_week for v in vacancies], np.float64)
    shift = np.array([0.0 if v.shifts is Shifts.DAY else 1.0 for v in vacancies], np.float64)
    care = np.minimum(young + 0.5 * school, 2.0)
    clash = np.maximum(hours - 25.0, 0.0) / 15.0 + 0.8 * shift
    return care * clash
