"""Inputs of the hidden truth: the observable fields of claimants and vacancies as arrays.

Protected attributes never enter: `ClaimantArrays` and `VacancyArrays` have no such fields
(`input_field_names`, `PROTECTED_NAMES`; a test keeps them apart)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from matcher.domain import Claimant, Contract, Shifts, SizeBand, Vacancy
from matcher.occupations import resolve_title
from training.synthetic.places import PLACES, urban_class

K = 4  # codes kept per claimant (desired and experience each)

_LICENCE_BITS = {
    c: i
    for i, c in enumerate(
        sorted(
            [
                "AM",
                "A1",
                "A2",
                "A",
                "B",
                "BE",
                "B96",
                "C1",
                "C1E",
                "C",
                "CE",
                "D1",
                "D1E",
                "D",
                "DE",
                "L",
                "T",
            ]
        )
    )
}
_IMPLIED = {
    "A": ("A2", "A1", "AM"),
    "A2": ("A1", "AM"),
    "A1": ("AM",),
    "B": ("AM", "L"),
    "BE": ("B", "B96"),
    "B96": ("B",),
    "C1": ("B",),
    "C1E": ("C1", "BE", "B"),
    "C": ("C1", "B"),
    "CE": ("C", "C1", "C1E", "BE", "B", "T"),
    "D1": ("B",),
    "D1E": ("D1", "BE", "B"),
    "D": ("D1", "B"),
    "DE": ("D", "D1", "D1E", "BE", "B"),
    "T": ("L",),
}
SIZE_INDEX = {SizeBand.MICRO: 0, SizeBand.SMALL: 1, SizeBand.MEDIUM: 2, SizeBand.LARGE: 3}
_PLACE_LATLON = {p.postcode: (p.lat, p.lon) for p in PLACES}


def _mask(classes: frozenset[str], *, expand: bool) -> int:
    out = set(classes)
    if expand:
        todo = list(classes)
        while todo:
            for c in _IMPLIED.get(todo.pop(), ()):
                if c not in out:
                    out.add(c)
                    todo.append(c)
    return sum(1 << _LICENCE_BITS[c] for c in out if c in _LICENCE_BITS)


def place_latlon(postcode: str, lat: float | None, lon: float | None) -> tuple[float, float]:
    """The record's coordinates, else its postcode's place, else the centre of Göttingen."""
    if lat is not None and lon is not None:
        return lat, lon
    return _PLACE_LATLON.get(postcode, (51.5364, 9.939))


def _code(text: str | None) -> int:
    return int(text) if text else -1


@dataclass(frozen=True)
class ClaimantArrays:
    """Truth inputs per claimant: observable fields only (no protected attributes)."""

    lat: np.ndarray
    lon: np.ndarray
    urban: np.ndarray
    has_car: np.ndarray
    licences: np.ndarray  # bitmask incl. implied classes
    max_commute: np.ndarray  # minutes; nan = §140 default
    available_hours: np.ndarray
    shifts_ok: np.ndarray
    health_max_load: np.ndarray  # 0 = no restriction
    skill: np.ndarray
    german: np.ndarray
    months_unemployed: np.ndarray
    short_spells: np.ndarray
    adults: np.ndarray
    children_0_5: np.ndarray
    children_6_13: np.ndarray
    children_14_17: np.ndarray
    rent: np.ndarray
    desired: np.ndarray  # (n, K) KldB codes as ints, -1 = none
    exp_codes: np.ndarray  # (n, K)
    exp_months: np.ndarray  # (n, K)


@dataclass(frozen=True)
class VacancyArrays:
    """Truth inputs per vacancy."""

    lat: np.ndarray
    lon: np.ndarray
    urban: np.ndarray
    code: np.ndarray  # -1 = unknown
    temp_agency: np.ndarray
    fixed_term: np.ndarray
    contract_months: np.ndarray  # 0 for permanent
    size: np.ndarray  # 0-3
    collective_agreement: np.ndarray
    training: np.ndarray
    hours: np.ndarray
    shifted: np.ndarray  # anything but regular day work
    hourly_wage: np.ndarray
    monthly_wage: np.ndarray
    skill: np.ndarray
    german: np.ndarray
    load: np.ndarray
    licences: np.ndarray  # required classes bitmask


PROTECTED_NAMES = frozenset(
    {"sex", "nationality_group", "nationality", "age_band", "age", "severe_disability"}
)


def input_field_names() -> frozenset[str]:
    """Every field the truth reads (a test checks that none is a protected attribute)."""
    return frozenset(f.name for f in fields(ClaimantArrays)) | frozenset(
        f.name for f in fields(VacancyArrays)
    )


def desired_codes(c: Claimant) -> tuple[str, ...]:
    """Recorded desired codes plus the codes the desired titles name, deduplicated, in order."""
    out: list[str] = []
    for code in (*c.desired_kldb, *(resolve_title(t) for t in c.desired_occupations)):
        if code and code not in out:
            out.append(code)
    return tuple(out[:K])


def claimant_arrays(claimants: Sequence[Claimant]) -> ClaimantArrays:
    """The truth's inputs of ``claimants`` as arrays (one entry per claimant)."""
    n = len(claimants)
    desired = np.full((n, K), -1, np.int64)
    exp_codes = np.full((n, K), -1, np.int64)
    exp_months = np.zeros((n, K))
    cols: dict[str, list[float]] = {name: [] for name in ("lat", "lon")}
    for i, c in enumerate(claimants):
        lat, lon = place_latlon(c.postcode, c.lat, c.lon)
        cols["lat"].append(lat)
        cols["lon"].append(lon)
        for k, code in enumerate(desired_codes(c)):
            desired[i, k] = int(code)
        for k, (code, months) in enumerate(c.experience[:K]):
            exp_codes[i, k] = int(code)
            exp_months[i, k] = months

    def arr(f: Callable[[Claimant], Any], dtype: Any = float) -> np.ndarray:
        return np.fromiter((f(c) for c in claimants), dtype, count=n)

    return ClaimantArrays(
        lat=np.asarray(cols["lat"], float),
        lon=np.asarray(cols["lon"], float),
        urban=arr(lambda c: urban_class(c.postcode), np.int64),
        has_car=arr(lambda c: c.has_car, bool),
        licences=arr(lambda c: _mask(c.licences, expand=True), np.int64),
        max_commute=arr(lambda c: np.nan if c.max_commute_minutes is None else c.max_commute_minutes),
        available_hours=arr(lambda c: c.available_hours),
        shifts_ok=arr(lambda c: c.shifts_ok, bool),
        health_max_load=arr(lambda c: 0 if c.health_max_load is None else int(c.health_max_load), np.int64),
        skill=arr(lambda c: int(c.skill_level), np.int64),
        german=arr(lambda c: int(c.german_level), np.int64),
        months_unemployed=arr(lambda c: c.months_unemployed),
        short_spells=arr(lambda c: c.short_spells),
        adults=arr(lambda c: c.household.adults, np.int64),
        children_0_5=arr(lambda c: c.household.children_0_5, np.int64),
        children_6_13=arr(lambda c: c.household.children_6_13, np.int64),
        children_14_17=arr(lambda c: c.household.children_14_17, np.int64),
        rent=arr(lambda c: c.household.rent),
        desired=desired,
        exp_codes=exp_codes,
        exp_months=exp_months,
    )


def vacancy_arrays(vacancies: Sequence[Vacancy]) -> VacancyArrays:
    """The truth's inputs of ``vacancies`` as arrays (one entry per vacancy)."""
    n = len(vacancies)

    def arr(f: Callable[[Vacancy], Any], dtype: Any = float) -> np.ndarray:
        return np.fromiter((f(v) for v in vacancies), dtype, count=n)

    latlon = [place_latlon(v.postcode, v.lat, v.lon) for v in vacancies]
    return VacancyArrays(
        lat=np.asarray([p[0] for p in latlon], float).reshape(n),
        lon=np.asarray([p[1] for p in latlon], float).reshape(n),
        urban=arr(lambda v: urban_class(v.postcode), np.int64),
        code=arr(lambda v: _code(v.kldb or resolve_title(v.title)), np.int64),
        temp_agency=arr(lambda v: v.employer.temp_agency, bool),
        fixed_term=arr(lambda v: v.contract is Contract.FIXED_TERM, bool),
        contract_months=arr(lambda v: v.contract_months or 0),
        size=arr(lambda v: SIZE_INDEX[v.employer.size_band], np.int64),
        collective_agreement=arr(lambda v: v.employer.collective_agreement, bool),
        training=arr(lambda v: v.employer.offers_training, bool),
        hours=arr(lambda v: v.hours_per_week),
        shifted=arr(lambda v: v.shifts is not Shifts.DAY, bool),
        hourly_wage=arr(lambda v: v.hourly_wage),
        monthly_wage=arr(lambda v: v.monthly_wage),
        skill=arr(lambda v: int(v.skill_level), np.int64),
        german=arr(lambda v: int(v.german_level), np.int64),
        load=arr(lambda v: int(v.physical_load), np.int64),
        licences=arr(lambda v: _mask(v.licences, expand=False), np.int64),
    )
