"""A plain-Python reference of the truth's P(sustain) (no numpy): a test checks the vector path."""

from __future__ import annotations

import math

from matcher.domain import Claimant, Contract, Shifts, Vacancy
from matcher.occupations import resolve_title
from training.synthetic.places import RURAL, TOWN, urban_class
from training.synthetic.truth import (
    KINDERGELD,
    NET_SHARE,
    REGELBEDARF_PARTNER,
    REGELBEDARF_SINGLE,
    SIZE_EFFECT,
    SUSTAIN_B0,
    SUSTAIN_SCALE,
)
from training.synthetic.truth_inputs import SIZE_INDEX, K, desired_codes, place_latlon


def p_sustain_scalar(c: Claimant, v: Vacancy) -> float:
    """A plain-Python reference of `p_sustain` (no numpy), used by a test to check the vector path."""
    dc = desired_codes(c)
    code = v.kldb or resolve_title(v.title)

    def pref(a: str, b: str | None, vals: tuple[float, ...]) -> float:
        if not b:
            return 0.0
        for depth, val in zip((5, 4, 3, 2), vals, strict=True):
            if a[:depth] == b[:depth]:
                return val
        return 0.0

    match = max(
        [0.0]
        + [pref(a, code, (1.0, 0.8, 0.5, 0.25)) for a in dc]
        + [pref(a, code, (0.9, 0.85, 0.45, 0.2)) for a, _ in c.experience[:K]]
    )
    exp = sum(m for a, m in c.experience[:K] if code and a[:4] == code[:4])
    lat1, lon1 = place_latlon(c.postcode, c.lat, c.lon)
    lat2, lon2 = place_latlon(v.postcode, v.lat, v.lon)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    km = 2 * 6371.0 * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))
    road = 1.3 * max(km, 2.0)
    uf, ut = urban_class(c.postcode), urban_class(v.postcode)
    if c.has_car:
        minutes = 5.0 + road * 60.0 / (35.0 + 35.0 * (1.0 - math.exp(-road / 25.0)))
    else:
        pen = 10.0 * ((uf == RURAL) + (ut == RURAL)) + 4.0 * ((uf == TOWN) + (ut == TOWN))
        minutes = 12.0 + road * 60.0 / (22.0 + 23.0 * (1.0 - math.exp(-road / 30.0))) + pen
    h = c.household
    adults = REGELBEDARF_SINGLE if h.adults <= 1 else REGELBEDARF_PARTNER * h.adults
    need = max(
        adults
        + 357.0 * h.children_0_5
        + 390.0 * h.children_6_13
        + 471.0 * h.children_14_17
        + h.rent
        - KINDERGELD * h.children,
        100.0,
    )
    ratio = NET_SHARE * v.monthly_wage / need
    gap = int(v.skill_level) - int(c.skill_level)
    shifted = v.shifts is not Shifts.DAY
    load_excess = 0 if c.health_max_load is None else max(int(v.physical_load) - int(c.health_max_load), 0)
    months = v.contract_months or 0
    care = min(h.children_0_5 + 0.5 * h.children_6_13, 2.0)
    clash = max(v.hours_per_week - 25.0, 0.0) / 15.0 + 0.8 * shifted
    x = (
        SUSTAIN_B0
        - 0.55 * v.employer.temp_agency
        - ((0.25 + 1.1 * max(12.0 - months, 0.0) / 12.0) if v.contract is Contract.FIXED_TERM else 0.0)
        - (0.008 * max(minutes - 45.0, 0.0) if c.has_car else 0.03 * max(minutes - 30.0, 0.0))
        - 0.7 * care * clash * (1.0 if h.single_parent else 0.3)
        - ((0.15 + 1.0 * load_excess) if c.health_max_load is not None else 0.0)
        - 0.3 * min(c.short_spells, 4)
        - 0.3 * math.log1p(c.months_unemployed / 12.0)
        - 0.4 * max(int(v.german_level) - int(c.german_level), 0)
        - 0.4 * max(gap, 0)
        - 0.3 * max(-gap, 0)
        + float(SIZE_EFFECT[SIZE_INDEX[v.employer.size_band]])
        + 0.3 * v.employer.collective_agreement
        + 0.3 * v.employer.offers_training
        + 0.45 * min(exp / 24.0, 1.0)
        + 0.8 / (1.0 + math.exp(-6.0 * (ratio - 1.0)))
        + 0.5 * match
        - 0.04 * max(v.hours_per_week - c.available_hours, 0.0)
        - 0.5 * (shifted and not c.shifts_ok)
    )
    return 1.0 / (1.0 + math.exp(-SUSTAIN_SCALE * x))
